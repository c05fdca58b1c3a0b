//! Teleport (seed 003 «Телепорт»): an operator sends the visitor's page to another page of the
//! same site, either to an address typed in the workspace or to a page chosen by its code from
//! the organisation's list (`teleport_pages`, one `code address` per line). The address of a
//! page may be a path (`/delivery`), resolved against the site the visitor is on, or an absolute
//! http(s) URL; either way only pages of the visitor's own site are reached (the same-site rule).

use crate::DomainError;

/// Longest page code.
pub const CODE_MAX: usize = 32;
/// Most pages in the list.
pub const PAGES_MAX: usize = 100;
/// Longest address.
pub const URL_MAX: usize = 2048;

/// One line of `teleport_pages`: a code and the address it names.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct TeleportPage {
    pub code: String,
    /// A path of the visitor's site (`/delivery`) or an absolute http(s) URL.
    pub url: String,
}

/// Whether `code` is a page code: 1–32 letters, digits, `-` or `_`.
pub fn valid_code(code: &str) -> bool {
    let n = code.chars().count();
    (1..=CODE_MAX).contains(&n) && code.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// `scheme://host[:port]` of an absolute http(s) URL, lowercased; `None` for anything else.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let valid = !host.is_empty() && !host.contains(['@', ' ', '\\']);
    valid.then(|| format!("{scheme}://{}", host.to_ascii_lowercase()))
}

/// Whether `url` is a path of the site: starts with one `/` (not `//`, which names another host).
fn is_path(url: &str) -> bool {
    url.starts_with('/') && !url.starts_with("//") && !url.contains('\\')
}

/// Whether `url` may stand in the list: a path or an absolute http(s) URL, at most 2048 bytes.
pub fn valid_address(url: &str) -> bool {
    url.len() <= URL_MAX && !url.chars().any(char::is_whitespace) && (is_path(url) || origin(url).is_some())
}

/// The pages of the `teleport_pages` lines; `Err(line)` names the first line that is not
/// `code address` with a valid code and address, or whose code repeats an earlier one.
pub fn parse_pages(lines: &[String]) -> Result<Vec<TeleportPage>, String> {
    let mut pages: Vec<TeleportPage> = Vec::new();
    for line in lines.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        let mut parts = line.split_whitespace();
        let page = match (parts.next(), parts.next(), parts.next()) {
            (Some(code), Some(url), None) if valid_code(code) && valid_address(url) => {
                TeleportPage { code: code.to_owned(), url: url.to_owned() }
            }
            _ => return Err(line.to_owned()),
        };
        if pages.iter().any(|p| p.code == page.code) {
            return Err(line.to_owned());
        }
        pages.push(page);
    }
    if pages.len() > PAGES_MAX {
        return Err(format!("more than {PAGES_MAX} pages"));
    }
    Ok(pages)
}

/// The page `code` names in the list (lines that do not parse are skipped).
pub fn page_of(lines: &[String], code: &str) -> Option<String> {
    lines.iter().find_map(|line| {
        let mut parts = line.split_whitespace();
        match (parts.next(), parts.next(), parts.next()) {
            (Some(c), Some(url), None) if c == code && valid_address(url) => Some(url.to_owned()),
            _ => None,
        }
    })
}

/// The absolute address to send a visitor on `page` (the page the visitor is on now) to:
/// a path is resolved against the page's site; an absolute URL must be on that site.
/// No known page (an app, a messenger) → `TeleportNoPage`; another site → `TeleportOtherSite`.
pub fn resolve(page: Option<&str>, target: &str) -> Result<String, DomainError> {
    let site = page.and_then(origin).ok_or(DomainError::TeleportNoPage)?;
    if is_path(target) {
        return Ok(format!("{site}{target}"));
    }
    match origin(target) {
        Some(o) if o == site => Ok(target.to_owned()),
        _ => Err(DomainError::TeleportOtherSite),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn pages_are_code_and_address_lines() {
        let pages =
            parse_pages(&lines(&["delivery /delivery", "  ", "оплата https://Shop.example/pay?x=1"])).expect("valid");
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[1], TeleportPage { code: "оплата".into(), url: "https://Shop.example/pay?x=1".into() });
        for bad in ["delivery", "a b c", "bad! /x", "x //evil.example/", "x javascript:alert(1)", "x ftp://a/"] {
            assert!(parse_pages(&lines(&[bad])).is_err(), "{bad}");
        }
        assert!(parse_pages(&lines(&["a /x", "a /y"])).is_err(), "codes are unique");
        assert_eq!(page_of(&lines(&["a /x", "b https://s.example/y"]), "b").as_deref(), Some("https://s.example/y"));
        assert_eq!(page_of(&lines(&["a /x"]), "z"), None);
    }

    #[test]
    fn only_pages_of_the_visitors_site_are_reached() {
        let page = Some("https://Shop.example:8443/cart?id=1");
        assert_eq!(resolve(page, "/delivery").expect("same site"), "https://shop.example:8443/delivery");
        assert_eq!(resolve(page, "https://shop.example:8443/a").expect("same site"), "https://shop.example:8443/a");
        assert_eq!(resolve(page, "https://evil.example/"), Err(DomainError::TeleportOtherSite));
        assert_eq!(resolve(page, "http://shop.example:8443/a"), Err(DomainError::TeleportOtherSite));
        assert_eq!(resolve(page, "https://shop.example:8443@evil.example/"), Err(DomainError::TeleportOtherSite));
        assert_eq!(resolve(page, "//evil.example/"), Err(DomainError::TeleportOtherSite));
        assert_eq!(resolve(None, "/delivery"), Err(DomainError::TeleportNoPage));
        assert_eq!(resolve(Some("app://x"), "/delivery"), Err(DomainError::TeleportNoPage));
    }
}
