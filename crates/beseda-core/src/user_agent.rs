//! Browser, operating system and kind of device, read from a `User-Agent` header for the
//! operator's visitor context. A compact reading of the tokens browsers actually send (order
//! matters: Edge, Opera, Yandex and Samsung's browser also say "Chrome", Chrome also says
//! "Safari"); anything unrecognised is `None`, never a guess.

/// What the header says, as far as it can be read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserAgent {
    /// `Chrome`, `Firefox`, `Safari`, `Edge`, `Opera`, `Yandex Browser`, `Samsung Internet`,
    /// `Internet Explorer`, `Chromium`.
    pub browser: Option<String>,
    /// The browser's major version.
    pub browser_version: Option<String>,
    /// `Windows`, `macOS`, `iOS`, `iPadOS`, `Android`, `Chrome OS`, `Linux`.
    pub os: Option<String>,
    pub os_version: Option<String>,
    /// `desktop`, `mobile`, `tablet` or `bot`.
    pub device: Option<&'static str>,
}

/// The version after `token/` (its major part only), if the token is there.
fn version_after(ua: &str, token: &str) -> Option<Option<String>> {
    let at = ua.find(token)?;
    let rest = &ua[at + token.len()..];
    let major: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((!major.is_empty()).then_some(major))
}

fn browser(ua: &str) -> Option<(&'static str, Option<String>)> {
    const ORDER: &[(&str, &str)] = &[
        ("Edg/", "Edge"),
        ("EdgA/", "Edge"),
        ("EdgiOS/", "Edge"),
        ("Edge/", "Edge"),
        ("OPR/", "Opera"),
        ("OPiOS/", "Opera"),
        ("YaBrowser/", "Yandex Browser"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("MSIE ", "Internet Explorer"),
    ];
    for (token, name) in ORDER {
        if let Some(version) = version_after(ua, token) {
            return Some((name, version));
        }
    }
    if ua.contains("Trident/") {
        return Some(("Internet Explorer", version_after(ua, "rv:").flatten()));
    }
    if ua.contains("Safari/") && (ua.contains("Macintosh") || ua.contains("iPhone") || ua.contains("iPad")) {
        return Some(("Safari", version_after(ua, "Version/").flatten()));
    }
    None
}

/// `10_15_7` → `10.15.7`.
fn dotted(v: &str) -> String {
    v.replace('_', ".")
}

fn version_run(ua: &str, token: &str) -> Option<String> {
    let at = ua.find(token)?;
    let v: String =
        ua[at + token.len()..].chars().take_while(|c| c.is_ascii_digit() || *c == '_' || *c == '.').collect();
    let v = dotted(v.trim_end_matches(['.', '_']));
    (!v.is_empty()).then_some(v)
}

fn os(ua: &str) -> Option<(&'static str, Option<String>)> {
    if ua.contains("Windows NT") {
        let nt = version_run(ua, "Windows NT ");
        let name = match nt.as_deref() {
            Some("10.0") => Some("10/11"),
            Some("6.3") => Some("8.1"),
            Some("6.2") => Some("8"),
            Some("6.1") => Some("7"),
            Some("6.0") => Some("Vista"),
            Some("5.1") => Some("XP"),
            _ => None,
        };
        return Some(("Windows", name.map(str::to_owned)));
    }
    if ua.contains("iPad") {
        return Some(("iPadOS", version_run(ua, "CPU OS ")));
    }
    if ua.contains("iPhone") || ua.contains("iPod") {
        return Some(("iOS", version_run(ua, "iPhone OS ").or_else(|| version_run(ua, "CPU OS "))));
    }
    if ua.contains("Android") {
        return Some(("Android", version_run(ua, "Android ")));
    }
    if ua.contains("CrOS") {
        return Some(("Chrome OS", None));
    }
    if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        return Some(("macOS", version_run(ua, "Mac OS X ")));
    }
    if ua.contains("Linux") || ua.contains("X11") {
        return Some(("Linux", None));
    }
    None
}

fn device(ua: &str, os: Option<&str>) -> Option<&'static str> {
    let lower = ua.to_ascii_lowercase();
    if ["bot", "crawler", "spider", "headlesschrome", "curl/", "wget/"].iter().any(|t| lower.contains(t)) {
        return Some("bot");
    }
    match os {
        Some("iPadOS") => Some("tablet"),
        Some("iOS") => Some("mobile"),
        // Android tablets leave "Mobile" out.
        Some("Android") => Some(if ua.contains("Mobile") { "mobile" } else { "tablet" }),
        Some(_) => Some("desktop"),
        None => None,
    }
}

/// Reads a `User-Agent` header.
pub fn parse(ua: &str) -> UserAgent {
    let (browser, browser_version) = match browser(ua) {
        Some((name, version)) => (Some(name.to_owned()), version),
        None => (None, None),
    };
    let (os_name, os_version) = match os(ua) {
        Some((name, version)) => (Some(name), version),
        None => (None, None),
    };
    UserAgent { browser, browser_version, device: device(ua, os_name), os: os_name.map(str::to_owned), os_version }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Read = (Option<String>, Option<String>, Option<String>, Option<String>, Option<&'static str>);

    fn read(ua: &str) -> Read {
        let u = parse(ua);
        (u.browser, u.browser_version, u.os, u.os_version, u.device)
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn browsers_people_use() {
        let chrome_win = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(read(chrome_win), (some("Chrome"), some("131"), some("Windows"), some("10/11"), Some("desktop")));
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86";
        assert_eq!(read(edge).0, some("Edge"));
        assert_eq!(read(edge).1, some("131"));
        let yandex = "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 YaBrowser/24.4.0.0 Safari/537.36";
        assert_eq!(read(yandex), (some("Yandex Browser"), some("24"), some("Windows"), some("7"), Some("desktop")));
        let firefox_linux = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(read(firefox_linux), (some("Firefox"), some("133"), some("Linux"), None, Some("desktop")));
        let safari_mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";
        assert_eq!(read(safari_mac), (some("Safari"), some("18"), some("macOS"), some("10.15.7"), Some("desktop")));
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1";
        assert_eq!(read(iphone), (some("Safari"), some("17"), some("iOS"), some("17.6.1"), Some("mobile")));
        let chrome_ios = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1";
        assert_eq!(read(chrome_ios).0, some("Chrome"));
        let ipad = "Mozilla/5.0 (iPad; CPU OS 16_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1";
        assert_eq!(read(ipad), (some("Safari"), some("16"), some("iPadOS"), some("16.7"), Some("tablet")));
        let android = "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36";
        assert_eq!(read(android), (some("Samsung Internet"), some("26"), some("Android"), some("14"), Some("mobile")));
        let tablet = "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(read(tablet).4, Some("tablet"));
        let opera = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0";
        assert_eq!(read(opera).0, some("Opera"));
        let ie = "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko";
        assert_eq!(read(ie), (some("Internet Explorer"), some("11"), some("Windows"), some("7"), Some("desktop")));
        let cros = "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(read(cros).2, some("Chrome OS"));
    }

    #[test]
    fn robots_and_nonsense() {
        let bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
        assert_eq!(read(bot).4, Some("bot"));
        assert_eq!(read("curl/8.5.0").4, Some("bot"));
        let headless = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36";
        assert_eq!(read(headless).4, Some("bot"));
        assert_eq!(parse(""), UserAgent::default());
        assert_eq!(parse("<script>alert(1)</script>"), UserAgent::default());
        // A token at the very end, without a version, is no panic.
        assert_eq!(read("Chrome/").0, some("Chrome"));
        assert_eq!(read("Chrome/").1, None);
        assert_eq!(read("Windows NT ").3, None);
    }
}
