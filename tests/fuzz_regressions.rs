//! Every input under fuzz/regressions/<target>/ (crashes the fuzzers found, minimised, and
//! inputs kept on purpose) replayed on stable Rust through the code paths of its fuzz
//! target: fuzz/src/harness.rs itself, included below. No panic, and a clear outcome:
//! refused with an error that names its field (or says it is no JSON, no event, no
//! request), or decided, every decision with its reason.
//!
//! `envelope/` and `finding/` hold payloads (a `finding` crash is kept as the mutated event
//! it stands for, which `fuzz/run.sh` writes beside the crash input as `<input>.json`);
//! `sandbox_request/` holds requests as that target reads them (`METHOD TARGET`, header
//! lines, an empty line, the body). A file `<input>.expected` beside an input lists lines
//! that its outcome must contain.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

#[allow(dead_code)]
#[path = "../fuzz/src/harness.rs"]
mod harness;

use harness::{Unclear, Verdict};

const TARGETS: &[&str] = &["envelope", "finding", "sandbox_request"];

fn regressions() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions")
}

/// The inputs kept for `target`, by name.
fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = regressions().join(target);
    let mut found: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.is_file() && path.extension().is_none_or(|ext| ext != "expected"))
            .collect(),
        Err(_) => Vec::new(),
    };
    found.sort();
    found
}

fn replay(target: &str, bytes: &[u8]) -> Result<Verdict, Unclear> {
    match target {
        "sandbox_request" => harness::replay_request(bytes),
        _ => harness::replay_event(bytes),
    }
}

/// What went wrong with one input, if anything.
fn check(target: &str, path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).expect("readable");
    let outcome = match catch_unwind(AssertUnwindSafe(|| replay(target, &bytes))) {
        Ok(outcome) => outcome,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|text| (*text).to_owned()))
                .unwrap_or_default();
            return Some(format!("panicked: {message}"));
        }
    };
    let verdict = match outcome {
        Ok(verdict) => verdict,
        Err(unclear) => return Some(format!("unclear outcome: {unclear}")),
    };
    match &verdict {
        Verdict::Refused(error) if error.trim().is_empty() => return Some("refused with no reason".to_owned()),
        Verdict::Decided { decisions, .. } if decisions.is_empty() => return Some("decided nothing".to_owned()),
        _ => {}
    }
    let described = format!("{verdict:?}");
    let expected = PathBuf::from(format!("{}.expected", path.display()));
    let wanted = std::fs::read_to_string(&expected).unwrap_or_default();
    let missing: Vec<&str> = wanted
        .lines()
        .filter(|line| !line.trim().is_empty() && !described.contains(line))
        .collect();
    if missing.is_empty() {
        None
    } else {
        Some(format!("outcome lacks {missing:?}: {described}"))
    }
}

#[test]
fn every_regression_input_replays_with_a_clear_outcome() {
    let mut replayed = 0;
    let mut failures = Vec::new();
    for target in TARGETS {
        for path in inputs(target) {
            replayed += 1;
            if let Some(problem) = check(target, &path) {
                failures.push(format!(
                    "{target}/{}: {problem}",
                    path.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    assert!(
        replayed >= TARGETS.len(),
        "fuzz/regressions holds {replayed} inputs: at least one per target is kept on purpose"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_absurd_timestamp_is_a_field_error_not_a_panic() {
    let path = regressions().join("finding/absurd-timestamp-last-seen.json");
    let bytes = std::fs::read(&path).expect("the deliberate regression input");
    let Ok(Verdict::Decided { trigger, decisions }) = harness::replay_event(&bytes) else {
        panic!("not decided");
    };
    assert_eq!(trigger, "GuardDutyFinding");
    // Every configuration refuses the finding naming the field; none invents a scope.
    let screened: Vec<&String> = decisions
        .iter()
        .filter(|decision| decision.starts_with("default:") || decision.starts_with("permissive:"))
        .collect();
    assert_eq!(screened.len(), 2, "{decisions:?}");
    for decision in screened {
        assert!(
            decision.contains("invalid: event.detail.service.eventLastSeen"),
            "{decision}"
        );
    }
}

#[test]
fn the_harness_reads_requests_and_events_as_the_targets_do() {
    let request = harness::RawRequest::parse(b"POST /graphs/list?x=1\r\nauthorization: a\nx-amz-target\n\n{}");
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/graphs/list");
    assert_eq!(request.query.as_deref(), Some("x=1"));
    assert_eq!(
        request.headers,
        vec![
            ("authorization".to_owned(), "a".to_owned()),
            ("x-amz-target".to_owned(), String::new())
        ]
    );
    assert_eq!(request.body, b"{}");
    assert!(matches!(harness::replay_request(b""), Ok(Verdict::Refused(_))));
    assert!(matches!(harness::replay_event(b""), Ok(Verdict::Refused(_))));
    let scheduled = br#"{"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}"#;
    assert!(matches!(
        harness::replay_event(scheduled),
        Ok(Verdict::Decided {
            trigger: "ScheduledEvent",
            ..
        })
    ));
}
