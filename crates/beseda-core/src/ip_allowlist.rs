//! The IP allowlist of the workspace and the admin panel (seed 003 «Безопасность»): single IPv4
//! addresses and ranges `a.b.c.d-e.f.g.h`, comma-separated; empty allows everyone. IPv6 and
//! subnet masks are refused with a message saying so.

use std::net::{IpAddr, Ipv4Addr};

/// Why a list was refused (the text is shown to the admin).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllowlistError {
    #[error("{0}: IPv6 addresses are not supported, only IPv4")]
    Ipv6(String),
    #[error("{0}: subnet masks are not supported; write a range such as 192.168.0.1-192.168.0.50")]
    Mask(String),
    #[error("{0} is not an IPv4 address or range")]
    Invalid(String),
    #[error("{0}: the range ends before it starts")]
    Reversed(String),
}

/// Inclusive IPv4 ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist(Vec<(u32, u32)>);

fn address(text: &str, entry: &str) -> Result<u32, AllowlistError> {
    let t = text.trim();
    if t.contains(':') {
        return Err(AllowlistError::Ipv6(entry.to_owned()));
    }
    t.parse::<Ipv4Addr>().map(u32::from).map_err(|_| AllowlistError::Invalid(entry.to_owned()))
}

impl Allowlist {
    pub fn parse(list: &str) -> Result<Self, AllowlistError> {
        let mut ranges = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry.contains('/') {
                return Err(AllowlistError::Mask(entry.to_owned()));
            }
            let (from, to) = match entry.split_once('-') {
                Some((a, b)) => (address(a, entry)?, address(b, entry)?),
                None => {
                    let a = address(entry, entry)?;
                    (a, a)
                }
            };
            if from > to {
                return Err(AllowlistError::Reversed(entry.to_owned()));
            }
            ranges.push((from, to));
        }
        Ok(Self(ranges))
    }

    /// Empty: no restriction.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` may use the workspace (IPv4-mapped IPv6 counts as IPv4; other IPv6 never
    /// matches a non-empty list).
    pub fn allows(&self, ip: IpAddr) -> bool {
        if self.is_empty() {
            return true;
        }
        match ip.to_canonical() {
            IpAddr::V4(v4) => {
                let n = u32::from(v4);
                self.0.iter().any(|(a, b)| (*a..=*b).contains(&n))
            }
            IpAddr::V6(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_example_parses_and_matches() {
        let list = Allowlist::parse("54.37.12.118, 192.168.0.123, 192.168.0.1-192.168.0.50").expect("valid");
        for ok in ["54.37.12.118", "192.168.0.123", "192.168.0.1", "192.168.0.50", "::ffff:192.168.0.7"] {
            assert!(list.allows(ok.parse().expect("ip")), "{ok}");
        }
        for no in ["54.37.12.119", "192.168.0.51", "10.0.0.1", "::1"] {
            assert!(!list.allows(no.parse().expect("ip")), "{no}");
        }
        assert!(Allowlist::parse(" , ").expect("empty").allows("::1".parse().expect("ip")));
    }

    #[test]
    fn ipv6_masks_and_nonsense_are_refused_with_a_reason() {
        assert_eq!(Allowlist::parse("::1"), Err(AllowlistError::Ipv6("::1".into())));
        assert_eq!(Allowlist::parse("10.0.0.0/8"), Err(AllowlistError::Mask("10.0.0.0/8".into())));
        assert_eq!(Allowlist::parse("10.0.0"), Err(AllowlistError::Invalid("10.0.0".into())));
        assert_eq!(Allowlist::parse("10.0.0.9-10.0.0.1"), Err(AllowlistError::Reversed("10.0.0.9-10.0.0.1".into())));
        assert!(AllowlistError::Mask("x".into()).to_string().contains("subnet masks are not supported"));
    }
}
