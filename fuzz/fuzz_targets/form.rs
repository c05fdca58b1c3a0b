//! The visitor-protocol form decoder never panics on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = beseda_server::params::form_pairs(bytes);
});
