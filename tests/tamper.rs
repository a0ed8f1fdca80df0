//! Guard the guard: enroll-accounts against calls that weaken Detective (their CloudTrail
//! records), through the real SDK against the sandbox. Each test asserts the writes from
//! the request log and the alert the sandbox received.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;

use integration_tests::{now, start, state, GRAPH, MEMBER, REGION};
use sandbox::{Sandbox, SandboxState};
use serde_json::{json, Value};
use shared::clock::FixedClock;
use shared::enroll::{EnrollAccounts, EnrollConfig};
use shared::function::Function;
use shared::outcome::{ActionResult, Outcome, Status};
use shared::runner::run;

const OTHER: &str = "333333333333";
const OPS: &str = "arn:aws:iam::111111111111:role/ops-admin";
const OWN: &str = "arn:aws:iam::111111111111:role/detective-autopilot-EnrollAccountsFunctionRole-EXAMPLE";
/// The function's name: Lambda names its role's session after it.
const OWN_FUNCTION: &str = "detective-autopilot-EnrollAccountsFunction-EXAMPLE";

fn config(vars: &[(&str, &str)]) -> EnrollConfig {
    let mut env: HashMap<String, String> = [
        ("REGIONS", REGION),
        ("OWN_ROLE_ARN", OWN),
        ("AWS_LAMBDA_FUNCTION_NAME", OWN_FUNCTION),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    env.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    EnrollConfig::from_env(&env).unwrap()
}

async fn handle(sdk: &aws_config::SdkConfig, event: &Value, vars: &[(&str, &str)]) -> Outcome {
    let function = EnrollAccounts::build(config(vars), sdk);
    run(&function, event, &FixedClock(now()), None).await.outcome
}

/// A CloudTrail record of `name` with these request parameters, by the ops role.
fn call(name: &str, parameters: Value) -> Value {
    let path = integration_tests::events_dir().join("detective-delete-members.json");
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["detail"]["eventName"] = json!(name);
    event["detail"]["requestParameters"] = parameters;
    event
}

fn by(mut event: Value, issuer: &str) -> Value {
    event["detail"]["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] = json!(issuer);
    event
}

/// By `issuer`'s session `session` (as CloudTrail names an assumed role's caller).
fn by_session(event: Value, issuer: &str, session: &str) -> Value {
    let mut event = by(event, issuer);
    let role = issuer.rsplit('/').next().unwrap();
    event["detail"]["userIdentity"]["arn"] = json!(format!("arn:aws:sts::111111111111:assumed-role/{role}/{session}"));
    event
}

/// The organization of the support state, with 333333333333 an ACTIVE account too, and
/// 222222222222 removed from the graph (what a real DeleteMembers leaves).
fn after_delete() -> SandboxState {
    let mut state = state();
    state.regions.get_mut(REGION).unwrap().graphs[0].members.clear();
    state
}

fn writes(sandbox: &Sandbox) -> Vec<(String, Value)> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| {
            !(r.operation.starts_with("List") || r.operation.starts_with("Get") || r.operation.starts_with("Describe"))
        })
        .map(|r| (r.operation, r.parameters))
        .collect()
}

/// The writes, the alert first: it goes out before anything is restored, so neither a
/// failed alert nor a failed restore can lose it.
fn operations(sandbox: &Sandbox) -> Vec<String> {
    writes(sandbox).into_iter().map(|(operation, _)| operation).collect()
}

/// The one alert the sandbox received.
fn alert(sandbox: &Sandbox) -> Value {
    let events = sandbox.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].source, "detective-autopilot");
    assert_eq!(events[0].detail_type, "Detective Configuration Changed");
    events[0].detail.clone()
}

#[tokio::test]
async fn removed_active_accounts_are_enrolled_again_and_a_departed_one_stays_removed() {
    let (sandbox, sdk) = start(after_delete()).await;
    let event = call(
        "DeleteMembers",
        json!({"graphArn": GRAPH, "accountIds": [MEMBER, OTHER, "999999999999"]}),
    );
    let outcome = handle(&sdk, &event, &[]).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    let created: Vec<Value> = writes(&sandbox)
        .into_iter()
        .filter(|(operation, _)| operation == "CreateMembers")
        .map(|(_, parameters)| parameters["Accounts"][0]["AccountId"].clone())
        .collect();
    assert_eq!(
        created,
        [json!(MEMBER), json!(OTHER)],
        "999999999999 left the organization"
    );
    let detail = alert(&sandbox);
    assert_eq!(detail["operation"], "DeleteMembers");
    assert_eq!(detail["response"], "restoring");
    assert_eq!(
        detail["who"]["arn"],
        "arn:aws:sts::111111111111:assumed-role/ops-admin/mallory"
    );
    assert_eq!(detail["who"]["session_issuer"], OPS);
    assert_eq!(detail["source_ip"], "203.0.113.9");
    assert_eq!(detail["user_agent"], "aws-cli/2.17.0 Python/3.11 Linux/6.1 exe/x86_64");
    assert_eq!(detail["event_time"], "2026-11-20T11:00:00Z");
    assert_eq!(detail["accounts"], json!([MEMBER, OTHER, "999999999999"]));
    assert_eq!(detail["graph_arn"], GRAPH);
    assert!(outcome
        .actions
        .iter()
        .any(|action| action.operation == "PutEvents" && action.result == ActionResult::Done));
}

#[tokio::test]
async fn a_trusted_principals_change_is_alerted_on_not_reverted() {
    let (sandbox, sdk) = start(after_delete()).await;
    let event = call("DeleteMembers", json!({"graphArn": GRAPH, "accountIds": [MEMBER]}));
    let outcome = handle(&sdk, &event, &[("TRUSTED_CHANGE_PRINCIPALS", OPS)]).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(operations(&sandbox), ["PutEvents"], "no CreateMembers");
    let detail = alert(&sandbox);
    assert_eq!(detail["response"], "alerted_only");
    assert!(detail["reason"].as_str().unwrap().contains("TRUSTED_CHANGE_PRINCIPALS"));
    // What it would have restored is said.
    assert!(detail["actions"][0]
        .as_str()
        .unwrap()
        .starts_with("CreateMembers us-east-1 222222222222 planned"));
}

#[tokio::test]
async fn our_own_functions_calls_are_not_tampering() {
    let (sandbox, sdk) = start(after_delete()).await;
    let event = by_session(
        call("DeleteMembers", json!({"graphArn": GRAPH, "accountIds": [MEMBER]})),
        OWN,
        OWN_FUNCTION,
    );
    let outcome = handle(&sdk, &event, &[]).await;
    assert_eq!(outcome.status, Status::Ignored);
    assert!(
        outcome.reason.contains("this project's own function"),
        "{}",
        outcome.reason
    );
    assert!(sandbox.requests().is_empty(), "not a single call");
}

#[tokio::test]
async fn our_role_from_a_session_that_is_not_our_function_is_tampering_and_named() {
    let (sandbox, sdk) = start(after_delete()).await;
    // Someone passed our role to their own function (or assumed it): same role, other session.
    let event = by_session(
        call("DeleteMembers", json!({"graphArn": GRAPH, "accountIds": [MEMBER]})),
        OWN,
        "insider-function",
    );
    let outcome = handle(&sdk, &event, &[]).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    let (alert, restore) = (&writes(&sandbox)[0], &writes(&sandbox)[1]);
    assert_eq!(alert.0, "PutEvents");
    let detail: Value = serde_json::from_str(alert.1["Entries"][0]["Detail"].as_str().unwrap()).unwrap();
    assert!(
        detail["reason"].as_str().unwrap().starts_with(&format!(
            "made with this project's role {OWN} from session insider-function"
        )),
        "{detail}"
    );
    assert_eq!(restore.0, "CreateMembers");
}

#[tokio::test]
async fn our_own_functions_delete_graph_is_alerted_all_the_same() {
    let (sandbox, sdk) = start(state()).await;
    let event = by_session(call("DeleteGraph", json!({"graphArn": GRAPH})), OWN, OWN_FUNCTION);
    let outcome = handle(&sdk, &event, &[]).await;
    assert_ne!(outcome.status, Status::Ignored, "{}", outcome.to_json());
    let sent = writes(&sandbox);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].0, "PutEvents");
    let detail: Value = serde_json::from_str(sent[0].1["Entries"][0]["Detail"].as_str().unwrap()).unwrap();
    assert!(
        detail["reason"].as_str().unwrap().contains("always alerted"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_failed_call_changed_nothing() {
    let (sandbox, sdk) = start(after_delete()).await;
    let mut event = call("DeleteMembers", json!({"graphArn": GRAPH, "accountIds": [MEMBER]}));
    event["detail"]["errorCode"] = json!("AccessDeniedException");
    let outcome = handle(&sdk, &event, &[]).await;
    assert_eq!(outcome.status, Status::Ignored);
    assert_eq!(
        outcome.reason,
        "DeleteMembers failed (AccessDeniedException): it changed nothing"
    );
    assert!(sandbox.requests().is_empty());
}

/// The write after the alert turns AutoEnable on again.
fn assert_auto_enable_turned_back_on(sandbox: &Sandbox) {
    assert_eq!(
        writes(sandbox)[1],
        (
            "UpdateOrganizationConfiguration".to_owned(),
            json!({"AutoEnable": true, "GraphArn": GRAPH})
        )
    );
}

#[tokio::test]
async fn auto_enable_turned_off_is_turned_back_on() {
    let mut off = state();
    off.regions.get_mut(REGION).unwrap().graphs[0].auto_enable = false;
    let (sandbox, sdk) = start(off).await;
    let event = call(
        "UpdateOrganizationConfiguration",
        json!({"graphArn": GRAPH, "autoEnable": false}),
    );
    let outcome = handle(&sdk, &event, &[]).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_auto_enable_turned_back_on(&sandbox);
    let detail = alert(&sandbox);
    assert_eq!(detail["auto_enable"], false);
    assert_eq!(detail["response"], "restoring");
}

#[tokio::test]
async fn a_package_turned_off_is_started_again() {
    let mut stopped = state();
    let settings = sandbox::GraphSettings {
        tags: Default::default(),
        datasource_packages: [
            ("DETECTIVE_CORE".to_owned(), sandbox::PackageState::started(now())),
            (
                "EKS_AUDIT".to_owned(),
                serde_json::from_value(json!({"state": "DISABLED"})).unwrap(),
            ),
        ]
        .into_iter()
        .collect(),
    };
    stopped
        .regions
        .get_mut(REGION)
        .unwrap()
        .graph_settings
        .insert(GRAPH.to_owned(), settings);
    let (sandbox, sdk) = start(stopped).await;
    let event = call(
        "UpdateDatasourcePackages",
        json!({"graphArn": GRAPH, "datasourcePackages": ["EKS_AUDIT"]}),
    );
    let outcome = handle(&sdk, &event, &[("DATASOURCE_PACKAGES", "EKS_AUDIT")]).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(
        writes(&sandbox)[1],
        (
            "UpdateDatasourcePackages".to_owned(),
            json!({"DatasourcePackages": ["EKS_AUDIT"], "GraphArn": GRAPH})
        )
    );
    assert_eq!(alert(&sandbox)["response"], "restoring");
}

#[tokio::test]
async fn a_deleted_graph_is_alerted_on_never_recreated() {
    let mut gone = state();
    gone.regions.get_mut(REGION).unwrap().graphs.clear();
    let (sandbox, sdk) = start(gone).await;
    let outcome = handle(&sdk, &call("DeleteGraph", json!({"graphArn": GRAPH})), &[]).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(operations(&sandbox), ["PutEvents"], "no CreateGraph");
    let detail = alert(&sandbox);
    assert_eq!(detail["response"], "alerted_only");
    assert!(
        detail["reason"].as_str().unwrap().contains("autopilot setup"),
        "{detail}"
    );
}

/// An account outside the organization cannot be enrolled again: only a new invitation
/// brings it back. Removed, it is alerted on; still a member (a stale event), nothing.
#[tokio::test]
async fn an_invited_member_removed_is_alerted_on_never_enrolled() {
    const INVITED: &str = "444444444444";
    let (sandbox, sdk) = start(state()).await;
    let event = call("DeleteMembers", json!({"graphArn": GRAPH, "accountIds": [INVITED]}));
    let outcome = handle(&sdk, &event, &[]).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(operations(&sandbox), ["PutEvents"], "no CreateMembers");
    let detail = alert(&sandbox);
    assert_eq!(detail["response"], "alerted_only");
    assert_eq!(detail["accounts"], json!([INVITED]));
    assert!(
        detail["reason"]
            .as_str()
            .unwrap()
            .contains("only a new invitation brings it back"),
        "{detail}"
    );

    let mut still = state();
    still.regions.get_mut(REGION).unwrap().graphs[0]
        .members
        .push(sandbox::Member::new(INVITED, "partner@example.com", "ENABLED"));
    let (stale, sdk) = start(still).await;
    let outcome = handle(&sdk, &event, &[]).await;
    assert_eq!(outcome.status, Status::Ignored, "{}", outcome.to_json());
    assert!(stale.events().is_empty(), "still a member: no alert");
}

/// Detective queues a graph's deletion: ListGraphs may still list it. It is alerted on
/// all the same.
#[tokio::test]
async fn a_graph_deletion_still_queued_is_alerted_on() {
    let (sandbox, sdk) = start(state()).await;
    let outcome = handle(&sdk, &call("DeleteGraph", json!({"graphArn": GRAPH})), &[]).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(operations(&sandbox), ["PutEvents"], "no CreateGraph");
    assert_eq!(alert(&sandbox)["operation"], "DeleteGraph");
}

/// AutoEnable is not required and defaults to false: a call that omits it turns it off.
#[tokio::test]
async fn auto_enable_omitted_turned_it_off_and_it_is_turned_back_on() {
    let (sandbox, sdk) = start(state()).await;
    let event = call("UpdateOrganizationConfiguration", json!({"graphArn": GRAPH}));
    let outcome = handle(&sdk, &event, &[]).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_auto_enable_turned_back_on(&sandbox);
    assert_eq!(alert(&sandbox)["response"], "restoring");
}

#[tokio::test]
async fn a_forged_event_meets_accounts_still_enabled_and_changes_nothing() {
    // The sandbox still has 222222222222 ENABLED: the event claims what did not happen.
    let (sandbox, sdk) = start(state()).await;
    let event = call("DeleteMembers", json!({"graphArn": GRAPH, "accountIds": [MEMBER]}));
    let outcome = handle(&sdk, &event, &[]).await;
    assert_eq!(outcome.status, Status::Ignored, "{}", outcome.to_json());
    assert!(outcome.reason.contains("nothing weakened"), "{}", outcome.reason);
    assert!(writes(&sandbox).is_empty(), "no write, no alert");
    assert!(sandbox.events().is_empty());
}

#[tokio::test]
async fn alert_mode_writes_nothing_but_the_alert() {
    let (sandbox, sdk) = start(after_delete()).await;
    let event = call("DeleteMembers", json!({"graphArn": GRAPH, "accountIds": [MEMBER]}));
    let outcome = handle(&sdk, &event, &[("TAMPER_RESPONSE", "alert")]).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(operations(&sandbox), ["PutEvents"]);
    assert_eq!(alert(&sandbox)["response"], "alerted_only");
}

#[tokio::test]
async fn a_dry_run_plans_the_restore_and_the_alert_and_says_so() {
    let (sandbox, sdk) = start(after_delete()).await;
    let event = call("DeleteMembers", json!({"graphArn": GRAPH, "accountIds": [MEMBER]}));
    let outcome = handle(&sdk, &event, &[("DRY_RUN", "true")]).await;
    assert_eq!(outcome.status, Status::Planned, "{}", outcome.to_json());
    assert!(writes(&sandbox).is_empty(), "a dry run writes nothing");
    let planned: Vec<(&str, ActionResult)> = outcome.actions.iter().map(|a| (a.operation.name(), a.result)).collect();
    assert_eq!(
        planned,
        [
            ("CreateMembers", ActionResult::Planned),
            ("PutEvents", ActionResult::Planned)
        ]
    );
    let note = &outcome.actions[1].notes[0];
    assert!(
        note.contains(r#""response":"planned""#) && note.contains(r#""dry_run":true"#),
        "{note}"
    );
}

#[tokio::test]
async fn the_tamper_metric_counts_alerted_calls() {
    let (_sandbox, sdk) = start(after_delete()).await;
    let event = call("DeleteMembers", json!({"graphArn": GRAPH, "accountIds": [MEMBER]}));
    let outcome = handle(&sdk, &event, &[]).await;
    let metrics = <EnrollAccounts as shared::function::Handler>::metrics(&outcome);
    assert_eq!(metrics.count("TamperEvents"), 1);
    let records = shared::metrics::records(&outcome, "Detective.DeleteMembers", &metrics);
    assert!(records[0].contains(r#""TamperEvents":1"#), "{}", records[0]);
    // The alert's PutEvents is no published report (it once was counted as one, by severity UNKNOWN).
    assert!(
        records
            .iter()
            .all(|record| !record.contains("ReportsPublished") && !record.contains("ReportsBySeverity")),
        "{records:?}"
    );
}
