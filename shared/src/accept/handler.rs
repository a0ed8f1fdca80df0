//! Per region: list the invitations, decide from what ListInvitations says (never from
//! the event), act.

use serde_json::Value;

use super::config::{AcceptConfig, UntrustedPolicy};
use super::trust::check_trust;
use crate::aws::{AwsError, InvitationPort, MemberDetail};
use crate::event::{route, Envelope, Trigger};
use crate::outcome::{Action, ActionResult, Outcome, Status};
use crate::regions::{assemble, each_region, RegionReport, Verbs};
use crate::telemetry;

pub const FUNCTION: &str = "accept-invitations";
const VERBS: Verbs = &[
    ("AcceptInvitation", "accepted"),
    ("RejectInvitation", "rejected"),
    ("DisassociateMembership", "left"),
];
/// Regions checked at once: a handful of calls each.
const CONCURRENT_REGIONS: usize = 4;

pub async fn handle<P: InvitationPort>(payload: &Value, ports: &P, config: &AcceptConfig) -> Outcome {
    let outcome = decide_and_act(payload, ports, config).await;
    telemetry::log_outcome(&outcome);
    outcome
}

async fn decide_and_act<P: InvitationPort>(payload: &Value, ports: &P, config: &AcceptConfig) -> Outcome {
    let envelope = match Envelope::from_value(payload) {
        Ok(envelope) => envelope,
        Err(error) => return Outcome::new(FUNCTION, None, Status::Failed, error.to_string()),
    };
    let id = envelope.id.clone();
    let subject = match route(&envelope) {
        Err(error) => return Outcome::new(FUNCTION, id, Status::Failed, error.to_string()),
        Ok(Trigger::Scheduled { .. }) => "scheduled check of invitations".to_owned(),
        // Only a hint: what it claims (administrator, graph) is not used.
        Ok(Trigger::DetectiveMembersCreated { .. }) => {
            "CreateMembers in an administrator account: checked ListInvitations (the event's content is not trusted)"
                .to_owned()
        }
        Ok(other) => {
            return Outcome::new(
                FUNCTION,
                id,
                Status::Ignored,
                format!(
                    "source {:?} with detail-type {:?} ({}) is neither a schedule nor a Detective CreateMembers event",
                    envelope.source,
                    envelope.detail_type,
                    other.name()
                ),
            )
        }
    };
    let reports = each_region(&config.regions, CONCURRENT_REGIONS, |region| {
        check_region(ports, config, region)
    })
    .await;
    assemble(FUNCTION, id, &subject, reports, VERBS)
}

fn action(
    operation: &'static str,
    result: ActionResult,
    region: &str,
    invitation: &MemberDetail,
    reason: String,
) -> Action {
    let mut action = Action::new(operation, result);
    action.region = Some(region.to_owned());
    action.graph_arn = invitation.graph_arn.clone();
    action.administrator_id = invitation.administrator_id.clone();
    action.reason = Some(reason);
    tracing::info!(
        function = FUNCTION,
        region,
        graph_arn = invitation.graph_arn.as_deref().unwrap_or_default(),
        administrator_id = invitation.administrator_id.as_deref().unwrap_or_default(),
        operation,
        result = ?result,
        reason = action.reason.as_deref().unwrap_or_default(),
        "invitation decision"
    );
    action
}

fn failed(mut action: Action, error: &AwsError) -> Action {
    action.result = ActionResult::Failed;
    action.error = Some(error.to_string());
    action
}

async fn check_region<P: InvitationPort>(ports: &P, config: &AcceptConfig, region: String) -> RegionReport {
    let invitations = match ports.list_invitations(&region).await {
        Ok(invitations) => invitations,
        Err(error) => return RegionReport::failed(&region, error.to_string()),
    };
    let mut report = RegionReport::new(&region);
    for invitation in &invitations {
        let trust = check_trust(
            invitation.administrator_id.as_deref(),
            invitation.graph_arn.as_deref(),
            &region,
            config,
        );
        let graph = invitation.graph_arn.clone().unwrap_or_default();
        let next = match (invitation.status.as_str(), trust) {
            // Organization accounts cannot answer for, or leave, the organization behavior
            // graph: its Detective administrator decides (DisassociateMembership's docs).
            _ if invitation.is_organization_member() => action(
                "AcceptInvitation",
                ActionResult::Skipped,
                &region,
                invitation,
                format!(
                    "an organization membership (status {}): managed by the organization's Detective administrator, never answered or left here",
                    invitation.status_text()
                ),
            ),
            ("INVITED", Ok(())) => accept(ports, config, &region, invitation, &graph).await,
            ("INVITED", Err(why)) => match config.untrusted {
                UntrustedPolicy::Reject => {
                    let reason = format!("untrusted: {why}");
                    let planned = action("RejectInvitation", ActionResult::Planned, &region, invitation, reason);
                    if config.dry_run {
                        planned
                    } else {
                        match ports.reject_invitation(&region, &graph).await {
                            Ok(()) => Action {
                                result: ActionResult::Done,
                                ..planned
                            },
                            Err(error) => failed(planned, &error),
                        }
                    }
                }
                UntrustedPolicy::Ignore => action(
                    "AcceptInvitation",
                    ActionResult::Skipped,
                    &region,
                    invitation,
                    format!("untrusted, left alone (UNTRUSTED_INVITATIONS=ignore): {why}"),
                ),
            },
            // AWS lets only an ENABLED invited member leave.
            ("ACCEPTED_BUT_DISABLED", Err(why)) if config.leave_untrusted_graphs => action(
                "DisassociateMembership",
                ActionResult::Skipped,
                &region,
                invitation,
                format!(
                    "member of an untrusted graph ({why}), but its membership is {}: DisassociateMembership is allowed only for ENABLED memberships",
                    invitation.status_text()
                ),
            ),
            ("ENABLED", Err(why)) if config.leave_untrusted_graphs => {
                let reason = format!("member of an untrusted graph: {why}");
                let planned = action(
                    "DisassociateMembership",
                    ActionResult::Planned,
                    &region,
                    invitation,
                    reason,
                );
                if config.dry_run {
                    planned
                } else {
                    match ports.disassociate_membership(&region, &graph).await {
                        Ok(()) => Action {
                            result: ActionResult::Done,
                            ..planned
                        },
                        Err(error) => failed(planned, &error),
                    }
                }
            }
            (status, trust) => {
                let mut reason = format!("already answered: status {status}");
                if let Err(why) = trust {
                    reason.push_str(&format!("; untrusted ({why}) but LEAVE_UNTRUSTED_GRAPHS is off"));
                }
                action("AcceptInvitation", ActionResult::Skipped, &region, invitation, reason)
            }
        };
        report.actions.push(next);
    }
    report
}

/// AcceptInvitation; when it fails because the invitation changed meanwhile (withdrawn,
/// already accepted), that is reported as skipped, not failed.
async fn accept<P: InvitationPort>(
    ports: &P,
    config: &AcceptConfig,
    region: &str,
    invitation: &MemberDetail,
    graph: &str,
) -> Action {
    let planned = action(
        "AcceptInvitation",
        ActionResult::Planned,
        region,
        invitation,
        "trusted administrator".to_owned(),
    );
    if config.dry_run {
        return planned;
    }
    let error = match ports.accept_invitation(region, graph).await {
        Ok(()) => {
            return Action {
                result: ActionResult::Done,
                ..planned
            }
        }
        Err(error) => error,
    };
    let now = match ports.list_invitations(region).await {
        Ok(invitations) => invitations
            .into_iter()
            .find(|other| other.graph_arn.as_deref() == Some(graph)),
        Err(_) => return failed(planned, &error),
    };
    match now {
        Some(current) if current.status == "INVITED" => failed(planned, &error),
        current => {
            let status = current.map_or_else(|| "gone".to_owned(), |c| format!("now {}", c.status));
            Action {
                result: ActionResult::Skipped,
                reason: Some(format!("no longer INVITED when accepted ({status}): {error}")),
                ..planned
            }
        }
    }
}
