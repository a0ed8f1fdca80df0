//! The loop closed: investigate-findings' report request, report-investigations' reports,
//! against the sandbox over HTTP through the real SDKs (Detective, SQS, EventBridge,
//! Security Hub).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;

use integration_tests::{finding_event, now, start, state, GRAPH, MEMBER};
use sandbox::{Fault, Sandbox, SandboxState};
use serde_json::{json, Value};
use shared::clock::FixedClock;
use shared::function::Function;
use shared::investigate::{InvestigateConfig, InvestigateFindings};
use shared::outcome::{ActionResult, Outcome, Status};
use shared::report::{ReportConfig, ReportInvestigations, ReportMessage};
use shared::runner::run;

const QUEUE: &str = "https://sqs.us-east-1.amazonaws.com/111111111111/detective-autopilot-reports";
const QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:111111111111:detective-autopilot-reports";

fn env(vars: &[(&str, &str)]) -> HashMap<String, String> {
    vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

async fn investigate(sdk: &aws_config::SdkConfig, event: &Value, vars: &[(&str, &str)]) -> Outcome {
    let mut vars = vars.to_vec();
    vars.push(("REPORT_QUEUE_URL", QUEUE));
    let config = InvestigateConfig::from_env(&env(&vars)).unwrap();
    let function = InvestigateFindings::build(config, sdk);
    run(&function, event, &FixedClock(now()), None).await.outcome
}

async fn report(sdk: &aws_config::SdkConfig, batch: &Value, vars: &[(&str, &str)]) -> Outcome {
    let config = ReportConfig::from_env(&env(vars)).unwrap();
    let function = ReportInvestigations::build(config, sdk);
    run(&function, batch, &FixedClock(now()), None).await.outcome
}

/// An SQS batch of these bodies, as Lambda's event source mapping delivers it.
fn batch(bodies: &[String]) -> Value {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(index, body)| {
            json!({"messageId": format!("message-{index}"), "receiptHandle": format!("handle-{index}"), "body": body,
                   "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795000000000"},
                   "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                   "eventSourceARN": QUEUE_ARN, "awsRegion": "us-east-1"})
        })
        .collect();
    json!({"Records": records})
}

/// The bodies investigate-findings sent.
fn sent(sandbox: &Sandbox) -> Vec<String> {
    sandbox.sqs_messages().into_iter().map(|message| message.body).collect()
}

fn failures(outcome: &Outcome) -> Vec<String> {
    shared::report::redelivered(outcome)
}

/// One investigation started through investigate-findings, and its report request.
async fn started(sandbox: &Sandbox, sdk: &aws_config::SdkConfig, user: &str) -> String {
    let before = sandbox.sqs_messages().len();
    let outcome = investigate(sdk, &finding_event(MEMBER, "IAMUser", user), &[]).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    sandbox.sqs_messages()[before].body.clone()
}

#[tokio::test]
async fn a_started_investigation_sends_its_report_request_delayed() {
    let (sandbox, sdk) = start(state()).await;
    let outcome = investigate(&sdk, &finding_event(MEMBER, "IAMUser", "alice"), &[]).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    let operations: Vec<(&str, ActionResult)> =
        outcome.actions.iter().map(|a| (a.operation.name(), a.result)).collect();
    assert_eq!(
        operations,
        [
            ("StartInvestigation", ActionResult::Done),
            ("SendMessage", ActionResult::Done)
        ]
    );
    let messages = sandbox.sqs_messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].queue_url, QUEUE);
    assert_eq!(messages[0].delay_seconds, Some(900));
    let (message, _) = ReportMessage::parse(&messages[0].body).unwrap();
    assert_eq!(
        message.investigation_id,
        outcome.actions[0].investigation_id.clone().unwrap()
    );
    assert_eq!(message.entity_arn, format!("arn:aws:iam::{MEMBER}:user/alice"));
    assert_eq!(message.graph_arn, GRAPH);
    assert_eq!(message.finding.finding_type, "UnauthorizedAccess:IAMUser/TorIPCaller");
    assert_eq!(message.finding.severity, 8.0);
}

#[tokio::test]
async fn a_dry_run_sends_nothing() {
    let (sandbox, sdk) = start(state()).await;
    let outcome = investigate(&sdk, &finding_event(MEMBER, "IAMUser", "alice"), &[("DRY_RUN", "true")]).await;
    assert_eq!(outcome.status, Status::Planned);
    let planned: Vec<(&str, ActionResult)> = outcome.actions.iter().map(|a| (a.operation.name(), a.result)).collect();
    assert_eq!(
        planned,
        [
            ("StartInvestigation", ActionResult::Planned),
            ("SendMessage", ActionResult::Planned)
        ]
    );
    assert!(sandbox.sqs_messages().is_empty());
}

#[tokio::test]
async fn a_failed_send_fails_the_invocation_and_the_retry_sends_it_without_a_second_investigation() {
    let mut faulty = state();
    faulty.faults.push(Fault {
        operation: "SendMessage".into(),
        // A client error the SDK does not retry: the invocation itself fails.
        error: "KmsAccessDenied".into(),
        times: Some(1),
        region: None,
    });
    let (sandbox, sdk) = start(faulty).await;
    let event = finding_event(MEMBER, "IAMUser", "alice");
    let first = investigate(&sdk, &event, &[]).await;
    assert_eq!(first.status, Status::Failed, "{}", first.to_json());
    assert!(first.reason.contains("its report request failed"), "{}", first.reason);
    assert!(sandbox.sqs_messages().is_empty());

    // Lambda's retry: de-duplication finds the investigation, and the request is sent.
    let retry = investigate(&sdk, &event, &[]).await;
    assert_eq!(retry.status, Status::Ignored, "{}", retry.to_json());
    assert!(
        retry.reason.ends_with("its report request sent again"),
        "{}",
        retry.reason
    );
    assert_eq!(sandbox.count("StartInvestigation"), 1, "never a second investigation");
    let sent = sent(&sandbox);
    assert_eq!(sent.len(), 1);
    let (message, _) = ReportMessage::parse(&sent[0]).unwrap();
    assert_eq!(
        Some(message.investigation_id),
        first.actions[0].investigation_id.clone()
    );
}

#[tokio::test]
async fn a_running_investigation_is_retried_then_reported_once_successful() {
    let mut slow = state();
    slow.investigation_results.running_reads = 1;
    let (sandbox, sdk) = start(slow).await;
    let body = started(&sandbox, &sdk, "alice").await;

    let first = report(&sdk, &batch(std::slice::from_ref(&body)), &[]).await;
    assert_eq!(failures(&first), ["message-0"], "SQS delivers it again");
    assert!(sandbox.events().is_empty());
    assert!(
        first.reason.contains("the investigation is RUNNING"),
        "{}",
        first.reason
    );

    let second = report(&sdk, &batch(&[body]), &[]).await;
    assert_eq!(failures(&second), Vec::<String>::new());
    let events = sandbox.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].source, "detective-autopilot");
    assert_eq!(events[0].detail_type, "Detective Investigation Completed");
    assert_eq!(events[0].event_bus_name, "default");
    let detail = &events[0].detail;
    assert_eq!(detail["status"], "SUCCESSFUL");
    assert_eq!(detail["severity"], "HIGH");
    assert_eq!(detail["entity_arn"], format!("arn:aws:iam::{MEMBER}:user/alice"));
    assert_eq!(detail["finding"]["type"], "UnauthorizedAccess:IAMUser/TorIPCaller");
    // Every indicator type the sandbox generates is counted, and its first items kept.
    for kind in [
        "TTP_OBSERVED",
        "IMPOSSIBLE_TRAVEL",
        "FLAGGED_IP_ADDRESS",
        "NEW_GEOLOCATION",
        "NEW_ASO",
        "NEW_USER_AGENT",
        "RELATED_FINDING",
        "RELATED_FINDING_GROUP",
    ] {
        assert!(
            detail["indicator_counts"][kind].as_u64().unwrap_or(0) > 0,
            "{kind}: {detail}"
        );
        assert!(!detail["top_indicators"][kind].as_array().unwrap().is_empty(), "{kind}");
    }
    let ttps = detail["top_indicators"]["TTP_OBSERVED"].as_array().unwrap();
    assert!(ttps.len() <= shared::report::TOP);
    assert!(
        ttps[0]["tactic"].is_string() && ttps[0]["technique"].is_string(),
        "{}",
        ttps[0]
    );
}

#[tokio::test]
async fn a_failed_investigation_is_reported_as_failed() {
    let mut failing: SandboxState = state();
    failing.investigation_results.status = "FAILED".into();
    let (sandbox, sdk) = start(failing).await;
    let body = started(&sandbox, &sdk, "alice").await;
    let outcome = report(&sdk, &batch(&[body]), &[("SECURITY_HUB", "true")]).await;
    assert_eq!(failures(&outcome), Vec::<String>::new());
    let events = sandbox.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].detail_type, "Detective Investigation Failed");
    assert_eq!(events[0].detail["status"], "FAILED");
    assert!(
        sandbox.security_hub_findings().is_empty(),
        "only completed investigations become findings"
    );
}

#[tokio::test]
async fn a_batch_of_ten_with_one_malformed_message_fails_exactly_that_one() {
    let (sandbox, sdk) = start(state()).await;
    let mut bodies = Vec::new();
    for index in 0..9 {
        bodies.push(started(&sandbox, &sdk, &format!("user{index}")).await);
    }
    bodies.insert(4, r#"{"version": 1, "graph_arn": "not a graph"}"#.to_owned());
    let outcome = report(&sdk, &batch(&bodies), &[]).await;
    assert_eq!(failures(&outcome), ["message-4"]);
    assert_eq!(sandbox.events().len(), 9);
    let malformed = outcome
        .actions
        .iter()
        .find(|action| action.result == ActionResult::Failed)
        .and_then(|action| action.error_text())
        .unwrap_or_default();
    assert!(
        malformed.starts_with("Records[messageId=message-4].body: expected a report message"),
        "{malformed}"
    );
    // The Lambda response is a partial batch response.
    let response = shared::lambda::respond::<ReportInvestigations>(shared::runner::Handled {
        outcome,
        trigger: "SQS.Batch",
        scheduled: false,
    })
    .unwrap();
    assert_eq!(response["batchItemFailures"], json!([{"itemIdentifier": "message-4"}]));
}

#[tokio::test]
async fn a_redelivered_message_updates_the_same_security_hub_finding() {
    let (sandbox, sdk) = start(state()).await;
    let body = started(&sandbox, &sdk, "alice").await;
    for _ in 0..2 {
        let outcome = report(&sdk, &batch(std::slice::from_ref(&body)), &[("SECURITY_HUB", "true")]).await;
        assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    }
    let findings = sandbox.security_hub_findings();
    assert_eq!(findings.len(), 1, "one finding per investigation, never a duplicate");
    let finding = &findings[0].finding;
    assert_eq!(
        finding["ProductArn"],
        "arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default"
    );
    assert_eq!(finding["Severity"]["Label"], "HIGH");
    assert_eq!(finding["Resources"][0]["Type"], "AwsIamUser");
    assert_eq!(
        finding["Resources"][0]["Id"],
        format!("arn:aws:iam::{MEMBER}:user/alice")
    );
    assert_eq!(finding["CreatedAt"], finding["UpdatedAt"]);
    assert_eq!(sandbox.events().len(), 2, "the report event again, with the same id");
    let ids: Vec<Value> = sandbox
        .events()
        .iter()
        .map(|event| event.detail["id"].clone())
        .collect();
    assert_eq!(ids[0], ids[1]);
}

#[tokio::test]
async fn investigations_at_or_below_the_threshold_are_archived_once() {
    let mut low = state();
    low.investigation_results.severity = "LOW".into();
    let (sandbox, sdk) = start(low).await;
    let body = started(&sandbox, &sdk, "alice").await;
    let vars = [("ARCHIVE_AT_OR_BELOW", "MEDIUM")];
    let first = report(&sdk, &batch(std::slice::from_ref(&body)), &vars).await;
    let archived: Vec<(&str, ActionResult)> = first
        .actions
        .iter()
        .map(|action| (action.operation.name(), action.result))
        .collect();
    assert_eq!(
        archived,
        [
            ("PutEvents", ActionResult::Done),
            ("UpdateInvestigationState", ActionResult::Done)
        ]
    );
    let again = report(&sdk, &batch(&[body]), &vars).await;
    assert_eq!(again.actions[1].result, ActionResult::Skipped);
    assert_eq!(again.actions[1].reason_text().as_deref(), Some("already ARCHIVED"));
    assert_eq!(sandbox.count("UpdateInvestigationState"), 1, "never archived twice");
    assert_eq!(
        sandbox
            .state()
            .investigations()
            .next()
            .map(|i| i.state.clone())
            .as_deref(),
        Some("ARCHIVED")
    );

    let (high, sdk_high) = start(state()).await;
    let body = started(&high, &sdk_high, "bob").await;
    report(&sdk_high, &batch(&[body]), &vars).await;
    assert_eq!(high.count("UpdateInvestigationState"), 0, "HIGH is above MEDIUM");
}

#[tokio::test]
async fn the_declared_aws_actions_are_exactly_those_called() {
    let mut low = state();
    low.investigation_results.severity = "LOW".into();
    let (sandbox, sdk) = start(low).await;
    let body = started(&sandbox, &sdk, "alice").await;
    sandbox.clear_requests();
    report(
        &sdk,
        &batch(&[body]),
        &[("SECURITY_HUB", "true"), ("ARCHIVE_AT_OR_BELOW", "LOW")],
    )
    .await;
    // sqs:SendMessage is a message sent again or to the dead-letter queue (tested below).
    let declared: Vec<&str> = shared::report::AWS_ACTIONS
        .iter()
        .copied()
        .filter(|action| *action != "sqs:SendMessage")
        .collect();
    assert_eq!(
        integration_tests::actions_called(&sandbox),
        integration_tests::sorted(&declared)
    );
}

const DEAD_LETTERS: &str = "https://sqs.us-east-1.amazonaws.com/111111111111/detective-autopilot-report-dlq";

/// The queues report-investigations sends to, as the template sets them.
fn queues() -> Vec<(&'static str, &'static str)> {
    vec![
        ("REPORT_QUEUE_URL", QUEUE),
        ("REPORT_DEAD_LETTER_QUEUE_URL", DEAD_LETTERS),
    ]
}

/// The SQS batch of one body, delivered for the `receives`-th time.
fn delivered(body: &str, receives: u32) -> Value {
    let mut batch = batch(&[body.to_owned()]);
    batch["Records"][0]["attributes"]["ApproximateReceiveCount"] = json!(receives.to_string());
    batch
}

/// The messages report-investigations sent to `queue`, from `after` on.
fn sent_to(sandbox: &Sandbox, queue: &str, after: usize) -> Vec<sandbox::SqsMessage> {
    sandbox
        .sqs_messages()
        .into_iter()
        .skip(after)
        .filter(|message| message.queue_url == queue)
        .collect()
}

/// Security Hub answers `error` to BatchImportFindings (`times` times, or always): the
/// variables of a function that imports there, with both queues.
fn security_hub_failing(sandbox: &Sandbox, error: &str, times: Option<u32>) -> Vec<(&'static str, &'static str)> {
    sandbox.update(|state| {
        state.faults.push(Fault {
            operation: "BatchImportFindings".into(),
            error: error.into(),
            times,
            region: None,
        })
    });
    let mut vars = queues();
    vars.push(("SECURITY_HUB", "true"));
    vars
}

/// Security Hub fails after the report is published: the message is sent again saying the
/// report is out, and its next delivery imports the finding without publishing again.
#[tokio::test]
async fn a_report_published_before_a_later_write_failed_is_never_published_again() {
    let (sandbox, sdk) = start(state()).await;
    let body = started(&sandbox, &sdk, "alice").await;
    let before = sandbox.sqs_messages().len();
    // Past the SDK's retries: the import fails this time.
    let vars = security_hub_failing(&sandbox, "InternalException", Some(shared::aws::DEFAULT_MAX_ATTEMPTS));
    let first = report(&sdk, &batch(&[body]), &vars).await;
    assert!(failures(&first).is_empty(), "{}", first.to_json());
    let again = sent_to(&sandbox, QUEUE, before);
    assert_eq!(again.len(), 1, "{}", first.to_json());
    assert_eq!(again[0].delay_seconds, Some(900));
    let (continued, _) = ReportMessage::parse(&again[0].body).unwrap();
    assert_eq!(continued.delivered, [shared::report::Sink::EventBridge]);
    assert_eq!(continued.attempts, 1);
    assert_eq!(sandbox.count("PutEvents"), 1);

    let second = report(&sdk, &batch(&[again[0].body.clone()]), &vars).await;
    assert!(failures(&second).is_empty(), "{}", second.to_json());
    assert_eq!(sandbox.count("PutEvents"), 1, "the report is published once");
    assert_eq!(sandbox.security_hub_findings().len(), 1);
    assert_eq!(second.actions[0].result, ActionResult::Skipped);
}

/// Security Hub refuses for good (access denied): after a few receives the message goes to
/// the dead-letter queue, with why, and carrying that the report was published.
#[tokio::test]
async fn a_report_security_hub_refuses_goes_to_the_dead_letter_queue_within_a_few_receives() {
    let (sandbox, sdk) = start(state()).await;
    let body = started(&sandbox, &sdk, "alice").await;
    let before = sandbox.sqs_messages().len();
    let vars = security_hub_failing(&sandbox, "AccessDeniedException", None);
    // Published, the import refused: sent again with the report out.
    report(&sdk, &batch(&[body]), &vars).await;
    let again = sent_to(&sandbox, QUEUE, before)[0].body.clone();
    // Nothing new delivered: SQS delivers it again.
    let second = report(&sdk, &delivered(&again, 1), &vars).await;
    assert_eq!(failures(&second), ["message-0"]);
    // The third attempt: to the dead-letter queue, done here.
    let third = report(&sdk, &delivered(&again, 2), &vars).await;
    assert!(failures(&third).is_empty(), "{}", third.to_json());
    let dead = sent_to(&sandbox, DEAD_LETTERS, before);
    assert_eq!(dead.len(), 1);
    let reason = dead[0].attributes["reason"]["StringValue"].as_str().unwrap();
    assert!(reason.starts_with("after 3 attempts: BatchImportFindings"), "{reason}");
    assert!(reason.contains("AccessDeniedException"), "{reason}");
    let (kept, _) = ReportMessage::parse(&dead[0].body).unwrap();
    assert_eq!(kept.delivered, [shared::report::Sink::EventBridge]);
    assert_eq!(sandbox.count("PutEvents"), 1, "published once");
    assert_eq!(sandbox.count("BatchImportFindings"), 3);
}

/// What can never be reported here goes to the dead-letter queue at once, with why: a
/// message that is not a report request, and another region's investigation.
#[tokio::test]
async fn a_message_that_can_never_be_reported_here_goes_to_the_dead_letter_queue_at_once() {
    let (sandbox, sdk) = start(state()).await;
    let body = started(&sandbox, &sdk, "alice").await;
    let before = sandbox.sqs_messages().len();
    let unreadable = report(&sdk, &batch(&["not a report request".to_owned()]), &queues()).await;
    assert!(failures(&unreadable).is_empty(), "{}", unreadable.to_json());
    let mut elsewhere: Value = serde_json::from_str(&body).unwrap();
    elsewhere["region"] = json!("eu-west-1");
    elsewhere["graph_arn"] = json!(GRAPH.replace("us-east-1", "eu-west-1"));
    let other = report(&sdk, &batch(&[elsewhere.to_string()]), &queues()).await;
    assert!(failures(&other).is_empty(), "{}", other.to_json());
    let dead = sent_to(&sandbox, DEAD_LETTERS, before);
    let reasons: Vec<&str> = dead
        .iter()
        .map(|message| message.attributes["reason"]["StringValue"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 2);
    assert!(reasons[0].starts_with("not a report request: "), "{}", reasons[0]);
    assert_eq!(
        reasons[1],
        "an investigation of eu-west-1: report-investigations of us-east-1 reports this region's only"
    );
    assert_eq!(dead[0].body, "not a report request", "kept as it came, for a redrive");
    assert_eq!(sandbox.count("GetInvestigation"), 0);
}

/// Insider: a message someone else sent to the queue (or a mistaken one) names an
/// investigation of another principal: the report says what Detective has, and never
/// archives it.
#[tokio::test]
async fn a_message_whose_entity_is_not_the_investigations_never_archives_it() {
    let mut low = state();
    low.investigation_results.severity = "LOW".into();
    let (sandbox, sdk) = start(low).await;
    let body = started(&sandbox, &sdk, "alice").await;
    let mut forged: Value = serde_json::from_str(&body).unwrap();
    forged["entity_arn"] = json!(format!("arn:aws:iam::{MEMBER}:user/mallory"));
    let outcome = report(
        &sdk,
        &batch(&[forged.to_string()]),
        &[("ARCHIVE_AT_OR_BELOW", "MEDIUM")],
    )
    .await;
    assert_eq!(sandbox.count("UpdateInvestigationState"), 0, "{}", outcome.to_json());
    let archive = outcome
        .actions
        .iter()
        .find(|action| action.operation == "UpdateInvestigationState")
        .unwrap();
    assert_eq!(archive.result, ActionResult::Skipped);
    assert!(archive.reason_text().unwrap().ends_with(&format!(
        "not of the message's arn:aws:iam::{MEMBER}:user/mallory in {GRAPH}: not archived"
    )));
}

#[tokio::test]
async fn past_its_deadline_a_batch_returns_its_unstarted_messages_to_the_queue() {
    let (sandbox, sdk) = start(state()).await;
    let first = started(&sandbox, &sdk, "alice").await;
    let second = started(&sandbox, &sdk, "bob").await;
    sandbox.clear_requests();
    let config = ReportConfig::from_env(&env(&[])).unwrap();
    let function = ReportInvestigations::build(config, &sdk);
    let outcome = run(&function, &batch(&[first, second]), &FixedClock(now()), Some(now()))
        .await
        .outcome;
    assert_eq!(failures(&outcome), ["message-0", "message-1"]);
    assert!(outcome.reason.contains("2 message(s) not started before the deadline"));
    assert!(sandbox.requests().is_empty(), "nothing started");
}
