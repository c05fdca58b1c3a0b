//! Property tests of the client address behind trusted proxies: the answer is always the peer
//! or a hop of the chain, it is the nearest untrusted hop for a well-formed chain, and any
//! garbage anywhere in the chain fails closed (the proxy itself).

use super::{client_ip, request_origin};
use axum::http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// 512 cases, or `PROPTEST_CASES` for a longer run.
fn config() -> ProptestConfig {
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() { ProptestConfig::default().cases } else { 512 };
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

const PROXIES: [IpAddr; 2] = [IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), IpAddr::V6(Ipv6Addr::LOCALHOST)];

/// Addresses: often a trusted proxy, else any IPv4, IPv6 or IPv4-mapped IPv6.
fn address() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        prop::sample::select(PROXIES.to_vec()),
        any::<u32>().prop_map(|n| IpAddr::V4(Ipv4Addr::from(n))),
        any::<u128>().prop_map(|n| IpAddr::V6(Ipv6Addr::from(n))),
        any::<u32>().prop_map(|n| IpAddr::V6(Ipv4Addr::from(n).to_ipv6_mapped())),
    ]
}

/// A hop that is not a bare address: a port, an empty entry, words, brackets.
fn garbage() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("unknown".to_owned()),
        any::<u32>().prop_map(|n| format!("{}:{}", Ipv4Addr::from(n), n % 65_536)),
        any::<u128>().prop_map(|n| format!("[{}]", Ipv6Addr::from(n))),
        "[ -~]{1,16}",
    ]
    .prop_filter("not an address", |g| g.trim().parse::<IpAddr>().is_err())
}

fn forwarded(values: &[String]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for v in values {
        h.append("x-forwarded-for", HeaderValue::from_str(v).expect("visible ASCII"));
    }
    h
}

/// The chain split over one or more headers, with random spacing.
fn render(chain: &[String], splits: &[bool]) -> Vec<String> {
    let mut values = vec![String::new()];
    let mut fresh = true;
    for (i, hop) in chain.iter().enumerate() {
        let last = values.last_mut().expect("one value");
        if !fresh {
            last.push_str(if i % 2 == 0 { ", " } else { "," });
        }
        last.push_str(hop);
        fresh = splits.get(i).copied().unwrap_or(false) && i + 1 < chain.len();
        if fresh {
            values.push(String::new());
        }
    }
    values
}

/// The nearest hop that is not a trusted proxy, computed independently.
fn expected(chain: &[IpAddr], peer: IpAddr) -> IpAddr {
    let canonical: Vec<IpAddr> = chain.iter().map(|a| a.to_canonical()).collect();
    canonical.into_iter().rev().find(|a| !PROXIES.contains(a)).unwrap_or(peer)
}

proptest! {
    #![proptest_config(config())]

    /// A well-formed chain from a trusted proxy gives its nearest untrusted hop (or the proxy).
    #[test]
    fn nearest_untrusted_hop(
        chain in prop::collection::vec(address(), 1..6),
        splits in prop::collection::vec(any::<bool>(), 6),
        proxy in prop::sample::select(PROXIES.to_vec()),
    ) {
        let text: Vec<String> = chain.iter().map(ToString::to_string).collect();
        let got = client_ip(&PROXIES, proxy, &forwarded(&render(&text, &splits)));
        prop_assert_eq!(got, expected(&chain, proxy));
        prop_assert!(got == proxy || chain.iter().any(|a| a.to_canonical() == got));
    }

    /// Garbage anywhere in the chain yields the proxy itself.
    #[test]
    fn garbage_anywhere_fails_closed(
        chain in prop::collection::vec(address(), 0..5),
        junk in garbage(),
        at in any::<prop::sample::Index>(),
        splits in prop::collection::vec(any::<bool>(), 6),
    ) {
        let mut text: Vec<String> = chain.iter().map(ToString::to_string).collect();
        text.insert(at.index(text.len() + 1), junk);
        let got = client_ip(&PROXIES, PROXIES[0], &forwarded(&render(&text, &splits)));
        prop_assert_eq!(got, PROXIES[0], "{:?}", text);
    }

    /// Arbitrary header bytes (obs-text included): the peer or one of the chain's addresses.
    #[test]
    fn arbitrary_headers(values in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..32), 0..3)) {
        let mut h = HeaderMap::new();
        for v in &values {
            if let Ok(v) = HeaderValue::from_bytes(v) {
                h.append("x-forwarded-for", v);
            }
        }
        let got = client_ip(&PROXIES, PROXIES[0], &h);
        let seen = h
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(',').map(|hop| hop.trim().parse::<IpAddr>().map(|a| a.to_canonical())))
            .any(|a| a == Ok(got));
        prop_assert!(got == PROXIES[0] || seen);
        let _ = request_origin(true, &h);
    }

    /// From a peer that is not a trusted proxy the header is never believed.
    #[test]
    fn untrusted_peers_are_themselves(peer in address(), chain in prop::collection::vec(address(), 0..4)) {
        let peer = if PROXIES.contains(&peer.to_canonical()) { IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)) } else { peer };
        let text: Vec<String> = chain.iter().map(ToString::to_string).collect();
        prop_assert_eq!(client_ip(&PROXIES, peer, &forwarded(&render(&text, &[]))), peer.to_canonical());
    }
}
