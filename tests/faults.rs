//! The fault matrix: every scenario that writes, every AWS operation it calls (from the
//! request log of a clean run, so new operations join by themselves), every fault. The
//! guarantee: either the run did its job and the final state is the fault-free one, or it
//! failed (so Lambda, the next schedule, SQS or CloudFormation runs it again) and a rerun
//! after the fault clears reaches the fault-free state with no duplicate effect. Never
//! "acted" or "ignored" with work missing. The matrix is written to
//! target/fault-matrix.txt (and printed by `make test`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use aws_config::SdkConfig;
use chrono::{DateTime, Utc};
use integration_tests::{finding_event, now, state, GRAPH, MEMBER, REGION};
use sandbox::{Fault, Invitation, Sandbox, SandboxState, SlowAnswer};
use serde_json::{json, Value};
use shared::clock::FixedClock;
use shared::function::Function;
use shared::outcome::Outcome;
use shared::runner::run;

const OTHER: &str = "333333333333";
const TRUSTED: &str = "777777777777";
const QUEUE: &str = "https://sqs.us-east-1.amazonaws.com/111111111111/detective-autopilot-reports";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    EnrollByEvent,
    Sweep,
    Accept,
    Investigate,
    Configure,
    Report,
    Tamper,
}

const SCENARIOS: [Scenario; 7] = [
    Scenario::EnrollByEvent,
    Scenario::Sweep,
    Scenario::Accept,
    Scenario::Investigate,
    Scenario::Configure,
    Scenario::Report,
    Scenario::Tamper,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FaultKind {
    /// Two throttles, then success (the SDK's retries absorb them).
    ThrottledTwice,
    /// A 5xx on every call.
    Persistent500,
    AccessDenied,
    /// The call takes effect, but its answer comes after the invocation's end: Lambda
    /// stops the function at its timeout, and what the call did is never learnt.
    AnswerPastDeadline,
}

const FAULTS: [FaultKind; 4] = [
    FaultKind::ThrottledTwice,
    FaultKind::Persistent500,
    FaultKind::AccessDenied,
    FaultKind::AnswerPastDeadline,
];

/// How long an invocation runs before "Lambda" stops it, in cells with a late answer: far
/// longer than a sandbox run takes, far shorter than the late answer.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);
const LATE_ANSWER_MS: u64 = 60_000;

impl FaultKind {
    fn name(self) -> &'static str {
        match self {
            Self::ThrottledTwice => "throttled x2",
            Self::Persistent500 => "500 always",
            Self::AccessDenied => "access denied",
            Self::AnswerPastDeadline => "answer too late",
        }
    }

    /// Puts the fault on `operation` into the sandbox's state: a late answer, or an error
    /// with the service's own code for it (the status follows the service's protocol).
    fn inject(self, state: &mut SandboxState, service: &str, operation: &str) {
        let code = match (self, service) {
            (Self::AnswerPastDeadline, _) => {
                state.slow_answers.push(SlowAnswer {
                    operation: operation.to_owned(),
                    latency_ms: LATE_ANSWER_MS,
                    region: None,
                });
                return;
            }
            (Self::ThrottledTwice, "detective" | "organizations") => "TooManyRequestsException",
            (Self::ThrottledTwice, "sqs") => "RequestThrottled",
            (Self::ThrottledTwice, "events" | "securityhub") => "ThrottlingException",
            (Self::ThrottledTwice, _) => "Throttling",
            (Self::Persistent500, "detective") => "InternalServerException",
            (Self::Persistent500, "organizations") => "ServiceException",
            (Self::Persistent500, "sqs" | "events") => "InternalFailure",
            (Self::Persistent500, "securityhub") => "InternalException",
            (Self::Persistent500, _) => "ServiceFailure",
            (Self::AccessDenied, "iam" | "sts") => "AccessDenied",
            (Self::AccessDenied, _) => "AccessDeniedException",
        };
        state.faults.push(Fault {
            operation: operation.to_owned(),
            error: code.to_owned(),
            times: (self == Self::ThrottledTwice).then_some(2),
            region: None,
        });
    }
}

fn accept_state() -> SandboxState {
    let mut member = SandboxState::empty(MEMBER);
    member.now = Some(now());
    member.regions.entry(REGION.into()).or_default().invitations = vec![Invitation::new(
        &format!("arn:aws:detective:{REGION}:{TRUSTED}:graph:0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
        TRUSTED,
        "INVITED",
    )];
    member
}

fn report_state() -> SandboxState {
    let mut state = state();
    state
        .regions
        .get_mut(REGION)
        .unwrap()
        .investigations
        .push(sandbox::Investigation {
            id: "000000000000000000001".into(),
            graph_arn: GRAPH.into(),
            entity_arn: format!("arn:aws:iam::{MEMBER}:user/alice"),
            status: "RUNNING".into(),
            state: "ACTIVE".into(),
            severity: "INFORMATIONAL".into(),
            created_time: now(),
            scope_start_time: now() - chrono::Duration::hours(3),
            scope_end_time: now(),
        });
    state
}

fn initial(scenario: Scenario) -> SandboxState {
    match scenario {
        Scenario::Accept => accept_state(),
        Scenario::Report => report_state(),
        Scenario::Sweep => {
            let mut state = state();
            state.regions.get_mut(REGION).unwrap().graphs[0].auto_enable = false;
            state
        }
        Scenario::Tamper => {
            let mut state = state();
            state.regions.get_mut(REGION).unwrap().graphs[0].members.clear();
            state
        }
        _ => state(),
    }
}

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn sample(name: &str) -> Value {
    let path = integration_tests::events_dir().join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The event each scenario handles.
fn event(scenario: Scenario, sandbox: &Sandbox) -> Value {
    match scenario {
        Scenario::EnrollByEvent => json!({"version": "0", "id": "e-create", "source": "aws.organizations",
            "detail-type": "AWS Service Event via CloudTrail", "account": "999999999999", "region": REGION,
            "detail": {"eventName": "CreateAccountResult", "eventSource": "organizations.amazonaws.com",
                       "serviceEventDetails": {"createAccountStatus": {"state": "SUCCEEDED", "accountId": OTHER}}}}),
        Scenario::Sweep | Scenario::Accept => json!({"id": "e-schedule", "source": "aws.events",
            "detail-type": "Scheduled Event", "detail": {}, "resources": ["arn:aws:events:us-east-1:111111111111:rule/x"]}),
        Scenario::Investigate => finding_event(MEMBER, "IAMUser", "alice"),
        Scenario::Configure => {
            let mut request = sample("cloudformation/create-graph.json");
            request["ResponseURL"] = json!(format!("{}/_sandbox/cloudformation/matrix", sandbox.endpoint()));
            request["ResourceProperties"]["DatasourcePackages"] = json!("EKS_AUDIT");
            request
        }
        Scenario::Report => {
            let body = json!({"version": 1, "graph_arn": GRAPH, "investigation_id": "000000000000000000001",
                "entity_arn": format!("arn:aws:iam::{MEMBER}:user/alice"), "region": REGION,
                "finding": {"id": "f0", "type": "UnauthorizedAccess:IAMUser/TorIPCaller", "severity": 8.0}});
            json!({"Records": [{"messageId": "m-1", "receiptHandle": "h", "body": body.to_string(),
                "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
                "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:111111111111:reports",
                "awsRegion": REGION}]})
        }
        Scenario::Tamper => {
            let mut event = sample("detective-delete-members.json");
            event["detail"]["requestParameters"] = json!({"graphArn": GRAPH, "accountIds": [MEMBER, OTHER]});
            event
        }
    }
}

async fn sdk_for(scenario: Scenario, sandbox: &Sandbox) -> SdkConfig {
    let account = match scenario {
        Scenario::Accept => MEMBER,
        _ => "111111111111",
    };
    let sdk = shared::aws::local_sdk_config_as(&sandbox.endpoint(), REGION, &sandbox::access_key_for(account)).await;
    // The SDK's standard retries, with a short backoff: the same behaviour, in milliseconds.
    let retries = aws_config::retry::RetryConfig::standard()
        .with_max_attempts(shared::aws::DEFAULT_MAX_ATTEMPTS)
        .with_initial_backoff(std::time::Duration::from_millis(5))
        .with_max_backoff(std::time::Duration::from_millis(20));
    sdk.to_builder().retry_config(retries).build()
}

/// One invocation, `deadline` as Lambda's work deadline.
async fn invoke(scenario: Scenario, sandbox: &Sandbox, deadline: Option<DateTime<Utc>>) -> Outcome {
    let sdk = sdk_for(scenario, sandbox).await;
    let payload = event(scenario, sandbox);
    let clock = FixedClock(now());
    macro_rules! go {
        ($function:ty, $vars:expr) => {{
            let config = <$function as Function>::config(&env($vars)).unwrap();
            let function = <$function as Function>::build(config, &sdk);
            run(&function, &payload, &clock, deadline).await.outcome
        }};
    }
    match scenario {
        Scenario::EnrollByEvent | Scenario::Sweep | Scenario::Tamper => {
            go!(shared::enroll::EnrollAccounts, &[("REGIONS", REGION)])
        }
        Scenario::Accept => go!(
            shared::accept::AcceptInvitations,
            &[("REGIONS", REGION), ("TRUSTED_ADMIN_ACCOUNT_IDS", TRUSTED)]
        ),
        Scenario::Investigate => go!(shared::investigate::InvestigateFindings, &[("REPORT_QUEUE_URL", QUEUE)]),
        Scenario::Configure => go!(shared::configure::ConfigureDetective, &[]),
        Scenario::Report => go!(shared::report::ReportInvestigations, &[("SECURITY_HUB", "true")]),
    }
}

/// What a run leaves behind, without what differs between equivalent runs: the Detective
/// and Organizations state, and the distinct effects on the sinks (a report published twice
/// with the same id, or a request sent again, is the same effect).
fn effect(sandbox: &Sandbox) -> Value {
    let mut state = serde_json::to_value(sandbox.state()).unwrap();
    if let Some(object) = state.as_object_mut() {
        object.remove("faults");
        object.remove("latency_ms");
    }
    // A member still being verified is the status it settles to at the next read (a rerun
    // reads it, the clean run may not have).
    for region in state["regions"]
        .as_object_mut()
        .into_iter()
        .flat_map(|regions| regions.values_mut())
    {
        for graph in region["graphs"].as_array_mut().into_iter().flatten() {
            for member in graph["members"].as_array_mut().into_iter().flatten() {
                if let Some(pending) = member.as_object_mut().and_then(|m| m.remove("pending")) {
                    member["status"] = pending["status"].clone();
                    if let Some(reason) = pending.get("disabled_reason") {
                        member["disabled_reason"] = reason.clone();
                    }
                }
            }
        }
    }
    let messages: BTreeSet<String> = sandbox.sqs_messages().into_iter().map(|m| m.body).collect();
    let events: BTreeSet<String> = sandbox
        .events()
        .into_iter()
        .map(|e| {
            format!(
                "{} {}",
                e.detail_type,
                e.detail
                    .get("id")
                    .or(e.detail.get("operation"))
                    .cloned()
                    .unwrap_or_default()
            )
        })
        .collect();
    let findings: BTreeSet<String> = sandbox.security_hub_findings().into_iter().map(|f| f.id).collect();
    // CloudFormation's view: the last answer it got.
    let answer = sandbox
        .cloudformation_responses()
        .last()
        .map(|answer| answer.body["Status"].clone())
        .unwrap_or_default();
    json!({"state": state, "messages": messages, "events": events, "findings": findings, "answer": answer})
}

/// Runs until done (at most a few reruns, as the platform's retries would): the final effect.
/// `first` is `None` when the first invocation was stopped at its timeout.
async fn until_done(scenario: Scenario, sandbox: &Sandbox, first: Option<Outcome>) -> (Value, usize) {
    let mut outcome = first;
    let mut reruns = 0;
    while outcome.as_ref().is_none_or(needs_rerun) && reruns < 3 {
        reruns += 1;
        outcome = Some(invoke(scenario, sandbox, None).await);
    }
    (effect(sandbox), reruns)
}

/// Failed, or (SQS) messages to deliver again: someone runs it again.
fn needs_rerun(outcome: &Outcome) -> bool {
    outcome.is_failed() || !shared::report::redelivered(outcome).is_empty()
}

struct Cell {
    scenario: Scenario,
    operation: String,
    fault: String,
    /// The first invocation's status, or "timed out" when Lambda stopped it.
    first: String,
    reruns: usize,
    lost: bool,
}

async fn clean(scenario: Scenario) -> (Value, Vec<(String, String)>) {
    let sandbox = Sandbox::start(initial(scenario)).await.unwrap();
    let outcome = invoke(scenario, &sandbox, None).await;
    assert!(
        !needs_rerun(&outcome),
        "{scenario:?} fails without a fault: {}",
        outcome.to_json()
    );
    let mut operations: Vec<(String, String)> = sandbox
        .requests()
        .into_iter()
        .map(|r| (r.service.to_owned(), r.operation))
        .collect();
    operations.sort();
    operations.dedup();
    (effect(&sandbox), operations)
}

async fn cell(scenario: Scenario, expected: &Value, fault: Option<(FaultKind, &str, &str)>) -> Cell {
    let mut initial = initial(scenario);
    let (name, operation, deadline) = match fault {
        Some((kind, service, operation)) => {
            kind.inject(&mut initial, service, operation);
            (kind.name().to_owned(), operation.to_owned(), None)
        }
        // The deadline already reached when the writes would start (as a slow service makes it).
        None => (
            "deadline".to_owned(),
            "(every write)".to_owned(),
            Some(now() - chrono::Duration::seconds(1)),
        ),
    };
    let sandbox = Sandbox::start(initial).await.unwrap();
    let run = invoke(scenario, &sandbox, deadline);
    let first = if matches!(fault, Some((FaultKind::AnswerPastDeadline, _, _))) {
        tokio::time::timeout(TIMEOUT, run).await.ok()
    } else {
        Some(run.await)
    };
    // The fault clears; whoever retries runs it again.
    sandbox.update(|state| {
        state.faults.clear();
        state.slow_answers.clear();
    });
    let (after, reruns) = until_done(scenario, &sandbox, first.clone()).await;
    // Lost: the run claimed success but work is missing, or even the reruns never got there.
    let lost = after != *expected;
    Cell {
        scenario,
        operation,
        fault: name,
        first: first.map_or_else(
            || "timed out".to_owned(),
            |outcome| {
                serde_json::to_value(outcome.status)
                    .ok()
                    .and_then(|status| status.as_str().map(str::to_owned))
                    .unwrap_or_default()
            },
        ),
        reruns,
        lost,
    }
}

#[tokio::test]
async fn no_fault_loses_an_event() {
    let mut cells = Vec::new();
    for scenario in SCENARIOS {
        let (expected, operations) = clean(scenario).await;
        for (service, operation) in &operations {
            for kind in FAULTS {
                cells.push(cell(scenario, &expected, Some((kind, service, operation))).await);
            }
        }
        cells.push(cell(scenario, &expected, None).await);
    }
    let mut table = String::new();
    let lost: Vec<&Cell> = cells.iter().filter(|cell| cell.lost).collect();
    let mut per: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for cell in &cells {
        let entry = per.entry(format!("{:?}", cell.scenario)).or_default();
        entry.0 += 1;
        entry.1 += usize::from(cell.lost);
    }
    let _ = writeln!(table, "fault matrix: {} cells ({} scenarios x the operations each calls x {} faults, and each scenario's deadline), {} lost anything", cells.len(), SCENARIOS.len(), FAULTS.len(), lost.len());
    let _ = writeln!(
        table,
        "{:<14} {:<34} {:<15} {:<9} {:<7} LOST",
        "SCENARIO", "OPERATION", "FAULT", "FIRST", "RERUNS"
    );
    for cell in &cells {
        let _ = writeln!(
            table,
            "{:<14} {:<34} {:<15} {:<9} {:<7} {}",
            format!("{:?}", cell.scenario),
            cell.operation,
            cell.fault,
            cell.first,
            cell.reruns,
            if cell.lost { "LOST" } else { "0" }
        );
    }
    for (scenario, (count, lost)) in &per {
        let _ = writeln!(table, "  {scenario}: {count} cells, {lost} lost");
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fault-matrix.txt");
    let _ = std::fs::write(&path, &table);
    println!("{table}");
    assert!(lost.is_empty(), "{table}");
}
