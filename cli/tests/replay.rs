//! The `autopilot` binary as a user runs it: outcome on stdout, exit codes 0/1/2.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn autopilot(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_autopilot"))
        .args(args)
        .current_dir(repo())
        .env_remove("DRY_RUN")
        .env_remove("GRAPH_ARN")
        .env("AWS_LAMBDA_LOG_LEVEL", "warn")
        .output()
        .unwrap()
}

fn outcome(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not one JSON outcome ({error}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

#[test]
fn replaying_an_iam_finding_starts_an_investigation_in_the_built_in_sandbox() {
    let output = autopilot(&[
        "replay",
        "events/guardduty-finding-iam-user-first-delivery.json",
        "--now",
        "2026-11-22T12:00:00Z",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let outcome = outcome(&output);
    assert_eq!(outcome["function"], "investigate-findings");
    assert_eq!(outcome["status"], "acted");
    assert_eq!(outcome["actions"][0]["operation"], "StartInvestigation");
    assert_eq!(
        outcome["actions"][0]["entity_arn"],
        "arn:aws:iam::222222222222:user/ci-deployer"
    );
    assert_eq!(outcome["actions"][0]["scope_start_time"], "2026-11-20T08:00:00Z");
}

#[test]
fn a_persistent_server_error_exits_1_with_a_failed_outcome() {
    let dir = std::env::temp_dir().join(format!("autopilot-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut state: Value = serde_json::from_str(include_str!("../../sandbox/demo-state.json")).unwrap();
    state["faults"] = serde_json::json!([{"operation": "StartInvestigation", "error": "InternalServerException"}]);
    let path = dir.join("state.json");
    std::fs::write(&path, state.to_string()).unwrap();

    let output = autopilot(&[
        "replay",
        "events/guardduty-finding-assumed-role.json",
        "--sandbox",
        path.to_str().unwrap(),
        "--now",
        "2026-11-22T12:00:00Z",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let outcome = outcome(&output);
    assert_eq!(outcome["status"], "failed");
    assert!(outcome["reason"].as_str().unwrap().contains("InternalServerException"));
}

#[test]
fn ignored_events_exit_0() {
    let output = autopilot(&["replay", "events/guardduty-finding-root-ignored.json"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(outcome(&output)["status"], "ignored");
}

#[test]
fn unusable_input_exits_2_naming_the_file_and_the_problem() {
    let missing = autopilot(&["replay", "events/does-not-exist.json"]);
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("cannot read event file events/does-not-exist.json"),
        "{stderr}"
    );

    let detail_only = autopilot(&["replay", "events/not-an-event-detail-only.json"]);
    assert_eq!(detail_only.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&detail_only.stderr).contains("not an EventBridge event: expected source"));

    let not_json = autopilot(&["replay", "Makefile"]);
    assert_eq!(not_json.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_json.stderr).contains("event file Makefile is not valid JSON"));

    let bad_function = autopilot(&["replay", "events/scheduled-event.json", "--function", "nope"]);
    assert_eq!(bad_function.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_function.stderr).contains("unknown function \"nope\""));

    let bad_now = autopilot(&["replay", "events/scheduled-event.json", "--now", "yesterday"]);
    assert_eq!(bad_now.status.code(), Some(2));
    assert!(stdout_is_empty(&bad_now));
}

fn stdout_is_empty(output: &Output) -> bool {
    output.stdout.is_empty()
}

#[test]
fn a_bad_configuration_variable_exits_2_naming_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_autopilot"))
        .args(["replay", "events/guardduty-finding-assumed-role.json"])
        .current_dir(repo())
        .env("MIN_SEVERITY", "high")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("MIN_SEVERITY"));
}

#[test]
fn the_demo_replays_every_sample_and_shows_the_investigations() {
    let output = autopilot(&["demo", "--now", "2026-11-22T12:00:00Z"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8_lossy(&output.stdout);
    let samples = std::fs::read_dir(repo().join("events")).unwrap().filter(|e| {
        e.as_ref()
            .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
    });
    for sample in samples {
        let name = sample.unwrap().file_name().to_string_lossy().into_owned();
        assert!(table.contains(&name), "{name} missing from the demo table");
    }
    assert!(
        table.contains("StartInvestigation arn:aws:iam::222222222222:user/ci-deployer [done]"),
        "{table}"
    );
    assert!(
        table.contains("already ACTIVE"),
        "the redelivery is de-duplicated: {table}"
    );
    // The loop closed: report-investigations publishes a report of each investigation.
    assert!(table.contains("report(s) published"), "{table}");
    assert!(
        table.contains("event \"Detective Investigation Completed\" on bus default"),
        "{table}"
    );
    // The demo ends with `autopilot status` of the sandbox: the investigations started.
    assert!(table.contains("  investigations   HIGH 3\n"), "{table}");
    assert!(
        table.contains("  overall: 6 of 6 active accounts monitored in 1 of 1 regions\n"),
        "{table}"
    );
}
