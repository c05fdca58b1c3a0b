//! Property tests of the visitor-protocol form decoding and field readers: they never panic,
//! agree with `serde_urlencoded` wherever they accept the input, and accept everything a
//! standard encoder writes.

use super::{form_pairs, form_urlencoded, Params};
use proptest::prelude::*;
use std::collections::HashMap;

/// 512 cases, or `PROPTEST_CASES` for a longer run.
fn config() -> ProptestConfig {
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() { ProptestConfig::default().cases } else { 512 };
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// What `serde_urlencoded` (axum's `Form`/`Query`) makes of `text`.
fn reference(text: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(text).expect("pairs of strings always decode")
}

/// Form-like text: escapes (good and bad), separators and arbitrary characters.
fn formish() -> impl Strategy<Value = String> {
    "([%+&=]|%[0-9a-fA-F+\\- ]{0,2}|[a-z0-9]|\\PC){0,40}"
}

fn params(key: &str, value: String) -> Params {
    Params(HashMap::from([(key.to_owned(), value)]))
}

/// JSON nested `depth` levels deep.
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

proptest! {
    #![proptest_config(config())]

    /// Arbitrary bytes (invalid UTF-8 included) are decoded or refused, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = form_pairs(&bytes);
    }

    /// Whatever the decoder accepts, it decodes as `serde_urlencoded` does.
    #[test]
    fn accepted_input_matches_the_reference(text in formish()) {
        if let Ok(pairs) = form_urlencoded(&text) {
            prop_assert_eq!(pairs, reference(&text), "{:?}", text);
        }
    }

    /// Everything a standard encoder writes is accepted and decodes to the pairs encoded.
    #[test]
    fn encoded_pairs_round_trip(pairs in prop::collection::vec(("\\PC{0,12}", "\\PC{0,12}"), 0..6)) {
        let text = serde_urlencoded::to_string(&pairs).expect("encode");
        let decoded = form_urlencoded(&text).expect("standard encoding is accepted");
        prop_assert_eq!(&decoded, &reference(&text));
        prop_assert_eq!(decoded, pairs);
    }

    /// Integers: any text is a number or a 400; a number in range, padded, comes back.
    #[test]
    fn ints(text in "\\PC{0,24}", n in any::<i64>(), huge in "[1-9][0-9]{19,40}") {
        let _ = params("n", text).int("n");
        prop_assert_eq!(params("n", format!(" {n} ")).int("n").ok(), Some(Some(n)));
        prop_assert!(params("n", huge).int("n").is_err());
    }

    /// Booleans and JSON fields: a value or a 400, never a panic.
    #[test]
    fn flags_and_json(text in "\\PC{0,24}|[\\[\\]{}\":,0-9a-z ]{0,40}") {
        let p = params("f", text);
        let _ = p.flag("f");
        let _ = p.json("f");
        let _ = p.check_lengths();
    }

    /// Deep JSON is refused by serde_json's recursion limit, not a stack overflow.
    #[test]
    fn deep_json_is_refused(depth in 129usize..20_000) {
        prop_assert!(params("data", nested(depth)).json("data").is_err());
    }
}

#[test]
fn shallow_json_is_read() {
    assert!(params("data", nested(100)).json("data").expect("within the limit").is_some());
}
