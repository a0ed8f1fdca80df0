//! The member's side: ListInvitations, AcceptInvitation, RejectInvitation,
//! DisassociateMembership. A member account answers only its own invitations.

use serde_json::{json, Value};

use super::accounts::{enable_outcome, is_callers};
use super::{region_mut, required_str, timestamp, Call};
use crate::paging::page;
use crate::protocol::{ApiError, Service};
use crate::state::{Invitation, SandboxState};

const INVITATION_PAGE: usize = 200;

/// The caller's invitations and memberships. ORGANIZATION memberships are listed too:
/// whether ListInvitations shows them is not documented, and our code must not depend on it.
pub fn list_invitations(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let mine: Vec<Invitation> = state
        .region(call.region)
        .map(|region| {
            region
                .invitations
                .iter()
                .filter(|invitation| is_callers(state, invitation, call.caller))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let (invitations, next) = page(
        Service::Detective,
        "ListInvitations",
        call.caller,
        &mine,
        call.body,
        INVITATION_PAGE,
    )?;
    let time = timestamp(call.now);
    let details: Vec<Value> = invitations
        .iter()
        .map(|invitation| {
            json!({
                "AccountId": call.caller, "GraphArn": invitation.graph_arn,
                "AdministratorId": invitation.administrator_id, "MasterId": invitation.administrator_id,
                "Status": invitation.status, "DisabledReason": invitation.disabled_reason,
                "InvitationType": invitation.invitation_type,
                "InvitedTime": time, "UpdatedTime": time,
            })
        })
        .collect();
    Ok(json!({"Invitations": details, "NextToken": next}))
}

/// The caller's invitation to `GraphArn` in this region, by index.
fn find(state: &SandboxState, call: &Call) -> Result<(usize, Invitation), ApiError> {
    let arn = required_str(call.body, "GraphArn")?;
    state
        .region(call.region)
        .and_then(|region| {
            region
                .invitations
                .iter()
                .enumerate()
                .find(|(_, invitation)| invitation.graph_arn == arn && is_callers(state, invitation, call.caller))
        })
        .map(|(index, invitation)| (index, invitation.clone()))
        .ok_or_else(|| ApiError::not_found(format!("account {} has no invitation to graph {arn}", call.caller)))
}

/// Sets (or removes) the caller's entry in the graph's member list, when the graph is here.
fn update_member(state: &mut SandboxState, call: &Call, graph_arn: &str, status: Option<(&str, Option<String>)>) {
    let region = region_mut(state, call.region);
    let Some(graph) = region.graphs.iter_mut().find(|graph| graph.arn == graph_arn) else {
        return;
    };
    match status {
        Some((status, disabled_reason)) => {
            if let Some(member) = graph.members.iter_mut().find(|member| member.account_id == call.caller) {
                member.status = status.to_owned();
                member.disabled_reason = disabled_reason;
            }
        }
        None => graph.members.retain(|member| member.account_id != call.caller),
    }
}

fn require_invited(invitation: &Invitation) -> Result<(), ApiError> {
    if invitation.status != "INVITED" {
        return Err(ApiError::validation(format!(
            "the invitation to graph {} has status {}, not INVITED",
            invitation.graph_arn, invitation.status
        )));
    }
    if invitation.invitation_type == "ORGANIZATION" {
        return Err(ApiError::validation(
            "an organization account cannot answer for the organization behavior graph",
        ));
    }
    Ok(())
}

pub fn accept_invitation(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let (index, invitation) = find(state, call)?;
    require_invited(&invitation)?;
    let (status, disabled_reason) = enable_outcome(state, call.caller);
    if let Some(entry) = region_mut(state, call.region).invitations.get_mut(index) {
        entry.status = status.clone();
        entry.disabled_reason = disabled_reason.clone();
    }
    update_member(state, call, &invitation.graph_arn, Some((&status, disabled_reason)));
    Ok(json!({}))
}

pub fn reject_invitation(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let (index, invitation) = find(state, call)?;
    require_invited(&invitation)?;
    region_mut(state, call.region).invitations.remove(index);
    update_member(state, call, &invitation.graph_arn, None);
    Ok(json!({}))
}

/// Documented: "can only be called by an invited member account that has the ENABLED
/// status" and "cannot be called by an organization account in the organization behavior
/// graph". The error AWS returns otherwise is not documented.
pub fn disassociate_membership(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let (index, invitation) = find(state, call)?;
    if invitation.invitation_type == "ORGANIZATION" {
        return Err(ApiError::validation(format!(
            "organization accounts cannot leave the organization behavior graph {}",
            invitation.graph_arn
        )));
    }
    if invitation.status != "ENABLED" {
        return Err(ApiError::validation(format!(
            "only an ENABLED member can leave graph {}; the membership is {}",
            invitation.graph_arn, invitation.status
        )));
    }
    region_mut(state, call.region).invitations.remove(index);
    update_member(state, call, &invitation.graph_arn, None);
    Ok(json!({}))
}
