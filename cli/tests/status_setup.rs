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
    assert!(stdout(&output).ends_with("  overall: 0 of 6 active accounts monitored in 1 of 2 regions\n"));

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
