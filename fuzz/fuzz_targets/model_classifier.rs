//! A classifier model file as it is on disk: `Model::from_bytes`, then, when it loads, the
//! model in use (classify, explain, save again).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    veille_fuzz::classifier(data);
});
