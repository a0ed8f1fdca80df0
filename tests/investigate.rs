//! investigate-findings against the sandbox over HTTP, through the real SDK.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;

use integration_tests::{finding_event, now, start, state, ADMIN, GRAPH, MEMBER, REGION};
use sandbox::{Fault, Graph, IamRole, Sandbox, ScopeRules};
use serde_json::{json, Value};
use shared::clock::FixedClock;
use shared::function::Function;
use shared::investigate::{InvestigateConfig, InvestigateFindings};
use shared::outcome::{ActionResult, Outcome, Status};
use shared::runner::run as run_function;

fn config(vars: &[(&str, &str)]) -> InvestigateConfig {
    let env: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    InvestigateConfig::from_env(&env).unwrap()
}

async fn run(sandbox_sdk: &aws_config::SdkConfig, event: &Value, config: &InvestigateConfig) -> Outcome {
    run_at(sandbox_sdk, event, config, now()).await
}

/// A cold function each time (a graph cache of its own), with the lookup when configured.
async fn run_at(
    sandbox_sdk: &aws_config::SdkConfig,
    event: &Value,
    config: &InvestigateConfig,
    at: chrono::DateTime<chrono::Utc>,
) -> Outcome {
    let function = InvestigateFindings::build(config.clone(), sandbox_sdk);
    run_function(&function, event, &FixedClock(at), None).await.outcome
}

/// One event through a function that stays warm across calls.
async fn run_warm(
    function: &InvestigateFindings,
    event: &Value,
    deadline: Option<chrono::DateTime<chrono::Utc>>,
) -> Outcome {
    run_function(function, event, &FixedClock(now()), deadline)
        .await
        .outcome
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
    let function = InvestigateFindings::build(config(&[]), &sdk);
    for user in ["alice", "bob", "carol"] {
        let event = finding_event(MEMBER, "IAMUser", user);
        let outcome = run_warm(&function, &event, None).await;
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
    let mut seeded = state();
    seeded.iam_roles = vec![lookup_role(MEMBER), role(MEMBER, "deployer", "/ci/")];
    let (sandbox, sdk) = start(seeded).await;
    let reports = config(&[(
        "REPORT_QUEUE_URL",
        "https://sqs.us-east-1.amazonaws.com/111111111111/reports",
    )]);
    run(&sdk, &finding_event(MEMBER, "IAMUser", "alice"), &reports).await;
    let lookup = config(&[("ROLE_LOOKUP_ROLE_NAME", LOOKUP_ROLE)]);
    let outcome = run(&sdk, &finding_event(MEMBER, "AssumedRole", "deployer"), &lookup).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    let mut declared: Vec<&str> = shared::investigate::AWS_ACTIONS.to_vec();
    // Made with the lookup role's credentials, in the member account.
    declared.push("iam:GetRole");
    assert!(shared::investigate::LOOKUP_ROLE_ACTIONS.contains(&"iam:GetRole"));
    assert_eq!(
        integration_tests::actions_called(&sandbox),
        integration_tests::sorted(&declared)
    );
}

const LOOKUP_ROLE: &str = "detective-autopilot-lookup";

fn role(account: &str, name: &str, path: &str) -> IamRole {
    IamRole {
        account_id: account.into(),
        name: name.into(),
        path: path.into(),
    }
}

fn lookup_role(account: &str) -> IamRole {
    role(account, LOOKUP_ROLE, "/")
}

/// The sample finding, its activity seen from `first` to `last`.
fn finding_seen(user_type: &str, name: &str, first: &str, last: &str) -> Value {
    let mut event = finding_event(MEMBER, user_type, name);
    event["detail"]["service"]["eventFirstSeen"] = json!(first);
    event["detail"]["service"]["eventLastSeen"] = json!(last);
    event
}

fn scopes_tried(sandbox: &Sandbox) -> Vec<(String, String, u16)> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.operation == "StartInvestigation")
        .map(|r| {
            (
                r.parameters["ScopeStartTime"].as_str().unwrap().to_owned(),
                r.parameters["ScopeEndTime"].as_str().unwrap().to_owned(),
                r.status,
            )
        })
        .collect()
}

#[tokio::test]
async fn activity_seen_minutes_before_handling_is_inside_the_scope() {
    // Seen 11:05 to 11:10, handled at 11:30: the usual case, GuardDuty delivering in minutes.
    let (sandbox, sdk) = start(state()).await;
    let event = finding_seen("IAMUser", "alice", "2026-11-22T11:05:00Z", "2026-11-22T11:10:00Z");
    let outcome = run_at(
        &sdk,
        &event,
        &config(&[]),
        integration_tests::at("2026-11-22T11:30:00Z"),
    )
    .await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(
        scopes_tried(&sandbox),
        vec![("2026-11-22T09:00:00Z".into(), "2026-11-22T12:00:00Z".into(), 200)],
        "whole hours, three at least, reaching past the last sighting"
    );
    assert!(
        !outcome.actions[0].notes.iter().any(|note| note.contains("scope")),
        "{:?}",
        outcome.actions[0].notes
    );
}

#[tokio::test]
async fn when_detective_refuses_a_future_end_the_scope_ends_now_and_says_so() {
    let mut seeded = state();
    seeded.scope_rules = ScopeRules {
        end_not_in_future: true,
        ..ScopeRules::default()
    };
    seeded.now = Some(integration_tests::at("2026-11-22T11:30:00Z"));
    let (sandbox, sdk) = start(seeded).await;
    let event = finding_seen("IAMUser", "alice", "2026-11-22T11:05:00Z", "2026-11-22T11:10:00Z");
    let outcome = run_at(
        &sdk,
        &event,
        &config(&[]),
        integration_tests::at("2026-11-22T11:30:00Z"),
    )
    .await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(
        scopes_tried(&sandbox),
        vec![
            ("2026-11-22T09:00:00Z".into(), "2026-11-22T12:00:00Z".into(), 400),
            ("2026-11-22T09:00:00Z".into(), "2026-11-22T11:30:00Z".into(), 200),
        ]
    );
    let action = &outcome.actions[0];
    assert_eq!(action.scope_end_time.as_deref(), Some("2026-11-22T11:30:00Z"));
    assert!(action.notes.iter().any(|n| n.contains("refused")), "{:?}", action.notes);
    assert!(
        outcome.reason.contains("the scope ends now instead"),
        "{}",
        outcome.reason
    );
}

#[tokio::test]
async fn when_detective_wants_whole_hours_in_the_past_the_outcome_says_what_is_not_covered() {
    let mut seeded = state();
    seeded.scope_rules = ScopeRules {
        end_not_in_future: true,
        whole_hours: true,
        ..ScopeRules::default()
    };
    seeded.now = Some(integration_tests::at("2026-11-22T11:30:00Z"));
    let (sandbox, sdk) = start(seeded).await;
    let event = finding_seen("IAMUser", "alice", "2026-11-22T11:05:00Z", "2026-11-22T11:10:00Z");
    let outcome = run_at(
        &sdk,
        &event,
        &config(&[]),
        integration_tests::at("2026-11-22T11:30:00Z"),
    )
    .await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    let statuses: Vec<u16> = scopes_tried(&sandbox)
        .into_iter()
        .map(|(_, _, status)| status)
        .collect();
    assert_eq!(statuses, vec![400, 400, 200]);
    assert_eq!(
        outcome.actions[0].scope_end_time.as_deref(),
        Some("2026-11-22T11:00:00Z")
    );
    assert!(outcome.reason.contains("is not covered"), "{}", outcome.reason);
}

#[tokio::test]
async fn an_absurd_timestamp_fails_naming_the_field_without_any_call() {
    let (sandbox, sdk) = start(state()).await;
    let event = finding_seen("IAMUser", "alice", "2026-11-20T09:00:00Z", "+262142-12-31T23:30:00Z");
    let outcome = run(&sdk, &event, &config(&[])).await;
    assert_eq!(outcome.status, Status::Failed);
    assert!(
        outcome
            .reason
            .starts_with("event.detail.service.eventLastSeen: expected a time after 1970"),
        "{}",
        outcome.reason
    );
    assert!(sandbox.requests().is_empty());
}

#[tokio::test]
async fn an_identity_center_role_is_investigated_under_its_real_path() {
    let (sandbox, sdk) = start(state()).await;
    let name = "AWSReservedSSO_AdministratorAccess_0123456789abcdef";
    let outcome = run(
        &sdk,
        &finding_event(MEMBER, "AssumedRole", name),
        &config(&[("IDENTITY_CENTER_REGION", "eu-west-1")]),
    )
    .await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(
        start_calls(&sandbox)[0]["EntityArn"],
        format!("arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/eu-west-1/{name}")
    );
    assert!(outcome.actions[0].notes.is_empty());

    // Without the region, us-east-1's path is assumed, and the outcome says so.
    let outcome = run(
        &sdk,
        &finding_event(MEMBER, "AssumedRole", "AWSReservedSSO_ReadOnly_1"),
        &config(&[]),
    )
    .await;
    assert_eq!(
        outcome.actions[0].entity_arn.as_deref(),
        Some("arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_1")
    );
    assert!(
        outcome.reason.contains("IDENTITY_CENTER_REGION is unset"),
        "{}",
        outcome.reason
    );
}

#[tokio::test]
async fn a_service_linked_role_is_investigated_under_its_service_path() {
    let (sandbox, sdk) = start(state()).await;
    let outcome = run(
        &sdk,
        &finding_event(MEMBER, "AssumedRole", "AWSServiceRoleForAmazonGuardDuty"),
        &config(&[]),
    )
    .await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(
        start_calls(&sandbox)[0]["EntityArn"],
        "arn:aws:iam::222222222222:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty"
    );
}

#[tokio::test]
async fn the_lookup_reads_a_roles_path_in_the_member_account() {
    let mut seeded = state();
    seeded.iam_roles = vec![lookup_role(MEMBER), role(MEMBER, "deployer", "/ci/pipelines/")];
    let (sandbox, sdk) = start(seeded).await;
    let outcome = run(
        &sdk,
        &finding_event(MEMBER, "AssumedRole", "deployer"),
        &config(&[("ROLE_LOOKUP_ROLE_NAME", LOOKUP_ROLE)]),
    )
    .await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(
        start_calls(&sandbox)[0]["EntityArn"],
        "arn:aws:iam::222222222222:role/ci/pipelines/deployer"
    );
    let assumed: Vec<Value> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.operation == "AssumeRole")
        .map(|r| r.parameters["RoleArn"].clone())
        .collect();
    assert_eq!(
        assumed,
        vec![json!("arn:aws:iam::222222222222:role/detective-autopilot-lookup")]
    );
    assert!(outcome.actions[0].notes.is_empty());
}

#[tokio::test]
async fn the_lookup_reads_a_users_path_and_a_missing_principal_is_said() {
    let mut seeded = state();
    seeded.iam_roles = vec![lookup_role(MEMBER)];
    seeded.iam_users = vec![role(MEMBER, "alice", "/engineering/")];
    let (sandbox, sdk) = start(seeded).await;
    let lookup = config(&[("ROLE_LOOKUP_ROLE_NAME", LOOKUP_ROLE)]);
    let outcome = run(&sdk, &finding_event(MEMBER, "IAMUser", "alice"), &lookup).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(
        start_calls(&sandbox)[0]["EntityArn"],
        "arn:aws:iam::222222222222:user/engineering/alice"
    );

    let gone = run(&sdk, &finding_event(MEMBER, "AssumedRole", "deleted-since"), &lookup).await;
    assert_eq!(gone.status, Status::Acted, "{}", gone.to_json());
    assert_eq!(
        start_calls(&sandbox)[1]["EntityArn"],
        "arn:aws:iam::222222222222:role/deleted-since"
    );
    assert!(
        gone.reason
            .contains("IAM has no role deleted-since in account 222222222222"),
        "{}",
        gone.reason
    );
}

#[tokio::test]
async fn without_the_lookup_an_unknown_path_is_assumed_and_said() {
    let (sandbox, sdk) = start(state()).await;
    let outcome = run(&sdk, &finding_event(MEMBER, "AssumedRole", "deployer"), &config(&[])).await;
    assert_eq!(outcome.status, Status::Acted);
    assert_eq!(
        start_calls(&sandbox)[0]["EntityArn"],
        "arn:aws:iam::222222222222:role/deployer"
    );
    assert!(
        outcome
            .reason
            .contains("ROLE_LOOKUP_ROLE_NAME is unset, so it is assumed to be /"),
        "{}",
        outcome.reason
    );
}

#[tokio::test]
async fn a_lookup_that_cannot_assume_its_role_fails_the_invocation() {
    let (sandbox, sdk) = start(state()).await;
    let outcome = run(
        &sdk,
        &finding_event(MEMBER, "AssumedRole", "deployer"),
        &config(&[("ROLE_LOOKUP_ROLE_NAME", LOOKUP_ROLE)]),
    )
    .await;
    assert_eq!(outcome.status, Status::Failed);
    assert!(
        outcome.reason.contains("ROLE_LOOKUP_ROLE_NAME in account 222222222222"),
        "{}",
        outcome.reason
    );
    assert!(
        start_calls(&sandbox).is_empty(),
        "never a guessed ARN when the lookup is on"
    );
}

/// Its IAM allows only its own region's graph: a finding of another region is that
/// region's stack's (GuardDuty and Security Hub deliver it there), never a denied call here.
#[tokio::test]
async fn a_finding_of_another_region_is_left_to_that_regions_stack() {
    let (sandbox, sdk) = start(state()).await;
    let mut event = finding_event(MEMBER, "IAMUser", "alice");
    event["region"] = json!("eu-west-1");
    event["detail"]["region"] = json!("eu-west-1");
    let outcome = run(&sdk, &event, &config(&[("GRAPH_ARN", GRAPH)])).await;
    assert_eq!(outcome.status, Status::Ignored, "{}", outcome.to_json());
    assert_eq!(
        outcome.reason,
        "a finding of another region (eu-west-1, this function runs in us-east-1): the administrator stack of eu-west-1 investigates it there"
    );
    assert!(sandbox.requests().is_empty(), "no call to another region");
}

#[tokio::test]
async fn a_remembered_graph_that_was_deleted_is_looked_up_again_once() {
    let (sandbox, sdk) = start(state()).await;
    let function = InvestigateFindings::build(config(&[]), &sdk);
    run_warm(&function, &finding_event(MEMBER, "IAMUser", "alice"), None).await;
    let recreated = "arn:aws:detective:us-east-1:111111111111:graph:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    sandbox.update(|state| {
        let graph = &mut state.regions.get_mut(REGION).unwrap().graphs[0];
        graph.arn = recreated.into();
    });
    let outcome = run_warm(&function, &finding_event(MEMBER, "IAMUser", "bob"), None).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(sandbox.count("ListGraphs"), 2);
    assert_eq!(start_calls(&sandbox)[1]["GraphArn"], recreated);
}

#[tokio::test]
async fn de_duplication_stops_at_the_first_active_investigation() {
    let mut seeded = state();
    let alice = "arn:aws:iam::222222222222:user/alice";
    seeded.regions.get_mut(REGION).unwrap().investigations = (0..150)
        .map(|n| sandbox::Investigation {
            id: format!("{:021}", 900 + n),
            graph_arn: GRAPH.into(),
            entity_arn: alice.into(),
            status: "RUNNING".into(),
            state: "ACTIVE".into(),
            severity: "HIGH".into(),
            created_time: now() - chrono::Duration::hours(1),
            scope_start_time: now() - chrono::Duration::hours(5),
            scope_end_time: now() - chrono::Duration::hours(2),
        })
        .collect();
    let (sandbox, sdk) = start(seeded).await;
    let outcome = run(&sdk, &finding_event(MEMBER, "IAMUser", "alice"), &config(&[])).await;
    assert_eq!(outcome.status, Status::Ignored, "{}", outcome.to_json());
    assert_eq!(sandbox.count("ListInvestigations"), 1, "150 matches, one page read");
}

#[tokio::test]
async fn a_repeated_next_token_stops_the_paging_with_a_reason() {
    let mut seeded = state();
    seeded.stuck_paging = vec!["ListInvestigations".into()];
    let (sandbox, sdk) = start(seeded).await;
    let outcome = run(&sdk, &finding_event(MEMBER, "IAMUser", "alice"), &config(&[])).await;
    assert_eq!(outcome.status, Status::Failed);
    assert!(outcome.reason.contains("RepeatedNextToken"), "{}", outcome.reason);
    assert_eq!(sandbox.count("ListInvestigations"), 2);
    assert!(start_calls(&sandbox).is_empty());
}

#[tokio::test]
async fn near_the_deadline_no_investigation_is_started() {
    let (sandbox, sdk) = start(state()).await;
    let function = InvestigateFindings::build(config(&[]), &sdk);
    let outcome = run_warm(&function, &finding_event(MEMBER, "IAMUser", "alice"), Some(now())).await;
    assert_eq!(outcome.status, Status::Failed);
    assert!(outcome.reason.contains("deadline"), "{}", outcome.reason);
    assert_eq!(sandbox.count("StartInvestigation"), 0);
}

fn sample(name: &str) -> Value {
    let path = integration_tests::events_dir().join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn entities(sandbox: &Sandbox) -> Vec<String> {
    start_calls(sandbox)
        .iter()
        .map(|call| call["EntityArn"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Accounts 222222222222 and 333333333333 as ENABLED members of the graph.
fn two_members() -> sandbox::SandboxState {
    let mut seeded = state();
    let graph = &mut seeded.regions.get_mut(REGION).unwrap().graphs[0];
    graph.members.push(sandbox::Member::new(
        "333333333333",
        "333333333333@example.com",
        "ENABLED",
    ));
    seeded
}

/// An attack sequence names no user's path: only IAM (the lookup) may say it, never a
/// guess. Its owner is its access key's account, not where it acted.
#[tokio::test]
async fn an_attack_sequence_user_is_investigated_only_under_the_arn_iam_gives() {
    let event = sample("guardduty-finding-attack-sequence-one-principal.json");
    let (sandbox, sdk) = start(two_members()).await;
    let guessed = run(&sdk, &event, &config(&[])).await;
    assert_eq!(guessed.status, Status::Ignored, "{}", guessed.to_json());
    assert!(
        guessed.reason.contains("user ci-deployer of account 222222222222")
            && guessed.reason.contains("not investigated under a guessed ARN"),
        "{}",
        guessed.reason
    );
    assert!(entities(&sandbox).is_empty());

    let mut seeded = two_members();
    seeded.iam_roles = vec![lookup_role(MEMBER)];
    seeded.iam_users = vec![role(MEMBER, "ci-deployer", "/automation/")];
    let (sandbox, sdk) = start(seeded).await;
    let outcome = run(&sdk, &event, &config(&[("ROLE_LOOKUP_ROLE_NAME", LOOKUP_ROLE)])).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(
        entities(&sandbox),
        ["arn:aws:iam::222222222222:user/automation/ci-deployer"]
    );
}

#[tokio::test]
async fn an_attack_sequence_with_several_principals_starts_one_investigation_each_deduplicated() {
    let mut seeded = two_members();
    seeded.iam_roles = vec![lookup_role(MEMBER)];
    seeded.iam_users = vec![role(MEMBER, "ci-deployer", "/")];
    let (sandbox, sdk) = start(seeded).await;
    let event = sample("guardduty-finding-attack-sequence-several-principals.json");
    let lookup = config(&[("ROLE_LOOKUP_ROLE_NAME", LOOKUP_ROLE)]);
    let outcome = run(&sdk, &event, &lookup).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    // The role session (its issuer's role: no lookup needed), the user (named twice: as an
    // actor and by its access key, investigated once, its path read from IAM), and not the
    // root user.
    assert_eq!(
        entities(&sandbox),
        [
            "arn:aws:iam::333333333333:role/deployer",
            "arn:aws:iam::222222222222:user/ci-deployer"
        ]
    );
    assert!(
        outcome
            .reason
            .contains("left out: event.detail.service.detection.sequence.actors[2].user is \"Root\""),
        "{}",
        outcome.reason
    );
    // Delivered again: each principal is de-duplicated.
    let again = run(&sdk, &event, &lookup).await;
    assert_eq!(again.status, Status::Ignored, "{}", again.to_json());
    assert_eq!(sandbox.count("StartInvestigation"), 2);
    assert!(again
        .actions
        .iter()
        .all(|action| action.result == ActionResult::Skipped));
}

#[tokio::test]
async fn a_guardduty_finding_forwarded_by_security_hub_is_investigated_only_when_asked() {
    let (sandbox, sdk) = start(state()).await;
    let event = sample("securityhub-guardduty-finding-imported.json");
    let off = run(&sdk, &event, &config(&[])).await;
    assert_eq!(off.status, Status::Ignored);
    assert_eq!(
        off.reason,
        "a GuardDuty finding forwarded by Security Hub and INVESTIGATE_SECURITY_HUB_FINDINGS is off"
    );
    assert!(sandbox.requests().is_empty(), "ignored without a call");

    let on = run(&sdk, &event, &config(&[("INVESTIGATE_SECURITY_HUB_FINDINGS", "true")])).await;
    assert_eq!(on.status, Status::Acted, "{}", on.to_json());
    assert_eq!(entities(&sandbox), ["arn:aws:iam::222222222222:user/ci-deployer"]);
    let call = &start_calls(&sandbox)[0];
    // The scope from ASFF's FirstObservedAt / LastObservedAt, as from GuardDuty's own sightings.
    assert_eq!(call["ScopeStartTime"], "2026-11-20T08:00:00Z");
    assert_eq!(call["ScopeEndTime"], "2026-11-20T12:00:00Z");
}

#[tokio::test]
async fn a_crafted_partition_fails_naming_its_field_and_calls_nothing() {
    let (sandbox, sdk) = start(state()).await;
    let crafted = "aws:iam::999999999999:role/attacker#";
    let mut event = sample("guardduty-finding-iam-user-first-delivery.json");
    event["detail"]["partition"] = json!(crafted);
    let outcome = run(&sdk, &event, &config(&[])).await;
    assert_eq!(outcome.status, Status::Failed, "{}", outcome.to_json());
    assert!(outcome.reason.contains("event.detail.partition"), "{}", outcome.reason);
    assert!(outcome.reason.contains(crafted), "{}", outcome.reason);

    // From Security Hub the partition is the ProductArn's, and named so.
    let mut forwarded = sample("securityhub-guardduty-finding-imported.json");
    forwarded["detail"]["findings"][0]["ProductArn"] =
        json!("arn:aws/../x:securityhub:us-east-1::product/aws/guardduty");
    let outcome = run(
        &sdk,
        &forwarded,
        &config(&[("INVESTIGATE_SECURITY_HUB_FINDINGS", "true")]),
    )
    .await;
    assert_eq!(outcome.status, Status::Failed, "{}", outcome.to_json());
    assert!(
        outcome
            .reason
            .contains("event.detail.findings[0].ProductArn (its partition)"),
        "{}",
        outcome.reason
    );
    assert!(sandbox.requests().is_empty(), "refused before any call");
}

#[tokio::test]
async fn a_security_hub_finding_of_another_product_is_not_a_guardduty_finding() {
    let (sandbox, sdk) = start(state()).await;
    let mut event = sample("securityhub-guardduty-finding-imported.json");
    event["detail"]["findings"][0]["ProductArn"] = json!("arn:aws:securityhub:us-east-1::product/aws/inspector");
    let outcome = run(&sdk, &event, &config(&[("INVESTIGATE_SECURITY_HUB_FINDINGS", "true")])).await;
    assert_eq!(outcome.status, Status::Ignored);
    assert!(
        outcome.reason.ends_with("is not a GuardDuty finding"),
        "{}",
        outcome.reason
    );
    assert!(sandbox.requests().is_empty());
}
