//! The Markdown plain rendering never panics and, without link targets, only drops characters.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let plain = beseda_core::markdown::to_plain(text, false);
    let mut rest = text.chars();
    assert!(plain.chars().all(|c| rest.any(|r| r == c)), "invented characters");
    let _ = beseda_core::markdown::to_plain(text, true);
});
