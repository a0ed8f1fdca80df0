//! investigate-findings against the sandbox over HTTP, through the real SDK.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;

use integration_tests::{finding_event, now, start, state, ADMIN, GRAPH, MEMBER, REGION};
use sandbox::{Fault, Graph, Sandbox};
use serde_json::{json, Value};
use shared::aws::{GraphCache, SdkDetective};
use shared::clock::FixedClock;
use shared::investigate::{handle, InvestigateConfig};
use shared::outcome::{ActionResult, Outcome, Status};

fn config(vars: &[(&str, &str)]) -> InvestigateConfig {
    let env: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    InvestigateConfig::from_env(&env).unwrap()
}

async fn run(sandbox_sdk: &aws_config::SdkConfig, event: &Value, config: &InvestigateConfig) -> Outcome {
    // A cold function each time: a graph cache of its own.
    handle(
        event,
        &SdkDetective::new(sandbox_sdk),
        config,
        &GraphCache::default(),
        &FixedClock(now()),
    )
    .await
}

fn writes(sandbox: &Sandbox) -> Vec<String> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| {
            !r.operation.starts_with("List") && !r.operation.starts_with("Get") && !r.operation.starts_with("Describe")
        })
        .map(|r| r.operation)
        .collect()
}

fn start_calls(sandbox: &Sandbox) -> Vec<Value> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.operation == "StartInvestigation" && r.status == 200)
        .map(|r| r.parameters)
        .collect()
}

#[tokio::test]
async fn an_iam_user_finding_starts_one_investigation_with_the_right_entity_and_scope() {
    let (sandbox, sdk) = start(state()).await;
    let outcome = run(&sdk, &finding_event(MEMBER, "IAMUser", "alice"), &config(&[])).await;

    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(
        start_calls(&sandbox),
        vec![json!({
            "GraphArn": GRAPH, "EntityArn": "arn:aws:iam::222222222222:user/alice",
            "ScopeStartTime": "2026-11-20T08:00:00Z", "ScopeEndTime": "2026-11-20T12:00:00Z"
        })]
    );
    let action = &outcome.actions[0];
    assert_eq!(action.operation, "StartInvestigation");
    assert_eq!(action.result, ActionResult::Done);
    assert_eq!(action.investigation_id.as_deref(), Some("000000000000000000001"));
    assert_eq!(action.region.as_deref(), Some(REGION));
    let stored: Vec<_> = sandbox.state().investigations().map(|i| i.entity_arn.clone()).collect();
    assert_eq!(stored, vec!["arn:aws:iam::222222222222:user/alice"]);
}

#[tokio::test]
async fn an_assumed_role_finding_investigates_the_role() {
    let (sandbox, sdk) = start(state()).await;
    let outcome = run(&sdk, &finding_event(MEMBER, "AssumedRole", "Admin"), &config(&[])).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    let calls = start_calls(&sandbox);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["EntityArn"], "arn:aws:iam::222222222222:role/Admin");
}

#[tokio::test]
async fn the_administrator_account_itself_can_be_investigated() {
    let (sandbox, sdk) = start(state()).await;
    let outcome = run(&sdk, &finding_event(ADMIN, "IAMUser", "ops"), &config(&[])).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(
        sandbox.count("GetMembers"),
        0,
        "no membership check for the administrator"
    );
}

#[tokio::test]
async fn the_same_event_twice_starts_one_investigation() {
    let (sandbox, sdk) = start(state()).await;
    let event = finding_event(MEMBER, "IAMUser", "alice");
    let first = run(&sdk, &event, &config(&[])).await;
    let second = run(&sdk, &event, &config(&[])).await;

    assert_eq!(first.status, Status::Acted);
    assert_eq!(second.status, Status::Ignored, "{}", second.to_json());
    assert!(second.reason.contains("000000000000000000001"), "{}", second.reason);
    assert_eq!(start_calls(&sandbox).len(), 1);
    let dedup_query = sandbox
        .requests()
        .into_iter()
        .find(|r| r.operation == "ListInvestigations")
        .unwrap();
    assert_eq!(
        dedup_query.parameters["FilterCriteria"],
        json!({
            "EntityArn": {"Value": "arn:aws:iam::222222222222:user/alice"},
            "State": {"Value": "ACTIVE"},
            "CreatedTime": {"StartInclusive": "2026-11-21T12:00:00Z", "EndInclusive": "2026-11-22T12:00:00Z"}
        })
    );
}

#[tokio::test]
async fn an_archived_or_old_investigation_does_not_suppress_a_new_one() {
    let (sandbox, sdk) = start(state()).await;
    let event = finding_event(MEMBER, "IAMUser", "alice");
    run(&sdk, &event, &config(&[])).await;
    sandbox.update(|state| {
        for region in state.regions.values_mut() {
            for investigation in &mut region.investigations {
                investigation.state = "ARCHIVED".into();
            }
        }
    });
    let again = run(&sdk, &event, &config(&[])).await;
    assert_eq!(again.status, Status::Acted, "{}", again.to_json());
    assert_eq!(start_calls(&sandbox).len(), 2);
}

#[tokio::test]
async fn two_throttling_errors_are_retried_and_succeed() {
    let mut seeded = state();
    seeded.faults.push(Fault {
        operation: "StartInvestigation".into(),
        error: "TooManyRequestsException".into(),
        times: Some(2),
        region: None,
    });
    let (sandbox, sdk) = start(seeded).await;
    let outcome = run(&sdk, &finding_event(MEMBER, "IAMUser", "alice"), &config(&[])).await;

    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    let statuses: Vec<u16> = sandbox
        .requests()
        .iter()
        .filter(|r| r.operation == "StartInvestigation")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![429, 429, 200]);
}

#[tokio::test]
async fn a_persistent_server_error_fails_with_the_service_code_and_message() {
    let mut seeded = state();
    seeded.faults.push(Fault {
        operation: "StartInvestigation".into(),
        error: "InternalServerException".into(),
        times: None,
        region: None,
    });
    let (sandbox, sdk) = start(seeded).await;
    let outcome = run(&sdk, &finding_event(MEMBER, "IAMUser", "alice"), &config(&[])).await;

    assert_eq!(outcome.status, Status::Failed);
    assert!(
        outcome
            .reason
            .starts_with("StartInvestigation failed: InternalServerException: injected fault"),
        "{}",
        outcome.reason
    );
    assert_eq!(outcome.actions[0].result, ActionResult::Failed);
    // DEFAULT_MAX_ATTEMPTS attempts (AWS_MAX_ATTEMPTS unset), each a real call.
    assert_eq!(
        sandbox.count("StartInvestigation"),
        shared::aws::DEFAULT_MAX_ATTEMPTS as usize
    );
    assert!(
        shared::lambda::into_response(outcome).is_err(),
        "a failed outcome fails the invocation"
    );
}

#[tokio::test]
async fn dry_run_reads_but_makes_no_write() {
    let (sandbox, sdk) = start(state()).await;
    let outcome = run(
        &sdk,
        &finding_event(MEMBER, "IAMUser", "alice"),
        &config(&[("DRY_RUN", "true")]),
    )
    .await;

    assert_eq!(outcome.status, Status::Planned, "{}", outcome.to_json());
    assert_eq!(outcome.actions[0].result, ActionResult::Planned);
    assert_eq!(
        outcome.actions[0].entity_arn.as_deref(),
        Some("arn:aws:iam::222222222222:user/alice")
    );
    assert!(writes(&sandbox).is_empty(), "writes: {:?}", writes(&sandbox));
    assert!(sandbox.count("ListInvestigations") == 1 && sandbox.count("GetMembers") == 1);
}

#[tokio::test]
async fn a_principal_outside_the_graph_fails_naming_account_and_graph() {
    let (sandbox, sdk) = start(state()).await;
    let outcome = run(&sdk, &finding_event("333333333333", "IAMUser", "bob"), &config(&[])).await;
    assert_eq!(outcome.status, Status::Failed);
    assert!(
        outcome.reason.contains("333333333333") && outcome.reason.contains(GRAPH),
        "{}",
        outcome.reason
    );
    assert!(writes(&sandbox).is_empty());
}

#[tokio::test]
async fn no_graph_or_several_graphs_fail_and_say_how_to_set_graph_arn() {
    let mut empty = state();
    empty.regions.clear();
    let (_sandbox, sdk) = start(empty).await;
    let outcome = run(&sdk, &finding_event(MEMBER, "IAMUser", "alice"), &config(&[])).await;
    assert_eq!(outcome.status, Status::Failed);
    assert!(
        outcome.reason.contains("no Detective behavior graph in us-east-1") && outcome.reason.contains("GRAPH_ARN")
    );

    let mut two = state();
    let second = "arn:aws:detective:us-east-1:111111111111:graph:ffffffffffffffffffffffffffffffff";
    two.regions.get_mut(REGION).unwrap().graphs.push(Graph {
        arn: second.into(),
        auto_enable: false,
        members: vec![],
    });
    let (_sandbox, sdk) = start(two).await;
    let outcome = run(&sdk, &finding_event(MEMBER, "IAMUser", "alice"), &config(&[])).await;
    assert_eq!(outcome.status, Status::Failed);
    assert!(
        outcome.reason.starts_with("2 behavior graphs in us-east-1") && outcome.reason.contains(second),
        "{}",
        outcome.reason
    );
}

#[tokio::test]
async fn graph_arn_skips_list_graphs() {
    let (sandbox, sdk) = start(state()).await;
    let outcome = run(
        &sdk,
        &finding_event(MEMBER, "IAMUser", "alice"),
        &config(&[("GRAPH_ARN", GRAPH)]),
    )
    .await;
    assert_eq!(outcome.status, Status::Acted);
    assert_eq!(sandbox.count("ListGraphs"), 0);
}

#[tokio::test]
async fn a_warm_function_lists_the_graphs_once() {
    let (sandbox, sdk) = start(state()).await;
    let (detective, graphs, config) = (SdkDetective::new(&sdk), GraphCache::default(), config(&[]));
    for user in ["alice", "bob", "carol"] {
        let event = finding_event(MEMBER, "IAMUser", user);
        let outcome = handle(&event, &detective, &config, &graphs, &FixedClock(now())).await;
        assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    }
    assert_eq!(sandbox.count("ListGraphs"), 1, "then cached");
    assert_eq!(start_calls(&sandbox).len(), 3);
}

#[tokio::test]
async fn ignored_findings_make_no_call_at_all() {
    let (sandbox, sdk) = start(state()).await;
    for (user_type, expected) in [
        ("Root", "Root"),
        ("FederatedUser", "FederatedUser"),
        ("AWSService", "AWSService"),
    ] {
        let outcome = run(&sdk, &finding_event(MEMBER, user_type, "x"), &config(&[])).await;
        assert_eq!(outcome.status, Status::Ignored);
        assert!(outcome.reason.contains(expected));
    }
    let not_a_finding =
        json!({"source": "aws.guardduty", "detail-type": "GuardDuty Runtime Protection Healthy", "detail": {}});
    let outcome = run(&sdk, &not_a_finding, &config(&[])).await;
    assert_eq!(outcome.status, Status::Ignored);
    assert!(outcome.reason.contains("GuardDuty Runtime Protection Healthy"));
    assert!(sandbox.requests().is_empty());
}

#[tokio::test]
async fn the_declared_aws_actions_are_exactly_those_called() {
    let (sandbox, sdk) = start(state()).await;
    run(&sdk, &finding_event(MEMBER, "IAMUser", "alice"), &config(&[])).await;
    assert_eq!(
        integration_tests::actions_called(&sandbox),
        integration_tests::sorted(shared::investigate::AWS_ACTIONS)
    );
}
