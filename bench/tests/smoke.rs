//! The benchmark harness at smoke scale, once per test run, so that it cannot rot: every
//! scenario must still measure, and do the job it measures (exact investigations and call
//! counts). The figures themselves are not asserted: no timed assertions in tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

#[test]
fn every_scenario_measures_at_smoke_scale() {
    let harness = PathBuf::from(env!("CARGO_BIN_EXE_autopilot-bench"));
    // The function binaries, beside the harness: a test build does not build other
    // packages' binaries, so `make test` runs `cargo build --bins` first.
    let bin_dir = harness.parent().unwrap().to_path_buf();
    for function in ["investigate-findings", "enroll-accounts", "accept-invitations"] {
        assert!(
            bin_dir.join(function).is_file(),
            "no {function} binary in {}: run `cargo build --bins` first (make test does)",
            bin_dir.display()
        );
    }
    let work_dir = std::env::temp_dir().join(format!("autopilot-bench-smoke-{}", std::process::id()));
    let out = work_dir.join("results.json");
    let mut command = Command::new(&harness);
    command
        .args(["--smoke", "--iterations", "1", "--bin-dir"])
        .arg(&bin_dir)
        .arg("--out")
        .arg(&out)
        .arg("--work-dir")
        .arg(&work_dir);
    // `make test` passes the project's virtualenv, which has boto3.
    let python = std::env::var_os("AUTOPILOT_BENCH_PYTHON");
    match &python {
        Some(python) => {
            command.arg("--python").arg(python);
        }
        None => println!("NOTICE: AUTOPILOT_BENCH_PYTHON is unset; the Python baseline is not run"),
    }
    let run = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&run.stderr)
    );
    let results: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();

    let functions: Vec<&str> = results["cold_starts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cold| cold["function"].as_str().unwrap())
        .collect();
    assert_eq!(
        functions,
        [
            "investigate-findings",
            "enroll-accounts",
            "accept-invitations",
            "configure-detective",
            "report-investigations"
        ]
    );
    for cold in results["cold_starts"].as_array().unwrap() {
        assert_eq!(cold["init_ms"]["runs"], 1);
        assert!(cold["init_ms"]["median"].as_f64().unwrap() > 0.0);
        assert!(cold["peak_rss_mib"]["median"].as_f64().unwrap() > 1.0);
    }
    assert_eq!(results["python_baseline"].is_object(), python.is_some());
    assert_eq!(
        results["python_over_rust"].as_array().unwrap().len(),
        if python.is_some() { 5 } else { 0 }
    );

    for artifact in results["artifacts"].as_array().unwrap() {
        let (binary, zip) = (
            artifact["binary_bytes"].as_u64().unwrap(),
            artifact["zip_bytes"].as_u64().unwrap(),
        );
        assert!(zip > 0 && zip < binary, "{artifact}");
    }
    // The floor, in the same run, and every function against it.
    let floor = &results["floor"];
    assert_eq!(floor["cold_start"]["function"], "lambda-floor");
    assert_eq!(floor["cold_start"]["init_ms"]["runs"], 1);
    let floor_binary = floor["artifact"]["binary_bytes"].as_u64().unwrap();
    let over_floor = results["over_floor"].as_array().unwrap();
    assert_eq!(over_floor.len(), 5);
    for ratio in over_floor {
        assert!(
            ratio["binary"].as_f64().unwrap() > 1.0,
            "a function is more than the bare runtime: {ratio}"
        );
        assert!(ratio["init_median"].as_f64().unwrap() > 0.0, "{ratio}");
    }
    assert!(floor_binary > 0);
    assert!(stdout.contains("/ floor |"), "{stdout}");

    let throughput = &results["throughput"];
    assert_eq!(throughput["events"], 200);
    assert_eq!(throughput["investigations_started"], 20);
    assert_eq!(throughput["deduplicated"], 180);

    let sweeps = results["sweeps"].as_array().unwrap();
    assert_eq!(sweeps.len(), 4);
    let concurrency: Vec<&Value> = sweeps.iter().map(|sweep| &sweep["max_concurrent_regions"]).collect();
    assert_eq!(concurrency, [&Value::Null, &Value::Null, &Value::from(4), &Value::Null]);
    // 120 accounts over 3 regions: 6 ListAccounts; per region ListGraphs, ListMembers,
    // 3 CreateMembers, DescribeOrganizationConfiguration, UpdateOrganizationConfiguration.
    let minimum = 6 + 3 * 7;
    for (sweep, throttled) in sweeps.iter().take(3).zip([0, 9, 9]) {
        assert_eq!(sweep["members_enrolled"], 3 * 119, "{sweep}");
        assert_eq!(sweep["calls_minimum"], minimum);
        assert_eq!(sweep["calls_throttled"], throttled);
        assert_eq!(sweep["calls_made"], minimum + throttled);
        assert_eq!(sweep["calls_by_operation"]["CreateMembers"], 9 + throttled);
    }

    // 1,300 accounts against graphs at the quota in 3 regions: 65 ListAccounts; per region
    // ListGraphs, 6 ListMembers, DescribeOrganizationConfiguration; no write; the 99 others
    // (1,300 less the administrator and the 1,200 members) left out in each.
    let full = &sweeps[3];
    assert_eq!(full["at_quota"], true);
    assert_eq!(full["calls_minimum"], 65 + 3 * 8);
    assert_eq!(full["calls_made"], full["calls_minimum"], "{full}");
    assert_eq!(full["calls_by_operation"].get("CreateMembers"), None);
    assert_eq!(full["accounts_left_out"], 3 * 99);

    let usage = &results["usage"];
    assert_eq!(usage["members_reported"], 3 * 119);
    assert_eq!(
        usage["calls_made"],
        6 + 3 * 2,
        "ListAccounts; per region ListGraphs and one ListMembers"
    );

    assert!(!results["targets"].as_array().unwrap().is_empty());
    assert!(stdout.contains("| target | measured | before | met |"), "{stdout}");
    let _ = std::fs::remove_dir_all(&work_dir);
}
