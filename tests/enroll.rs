//! enroll-accounts against the sandbox over HTTP, through the real SDK.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::time::Duration;

use aws_config::SdkConfig;
use integration_tests::{now, start, ADMIN};
use sandbox::{Account, Fault, Graph, Member, Organization, RegionState, Sandbox, SandboxState, UnprocessedRule};
use serde_json::{json, Value};
use shared::aws::{GraphCache, SdkDetective, SdkOrganizations};
use shared::clock::FixedClock;
use shared::enroll::{EnrollAccounts, EnrollConfig};
use shared::function::Handler;
use shared::outcome::{ActionResult, Outcome, Status};
use shared::runner::{run as run_function, Handled};

const NEW: &str = "444444444444";

fn graph_arn(region: &str) -> String {
    format!("arn:aws:detective:{region}:{ADMIN}:graph:0123456789abcdef0123456789abcdef")
}

fn account(id: &str, status: &str) -> Account {
    Account::new(id, &format!("n-{id}"), &format!("{id}@example.com"), status)
}

/// An organization of `extra` accounts besides the administrator and NEW, with a graph per region.
fn org_state(regions: &[&str], extra: usize) -> SandboxState {
    let mut state = SandboxState::empty(ADMIN);
    state.now = Some(now());
    let mut accounts = vec![
        account(ADMIN, "ACTIVE"),
        account(NEW, "ACTIVE"),
        account("555555555555", "SUSPENDED"),
    ];
    accounts.extend((0..extra).map(|n| account(&format!("{:012}", 600_000_000_000_u64 + n as u64), "ACTIVE")));
    state.organization = Some(Organization::new("o-exampleorgid", "999999999999", accounts));
    for region in regions {
        let graph = Graph {
            arn: graph_arn(region),
            auto_enable: true,
            members: vec![],
        };
        state.regions.insert(
            (*region).into(),
            RegionState {
                organization_admin_account_id: Some(ADMIN.into()),
                graphs: vec![graph],
                ..RegionState::default()
            },
        );
    }
    state
}

/// A member Detective enabled as an organization account (its account may have left since).
fn organization_member(id: &str, status: &str) -> Member {
    Member {
        invitation_type: Some("ORGANIZATION".into()),
        ..Member::new(id, &format!("{id}@example.com"), status)
    }
}

fn config(regions: &str, vars: &[(&str, &str)]) -> EnrollConfig {
    let mut env: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    env.insert("REGIONS".into(), regions.into());
    EnrollConfig::from_env(&env).unwrap()
}

async fn run(sdk: &SdkConfig, event: &Value, config: &EnrollConfig) -> Outcome {
    run_with_deadline(sdk, event, config, None).await
}

async fn run_with_deadline(
    sdk: &SdkConfig,
    event: &Value,
    config: &EnrollConfig,
    deadline: Option<chrono::DateTime<chrono::Utc>>,
) -> Outcome {
    handled(&function(sdk, config), event, deadline).await.outcome
}

/// A cold function, with a short wait before retrying unprocessed accounts.
fn function(sdk: &SdkConfig, config: &EnrollConfig) -> EnrollAccounts {
    EnrollAccounts {
        detective: SdkDetective::new(sdk),
        organizations: SdkOrganizations::new(sdk),
        alerts: shared::aws::SdkEventBridge::new(sdk),
        config: config.clone(),
        graphs: GraphCache::default(),
        retry_base: Duration::from_millis(20),
    }
}

async fn handled(function: &EnrollAccounts, event: &Value, deadline: Option<chrono::DateTime<chrono::Utc>>) -> Handled {
    run_function(function, event, &FixedClock(now()), deadline).await
}

fn create_account_result(account_id: &str, state: &str) -> Value {
    json!({"version": "0", "id": "e-create", "source": "aws.organizations", "detail-type": "AWS Service Event via CloudTrail",
           "account": "999999999999", "region": "us-east-1", "time": "2026-11-20T12:00:00Z", "resources": [],
           "detail": {"eventName": "CreateAccountResult", "eventSource": "organizations.amazonaws.com", "eventType": "AwsServiceEvent",
                      "serviceEventDetails": {"createAccountStatus": {"state": state, "accountId": account_id, "accountName": "x"}}}})
}

fn departure(account_id: &str) -> Value {
    json!({"id": "e-remove", "source": "aws.organizations", "detail-type": "AWS API Call via CloudTrail",
           "detail": {"eventName": "RemoveAccountFromOrganization", "requestParameters": {"accountId": account_id}}})
}

fn scheduled() -> Value {
    json!({"id": "e-schedule", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {},
           "resources": ["arn:aws:events:us-east-1:111111111111:rule/enroll"]})
}

const WRITES: &[&str] = &[
    "CreateMembers",
    "DeleteMembers",
    "StartMonitoringMember",
    "UpdateOrganizationConfiguration",
];

fn write_count(sandbox: &Sandbox) -> usize {
    sandbox
        .requests()
        .iter()
        .filter(|r| WRITES.contains(&r.operation.as_str()))
        .count()
}

fn members(sandbox: &Sandbox, region: &str) -> Vec<String> {
    let state = sandbox.state();
    let mut ids: Vec<String> = state.region(region).unwrap().graphs[0]
        .members
        .iter()
        .map(|m| m.account_id.clone())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_new_account_is_enrolled_with_its_organizations_email_in_every_region() {
    let (sandbox, sdk) = start(org_state(&["us-east-1", "eu-west-1"], 0)).await;
    let outcome = run(
        &sdk,
        &create_account_result(NEW, "SUCCEEDED"),
        &config("us-east-1,eu-west-1", &[]),
    )
    .await;

    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(sandbox.count("DescribeAccount"), 1);
    assert_eq!(sandbox.count("GetMembers"), 2);
    let creates: Vec<(String, Value)> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.operation == "CreateMembers")
        .map(|r| (r.region, r.parameters))
        .collect();
    assert_eq!(creates.len(), 2);
    for (region, parameters) in creates {
        assert_eq!(
            parameters,
            json!({"GraphArn": graph_arn(&region), "DisableEmailNotification": true,
                   "Accounts": [{"AccountId": NEW, "EmailAddress": "444444444444@example.com"}]})
        );
    }
    assert_eq!(members(&sandbox, "eu-west-1"), vec![NEW]);
    assert_eq!(outcome.regions.len(), 2);
}

#[tokio::test]
async fn a_failed_creation_is_ignored_without_any_call() {
    let (sandbox, sdk) = start(org_state(&["us-east-1"], 0)).await;
    let outcome = run(&sdk, &create_account_result(NEW, "FAILED"), &config("us-east-1", &[])).await;
    assert_eq!(outcome.status, Status::Ignored);
    assert!(outcome.reason.contains("state FAILED"), "{}", outcome.reason);
    assert!(sandbox.requests().is_empty());
}

#[tokio::test]
async fn forged_or_stale_events_cause_no_write() {
    let (sandbox, sdk) = start(org_state(&["us-east-1"], 0)).await;
    let outside = run(
        &sdk,
        &create_account_result("888888888888", "SUCCEEDED"),
        &config("us-east-1", &[]),
    )
    .await;
    assert_eq!(outside.status, Status::Ignored);
    assert!(outside.reason.contains("not in the organization"), "{}", outside.reason);
    let suspended = run(
        &sdk,
        &create_account_result("555555555555", "SUCCEEDED"),
        &config("us-east-1", &[]),
    )
    .await;
    assert_eq!(suspended.status, Status::Ignored);
    assert!(suspended.reason.contains("SUSPENDED"), "{}", suspended.reason);
    assert_eq!(write_count(&sandbox), 0);
    assert_eq!(sandbox.count("GetMembers"), 0);
}

#[tokio::test]
async fn an_enabled_member_needs_no_write_and_a_disabled_one_is_restarted() {
    let mut state = org_state(&["us-east-1"], 0);
    state.regions.get_mut("us-east-1").unwrap().graphs[0].members =
        vec![Member::new(NEW, "444444444444@example.com", "ENABLED")];
    let (sandbox, sdk) = start(state).await;
    let outcome = run(
        &sdk,
        &create_account_result(NEW, "SUCCEEDED"),
        &config("us-east-1", &[]),
    )
    .await;
    assert_eq!(outcome.status, Status::Ignored, "{}", outcome.to_json());
    assert_eq!(
        outcome.actions[0].reason_text().as_deref(),
        Some("already an ENABLED member")
    );
    assert_eq!(write_count(&sandbox), 0);

    sandbox.update(|state| {
        state.regions.get_mut("us-east-1").unwrap().graphs[0].members[0].status = "ACCEPTED_BUT_DISABLED".into()
    });
    let outcome = run(
        &sdk,
        &create_account_result(NEW, "SUCCEEDED"),
        &config("us-east-1", &[]),
    )
    .await;
    assert_eq!(outcome.status, Status::Acted);
    assert_eq!(sandbox.count("StartMonitoringMember"), 1);
    assert_eq!(
        sandbox.state().region("us-east-1").unwrap().graphs[0].members[0].status,
        "ENABLED"
    );
}

#[tokio::test]
async fn a_sweep_of_1200_accounts_in_3_regions_makes_exactly_the_minimum_calls() {
    let regions = ["us-east-1", "us-west-2", "eu-west-1"];
    // 1,200 accounts in all: the administrator, NEW, one SUSPENDED and 1,197 others.
    let mut state = org_state(&regions, 1_197);
    // 250 existing members per region: ListMembers needs two pages of 200.
    let existing: Vec<Member> = state.organization.as_ref().unwrap().accounts[3..253]
        .iter()
        .map(|a| Member::new(&a.id, &a.email, "ENABLED"))
        .collect();
    for region in &regions {
        let graph = &mut state.regions.get_mut(*region).unwrap().graphs[0];
        graph.members = existing.clone();
        graph.auto_enable = false;
    }
    let (sandbox, sdk) = start(state).await;
    let config = config("us-east-1,us-west-2,eu-west-1", &[]);
    let outcome = run(&sdk, &scheduled(), &config).await;

    assert_eq!(outcome.status, Status::Acted, "{}", outcome.reason);
    // 1,200 accounts - admin - suspended - 250 members = 948 missing per region: ceil(948/50) = 19 batches.
    assert_eq!(sandbox.count("ListAccounts"), 60, "ceil(1200 / 20)");
    assert_eq!(sandbox.count("ListGraphs"), 3);
    assert_eq!(sandbox.count("ListMembers"), 6, "ceil(250 / 200) per region");
    assert_eq!(sandbox.count("CreateMembers"), 3 * 19);
    assert_eq!(sandbox.count("DescribeOrganizationConfiguration"), 3);
    assert_eq!(sandbox.count("UpdateOrganizationConfiguration"), 3);
    for region in &regions {
        let enrolled = members(&sandbox, region);
        assert_eq!(
            enrolled.len(),
            1_198,
            "{region}: every ACTIVE account but the administrator"
        );
        assert!(!enrolled.contains(&"555555555555".to_string()) && !enrolled.contains(&ADMIN.to_string()));
        assert!(sandbox.state().region(region).unwrap().graphs[0].auto_enable);
    }

    sandbox.clear_requests();
    let second = run(&sdk, &scheduled(), &config).await;
    assert_eq!(second.status, Status::Ignored, "{}", second.reason);
    assert_eq!(write_count(&sandbox), 0, "a second sweep makes no write");
}

#[tokio::test]
async fn three_throttling_errors_on_create_members_still_enroll_everyone() {
    let mut state = org_state(&["us-east-1"], 120);
    state.faults.push(Fault {
        operation: "CreateMembers".into(),
        error: "TooManyRequestsException".into(),
        times: Some(3),
        region: None,
    });
    let (sandbox, sdk) = start(state).await;
    let outcome = run(&sdk, &scheduled(), &config("us-east-1", &[])).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.reason);
    assert_eq!(members(&sandbox, "us-east-1").len(), 121);
    let throttled = sandbox
        .requests()
        .iter()
        .filter(|r| r.operation == "CreateMembers" && r.status == 429)
        .count();
    assert_eq!(throttled, 3);
}

#[tokio::test]
async fn unprocessed_accounts_are_retried_once_then_reported_and_fail_the_run() {
    let mut state = org_state(&["us-east-1"], 3);
    state.unprocessed.push(UnprocessedRule {
        account_id: "600000000000".into(),
        reason: "The email address does not match the account.".into(),
        times: None,
    });
    state.unprocessed.push(UnprocessedRule {
        account_id: "600000000001".into(),
        reason: "Internal error, try again.".into(),
        times: Some(1),
    });
    let (sandbox, sdk) = start(state).await;
    let outcome = run(&sdk, &scheduled(), &config("us-east-1", &[])).await;

    assert_eq!(outcome.status, Status::Failed);
    let failed: Vec<_> = outcome
        .actions
        .iter()
        .filter(|a| a.result == ActionResult::Failed)
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].account_ids, vec!["600000000000"]);
    assert!(failed[0]
        .error_text()
        .as_deref()
        .unwrap()
        .contains("email address does not match"));
    // The first call, then one retry with the two unprocessed accounts: never a loop.
    assert_eq!(sandbox.count("CreateMembers"), 2);
    assert!(
        members(&sandbox, "us-east-1").contains(&"600000000001".to_string()),
        "the transient one succeeded"
    );
    assert!(
        shared::lambda::into_response(outcome).is_err(),
        "the invocation fails so Lambda retries and dead-letters"
    );
}

/// The accounts of the outcome's CreateMembers skipped as left out of a full graph.
fn left_out(outcome: &Outcome) -> Vec<String> {
    outcome
        .actions
        .iter()
        .filter(|a| {
            a.result == ActionResult::Skipped
                && matches!(
                    a.reason_of::<shared::enroll::Reason>(),
                    Some(shared::enroll::Reason::LeftOut(_))
                )
        })
        .flat_map(|a| a.account_ids.clone())
        .collect()
}

#[tokio::test]
async fn a_full_graph_is_filled_oldest_first_and_never_asked_again() {
    let mut state = org_state(&["us-east-1"], 10);
    // 600…0 to 600…9 joined a day apart, the youngest first in ListAccounts.
    for account in &mut state.organization.as_mut().unwrap().accounts {
        if let Some(n) = account
            .id
            .strip_prefix("60000000000")
            .and_then(|n| n.parse::<f64>().ok())
        {
            account.joined = 1_700_000_000.0 - n * 86_400.0;
        }
    }
    state.regions.get_mut("us-east-1").unwrap().graphs[0].members = (0..1_195)
        .map(|n| organization_member(&format!("{:012}", 700_000_000_000_u64 + n), "ENABLED"))
        .collect();
    let (sandbox, sdk) = start(state).await;
    let config = config("us-east-1", &[]);
    let outcome = run(&sdk, &scheduled(), &config).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    let created: Vec<String> = sandbox
        .requests()
        .iter()
        .filter(|r| r.operation == "CreateMembers")
        .flat_map(|r| r.parameters["Accounts"].as_array().unwrap().clone())
        .map(|account| account["AccountId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        created,
        [
            "600000000009",
            "600000000008",
            "600000000007",
            "600000000006",
            "600000000005"
        ],
        "five places: the oldest accounts"
    );
    let mut out = left_out(&outcome);
    out.sort();
    assert_eq!(
        out,
        [
            "444444444444",
            "600000000000",
            "600000000001",
            "600000000002",
            "600000000003",
            "600000000004"
        ]
    );
    assert_eq!(
        sandbox.requests().iter().filter(|r| r.status == 402).count(),
        0,
        "never refused"
    );
    let line =
        shared::metrics::records(&outcome, "Scheduled", &<EnrollAccounts as Handler>::metrics(&outcome)).join("\n");
    assert!(line.contains("\"AccountsLeftOut\":6"), "{line}");

    sandbox.clear_requests();
    let again = run(&sdk, &scheduled(), &config).await;
    assert_eq!(sandbox.count("CreateMembers"), 0, "a full graph is not asked again");
    assert_eq!(left_out(&again).len(), 6);
    assert_eq!(
        sandbox.count("ListAccountsForParent") + sandbox.count("ListTagsForResource"),
        0,
        "no rule: the order needs no read"
    );
}

#[tokio::test]
async fn a_refusal_is_met_once_per_run_and_leaves_the_accounts_out_without_failing() {
    let mut state = org_state(&["us-east-1"], 120);
    state.faults.push(Fault {
        operation: "CreateMembers".into(),
        error: "ServiceQuotaExceededException".into(),
        times: None,
        region: None,
    });
    let (sandbox, sdk) = start(state).await;
    let outcome = run(&sdk, &scheduled(), &config("us-east-1", &[])).await;
    assert_ne!(outcome.status, Status::Failed, "{}", outcome.to_json());
    assert_eq!(sandbox.count("CreateMembers"), 1, "three batches planned, one call");
    assert_eq!(left_out(&outcome).len(), 121);
    assert!(outcome
        .to_json()
        .contains("refused new members with ServiceQuotaExceededException"));
}

#[tokio::test]
async fn priority_rules_read_only_what_they_need_once_and_make_room_removes_lower_ranked_members_we_enrolled() {
    let regions = ["us-east-1", "eu-west-1"];
    let mut state = org_state(&regions, 6);
    let org = state.organization.as_mut().unwrap();
    org.units = vec![
        sandbox::Unit {
            id: "ou-root-prod0001".into(),
            name: "Prod".into(),
            parent: None,
        },
        sandbox::Unit {
            id: "ou-root-payments".into(),
            name: "Payments".into(),
            parent: Some("ou-root-prod0001".into()),
        },
    ];
    for account in &mut org.accounts {
        match account.id.as_str() {
            "600000000005" => account.parent = Some("ou-root-payments".into()),
            "600000000004" => {
                account.tags.insert("tier".into(), "gold".into());
            }
            _ => {}
        }
    }
    // Full at 3: two members we enrolled (oldest by id), one invited by hand.
    for region in &regions {
        state.regions.get_mut(*region).unwrap().graphs[0].members = vec![
            organization_member("600000000000", "ENABLED"),
            organization_member("600000000001", "ENABLED"),
            Member {
                invitation_type: Some("INVITATION".into()),
                ..Member::new("888888888888", "x@example.com", "ENABLED")
            },
        ];
    }
    let (sandbox, sdk) = start(state).await;
    let config = config(
        "us-east-1,eu-west-1",
        &[
            ("MEMBER_QUOTA", "3"),
            ("ENROLL_PRIORITY", "ou:ou-root-prod0001,tag:tier=gold"),
            ("MAKE_ROOM", "true"),
        ],
    );
    let outcome = run(&sdk, &scheduled(), &config).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    for region in &regions {
        assert_eq!(
            members(&sandbox, region),
            ["600000000004", "600000000005", "888888888888"],
            "{region}: the unit's account and the gold one replace the two we enrolled; the invited one stays"
        );
    }
    // The units once (the root of the rule and its child), tags only of the accounts the
    // unit rule does not place, each once for both regions.
    assert_eq!(sandbox.count("ListOrganizationalUnitsForParent"), 2);
    assert_eq!(sandbox.count("ListAccountsForParent"), 2);
    let tagged: Vec<String> = sandbox
        .requests()
        .iter()
        .filter(|r| r.operation == "ListTagsForResource")
        .map(|r| r.parameters["ResourceId"].as_str().unwrap().to_owned())
        .collect();
    let unique: std::collections::BTreeSet<&String> = tagged.iter().collect();
    assert_eq!(unique.len(), tagged.len(), "each account's tags read once: {tagged:?}");
    assert!(
        !tagged.contains(&"600000000005".to_owned()),
        "placed by the unit rule: {tagged:?}"
    );
    assert_eq!(sandbox.count("ListParents"), 0);

    sandbox.clear_requests();
    run(&sdk, &scheduled(), &config).await;
    assert_eq!(
        write_count(&sandbox),
        0,
        "stable: the removed members rank lower and stay out"
    );
}

#[tokio::test]
async fn a_region_with_access_denied_does_not_stop_the_others() {
    let mut state = org_state(&["us-east-1", "us-west-2"], 2);
    state.faults.push(Fault {
        operation: "ListMembers".into(),
        error: "AccessDeniedException".into(),
        times: None,
        region: Some("us-west-2".into()),
    });
    let (sandbox, sdk) = start(state).await;
    let outcome = run(&sdk, &scheduled(), &config("us-east-1,us-west-2", &[])).await;

    assert_eq!(outcome.status, Status::Failed);
    let results: Vec<(String, ActionResult)> = outcome.regions.iter().map(|r| (r.region.clone(), r.result)).collect();
    assert_eq!(
        results,
        vec![
            ("us-east-1".into(), ActionResult::Done),
            ("us-west-2".into(), ActionResult::Failed)
        ]
    );
    assert!(outcome.regions[1].reason.contains("AccessDeniedException"));
    assert_eq!(members(&sandbox, "us-east-1").len(), 3);
}

#[tokio::test]
async fn departures_are_removed_only_when_the_option_is_on_and_the_account_is_gone() {
    let mut state = org_state(&["us-east-1", "us-west-2"], 0);
    for region in ["us-east-1", "us-west-2"] {
        state.regions.get_mut(region).unwrap().graphs[0].members = vec![
            organization_member("588801414845", "ENABLED"),
            Member::new(NEW, "444444444444@example.com", "ENABLED"),
        ];
    }
    let (sandbox, sdk) = start(state).await;
    let off = run(&sdk, &departure("588801414845"), &config("us-east-1,us-west-2", &[])).await;
    assert_eq!(off.status, Status::Ignored);
    assert!(off.reason.contains("REMOVE_DEPARTED_ACCOUNTS is off"));
    assert!(sandbox.requests().is_empty());

    let on = config("us-east-1,us-west-2", &[("REMOVE_DEPARTED_ACCOUNTS", "true")]);
    let still_active = run(&sdk, &departure(NEW), &on).await;
    assert_eq!(still_active.status, Status::Ignored, "a stale event");
    assert_eq!(write_count(&sandbox), 0);

    let removed = run(&sdk, &departure("588801414845"), &on).await;
    assert_eq!(removed.status, Status::Acted, "{}", removed.to_json());
    assert_eq!(sandbox.count("DeleteMembers"), 2);
    assert_eq!(members(&sandbox, "us-west-2"), vec![NEW]);
}

#[tokio::test]
async fn dry_run_reads_everything_and_writes_nothing() {
    let mut state = org_state(&["us-east-1"], 60);
    state.regions.get_mut("us-east-1").unwrap().graphs[0].auto_enable = false;
    let (sandbox, sdk) = start(state).await;
    let outcome = run(&sdk, &scheduled(), &config("us-east-1", &[("DRY_RUN", "true")])).await;
    assert_eq!(outcome.status, Status::Planned, "{}", outcome.reason);
    let planned: usize = outcome
        .actions
        .iter()
        .filter(|a| a.result == ActionResult::Planned && a.operation == "CreateMembers")
        .map(|a| a.account_ids.len())
        .sum();
    assert_eq!(planned, 61);
    assert!(outcome
        .actions
        .iter()
        .any(|a| a.operation == "UpdateOrganizationConfiguration" && a.result == ActionResult::Planned));
    assert_eq!(write_count(&sandbox), 0);
    assert_eq!(sandbox.count("ListMembers"), 1);
}

#[tokio::test]
async fn near_the_deadline_no_new_work_starts_and_the_run_fails_saying_so() {
    let (sandbox, sdk) = start(org_state(&["us-east-1"], 5)).await;
    // The work deadline (Lambda's, less the margin) has been reached.
    let deadline = Some(now());
    let outcome = run_with_deadline(&sdk, &scheduled(), &config("us-east-1", &[]), deadline).await;
    assert_eq!(outcome.status, Status::Failed);
    let not_started = outcome
        .actions
        .iter()
        .find(|a| a.result == ActionResult::Failed)
        .unwrap();
    assert!(not_started.reason_text().as_deref().unwrap().contains("deadline"));
    assert_eq!(not_started.account_ids.len(), 6);
    assert_eq!(write_count(&sandbox), 0);
}

#[tokio::test]
async fn other_events_are_ignored() {
    let (sandbox, sdk) = start(org_state(&["us-east-1"], 0)).await;
    let finding = json!({"source": "aws.guardduty", "detail-type": "GuardDuty Finding", "detail": {}});
    let outcome = run(&sdk, &finding, &config("us-east-1", &[])).await;
    assert_eq!(outcome.status, Status::Ignored);
    assert!(sandbox.requests().is_empty());
}

#[tokio::test]
async fn every_organizations_and_control_tower_corpus_file_gets_the_right_decision() {
    let Some(dir) = integration_tests::corpus_dir() else {
        return;
    };
    let (sandbox, sdk) = start(org_state(&["us-east-1"], 0)).await;
    let config = config("us-east-1", &[]);
    let mut seen = 0;
    for folder in ["organizations", "cloudtrail-misc"] {
        let mut files: Vec<_> = std::fs::read_dir(dir.join(folder))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for path in files {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let payload: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let outcome = run(&sdk, &payload, &config).await;
            let status = serde_json::to_value(outcome.status).unwrap();
            println!("{name:<100} {} {}", status.as_str().unwrap(), outcome.reason);
            let (expected_status, expected_reason) = match name.as_str() {
                "aws-sea_eventbridge-MoveAccount-envelope_AssumedRole.json" => (Status::Ignored, "is not an account lifecycle event"),
                "aws-sea_eventbridge-RemoveAccountFromOrganization-envelope_AssumedRole.json" => {
                    (Status::Ignored, "RemoveAccountFromOrganization: REMOVE_DEPARTED_ACCOUNTS is off")
                }
                // The docs redact the account id: a handled event with an unusable field fails clearly.
                "awsdocs-controltower-lifecycle-CreateManagedAccount-comments-stripped.json" => (
                    Status::Failed,
                    "createManagedAccountStatus.account.accountId: expected a 12-digit account id; found \"XXXXXXXXXXXX\"",
                ),
                "awsdocs-controltower-lifecycle-UpdateManagedAccount-comments-stripped.json" => {
                    (Status::Ignored, "account 624281831893, which is not in the organization (DescribeAccount): no write")
                }
                "awsdocs-controltower-lifecycle-DisableGuardrail.json" => (Status::Ignored, "is not an account lifecycle event"),
                "awsdocs-cwe-EventTypes-AWS-API-Call-via-CloudTrail-s3-CreateBucket-Root.json" => {
                    (Status::Ignored, "is not an account lifecycle event")
                }
                // CloudTrail records without the EventBridge envelope.
                _ => (Status::Failed, "not an EventBridge event"),
            };
            assert_eq!(outcome.status, expected_status, "{name}: {}", outcome.reason);
            assert!(outcome.reason.contains(expected_reason), "{name}: {}", outcome.reason);
            seen += 1;
        }
    }
    assert_eq!(seen, 16);
    assert_eq!(
        write_count(&sandbox),
        0,
        "no corpus event names an account of this organization"
    );
}

#[tokio::test]
async fn the_graph_is_looked_up_once_while_the_function_is_warm() {
    let (sandbox, sdk) = start(org_state(&["us-east-1", "us-west-2"], 0)).await;
    let config = config("us-east-1,us-west-2", &[]);
    let warm = function(&sdk, &config);
    for _ in 0..3 {
        handled(&warm, &create_account_result(NEW, "SUCCEEDED"), None).await;
    }
    assert_eq!(sandbox.count("ListGraphs"), 2, "once per region, then cached");
    assert_eq!(
        sandbox.count("CreateMembers"),
        2,
        "later deliveries find the member and write nothing"
    );
}

#[tokio::test]
async fn the_declared_aws_actions_are_exactly_those_called() {
    let mut state = org_state(&["us-east-1"], 2);
    let graph = &mut state.regions.get_mut("us-east-1").unwrap().graphs[0];
    graph.auto_enable = false;
    graph.members = vec![
        Member::new("600000000000", "x@example.com", "ACCEPTED_BUT_DISABLED"),
        organization_member("588801414845", "ENABLED"),
    ];
    let (sandbox, sdk) = start(state).await;
    let on = config("us-east-1", &[("REMOVE_DEPARTED_ACCOUNTS", "true")]);
    run(&sdk, &create_account_result(NEW, "SUCCEEDED"), &on).await;
    // A graph too full for every account, ordered by a unit and a tag.
    let full = config(
        "us-east-1",
        &[("MEMBER_QUOTA", "1"), ("ENROLL_PRIORITY", "ou:r-root,tag:x")],
    );
    run(&sdk, &scheduled(), &full).await;
    let tags = config("us-east-1", &[("MEMBER_QUOTA", "1"), ("ENROLL_PRIORITY", "tag:x")]);
    run(&sdk, &scheduled(), &tags).await;
    run(&sdk, &scheduled(), &on).await;
    // A package turned off (a tamper event): its re-read, its restore and the alert.
    let path = integration_tests::events_dir().join("detective-update-datasource-packages.json");
    let mut tamper: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    tamper["detail"]["requestParameters"]["graphArn"] = json!(graph_arn("us-east-1"));
    let packages = config("us-east-1", &[("DATASOURCE_PACKAGES", "EKS_AUDIT")]);
    let outcome = run(&sdk, &tamper, &packages).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    // A graph too full for every account, ordered by a unit and a tag.
    let full = config(
        "us-east-1",
        &[("MEMBER_QUOTA", "1"), ("ENROLL_PRIORITY", "ou:r-root,tag:x")],
    );
    run(&sdk, &scheduled(), &full).await;
    let tags = config("us-east-1", &[("MEMBER_QUOTA", "1"), ("ENROLL_PRIORITY", "tag:x")]);
    run(&sdk, &scheduled(), &tags).await;
    // Besides what AWS checks with them (Detective's dependent actions), never called.
    let called: Vec<&str> = shared::enroll::AWS_ACTIONS
        .iter()
        .copied()
        .filter(|action| !shared::aws::DEPENDENT_ACTIONS.contains(action))
        .collect();
    assert_eq!(
        integration_tests::actions_called(&sandbox),
        integration_tests::sorted(&called)
    );
}

fn graph_members(sandbox: &Sandbox, region: &str) -> Vec<Member> {
    sandbox.state().region(region).unwrap().graphs[0].members.clone()
}

#[tokio::test]
async fn a_new_organization_account_is_being_enabled_until_detective_has_verified_it() {
    let mut state = org_state(&["us-east-1"], 0);
    state.verification_reads = 1;
    let (sandbox, sdk) = start(state).await;
    let config = config("us-east-1", &[]);
    let created = run(&sdk, &create_account_result(NEW, "SUCCEEDED"), &config).await;
    assert_eq!(created.status, Status::Acted, "{}", created.to_json());
    assert_eq!(
        graph_members(&sandbox, "us-east-1")[0].status,
        "VERIFICATION_IN_PROGRESS"
    );

    // The next delivery finds it still being verified: nothing to write, and it says so.
    let again = run(&sdk, &create_account_result(NEW, "SUCCEEDED"), &config).await;
    assert_eq!(again.status, Status::Ignored, "{}", again.to_json());
    assert_eq!(
        again.actions[0].reason_text().as_deref(),
        Some("being enabled (VERIFICATION_IN_PROGRESS)")
    );
    assert_eq!(sandbox.count("CreateMembers"), 1);
    let third = run(&sdk, &create_account_result(NEW, "SUCCEEDED"), &config).await;
    assert_eq!(
        third.actions[0].reason_text().as_deref(),
        Some("already an ENABLED member")
    );
}

#[tokio::test]
async fn a_member_detective_cannot_enable_is_reported_with_its_reason_not_counted_as_re_enabled() {
    let mut state = org_state(&["us-east-1"], 0);
    state.member_outcomes = vec![sandbox::MemberOutcome {
        account_id: NEW.into(),
        status: "ACCEPTED_BUT_DISABLED".into(),
        disabled_reason: Some("VOLUME_TOO_HIGH".into()),
    }];
    let (sandbox, sdk) = start(state).await;
    let config = config("us-east-1", &[]);
    run(&sdk, &create_account_result(NEW, "SUCCEEDED"), &config).await;

    // Verified: ACCEPTED_BUT_DISABLED. The sweep tries StartMonitoringMember, reads the
    // member back, and finds Detective left it as it was.
    let sweep_run = handled(&function(&sdk, &config), &scheduled(), None).await;
    let sweep = sweep_run.outcome.clone();
    assert_eq!(sweep.status, Status::Failed, "{}", sweep.to_json());
    assert_eq!(sandbox.count("StartMonitoringMember"), 1);
    let failed = sweep
        .actions
        .iter()
        .find(|a| a.operation == "StartMonitoringMember")
        .unwrap();
    assert_eq!(failed.result, ActionResult::Failed);
    let error = failed.error_text().unwrap();
    assert!(
        error.contains("still ACCEPTED_BUT_DISABLED (VOLUME_TOO_HIGH)"),
        "{error}"
    );
    assert!(error.contains("data volume"), "{error}");
    assert_eq!(
        <EnrollAccounts as Handler>::metrics(&sweep).count("MembersReenabled"),
        0,
        "not counted as re-enabled"
    );
    // A scheduled run that fails is answered, not raised: the next schedule retries it.
    assert!(shared::lambda::respond::<EnrollAccounts>(sweep_run).is_ok());

    // Once Detective can take it (the graph's volume went down), it is re-enabled.
    sandbox.update(|state| state.member_outcomes.clear());
    let sweep = run(&sdk, &scheduled(), &config).await;
    assert_eq!(sweep.status, Status::Acted, "{}", sweep.to_json());
    assert_eq!(graph_members(&sandbox, "us-east-1")[0].status, "ENABLED");
    assert_eq!(
        <EnrollAccounts as Handler>::metrics(&sweep).count("MembersReenabled"),
        1
    );
}

#[tokio::test]
async fn invited_members_are_never_removed_by_remove_departed_accounts() {
    let mut state = org_state(&["us-east-1"], 0);
    state.regions.get_mut("us-east-1").unwrap().graphs[0].members = vec![
        // A partner account the administrator invited: outside the organization.
        Member {
            invitation_type: Some("INVITATION".into()),
            ..Member::new("777777777777", "partner@example.com", "ENABLED")
        },
        // An organization member whose account has left.
        organization_member("588801414845", "ENABLED"),
    ];
    let (sandbox, sdk) = start(state).await;
    let on = config("us-east-1", &[("REMOVE_DEPARTED_ACCOUNTS", "true")]);
    let sweep = run(&sdk, &scheduled(), &on).await;
    assert_eq!(sweep.status, Status::Acted, "{}", sweep.to_json());
    let deleted: Vec<Value> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.operation == "DeleteMembers")
        .map(|r| r.parameters["AccountIds"].clone())
        .collect();
    assert_eq!(deleted, vec![json!(["588801414845"])]);
    let ids: Vec<String> = graph_members(&sandbox, "us-east-1")
        .into_iter()
        .map(|m| m.account_id)
        .collect();
    assert!(ids.contains(&"777777777777".to_string()));

    // Its departure event (forged or not) removes nothing either.
    let event = run(&sdk, &departure("777777777777"), &on).await;
    assert_eq!(event.status, Status::Ignored, "{}", event.to_json());
    assert!(
        event.reason.contains("never removed by REMOVE_DEPARTED_ACCOUNTS"),
        "{}",
        event.reason
    );
    assert_eq!(sandbox.count("DeleteMembers"), 1);
}

#[tokio::test]
async fn a_pending_activation_account_is_retried_not_enrolled_yet() {
    let mut state = org_state(&["us-east-1"], 0);
    state.organization.as_mut().unwrap().accounts[1].status = "PENDING_ACTIVATION".into();
    let (sandbox, sdk) = start(state).await;
    let config = config("us-east-1", &[]);
    let outcome = run(&sdk, &create_account_result(NEW, "SUCCEEDED"), &config).await;
    assert_eq!(outcome.status, Status::Failed, "Lambda retries it in a minute");
    assert!(outcome.reason.contains("PENDING_ACTIVATION"), "{}", outcome.reason);
    let sweep = run(&sdk, &scheduled(), &config).await;
    assert_eq!(sweep.status, Status::Ignored, "{}", sweep.to_json());
    assert_eq!(write_count(&sandbox), 0);
}

#[tokio::test]
async fn a_remembered_graph_that_was_deleted_is_looked_up_again() {
    let (sandbox, sdk) = start(org_state(&["us-east-1"], 0)).await;
    let config = config("us-east-1", &[]);
    let warm = function(&sdk, &config);
    handled(&warm, &scheduled(), None).await;
    let recreated = "arn:aws:detective:us-east-1:111111111111:graph:cccccccccccccccccccccccccccccccc";
    sandbox.update(|state| {
        let graph = &mut state.regions.get_mut("us-east-1").unwrap().graphs[0];
        graph.arn = recreated.into();
        graph.members.clear();
    });
    let outcome = handled(&warm, &create_account_result(NEW, "SUCCEEDED"), None)
        .await
        .outcome;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(sandbox.count("ListGraphs"), 2);
    assert_eq!(outcome.actions[0].graph_arn.as_deref(), Some(recreated));
}

/// An account that joins an organization whose graph is full: one CreateMembers, refused,
/// and the account left out, not a failure Lambda would retry into the same refusal.
#[tokio::test]
async fn an_account_joining_a_full_graph_is_left_out_after_one_refusal() {
    let mut state = org_state(&["us-east-1"], 0);
    state.regions.get_mut("us-east-1").unwrap().graphs[0].members = (0..1_200)
        .map(|n| organization_member(&format!("{:012}", 700_000_000_000_u64 + n), "ENABLED"))
        .collect();
    let (sandbox, sdk) = start(state).await;
    let outcome = run(
        &sdk,
        &create_account_result(NEW, "SUCCEEDED"),
        &config("us-east-1", &[]),
    )
    .await;
    assert_ne!(outcome.status, Status::Failed, "{}", outcome.to_json());
    assert_eq!(left_out(&outcome), [NEW]);
    assert_eq!(sandbox.count("CreateMembers"), 1);
    assert_eq!(sandbox.requests().iter().filter(|r| r.status == 402).count(), 1);
    assert!(shared::lambda::into_response(outcome).is_ok(), "not retried by Lambda");
}

/// A MEMBER_QUOTA below Detective's keeps its headroom for events too: the account is
/// counted against it (ListMembers) and left out without a CreateMembers. At Detective's
/// own quota no count is made: Detective enforces it.
#[tokio::test]
async fn an_account_joining_a_graph_at_member_quota_is_left_out_without_a_call() {
    let mut state = org_state(&["us-east-1"], 1);
    state.regions.get_mut("us-east-1").unwrap().graphs[0].members = (0..3)
        .map(|n| organization_member(&format!("{:012}", 700_000_000_000_u64 + n), "ENABLED"))
        .collect();
    let (sandbox, sdk) = start(state).await;
    let outcome = run(
        &sdk,
        &create_account_result(NEW, "SUCCEEDED"),
        &config("us-east-1", &[("MEMBER_QUOTA", "3")]),
    )
    .await;
    assert_ne!(outcome.status, Status::Failed, "{}", outcome.to_json());
    assert_eq!(left_out(&outcome), [NEW]);
    assert_eq!((sandbox.count("ListMembers"), sandbox.count("CreateMembers")), (1, 0));

    sandbox.clear_requests();
    let roomy = run(
        &sdk,
        &create_account_result(NEW, "SUCCEEDED"),
        &config("us-east-1", &[("MEMBER_QUOTA", "4")]),
    )
    .await;
    assert_eq!(roomy.status, Status::Acted, "{}", roomy.to_json());
    assert_eq!((sandbox.count("ListMembers"), sandbox.count("CreateMembers")), (1, 1));
    sandbox.clear_requests();
    run(
        &sdk,
        &create_account_result("600000000000", "SUCCEEDED"),
        &config("us-east-1", &[]),
    )
    .await;
    assert_eq!(sandbox.count("ListMembers"), 0, "at Detective's own quota, no count");
}
