//! Arbitrary requests to the sandbox: `METHOD TARGET`, header lines, an empty line, the
//! body (harness::RawRequest), through sandbox::decode_request, which reads a request as
//! the server does before serving it. Never a panic; every refusal names its code or cause.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    detective_autopilot_fuzz::expect_clear(detective_autopilot_fuzz::harness::replay_request(bytes));
});
