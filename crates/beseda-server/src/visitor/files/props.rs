//! Property tests of the uploaded-file sniffing: arbitrary bytes behind any signature are
//! typed and measured without a panic, and a well-formed header gives its own size.

use super::{image_size, sniff};
use proptest::prelude::*;

/// 512 cases, or `PROPTEST_CASES` for a longer run.
fn config() -> ProptestConfig {
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() { ProptestConfig::default().cases } else { 512 };
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

const SIGNATURES: &[&[u8]] =
    &[b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"%PDF-", b"PK\x03\x04", b"\xff\xd8\xff\xc0"];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic(sig in prop::sample::select(SIGNATURES), rest in prop::collection::vec(any::<u8>(), 0..128)) {
        let bytes = [sig, &rest[..]].concat();
        let kind = sniff(&bytes);
        if let Some((w, h)) = image_size(&bytes) {
            prop_assert!(kind.is_some_and(|k| k.starts_with("image/")));
            prop_assert!((0..=i64::from(u32::MAX)).contains(&w) && (0..=i64::from(u32::MAX)).contains(&h));
        }
    }

    /// A JPEG whose first segments are skipped by their lengths gives its frame's size.
    #[test]
    fn jpeg_frames_are_measured(w in any::<u16>(), h in any::<u16>(), skips in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..4)) {
        let mut bytes = b"\xff\xd8".to_vec();
        for skip in &skips {
            bytes.extend([0xff, 0xe1]);
            bytes.extend(u16::try_from(skip.len() + 2).expect("short").to_be_bytes());
            bytes.extend(skip);
        }
        bytes.extend([0xff, 0xc0, 0, 17, 8]);
        bytes.extend(h.to_be_bytes());
        bytes.extend(w.to_be_bytes());
        bytes.extend([3, 1, 0x22, 0]);
        prop_assert_eq!(image_size(&bytes), Some((i64::from(w), i64::from(h))));
    }
}
