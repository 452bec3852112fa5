//! `JsonlReader` over arbitrary bytes, with labels optional, required and ignored: every
//! result collected (errors are fine, panics are not).
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use veille::corpus::{Fields, JsonlReader, LabelUse};

fuzz_target!(|data: &[u8]| {
    for labels in [LabelUse::Optional, LabelUse::Required, LabelUse::Ignored] {
        let reader =
            JsonlReader::new(data, Path::new("fuzz.jsonl"), Fields::default()).labels(labels);
        veille_fuzz::drain(reader);
    }
});
