//! Arbitrary bytes as a Lambda payload: Envelope::from_slice, route, and (on any JSON)
//! CustomResourceRequest::detect and SqsBatch::detect, then the pure decisions on what was
//! read. Never a panic; every error names what is wrong.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    detective_autopilot_fuzz::expect_clear(detective_autopilot_fuzz::harness::replay_event(bytes));
});
