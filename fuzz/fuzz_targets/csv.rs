//! `CsvReader` over arbitrary bytes, with labels optional, required and ignored: the header
//! check, then every record collected (errors are fine, panics are not).
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use veille::corpus::{CsvReader, Fields, LabelUse};

fuzz_target!(|data: &[u8]| {
    for labels in [LabelUse::Optional, LabelUse::Required, LabelUse::Ignored] {
        let reader = match CsvReader::new(data, Path::new("fuzz.csv"), Fields::default()) {
            Ok(r) => r.labels(labels),
            Err(e) => {
                std::hint::black_box(e.to_string());
                return;
            }
        };
        veille_fuzz::drain(reader);
    }
});
