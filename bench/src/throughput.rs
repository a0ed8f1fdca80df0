//! Scenario 4: findings replayed through investigate-findings' handler in-process, as fast
//! as one execution environment takes them (one at a time), against the sandbox at zero
//! latency. The handler runs in a worker process of its own, so that its peak RSS is the
//! handler's and not the sandbox's.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use chrono::{DateTime, Utc};
use sandbox::{Sandbox, SandboxState};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::aws::load_sdk_config;
use shared::clock::SystemClock;
use shared::config::ProcessEnv;
use shared::function::Function;
use shared::investigate::InvestigateFindings;
use shared::lambda::respond;
use shared::outcome::Status;
use shared::runner::run;

use crate::child::{mib, output_to, Running};
use crate::error::BenchError;
use crate::fixtures;
use crate::lambda_env::{lambda_environment, REGION};
use crate::launch::own_peak_rss_kib;

const SCENARIO: &str = "handler throughput";

#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub events: usize,
    pub principals: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    pub events: usize,
    pub principals: usize,
    pub elapsed_s: f64,
    pub events_per_second: f64,
    pub micros_per_event: f64,
    pub investigations_started: usize,
    pub deduplicated: usize,
    pub api_calls: usize,
    pub peak_rss_mib: f64,
}

/// What the worker measured, handed back through a file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerReport {
    pub events: usize,
    pub elapsed_s: f64,
    pub acted: usize,
    pub ignored: usize,
    pub other: usize,
    pub peak_rss_kib: u64,
}

const USER_TYPES: [&str; 2] = ["IAMUser", "AssumedRole"];

/// Member accounts the principals are spread over.
const MEMBER_ACCOUNTS: usize = 50;

fn member_accounts() -> Vec<String> {
    fixtures::account_ids(300_000_000_000, MEMBER_ACCOUNTS)
}

/// Finding `number` of the plan: about principal `number` mod `plan.principals`, half of
/// them IAM users and half assumed roles, spread over the members.
fn finding(plan: Plan, members: &[String], now: DateTime<Utc>, number: usize) -> Value {
    let principal = number % plan.principals.max(1);
    let account = members
        .get(principal % members.len().max(1))
        .map_or(fixtures::ADMIN, String::as_str);
    let user_type = USER_TYPES
        .get(principal % USER_TYPES.len())
        .copied()
        .unwrap_or("IAMUser");
    fixtures::finding(
        now,
        number,
        account,
        user_type,
        &format!("bench-principal-{principal:04}"),
    )
}

pub async fn measure(bench_exe: &Path, plan: Plan, work_dir: &Path) -> Result<Throughput, BenchError> {
    let members = member_accounts();
    let mut state = SandboxState::empty(fixtures::ADMIN);
    state
        .regions
        .insert(REGION.to_owned(), fixtures::region_with_graph(REGION, &members, true));
    let sandbox = Sandbox::start(state)
        .await
        .map_err(|source| BenchError::io("start the sandbox", source))?;

    let report_path = work_dir.join("throughput-report.json");
    let log_path = work_dir.join("throughput-worker.log");
    let report = run_worker(bench_exe, plan, &sandbox.endpoint(), &report_path, &log_path).await?;

    let started = sandbox.state().investigations().count();
    let expected_ignored = plan.events.saturating_sub(plan.principals);
    if report.acted != plan.principals
        || started != plan.principals
        || report.ignored != expected_ignored
        || report.other != 0
    {
        return Err(BenchError::wrong(
            SCENARIO,
            format!(
                "expected {} investigations started and {expected_ignored} de-duplicated; the handler acted {} times, ignored {}, other {}, and the sandbox holds {started} investigations (see {})",
                plan.principals, report.acted, report.ignored, report.other, log_path.display()
            ),
        ));
    }
    let events = report.events.max(1) as f64;
    Ok(Throughput {
        events: report.events,
        principals: plan.principals,
        elapsed_s: report.elapsed_s,
        events_per_second: events / report.elapsed_s.max(f64::EPSILON),
        micros_per_event: report.elapsed_s * 1e6 / events,
        investigations_started: started,
        deduplicated: report.ignored,
        api_calls: sandbox.requests().len(),
        peak_rss_mib: mib(report.peak_rss_kib),
    })
}

async fn run_worker(
    bench_exe: &Path,
    plan: Plan,
    endpoint: &str,
    report: &Path,
    log_path: &Path,
) -> Result<WorkerReport, BenchError> {
    let (stdout, stderr) = output_to(log_path)?;
    let path = |path: &Path| path.display().to_string();
    let child = Command::new(bench_exe)
        .args(["throughput-worker", "--report", &path(report)])
        .args([
            "--events",
            &plan.events.to_string(),
            "--principals",
            &plan.principals.to_string(),
        ])
        .env_clear()
        .envs(lambda_environment("investigate-findings", "", endpoint))
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|source| BenchError::io(bench_exe.display(), source))?;
    let status = Running::new(child)
        .exited()
        .await
        .map_err(|source| BenchError::io("wait for the throughput worker", source))?;
    let failed = |what: String| BenchError::Run {
        program: "the throughput worker".to_owned(),
        what,
        log: path(log_path),
    };
    if !status.success() {
        return Err(failed(format!("exited with {status}")));
    }
    let text = std::fs::read_to_string(report).map_err(|source| BenchError::io(report.display(), source))?;
    serde_json::from_str(&text).map_err(|error| failed(format!("wrote an unreadable report: {error}")))
}

/// The worker: configuration and clients as the function's `main` builds them, then every
/// event through the same code as its `service_fn`, one at a time. Each event is built when
/// its turn comes (a JSON parse of the sample, as the runtime parses each invocation), so
/// that memory holds one event at a time, as in Lambda.
pub async fn worker(plan: Plan, report: PathBuf) -> Result<(), BenchError> {
    shared::telemetry::init_lambda();
    let config = InvestigateFindings::config(&ProcessEnv).map_err(|error| BenchError::wrong(SCENARIO, error))?;
    let function = InvestigateFindings::build(config, &load_sdk_config().await);
    let members = member_accounts();
    let now = Utc::now();

    let (mut acted, mut ignored, mut other) = (0, 0, 0);
    let started = Instant::now();
    for number in 0..plan.events {
        let event = finding(plan, &members, now, number);
        let handled = run(&function, &event, &SystemClock, None).await;
        match handled.outcome.status {
            Status::Acted => acted += 1,
            Status::Ignored => ignored += 1,
            Status::Planned | Status::Failed => other += 1,
        }
        let _response = respond::<InvestigateFindings>(handled);
    }
    let elapsed_s = started.elapsed().as_secs_f64();

    let measured = WorkerReport {
        events: plan.events,
        elapsed_s,
        acted,
        ignored,
        other,
        peak_rss_kib: own_peak_rss_kib().unwrap_or_default(),
    };
    let text = serde_json::to_string(&measured).map_err(|error| BenchError::wrong(SCENARIO, error))?;
    std::fs::write(&report, text).map_err(|source| BenchError::io(report.display(), source))
}
