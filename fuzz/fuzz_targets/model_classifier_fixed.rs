//! A classifier model file whose header's `body_len` and `body_crc32` are recomputed from the
//! (mutated) body before loading, so that the postcard body decoder and `validate()` are
//! reached; then, when it loads, the model in use.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match veille_fuzz::fix_checksum(data) {
        Some(fixed) => veille_fuzz::classifier(&fixed),
        None => veille_fuzz::classifier(data),
    }
});
