//! Scenario 1 and 2: cold starts of each function binary, and of the Python baseline.

use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use sandbox::{Sandbox, SandboxState};
use serde::Serialize;
use serde_json::Value;

use crate::child::mib;
use crate::error::BenchError;
use crate::fixtures;
use crate::launch::{cold_start, ColdStart, Launch};
use crate::stats::Summary;
use shared::registry::Kind;

/// A function, the event its first invocation gets, and its configuration.
pub struct Case {
    pub function: &'static str,
    pub event: Value,
    pub variables: Vec<(String, String)>,
    /// As in template.yaml.
    pub timeout: Duration,
    /// The sandbox each run starts from.
    pub state: fn() -> SandboxState,
}

/// One realistic first invocation of each function of the registry, against the demo
/// organization: a finding on an ENABLED member's user, a Control Tower account to enroll,
/// an invitation to accept.
pub fn cases() -> Vec<Case> {
    Kind::ALL
        .iter()
        .map(|kind| {
            let mut state: fn() -> SandboxState = SandboxState::demo;
            let (event, variables, timeout) = match kind {
                Kind::InvestigateFindings => (fixtures::cold_start_finding(Utc::now()), Vec::new(), 60),
                Kind::EnrollAccounts => (fixtures::new_managed_account_event(), Vec::new(), 300),
                Kind::AcceptInvitations => (
                    fixtures::scheduled_event(),
                    vec![(
                        "TRUSTED_ADMIN_ACCOUNT_IDS".to_owned(),
                        fixtures::TRUSTED_ADMIN.to_owned(),
                    )],
                    60,
                ),
                Kind::ConfigureDetective => {
                    let event = fixtures::setup_create_event();
                    // As its stack deploys it: the desired state is the function's own.
                    let variables = shared::event::CustomResourceRequest::detect(&event)
                        .map(|request| shared::configure::stack_variables(&request))
                        .unwrap_or_default();
                    (event, variables, 300)
                }
                Kind::ReportInvestigations => {
                    state = fixtures::demo_with_investigation;
                    (fixtures::report_batch(), Vec::new(), 120)
                }
            };
            Case {
                function: kind.name(),
                event,
                variables,
                timeout: Duration::from_secs(timeout),
                state,
            }
        })
        .collect()
}

/// The floor: a bare lambda_runtime binary (`bench/floor`), built with the same profile.
pub const FLOOR: &str = "lambda-floor";

pub fn floor_case() -> Case {
    Case {
        function: FLOOR,
        event: fixtures::scheduled_event(),
        variables: Vec::new(),
        timeout: Duration::from_secs(60),
        state: SandboxState::demo,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ColdStarts {
    pub function: String,
    pub init_ms: Summary,
    pub first_invoke_ms: Summary,
    pub peak_rss_mib: Summary,
}

fn summarize(function: &str, runs: &[ColdStart]) -> Result<ColdStarts, BenchError> {
    let millis = |pick: fn(&ColdStart) -> Duration| -> Vec<f64> {
        runs.iter().map(|run| pick(run).as_secs_f64() * 1000.0).collect()
    };
    let peaks: Vec<f64> = runs.iter().map(|run| mib(run.peak_rss_kib)).collect();
    let nothing = || BenchError::wrong(function, "no runs");
    Ok(ColdStarts {
        function: function.to_owned(),
        init_ms: Summary::of(&millis(|run| run.init)).ok_or_else(nothing)?,
        first_invoke_ms: Summary::of(&millis(|run| run.invoke)).ok_or_else(nothing)?,
        peak_rss_mib: Summary::of(&peaks).ok_or_else(nothing)?,
    })
}

/// `runs` cold starts of `program`, each against a fresh copy of the demo organization;
/// every first invocation must act (start, enroll, accept), or the figures mean nothing.
pub async fn measure(
    case: &Case,
    program: &Path,
    runs: usize,
    sandbox: &Sandbox,
    work_dir: &Path,
) -> Result<ColdStarts, BenchError> {
    let endpoint = sandbox.endpoint();
    let mut event = case.event.clone();
    // A custom resource answers CloudFormation: here the sandbox stands in for the presigned URL.
    let url = format!("{endpoint}/_sandbox/cloudformation/{}", case.function);
    shared::event::CustomResourceRequest::redirect(&mut event, &url);
    let launch = Launch {
        function: case.function,
        program,
        args: &[],
        variables: &case.variables,
        endpoint: &endpoint,
        timeout: case.timeout,
        log: work_dir.join(format!("{}.log", case.function)),
    };
    let mut measured = Vec::with_capacity(runs);
    for _ in 0..runs {
        sandbox.update(|state| *state = (case.state)());
        let run = cold_start(&launch, event.clone()).await?;
        if !run.acted() {
            return Err(BenchError::wrong(
                case.function,
                format!("first invocation should act; it answered {}", run.response),
            ));
        }
        measured.push(run);
    }
    summarize(case.function, &measured)
}

/// What every peer's Lambda does at start: import boto3 and create its clients, then ask
/// the Runtime API for an event (`python/baseline.py`).
pub const PYTHON_BASELINE: &str = include_str!("../python/baseline.py");

#[derive(Debug, Clone, Serialize)]
pub struct PythonBaseline {
    pub python: String,
    pub init_ms: Summary,
    pub peak_rss_mib: Summary,
}

pub async fn measure_python(
    python: &Path,
    runs: usize,
    sandbox: &Sandbox,
    work_dir: &Path,
) -> Result<PythonBaseline, BenchError> {
    let script = work_dir.join("baseline.py");
    std::fs::write(&script, PYTHON_BASELINE).map_err(|source| BenchError::io(script.display(), source))?;
    let endpoint = sandbox.endpoint();
    let args = [script.display().to_string()];
    let launch = Launch {
        function: "python-baseline",
        program: python,
        args: &args,
        variables: &[],
        endpoint: &endpoint,
        timeout: Duration::from_secs(60),
        log: work_dir.join("python-baseline.log"),
    };
    let mut measured = Vec::with_capacity(runs);
    for _ in 0..runs {
        measured.push(cold_start(&launch, fixtures::scheduled_event()).await?);
    }
    let summary = summarize("python-baseline", &measured)?;
    Ok(PythonBaseline {
        python: python.display().to_string(),
        init_ms: summary.init_ms,
        peak_rss_mib: summary.peak_rss_mib,
    })
}
