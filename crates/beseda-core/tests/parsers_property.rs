//! Property tests of the core parsers that read what the internet sends: the Markdown plain
//! rendering, the IP allowlist and the protocol's booleans. Cases per property are kept modest
//! so the whole file runs in a few seconds under `cargo test`.

use beseda_core::ip_allowlist::{Allowlist, AllowlistError};
use beseda_core::markdown::to_plain;
use beseda_core::rules::parse_bool;
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// 512 cases, or `PROPTEST_CASES` for a longer run.
fn config() -> ProptestConfig {
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() { ProptestConfig::default().cases } else { 512 };
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// Text rich in Markdown markers, brackets, HTML specials and line breaks.
fn markdownish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("*".to_owned()),
        Just("_".to_owned()),
        Just("`".to_owned()),
        Just("~".to_owned()),
        Just("#".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("\n".to_owned()),
        Just(" ".to_owned()),
        Just("<script>".to_owned()),
        Just("&amp;\"'".to_owned()),
        Just("javascript:alert(1)".to_owned()),
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

/// Whether `small` is a subsequence of `big` (by characters).
fn is_subsequence(small: &str, big: &str) -> bool {
    let mut it = big.chars();
    small.chars().all(|c| it.any(|b| b == c))
}

fn count(text: &str, c: char) -> usize {
    text.chars().filter(|x| *x == c).count()
}

proptest! {
    #![proptest_config(config())]

    /// Without link targets the plain text only drops characters: it never invents any, so no
    /// `<`, `&` or quote reaches a client that was not in the input (escaping stays the
    /// client's job, on text that is never more dangerous than what was sent).
    #[test]
    fn markdown_plain_text_only_drops_characters(md in markdownish()) {
        let plain = to_plain(&md, false);
        prop_assert!(is_subsequence(&plain, &md), "{plain:?} from {md:?}");
        prop_assert!(!plain.contains(['*', '_', '`', '~']));
    }

    /// With link targets, the only additions are ` (` and `)` around a URL taken from the input:
    /// HTML-special characters are never added.
    #[test]
    fn markdown_link_targets_add_no_html(md in markdownish()) {
        let plain = to_plain(&md, true);
        for special in ['<', '>', '&', '"', '\''] {
            prop_assert!(count(&plain, special) <= count(&md, special), "{special} in {plain:?} from {md:?}");
        }
    }

    /// Text without Markdown markers comes back unchanged.
    #[test]
    fn markdown_plain_input_is_kept(text in "[^*_`~#\\[]*", targets in any::<bool>()) {
        prop_assert_eq!(to_plain(&text, targets), text);
    }

    /// Any text parses or is refused with a reason; it never panics.
    #[test]
    fn allowlist_parse_never_panics(text in "[0-9a-f.:/, \\-]{0,40}|\\PC{0,40}") {
        match Allowlist::parse(&text) {
            Ok(_) => {}
            Err(AllowlistError::Mask(_)) => prop_assert!(text.contains('/')),
            Err(AllowlistError::Ipv6(_)) => prop_assert!(text.contains(':')),
            Err(_) => {}
        }
    }

    /// A list of ranges allows exactly the addresses inside one of them: checked against an
    /// independent computation on u128, for addresses near the edges and at random.
    #[test]
    fn allowlist_allows_exactly_its_ranges(
        ranges in prop::collection::vec((any::<u32>(), 0u32..512), 1..5),
        probes in prop::collection::vec(any::<u32>(), 8),
        spaces in any::<bool>(),
    ) {
        let ranges: Vec<(u32, u32)> = ranges.into_iter().map(|(a, len)| (a, a.saturating_add(len))).collect();
        let sep = if spaces { " , " } else { "," };
        let text = ranges
            .iter()
            .map(|(a, b)| if a == b {
                Ipv4Addr::from(*a).to_string()
            } else {
                format!("{}-{}", Ipv4Addr::from(*a), Ipv4Addr::from(*b))
            })
            .collect::<Vec<_>>()
            .join(sep);
        let list = Allowlist::parse(&text).expect("a generated list parses");
        let inside = |x: u128| ranges.iter().any(|(a, b)| u128::from(*a) <= x && x <= u128::from(*b));
        let mut addresses: Vec<u128> = probes.into_iter().map(u128::from).collect();
        for (a, b) in &ranges {
            let (a, b) = (u128::from(*a), u128::from(*b));
            addresses.extend([a, b, a.wrapping_sub(1), b + 1]);
        }
        for x in addresses.into_iter().filter(|x| *x <= u128::from(u32::MAX)) {
            let v4 = Ipv4Addr::from(x as u32);
            prop_assert_eq!(list.allows(IpAddr::V4(v4)), inside(x), "{} in {}", v4, text);
            prop_assert_eq!(list.allows(IpAddr::V6(v4.to_ipv6_mapped())), inside(x));
        }
    }

    /// Other IPv6 addresses never match a non-empty list; an empty list allows everyone.
    #[test]
    fn allowlist_ipv6_and_empty(a in any::<u32>(), v6 in any::<u128>()) {
        let v6 = Ipv6Addr::from(v6);
        let list = Allowlist::parse(&Ipv4Addr::from(a).to_string()).expect("one address");
        if v6.to_ipv4_mapped().is_none() {
            prop_assert!(!list.allows(IpAddr::V6(v6)));
        }
        prop_assert!(Allowlist::parse("").expect("empty").allows(IpAddr::V6(v6)));
    }

    /// Booleans: the documented words in any case and with surrounding spaces, nothing else.
    #[test]
    fn booleans_are_the_documented_words(text in "\\PC{0,8}", word in "(1|0|true|false|on|off|yes|no)") {
        let known = ["1", "0", "true", "false", "on", "off", "yes", "no", ""];
        let got = parse_bool(&text);
        prop_assert_eq!(got.is_some(), known.contains(&text.trim().to_ascii_lowercase().as_str()));
        let padded = format!("  {} ", word.to_ascii_uppercase());
        prop_assert_eq!(parse_bool(&padded), Some(["1", "true", "on", "yes"].contains(&word.as_str())));
    }
}

/// User-agent-like text: the tokens the parser looks for, versions, separators and anything.
fn user_agentish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("Mozilla/5.0 (".to_owned()),
        Just("Windows NT ".to_owned()),
        Just("iPhone OS ".to_owned()),
        Just("CPU OS ".to_owned()),
        Just("Android ".to_owned()),
        Just("Mac OS X ".to_owned()),
        Just("Chrome/".to_owned()),
        Just("Edg/".to_owned()),
        Just("Version/".to_owned()),
        Just("Safari/".to_owned()),
        Just("Trident/".to_owned()),
        Just("rv:".to_owned()),
        Just("Mobile".to_owned()),
        Just("bot".to_owned()),
        "[0-9._]{0,8}",
        Just("; ".to_owned()),
        Just(") ".to_owned()),
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..16).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(config())]

    /// Any header reads without a panic into known names only, versions of digits and dots
    /// taken from the header itself, and a device only with something recognised.
    #[test]
    fn user_agents_read_into_known_names(ua in user_agentish()) {
        use beseda_core::user_agent::parse;
        let got = parse(&ua);
        let browsers = ["Chrome", "Firefox", "Safari", "Edge", "Opera", "Yandex Browser", "Samsung Internet",
            "Internet Explorer", "Chromium"];
        let systems = ["Windows", "macOS", "iOS", "iPadOS", "Android", "Chrome OS", "Linux"];
        prop_assert!(got.browser.as_deref().is_none_or(|b| browsers.contains(&b)));
        prop_assert!(got.os.as_deref().is_none_or(|o| systems.contains(&o)));
        prop_assert!(got.device.is_none_or(|d| ["desktop", "mobile", "tablet", "bot"].contains(&d)));
        prop_assert!(got.browser.is_some() || got.browser_version.is_none());
        let windows = got.os.as_deref() == Some("Windows");
        if let (true, Some(v)) = (windows, &got.os_version) {
            prop_assert!(["10/11", "8.1", "8", "7", "Vista", "XP"].contains(&v.as_str()), "{v}");
        }
        let numbered = if windows { vec![&got.browser_version] } else { vec![&got.browser_version, &got.os_version] };
        for v in numbered.into_iter().flatten() {
            prop_assert!(!v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'), "{v}");
        }
        if let Some(v) = &got.browser_version {
            prop_assert!(ua.contains(v.as_str()));
        }
    }
}
