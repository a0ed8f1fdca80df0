//! The insider suite: what someone with ordinary rights in an organization account can send
//! our functions (a direct invocation with a crafted request, an event naming an account of
//! their choosing) is a request, never an order. Each test asserts the writes that did not
//! happen, and the alert or refusal that did. The tamper cases (our role from a foreign
//! session, our own DeleteGraph) are in tamper.rs; the IAM side in tests/org.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;

use integration_tests::{finding_event, now, start, state, ADMIN, GRAPH, REGION};
use sandbox::{IamRole, Sandbox};
use serde_json::{json, Value};
use shared::clock::FixedClock;
use shared::configure::{stack_variables, ConfigureDetective};
use shared::event::CustomResourceRequest;
use shared::function::Function;
use shared::investigate::{InvestigateConfig, InvestigateFindings};
use shared::outcome::{Outcome, Status};
use shared::runner::run;

/// An account in no graph of ours: outside the organization, or simply not enrolled.
const OUTSIDER: &str = "444444444444";

/// The graph part's Create, as CloudFormation sends it for the stack.
fn setup_request(sandbox: &Sandbox) -> Value {
    let path = integration_tests::events_dir().join("cloudformation/create-graph.json");
    let mut request: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    request["ResponseURL"] = json!(format!("{}/_sandbox/cloudformation/insider", sandbox.endpoint()));
    request
}

/// configure-detective as its stack deploys it: its own setup is `deployed`'s.
async fn configure(sandbox: &Sandbox, deployed: &Value, sent: &Value, extra: &[(&str, &str)]) -> Outcome {
    let sdk = shared::aws::local_sdk_config_as(&sandbox.endpoint(), REGION, &sandbox::access_key_for(ADMIN)).await;
    let mut env: HashMap<String, String> = stack_variables(&CustomResourceRequest::detect(deployed).unwrap())
        .into_iter()
        .collect();
    env.insert("AWS_REGION".into(), REGION.into());
    env.insert("AWS_LAMBDA_FUNCTION_NAME".into(), "configure-detective".into());
    env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let function = ConfigureDetective::build(ConfigureDetective::config(&env).unwrap(), &sdk);
    run(&function, sent, &FixedClock(now()), None).await.outcome
}

fn detective_writes(sandbox: &Sandbox) -> Vec<String> {
    sandbox
        .requests()
        .into_iter()
        .map(|record| record.operation)
        .filter(|operation| {
            !["List", "Get", "Describe", "BatchGet"]
                .iter()
                .any(|read| operation.starts_with(read))
        })
        .collect()
}

#[tokio::test]
async fn configure_detective_refuses_a_request_that_asks_other_than_its_stack() {
    let (sandbox, _) = start(state()).await;
    let deployed = setup_request(&sandbox);
    // Someone allowed lambda:InvokeFunction sends the real StackId, asking AutoEnable off,
    // an outside administrator and no more packages.
    let mut forged = deployed.clone();
    forged["RequestType"] = json!("Update");
    forged["PhysicalResourceId"] = json!("detective-autopilot:graph:111111111111");
    forged["OldResourceProperties"] = deployed["ResourceProperties"].clone();
    forged["ResourceProperties"]["AutoEnable"] = json!("false");
    forged["ResourceProperties"]["DatasourcePackages"] = json!("");
    let outcome = configure(&sandbox, &deployed, &forged, &[]).await;
    assert_eq!(outcome.status, Status::Failed, "{}", outcome.to_json());
    assert_eq!(detective_writes(&sandbox), Vec::<String>::new(), "nothing changed");
    let answer = sandbox.cloudformation_responses().pop().unwrap().body;
    assert_eq!(answer["Status"], "FAILED");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.contains("differs from this stack's configuration")
            && reason.contains(r#"AutoEnable asks "false", the stack has "true""#)
            && reason.contains("DatasourcePackages asks"),
        "{reason}"
    );

    // The same request, as the stack has it, is acted on.
    let outcome = configure(&sandbox, &deployed, &deployed, &[]).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert!(detective_writes(&sandbox).contains(&"UpdateDatasourcePackages".to_owned()));
}

#[tokio::test]
async fn a_forged_delete_never_deletes_the_graph() {
    let (sandbox, _) = start(state()).await;
    let deployed = setup_request(&sandbox);
    let mut delete = deployed.clone();
    delete["RequestType"] = json!("Delete");
    delete["PhysicalResourceId"] = json!("detective-autopilot:graph:111111111111");
    delete["ResourceProperties"]["DisableOnDelete"] = json!("true");
    // Even where the stack allows DisableOnDelete (IAM and code), the request must be the stack's.
    let outcome = configure(&sandbox, &deployed, &delete, &[]).await;
    assert_eq!(outcome.status, Status::Failed, "{}", outcome.to_json());
    assert!(outcome
        .reason
        .contains(r#"DisableOnDelete asks "true", the stack has "false""#));
    assert!(!sandbox.requests().iter().any(|r| r.operation == "DeleteGraph"));
    assert_eq!(sandbox.state().regions[REGION].graphs[0].arn, GRAPH);
}

#[tokio::test]
async fn a_response_url_elsewhere_is_never_called() {
    let (sandbox, _) = start(state()).await;
    let deployed = setup_request(&sandbox);
    for url in [
        "https://attacker.example/collect",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/x",
    ] {
        let mut sent = deployed.clone();
        sent["ResponseURL"] = json!(url);
        let outcome = configure(&sandbox, &deployed, &sent, &[]).await;
        assert_eq!(outcome.status, Status::Failed, "{url}");
        assert!(
            outcome.reason.contains("CloudFormation was not answered")
                && (outcome
                    .reason
                    .contains("not CloudFormation's response bucket in us-east-1")
                    || outcome.reason.contains("is not an https URL")),
            "{url}: {}",
            outcome.reason
        );
    }
    assert!(sandbox.cloudformation_responses().is_empty());
}

#[test]
fn deployed_without_its_stack_the_function_does_not_start() {
    let env: HashMap<String, String> = [
        ("AWS_LAMBDA_FUNCTION_NAME", "configure-detective"),
        ("AWS_REGION", REGION),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    assert_eq!(ConfigureDetective::config(&env).unwrap_err().var, "STACK_ID");
    let mut no_part = env.clone();
    no_part.insert(
        "STACK_ID".into(),
        "arn:aws:cloudformation:us-east-1:111111111111:stack/x/y".into(),
    );
    assert_eq!(ConfigureDetective::config(&no_part).unwrap_err().var, "PART");
}

#[tokio::test]
async fn a_finding_naming_an_account_outside_the_graph_is_never_looked_into() {
    let mut seeded = state();
    // The outsider even has a role of our lookup role's name, ready to answer.
    seeded.iam_roles = vec![IamRole {
        account_id: OUTSIDER.into(),
        name: "detective-autopilot-lookup".into(),
        path: "/".into(),
    }];
    let (sandbox, sdk) = start(seeded).await;
    let env: HashMap<String, String> = [("ROLE_LOOKUP_ROLE_NAME", "detective-autopilot-lookup")]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let function = InvestigateFindings::build(InvestigateConfig::from_env(&env).unwrap(), &sdk);
    let event = finding_event(OUTSIDER, "AssumedRole", "deployer");
    let outcome = run(&function, &event, &FixedClock(now()), None).await.outcome;
    assert_eq!(outcome.status, Status::Failed, "{}", outcome.to_json());
    assert!(outcome.reason.contains(OUTSIDER), "{}", outcome.reason);
    let operations: Vec<String> = sandbox.requests().into_iter().map(|r| r.operation).collect();
    assert!(!operations.contains(&"AssumeRole".to_owned()), "{operations:?}");
    assert!(!operations.contains(&"StartInvestigation".to_owned()), "{operations:?}");
}
