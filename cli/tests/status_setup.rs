//! `autopilot status` and `autopilot setup` as a user runs them: tables, JSON, exit codes.
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
        .env_remove("REGIONS")
        .env_remove("ADMINISTRATOR_ACCOUNT_ID")
        .env_remove("DATASOURCE_PACKAGES")
        .env_remove("GRAPH_TAGS")
        .env_remove("AUTO_ENABLE")
        .env("AWS_LAMBDA_LOG_LEVEL", "warn")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn status_exits_3_when_not_covered_so_a_pipeline_can_gate_on_it() {
    let output = autopilot(&["status", "--sandbox", "tests/fixtures/status-gaps.json"]);
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout(&output).contains("\n  overall: 0 of 6 active accounts monitored in 1 of 2 regions\n"));
    // Its state has no trail: the status says what that blinds.
    assert!(stdout(&output).ends_with(
        "  no trail logs management events in us-east-1, us-west-2: calls that weaken Detective there are never alerted\n"
    ));

    let json = autopilot(&[
        "status",
        "--sandbox",
        "tests/fixtures/status-gaps.json",
        "--json",
        "--regions",
        "us-east-1",
    ]);
    assert_eq!(json.status.code(), Some(3));
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["covered"], false);
    assert_eq!(report["summary"], "4 of 6 active accounts monitored in 1 of 1 regions");
    assert_eq!(report["regions"][0]["not_enabled"][1]["id"], "555555555555");
    assert_eq!(
        report["regions"][0]["not_ingesting"][0]["packages"]["EKS_AUDIT"],
        "STOPPED"
    );
}

#[test]
fn setup_prints_the_plan_then_the_outcome_and_a_bad_setting_is_a_usage_error() {
    let output = autopilot(&["setup", "--packages", "EKS_AUDIT", "--tags", "team=security"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = stdout(&output);
    let plan = text.find("plan (graph part):").unwrap();
    let outcome = text[plan..].find("outcome:").unwrap() + plan;
    let planned = |operation: &str, result: &str| {
        text[plan..outcome]
            .lines()
            .any(|line| line.contains(operation) && line.split_whitespace().nth(3) == Some(result))
    };
    assert!(planned("UpdateDatasourcePackages", "planned"), "{text}");
    assert!(planned("TagResource", "planned"), "{text}");
    assert!(
        text[outcome..]
            .lines()
            .any(|line| line.contains("UpdateDatasourcePackages") && line.contains(" done ")),
        "{text}"
    );

    let bad = autopilot(&["setup", "--packages", "VPC_FLOW"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("DATASOURCE_PACKAGES"));
}

/// A sandbox state written for one test, in the target directory.
fn state_file(name: &str, state: &Value) -> String {
    let dir = repo().join("target").join("cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, state.to_string()).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn status_exits_1_and_names_a_region_it_could_not_read() {
    let mut state: Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("tests/fixtures/status-gaps.json")).unwrap())
            .unwrap();
    state["faults"] =
        serde_json::json!([{"operation": "ListMembers", "error": "AccessDeniedException", "region": "us-east-1"}]);
    let path = state_file("status-unreadable.json", &state);
    let output = autopilot(&["status", "--sandbox", &path, "--regions", "us-east-1"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("  us-east-1: unknown, could not be read"),
        "{}",
        stdout(&output)
    );
    assert!(
        stdout(&output)
            .contains("  overall: 0 of 6 active accounts monitored in 0 of 1 regions; not read, so unknown: us-east-1"),
        "{}",
        stdout(&output)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("could not read us-east-1"));
}

/// Where another account is already the organization's Detective administrator, the
/// organization part refuses, and the graph part creates no standalone graph beside it.
#[test]
fn setup_never_creates_a_graph_where_another_account_is_the_administrator() {
    let state = serde_json::json!({
        "caller_account_id": "111111111111",
        "organization": {"id": "o-exampleorgid", "management_account_id": "999999999999", "accounts": [
            {"id": "999999999999"}, {"id": "111111111111"}, {"id": "333333333333"}],
            "detective_delegated_administrator": "333333333333"},
        "regions": {"us-east-1": {"organization_admin_account_id": "333333333333",
            "graphs": [{"arn": "arn:aws:detective:us-east-1:333333333333:graph:0123456789abcdef0123456789abcdef"}]}}
    });
    let path = state_file("setup-other-administrator.json", &state);
    let output = autopilot(&[
        "setup",
        "--sandbox",
        &path,
        "--administrator",
        "111111111111",
        "--regions",
        "us-east-1",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let text = stdout(&output);
    let outcome = text.rfind("outcome:").unwrap();
    let created = text[outcome..]
        .lines()
        .filter(|line| line.contains("CreateGraph"))
        .collect::<Vec<_>>();
    assert_eq!(created.len(), 1, "{text}");
    assert!(created[0].contains(" failed "), "{text}");
    assert!(
        created[0].contains("account 333333333333 is Detective's administrator"),
        "{text}"
    );
    assert!(!text.contains("CreateGraph                      done"), "{text}");
}
