//! configure-detective as a CloudFormation custom resource, end to end: the real function
//! through the runner, the SDK against the sandbox, and the answer PUT to the sandbox
//! standing in for the presigned ResponseURL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use chrono::Utc;
use integration_tests::{now, start, state, ADMIN, GRAPH, REGION};
use sandbox::{Sandbox, SandboxState};
use serde_json::{json, Value};
use shared::clock::{FixedClock, SystemClock};
use shared::configure::{ConfigureDetective, MANAGED_TAGS_KEY};
use shared::function::Function;
use shared::lambda::respond;
use shared::outcome::Status;
use shared::runner::run;

const MANAGEMENT: &str = "999999999999";
/// Detective's write operations: none may be called on a second run.
const WRITES: &[&str] = &[
    "EnableOrganizationAdminAccount",
    "DisableOrganizationAdminAccount",
    "CreateGraph",
    "DeleteGraph",
    "UpdateDatasourcePackages",
    "TagResource",
    "UntagResource",
    "UpdateOrganizationConfiguration",
];

fn request(kind: &str, account: &str, properties: Value, sandbox: &Sandbox) -> Value {
    let mut properties = properties;
    properties["ServiceToken"] = json!(format!(
        "arn:aws:lambda:us-east-1:{account}:function:configure-detective"
    ));
    properties["ServiceTimeout"] = json!("300");
    let mut request = json!({
        "RequestType": kind,
        "ServiceToken": properties["ServiceToken"],
        "ResponseURL": format!("{}/_sandbox/cloudformation/{kind}", sandbox.endpoint()),
        "StackId": format!("arn:aws:cloudformation:us-east-1:{account}:stack/detective-autopilot/2b7f4e10-a1b2-11ef-9c3d-0e5f6a7b8c9d"),
        "RequestId": format!("request-{kind}"),
        "ResourceType": "Custom::DetectiveSetup",
        "LogicalResourceId": "DetectiveSetup",
        "ResourceProperties": properties,
    });
    if kind != "Create" {
        request["PhysicalResourceId"] = json!(format!("detective-autopilot:graph:{account}"));
    }
    if kind == "Update" {
        request["OldResourceProperties"] = request["ResourceProperties"].clone();
    }
    request
}

fn graph_properties(extra: &[(&str, &str)]) -> Value {
    let mut properties = json!({
        "Part": "graph",
        "Regions": REGION,
        "AdministratorAccountId": ADMIN,
        "DatasourcePackages": "EKS_AUDIT",
        "GraphTags": "team=security",
    });
    for (key, value) in extra {
        properties[*key] = json!(value);
    }
    properties
}

async fn invoke_as(
    sandbox: &Sandbox,
    account: &str,
    payload: &Value,
    deadline: Option<chrono::DateTime<Utc>>,
) -> shared::runner::Handled {
    invoke_with(sandbox, account, payload, deadline, &[]).await
}

/// With the function's own variables (`DISABLE_ON_DELETE`, `STACK_ID`).
async fn invoke_with(
    sandbox: &Sandbox,
    account: &str,
    payload: &Value,
    deadline: Option<chrono::DateTime<Utc>>,
    variables: &[(&str, &str)],
) -> shared::runner::Handled {
    let sdk = shared::aws::local_sdk_config_as(&sandbox.endpoint(), REGION, &sandbox::access_key_for(account)).await;
    let env: std::collections::HashMap<String, String> = variables
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    let config = ConfigureDetective::config(&env).unwrap();
    let function = ConfigureDetective::build(config, &sdk);
    match deadline {
        Some(_) => run(&function, payload, &SystemClock, deadline).await,
        None => run(&function, payload, &FixedClock(now()), None).await,
    }
}

/// The last answer the sandbox received.
fn answer(sandbox: &Sandbox) -> Value {
    sandbox.cloudformation_responses().pop().expect("an answer").body
}

/// The write calls made, with their parameters.
fn writes(sandbox: &Sandbox) -> Vec<(String, Value)> {
    sandbox
        .requests()
        .iter()
        .filter(|record| WRITES.contains(&record.operation.as_str()))
        .map(|record| (record.operation.clone(), record.parameters.clone()))
        .collect()
}

fn call(operation: &str, parameters: Value) -> (String, Value) {
    (operation.to_owned(), parameters)
}

#[tokio::test]
async fn create_sets_the_graph_up_answers_success_and_a_second_run_writes_nothing() {
    let (sandbox, _) = start(state()).await;
    let handled = invoke_as(
        &sandbox,
        ADMIN,
        &request("Create", ADMIN, graph_properties(&[]), &sandbox),
        None,
    )
    .await;
    assert_eq!(handled.outcome.status, Status::Acted, "{}", handled.outcome.to_json());
    assert_eq!(
        writes(&sandbox),
        [
            call(
                "UpdateDatasourcePackages",
                json!({"DatasourcePackages": ["EKS_AUDIT"], "GraphArn": GRAPH})
            ),
            call(
                "TagResource",
                json!({"ResourceArn": GRAPH, "Tags": {MANAGED_TAGS_KEY: "team", "team": "security"}})
            ),
            call(
                "UpdateOrganizationConfiguration",
                json!({"AutoEnable": true, "GraphArn": GRAPH})
            ),
        ]
    );
    let responses = sandbox.cloudformation_responses();
    assert_eq!(responses.len(), 1);
    assert_eq!(
        responses[0].content_type, None,
        "the presigned URL is signed without a content type"
    );
    let body = &responses[0].body;
    assert_eq!(body["Status"], "SUCCESS");
    assert_eq!(body["PhysicalResourceId"], "detective-autopilot:graph:111111111111");
    assert_eq!(body["RequestId"], "request-Create");
    assert_eq!(body["LogicalResourceId"], "DetectiveSetup");
    assert!(body["StackId"].as_str().unwrap().contains(":111111111111:stack/"));
    assert!(
        respond::<ConfigureDetective>(handled).is_ok(),
        "answered: the invocation succeeds"
    );

    sandbox.clear_requests();
    let again = invoke_as(
        &sandbox,
        ADMIN,
        &request("Update", ADMIN, graph_properties(&[]), &sandbox),
        None,
    )
    .await;
    assert_eq!(again.outcome.status, Status::Ignored, "{}", again.outcome.to_json());
    assert_eq!(
        writes(&sandbox),
        Vec::<(String, Value)>::new(),
        "a second run makes no write"
    );
    let body = answer(&sandbox);
    assert_eq!(body["Status"], "SUCCESS");
    assert_eq!(
        body["PhysicalResourceId"], "detective-autopilot:graph:111111111111",
        "the same id on Update, or CloudFormation would replace the resource"
    );
}

#[tokio::test]
async fn a_missing_graph_is_created_then_set_up_from_what_it_reads() {
    let mut empty = state();
    empty.regions.clear();
    empty.regions.insert(
        REGION.into(),
        sandbox::RegionState {
            organization_admin_account_id: Some(ADMIN.into()),
            ..sandbox::RegionState::default()
        },
    );
    let (sandbox, _) = start(empty).await;
    let handled = invoke_as(
        &sandbox,
        ADMIN,
        &request("Create", ADMIN, graph_properties(&[]), &sandbox),
        None,
    )
    .await;
    assert_eq!(handled.outcome.status, Status::Acted, "{}", handled.outcome.to_json());
    let operations: Vec<String> = writes(&sandbox).into_iter().map(|(operation, _)| operation).collect();
    // A new graph has every package on already (as documented) and its tags from
    // CreateGraph: only AutoEnable is left.
    assert_eq!(operations, ["CreateGraph", "UpdateOrganizationConfiguration"]);
    let created = &sandbox
        .requests()
        .into_iter()
        .find(|r| r.operation == "CreateGraph")
        .unwrap();
    assert_eq!(created.parameters["Tags"]["team"], "security");
    assert_eq!(answer(&sandbox)["Status"], "SUCCESS");
}

#[tokio::test]
async fn the_management_part_designates_where_none_is_and_never_overwrites_another() {
    let mut organization = state();
    organization
        .regions
        .get_mut(REGION)
        .unwrap()
        .organization_admin_account_id = Some("333333333333".into());
    let (sandbox, _) = start(organization).await;
    let properties = json!({"Part": "organization", "Regions": "us-east-1,us-west-2", "AdministratorAccountId": ADMIN});
    let handled = invoke_as(
        &sandbox,
        MANAGEMENT,
        &request("Create", MANAGEMENT, properties, &sandbox),
        None,
    )
    .await;
    assert_eq!(handled.outcome.status, Status::Failed);
    assert_eq!(
        writes(&sandbox),
        [call("EnableOrganizationAdminAccount", json!({"AccountId": ADMIN}))],
        "us-west-2 designated; us-east-1's administrator left alone"
    );
    let body = answer(&sandbox);
    assert_eq!(body["Status"], "FAILED");
    let reason = body["Reason"].as_str().unwrap();
    assert!(
        reason.contains("account 333333333333 is already Detective's administrator"),
        "{reason}"
    );
    assert_eq!(
        body["PhysicalResourceId"], "detective-autopilot:organization:999999999999:create-failed",
        "a failed Create is marked, so its rollback Delete changes nothing"
    );
    assert!(
        respond::<ConfigureDetective>(handled).is_ok(),
        "answered FAILED: Lambda must not retry"
    );
    assert_eq!(
        sandbox.state().regions[REGION].organization_admin_account_id.as_deref(),
        Some("333333333333")
    );

    // CloudFormation rolls the failed Create back with a Delete of that id.
    sandbox.clear_requests();
    let mut delete = request(
        "Delete",
        MANAGEMENT,
        json!({"Part": "organization", "Regions": "us-east-1,us-west-2", "AdministratorAccountId": ADMIN, "DisableOnDelete": "true"}),
        &sandbox,
    );
    delete["PhysicalResourceId"] = body["PhysicalResourceId"].clone();
    // Even where the function allows DisableOnDelete, the rollback of a failed Create
    // touches nothing (here: never disables the other administrator).
    let deleted = invoke_with(&sandbox, MANAGEMENT, &delete, None, &[("DISABLE_ON_DELETE", "true")]).await;
    assert_eq!(deleted.outcome.status, Status::Ignored, "{}", deleted.outcome.to_json());
    assert_eq!(writes(&sandbox), Vec::<(String, Value)>::new());
    assert_eq!(answer(&sandbox)["Status"], "SUCCESS");
}

#[tokio::test]
async fn delete_changes_nothing_unless_disable_on_delete_and_then_deletes_only_ours() {
    let (sandbox, _) = start(state()).await;
    let keep = invoke_as(
        &sandbox,
        ADMIN,
        &request("Delete", ADMIN, graph_properties(&[]), &sandbox),
        None,
    )
    .await;
    assert_eq!(keep.outcome.status, Status::Ignored);
    assert_eq!(writes(&sandbox), Vec::<(String, Value)>::new());
    assert_eq!(answer(&sandbox)["Status"], "SUCCESS");

    let destroy = request(
        "Delete",
        ADMIN,
        graph_properties(&[("DisableOnDelete", "true")]),
        &sandbox,
    );
    // The request alone is not enough: the function's own DISABLE_ON_DELETE must allow it.
    let refused = invoke_as(&sandbox, ADMIN, &destroy, None).await;
    assert_eq!(refused.outcome.status, Status::Ignored, "{}", refused.outcome.to_json());
    assert_eq!(writes(&sandbox), Vec::<(String, Value)>::new());
    let handled = invoke_with(&sandbox, ADMIN, &destroy, None, &[("DISABLE_ON_DELETE", "true")]).await;
    assert_eq!(handled.outcome.status, Status::Acted);
    assert_eq!(writes(&sandbox), [call("DeleteGraph", json!({"GraphArn": GRAPH}))]);
    assert!(sandbox.state().regions[REGION].graphs.is_empty());
    assert_eq!(answer(&sandbox)["Status"], "SUCCESS");
}

#[tokio::test]
async fn a_request_for_another_stack_is_neither_acted_on_nor_answered() {
    let (sandbox, _) = start(state()).await;
    let ours =
        "arn:aws:cloudformation:us-east-1:111111111111:stack/detective-autopilot/0a0a0a0a-0000-11ef-0000-0a1b2c3d4e5f";
    let forged = request(
        "Delete",
        ADMIN,
        graph_properties(&[("DisableOnDelete", "true")]),
        &sandbox,
    );
    let handled = invoke_with(
        &sandbox,
        ADMIN,
        &forged,
        None,
        &[
            ("STACK_ID", ours),
            ("PART", "graph"),
            ("REGIONS", REGION),
            ("ADMINISTRATOR_ACCOUNT_ID", ADMIN),
            ("DISABLE_ON_DELETE", "true"),
        ],
    )
    .await;
    assert_eq!(handled.outcome.status, Status::Ignored);
    assert!(
        handled.outcome.reason.contains("not this function's own"),
        "{}",
        handled.outcome.reason
    );
    assert_eq!(writes(&sandbox), Vec::<(String, Value)>::new());
    assert!(
        sandbox.cloudformation_responses().is_empty(),
        "its ResponseURL is not ours to answer"
    );
}

#[tokio::test]
async fn unusable_requests_are_answered_failed_with_the_reason() {
    let (sandbox, _) = start(state()).await;
    let mut no_part = request("Create", ADMIN, graph_properties(&[]), &sandbox);
    no_part["ResourceProperties"].as_object_mut().unwrap().remove("Part");
    invoke_as(&sandbox, ADMIN, &no_part, None).await;
    let body = answer(&sandbox);
    assert_eq!(body["Status"], "FAILED");
    assert_eq!(
        body["Reason"],
        "ResourceProperties.Part: expected organization or graph; found nothing"
    );

    let bad_tags = request(
        "Create",
        ADMIN,
        graph_properties(&[("GraphTags", "aws:team=x")]),
        &sandbox,
    );
    invoke_as(&sandbox, ADMIN, &bad_tags, None).await;
    let reason = answer(&sandbox)["Reason"].as_str().unwrap().to_owned();
    assert!(reason.starts_with("ResourceProperties.GraphTags: expected"), "{reason}");

    let mut unknown_type = request("Create", ADMIN, graph_properties(&[]), &sandbox);
    unknown_type["RequestType"] = json!("Replace");
    invoke_as(&sandbox, ADMIN, &unknown_type, None).await;
    assert_eq!(answer(&sandbox)["Status"], "FAILED");

    // The graph part deployed in another account would create a graph that is not the organization's.
    invoke_as(
        &sandbox,
        MANAGEMENT,
        &request("Create", MANAGEMENT, graph_properties(&[]), &sandbox),
        None,
    )
    .await;
    let reason = answer(&sandbox)["Reason"].as_str().unwrap().to_owned();
    assert_eq!(
        reason,
        "the graph part must run in the administrator account 111111111111, not in 999999999999"
    );
    assert_eq!(writes(&sandbox), Vec::<(String, Value)>::new());
}

#[tokio::test]
async fn a_slow_service_is_cut_off_and_answered_before_the_deadline() {
    let mut slow: SandboxState = state();
    slow.latency_ms = 3_000;
    let (sandbox, _) = start(slow).await;
    let started = Instant::now();
    let deadline = Utc::now() + chrono::Duration::seconds(1);
    let handled = invoke_as(
        &sandbox,
        ADMIN,
        &request("Create", ADMIN, graph_properties(&[]), &sandbox),
        Some(deadline),
    )
    .await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "answered at the deadline, not after the slow call: {took:?}"
    );
    let body = answer(&sandbox);
    assert_eq!(body["Status"], "FAILED");
    assert!(body["Reason"].as_str().unwrap().contains("deadline"), "{body}");
    assert!(respond::<ConfigureDetective>(handled).is_ok());
}

#[tokio::test]
async fn an_answer_cloudformation_did_not_get_fails_the_invocation_so_lambda_retries() {
    let (sandbox, _) = start(state()).await;
    let mut expired = request("Create", ADMIN, graph_properties(&[]), &sandbox);
    expired["ResponseURL"] = json!(format!("{}/_sandbox/cloudformation/expired/x", sandbox.endpoint()));
    let handled = invoke_as(&sandbox, ADMIN, &expired, None).await;
    assert_eq!(handled.outcome.status, Status::Failed);
    assert!(handled
        .outcome
        .reason
        .contains("CloudFormation was not answered: the ResponseURL answered HTTP 403"));
    assert!(respond::<ConfigureDetective>(handled).is_err());
}
