//! accept-invitations against the sandbox over HTTP, through the real SDK.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;

use integration_tests::start;
use sandbox::{Invitation, Sandbox, SandboxState};
use serde_json::{json, Value};
use shared::accept::{AcceptConfig, AcceptInvitations};
use shared::aws::{AwsError, InvitationPort, MemberDetail, SdkDetective};
use shared::outcome::{ActionResult, Outcome, Status};

const MEMBER: &str = "123456789012";
const TRUSTED: &str = "777777777777";
const STRANGER: &str = "666666666666";

/// A graph ARN of Detective's form, its 32 hex digits spelling `label`.
fn graph(region: &str, account: &str, label: &str) -> String {
    let hex: String = label.bytes().map(|byte| format!("{byte:02x}")).collect();
    format!("arn:aws:detective:{region}:{account}:graph:{hex:0>32}")
}

fn invitation(graph_arn: &str, admin: &str, status: &str) -> Invitation {
    Invitation::new(graph_arn, admin, status)
}

fn member_state(invitations: &[(&str, Invitation)]) -> SandboxState {
    let mut state = SandboxState::empty(MEMBER);
    for (region, invitation) in invitations {
        state
            .regions
            .entry((*region).into())
            .or_default()
            .invitations
            .push(invitation.clone());
    }
    state
}

fn config(vars: &[(&str, &str)]) -> AcceptConfig {
    let mut env: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    env.entry("TRUSTED_ADMIN_ACCOUNT_IDS".into())
        .or_insert_with(|| TRUSTED.into());
    env.entry("REGIONS".into()).or_insert_with(|| "us-east-1".into());
    AcceptConfig::from_env(&env).unwrap()
}

fn scheduled() -> Value {
    json!({"id": "e-schedule", "source": "aws.events", "detail-type": "Scheduled Event", "detail": {}})
}

fn calls(sandbox: &Sandbox, operation: &str) -> Vec<String> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.operation == operation && r.status == 200)
        .map(|r| r.parameters["GraphArn"].as_str().unwrap().to_owned())
        .collect()
}

async fn run(sandbox_sdk: &aws_config::SdkConfig, event: &Value, config: &AcceptConfig) -> Outcome {
    run_with(SdkDetective::new(sandbox_sdk), event, config).await
}

/// accept-invitations over any InvitationPort.
async fn run_with<P: InvitationPort>(detective: P, event: &Value, config: &AcceptConfig) -> Outcome {
    let function = AcceptInvitations {
        detective,
        config: config.clone(),
    };
    shared::runner::run(&function, event, &shared::clock::SystemClock, None)
        .await
        .outcome
}

#[tokio::test]
async fn a_trusted_invitation_is_accepted() {
    let trusted = graph("us-east-1", TRUSTED, "aaa");
    let (sandbox, sdk) = start(member_state(&[("us-east-1", invitation(&trusted, TRUSTED, "INVITED"))])).await;
    let outcome = run(&sdk, &scheduled(), &config(&[])).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(calls(&sandbox, "AcceptInvitation"), vec![trusted.clone()]);
    let action = &outcome.actions[0];
    assert_eq!(
        (action.operation.name(), action.result),
        ("AcceptInvitation", ActionResult::Done)
    );
    assert_eq!(action.administrator_id.as_deref(), Some(TRUSTED));
    assert_eq!(
        sandbox.state().region("us-east-1").unwrap().invitations[0].status,
        "ENABLED"
    );
}

/// Invitations that must never be accepted, each failing one check.
fn untrusted_invitations() -> Vec<(&'static str, Invitation)> {
    vec![
        (
            "us-east-1",
            invitation(&graph("us-east-1", STRANGER, "s1"), STRANGER, "INVITED"),
        ),
        // The graph belongs to a stranger while the invitation claims a trusted administrator.
        (
            "us-east-1",
            invitation(&graph("us-east-1", STRANGER, "s2"), TRUSTED, "INVITED"),
        ),
        // A trusted administrator's graph in another region, listed here.
        (
            "us-east-1",
            invitation(&graph("eu-west-1", TRUSTED, "s3"), TRUSTED, "INVITED"),
        ),
    ]
}

#[tokio::test]
async fn an_untrusted_invitation_is_never_accepted_under_any_combination_of_options() {
    for untrusted in ["ignore", "reject"] {
        for leave in ["false", "true"] {
            for dry_run in ["false", "true"] {
                for graphs in [String::new(), graph("us-east-1", TRUSTED, "aaa")] {
                    let options = [
                        ("UNTRUSTED_INVITATIONS", untrusted),
                        ("LEAVE_UNTRUSTED_GRAPHS", leave),
                        ("DRY_RUN", dry_run),
                        ("TRUSTED_GRAPH_ARNS", graphs.as_str()),
                    ];
                    let (sandbox, sdk) = start(member_state(&untrusted_invitations())).await;
                    let outcome = run(&sdk, &scheduled(), &config(&options)).await;
                    assert!(
                        calls(&sandbox, "AcceptInvitation").is_empty(),
                        "{options:?}: {}",
                        outcome.to_json()
                    );
                    assert!(
                        outcome
                            .actions
                            .iter()
                            .all(|a| !(a.operation == "AcceptInvitation" && a.result != ActionResult::Skipped)),
                        "{options:?}"
                    );
                    let rejected = calls(&sandbox, "RejectInvitation").len();
                    let expected = if untrusted == "reject" && dry_run == "false" {
                        3
                    } else {
                        0
                    };
                    assert_eq!(rejected, expected, "{options:?}");
                }
            }
        }
    }
}

#[tokio::test]
async fn a_graph_of_another_account_than_the_administrator_is_untrusted() {
    let forged = graph("us-east-1", STRANGER, "forged");
    let (sandbox, sdk) = start(member_state(&[("us-east-1", invitation(&forged, TRUSTED, "INVITED"))])).await;
    let outcome = run(&sdk, &scheduled(), &config(&[])).await;
    assert_eq!(outcome.status, Status::Ignored);
    assert!(outcome.actions[0]
        .reason_text()
        .as_deref()
        .unwrap()
        .contains("belongs to account 666666666666"));
    assert!(calls(&sandbox, "AcceptInvitation").is_empty());
}

#[tokio::test]
async fn reject_mode_rejects_only_untrusted_invitations() {
    let trusted = graph("us-east-1", TRUSTED, "aaa");
    let stranger = graph("us-east-1", STRANGER, "bbb");
    let state = member_state(&[
        ("us-east-1", invitation(&trusted, TRUSTED, "INVITED")),
        ("us-east-1", invitation(&stranger, STRANGER, "INVITED")),
    ]);
    let (sandbox, sdk) = start(state).await;
    let outcome = run(&sdk, &scheduled(), &config(&[("UNTRUSTED_INVITATIONS", "reject")])).await;
    assert_eq!(outcome.status, Status::Acted);
    assert_eq!(calls(&sandbox, "AcceptInvitation"), vec![trusted]);
    assert_eq!(calls(&sandbox, "RejectInvitation"), vec![stranger]);
}

#[tokio::test]
async fn a_graph_outside_trusted_graph_arns_is_not_accepted() {
    let listed = graph("us-east-1", TRUSTED, "listed");
    let unlisted = graph("us-east-1", TRUSTED, "unlisted");
    let state = member_state(&[
        ("us-east-1", invitation(&listed, TRUSTED, "INVITED")),
        ("us-east-1", invitation(&unlisted, TRUSTED, "INVITED")),
    ]);
    let (sandbox, sdk) = start(state).await;
    let outcome = run(&sdk, &scheduled(), &config(&[("TRUSTED_GRAPH_ARNS", &listed)])).await;
    assert_eq!(calls(&sandbox, "AcceptInvitation"), vec![listed]);
    let skipped = outcome
        .actions
        .iter()
        .find(|a| a.graph_arn.as_deref() == Some(unlisted.as_str()))
        .unwrap();
    assert!(skipped
        .reason_text()
        .as_deref()
        .unwrap()
        .contains("not in TRUSTED_GRAPH_ARNS"));
}

#[tokio::test]
async fn invitations_over_several_pages_and_regions_are_all_seen() {
    let mut invitations = Vec::new();
    for region in ["us-east-1", "eu-west-1"] {
        for n in 0..230 {
            let admin = if n % 2 == 0 { TRUSTED } else { STRANGER };
            invitations.push((
                region,
                invitation(&graph(region, admin, &format!("g{n:03}")), admin, "INVITED"),
            ));
        }
    }
    let (sandbox, sdk) = start(member_state(&invitations)).await;
    let outcome = run(&sdk, &scheduled(), &config(&[("REGIONS", "us-east-1,eu-west-1")])).await;
    assert_eq!(outcome.actions.len(), 460);
    assert_eq!(
        sandbox.count("ListInvitations"),
        4,
        "two pages of at most 200 per region"
    );
    assert_eq!(calls(&sandbox, "AcceptInvitation").len(), 230);
    assert!(calls(&sandbox, "AcceptInvitation")
        .iter()
        .all(|arn| arn.contains(TRUSTED)));
}

#[tokio::test]
async fn a_forwarded_create_members_event_claiming_a_trusted_admin_accepts_nothing_by_itself() {
    let (sandbox, sdk) = start(member_state(&[])).await;
    let forwarded = json!({
        "id": "e-forwarded", "source": "aws.detective", "detail-type": "AWS API Call via CloudTrail",
        "account": TRUSTED, "region": "us-east-1",
        "detail": {"eventName": "CreateMembers", "userIdentity": {"accountId": TRUSTED},
                   "requestParameters": {"graphArn": graph("us-east-1", TRUSTED, "claimed"),
                                         "accounts": [{"accountId": MEMBER, "emailAddress": "m@example.com"}]}}
    });
    let outcome = run(&sdk, &forwarded, &config(&[])).await;
    assert_eq!(outcome.status, Status::Ignored, "{}", outcome.to_json());
    assert!(outcome.actions.is_empty());
    let operations: Vec<String> = sandbox.requests().into_iter().map(|r| r.operation).collect();
    assert_eq!(operations, vec!["ListInvitations"]);
}

/// Another actor answers the invitation between our ListInvitations and AcceptInvitation.
struct Racing<'a> {
    inner: SdkDetective,
    sandbox: &'a Sandbox,
}

impl InvitationPort for Racing<'_> {
    async fn list_invitations(&self, region: &str) -> Result<Vec<MemberDetail>, AwsError> {
        self.inner.list_invitations(region).await
    }
    async fn accept_invitation(&self, region: &str, graph_arn: &str) -> Result<(), AwsError> {
        self.sandbox.update(|state| {
            for invitation in &mut state.regions.get_mut(region).unwrap().invitations {
                invitation.status = "ENABLED".into();
            }
        });
        self.inner.accept_invitation(region, graph_arn).await
    }
    async fn reject_invitation(&self, region: &str, graph_arn: &str) -> Result<(), AwsError> {
        self.inner.reject_invitation(region, graph_arn).await
    }
    async fn disassociate_membership(&self, region: &str, graph_arn: &str) -> Result<(), AwsError> {
        self.inner.disassociate_membership(region, graph_arn).await
    }
}

#[tokio::test]
async fn the_accept_race_is_reported_as_skipped_not_failed() {
    let trusted = graph("us-east-1", TRUSTED, "aaa");
    let (sandbox, sdk) = start(member_state(&[("us-east-1", invitation(&trusted, TRUSTED, "INVITED"))])).await;
    let racing = Racing {
        inner: SdkDetective::new(&sdk),
        sandbox: &sandbox,
    };
    let outcome = run_with(racing, &scheduled(), &config(&[])).await;
    assert_eq!(outcome.status, Status::Ignored, "{}", outcome.to_json());
    let action = &outcome.actions[0];
    assert_eq!(action.result, ActionResult::Skipped);
    assert!(action
        .reason_text()
        .as_deref()
        .unwrap()
        .contains("no longer INVITED when accepted (now ENABLED)"));
    assert_eq!(sandbox.count("ListInvitations"), 2, "re-read after the failed accept");
}

#[tokio::test]
async fn dry_run_makes_no_write() {
    let state = member_state(&[
        (
            "us-east-1",
            invitation(&graph("us-east-1", TRUSTED, "a"), TRUSTED, "INVITED"),
        ),
        (
            "us-east-1",
            invitation(&graph("us-east-1", STRANGER, "b"), STRANGER, "INVITED"),
        ),
        (
            "us-east-1",
            invitation(&graph("us-east-1", STRANGER, "c"), STRANGER, "ENABLED"),
        ),
    ]);
    let (sandbox, sdk) = start(state).await;
    let options = [
        ("DRY_RUN", "true"),
        ("UNTRUSTED_INVITATIONS", "reject"),
        ("LEAVE_UNTRUSTED_GRAPHS", "true"),
    ];
    let outcome = run(&sdk, &scheduled(), &config(&options)).await;
    assert_eq!(outcome.status, Status::Planned);
    let planned: Vec<&str> = outcome
        .actions
        .iter()
        .filter(|a| a.result == ActionResult::Planned)
        .map(|a| a.operation.name())
        .collect();
    assert_eq!(
        planned,
        vec!["AcceptInvitation", "RejectInvitation", "DisassociateMembership"]
    );
    let operations: Vec<String> = sandbox.requests().into_iter().map(|r| r.operation).collect();
    assert_eq!(operations, vec!["ListInvitations"]);
}

#[tokio::test]
async fn untrusted_memberships_are_left_only_when_asked() {
    let trusted = graph("us-east-1", TRUSTED, "a");
    let stranger = graph("us-east-1", STRANGER, "b");
    let state = member_state(&[
        ("us-east-1", invitation(&trusted, TRUSTED, "ENABLED")),
        ("us-east-1", invitation(&stranger, STRANGER, "ENABLED")),
    ]);
    let (sandbox, sdk) = start(state).await;
    let kept = run(&sdk, &scheduled(), &config(&[])).await;
    assert_eq!(kept.status, Status::Ignored);
    assert!(kept.actions[1]
        .reason_text()
        .as_deref()
        .unwrap()
        .contains("LEAVE_UNTRUSTED_GRAPHS is off"));
    let left = run(&sdk, &scheduled(), &config(&[("LEAVE_UNTRUSTED_GRAPHS", "true")])).await;
    assert_eq!(left.status, Status::Acted);
    assert_eq!(calls(&sandbox, "DisassociateMembership"), vec![stranger]);
}

#[tokio::test]
async fn a_failed_accept_fails_the_run_after_the_other_regions() {
    let mut state = member_state(&[
        (
            "us-east-1",
            invitation(&graph("us-east-1", TRUSTED, "a"), TRUSTED, "INVITED"),
        ),
        (
            "eu-west-1",
            invitation(&graph("eu-west-1", TRUSTED, "b"), TRUSTED, "INVITED"),
        ),
    ]);
    state.faults.push(sandbox::Fault {
        operation: "AcceptInvitation".into(),
        error: "AccessDeniedException".into(),
        times: None,
        region: Some("eu-west-1".into()),
    });
    let (sandbox, sdk) = start(state).await;
    let outcome = run(&sdk, &scheduled(), &config(&[("REGIONS", "us-east-1,eu-west-1")])).await;
    assert_eq!(outcome.status, Status::Failed);
    assert_eq!(
        calls(&sandbox, "AcceptInvitation"),
        vec![graph("us-east-1", TRUSTED, "a")]
    );
    assert!(outcome.actions.iter().any(|a| a
        .error_text()
        .as_deref()
        .is_some_and(|e| e.contains("AccessDeniedException"))));
}

#[tokio::test]
async fn other_events_are_ignored() {
    let (sandbox, sdk) = start(member_state(&[])).await;
    let finding = json!({"source": "aws.guardduty", "detail-type": "GuardDuty Finding", "detail": {}});
    let outcome = run(&sdk, &finding, &config(&[])).await;
    assert_eq!(outcome.status, Status::Ignored);
    assert!(sandbox.requests().is_empty());
}

#[tokio::test]
async fn the_declared_aws_actions_are_exactly_those_called() {
    let state = member_state(&[
        (
            "us-east-1",
            invitation(&graph("us-east-1", TRUSTED, "a"), TRUSTED, "INVITED"),
        ),
        (
            "us-east-1",
            invitation(&graph("us-east-1", STRANGER, "b"), STRANGER, "INVITED"),
        ),
        (
            "us-east-1",
            invitation(&graph("us-east-1", STRANGER, "c"), STRANGER, "ENABLED"),
        ),
    ]);
    let (sandbox, sdk) = start(state).await;
    let options = [("UNTRUSTED_INVITATIONS", "reject"), ("LEAVE_UNTRUSTED_GRAPHS", "true")];
    run(&sdk, &scheduled(), &config(&options)).await;
    assert_eq!(
        integration_tests::actions_called(&sandbox),
        integration_tests::sorted(shared::accept::AWS_ACTIONS)
    );
}

#[tokio::test]
async fn only_enabled_invited_memberships_are_left_and_organization_ones_never_touched() {
    let disabled = graph("us-east-1", STRANGER, "disabled");
    let enabled = graph("us-east-1", STRANGER, "enabled");
    let organization = graph("us-east-1", STRANGER, "organization");
    let mut disabled_membership = invitation(&disabled, STRANGER, "ACCEPTED_BUT_DISABLED");
    disabled_membership.disabled_reason = Some("VOLUME_UNKNOWN".into());
    let mut organization_membership = invitation(&organization, STRANGER, "ENABLED");
    organization_membership.invitation_type = "ORGANIZATION".into();
    let mut organization_invited = invitation(&graph("us-east-1", STRANGER, "org-invited"), STRANGER, "INVITED");
    organization_invited.invitation_type = "ORGANIZATION".into();
    let state = member_state(&[
        ("us-east-1", disabled_membership),
        ("us-east-1", invitation(&enabled, STRANGER, "ENABLED")),
        ("us-east-1", organization_membership),
        ("us-east-1", organization_invited),
    ]);
    let (sandbox, sdk) = start(state).await;
    let options = [("LEAVE_UNTRUSTED_GRAPHS", "true"), ("UNTRUSTED_INVITATIONS", "reject")];
    let outcome = run(&sdk, &scheduled(), &config(&options)).await;
    assert_eq!(outcome.status, Status::Acted, "{}", outcome.to_json());
    assert_eq!(calls(&sandbox, "DisassociateMembership"), vec![enabled]);
    assert!(
        calls(&sandbox, "RejectInvitation").is_empty(),
        "an organization invitation is not ours to answer"
    );
    let reason = |arn: &str| {
        outcome
            .actions
            .iter()
            .find(|a| a.graph_arn.as_deref() == Some(arn))
            .and_then(|a| a.reason_text())
            .unwrap_or_default()
    };
    assert!(
        reason(&disabled)
            .contains("ACCEPTED_BUT_DISABLED (VOLUME_UNKNOWN): DisassociateMembership is allowed only for ENABLED"),
        "{}",
        reason(&disabled)
    );
    assert!(
        reason(&organization).contains("an organization membership"),
        "{}",
        reason(&organization)
    );
    // Nothing AWS would refuse was attempted.
    assert!(sandbox.requests().iter().all(|r| r.status == 200));
}
