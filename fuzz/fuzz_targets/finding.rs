//! Structure-aware: a seed event (events/, ../shared/events-corpus/) mutated field by field
//! as the fuzzer's bytes say (fuzz/src/mutate.rs), then everything the functions decide on
//! it before calling AWS: routing; for GuardDuty findings screen (three configurations, a
//! fixed now) and the principals; for account and tamper events the enroll plans and
//! screen_tamper; for custom resource requests the configure plans; for SQS batches
//! ReportMessage::parse and the report. Never a panic; every outcome clear.
#![no_main]

use std::sync::OnceLock;

use detective_autopilot_fuzz::mutate::MutatedEvent;
use libfuzzer_sys::fuzz_target;

/// `FUZZ_FINDING_DUMP=PATH`: the mutated event is written there before it runs (to turn a
/// crash input into a replayable regression file).
fn dump_path() -> Option<&'static str> {
    static DUMP: OnceLock<Option<String>> = OnceLock::new();
    DUMP.get_or_init(|| std::env::var("FUZZ_FINDING_DUMP").ok()).as_deref()
}

fuzz_target!(|event: MutatedEvent| {
    if let Some(path) = dump_path() {
        let _ = std::fs::write(path, &event.bytes);
    }
    detective_autopilot_fuzz::expect_clear(detective_autopilot_fuzz::harness::replay_event(&event.bytes));
});
