//! The administrator's side of membership: CreateMembers, GetMembers, ListMembers,
//! DeleteMembers, StartMonitoringMember.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::accounts::{enable_outcome, ENABLED};
use super::datasources::{history, latest_states};
use super::{account_ids, administered, check_batch, region_mut, required_str, timestamp, Call};
use crate::names::admin_of;
use crate::paging::page;
use crate::protocol::{ApiError, Service};
use crate::state::{Graph, IngestHistory, Invitation, Member, Pending, SandboxState};

const MEMBERS_PER_GRAPH: usize = 1_200;
const MEMBER_PAGE: usize = 200;
const VOLUME_LIMIT_BYTES_PER_DAY: i64 = 10_000_000_000_000;

const INVITED: &str = "INVITED";
const IN_PROGRESS: &str = "VERIFICATION_IN_PROGRESS";
const DISABLED: &str = "ACCEPTED_BUT_DISABLED";

/// Whether `account` joins `graph` as an organization account: it is in the organization
/// and the graph is the organization behavior graph (its administrator is the region's
/// delegated administrator). Otherwise Detective invites it.
fn is_organization_member(state: &SandboxState, region: &str, graph_arn: &str, account: &str) -> bool {
    let organization_admin = state
        .region(region)
        .and_then(|region| region.organization_admin_account_id.as_deref());
    state.organization_account(account).is_some() && organization_admin == Some(admin_of(graph_arn))
}

fn invitation_type(state: &SandboxState, region: &str, graph_arn: &str, member: &Member) -> String {
    member.invitation_type.clone().unwrap_or_else(|| {
        if is_organization_member(state, region, graph_arn, &member.account_id) {
            "ORGANIZATION".to_owned()
        } else {
            "INVITATION".to_owned()
        }
    })
}

pub(super) fn member_json(
    state: &SandboxState,
    region: &str,
    graph_arn: &str,
    member: &Member,
    now: DateTime<Utc>,
) -> Value {
    let admin = admin_of(graph_arn);
    let time = timestamp(now);
    let volumes = member.volumes();
    let volume = volumes.values().fold(0i64, |sum, bytes| sum.saturating_add(*bytes));
    let by_package: serde_json::Map<String, Value> = volumes
        .iter()
        .map(|(package, bytes)| {
            (
                package.clone(),
                json!({"VolumeUsageInBytes": bytes, "VolumeUsageUpdateTime": time}),
            )
        })
        .collect();
    // Each package's latest state in the member's data source history; a member with none
    // (one not ENABLED) shows DETECTIVE_CORE STOPPED.
    let packages = state
        .region(region)
        .map(|region| region.settings(graph_arn))
        .unwrap_or_default()
        .packages();
    let mut ingesting = latest_states(&history(&packages, member.status == ENABLED, &member.datasources));
    if ingesting.is_empty() {
        ingesting.insert("DETECTIVE_CORE".to_owned(), "STOPPED".to_owned());
    }
    json!({
        "AccountId": member.account_id,
        "EmailAddress": (!member.email.is_empty()).then_some(&member.email),
        "GraphArn": graph_arn, "AdministratorId": admin, "MasterId": admin,
        "Status": member.status, "DisabledReason": member.disabled_reason,
        "InvitedTime": time, "UpdatedTime": time,
        "InvitationType": invitation_type(state, region, graph_arn, member),
        "VolumeUsageInBytes": volume, "VolumeUsageUpdatedTime": time,
        "PercentOfGraphUtilization": 0.5, "PercentOfGraphUtilizationUpdatedTime": time,
        "VolumeUsageByDatasourcePackage": by_package,
        "DatasourcePackageIngestStates": ingesting,
    })
}

/// Members still VERIFICATION_IN_PROGRESS move on when their reads run out; invited
/// accounts then receive their invitation.
fn settle(state: &mut SandboxState, region: &str, graph_arn: &str) {
    let mut invited = Vec::new();
    if let Some(graph) = region_mut(state, region)
        .graphs
        .iter_mut()
        .find(|graph| graph.arn == graph_arn)
    {
        for member in &mut graph.members {
            let Some(pending) = member.pending.as_mut() else {
                continue;
            };
            if pending.reads_left > 0 {
                pending.reads_left -= 1;
                continue;
            }
            member.status = pending.status.clone();
            member.disabled_reason = pending.disabled_reason.clone();
            member.pending = None;
            if member.status == INVITED {
                invited.push(member.account_id.clone());
            }
        }
    }
    let invitations = &mut region_mut(state, region).invitations;
    for account in invited {
        let mut invitation = Invitation::new(graph_arn, admin_of(graph_arn), INVITED);
        invitation.account_id = Some(account);
        invitations.push(invitation);
    }
}

fn graph_snapshot(state: &mut SandboxState, call: &Call) -> Result<Graph, ApiError> {
    let arn = administered(state, call)?.arn.clone();
    settle(state, call.region, &arn);
    administered(state, call).map(|graph| graph.clone())
}

pub fn list_members(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let graph = graph_snapshot(state, call)?;
    let (members, next) = page(
        Service::Detective,
        "ListMembers",
        &graph.arn,
        &graph.members,
        call.body,
        MEMBER_PAGE,
    )?;
    let details: Vec<Value> = members
        .iter()
        .map(|member| member_json(state, call.region, &graph.arn, member, call.now))
        .collect();
    Ok(json!({"MemberDetails": details, "NextToken": next}))
}

pub fn get_members(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let ids = account_ids(call.body)?;
    let graph = graph_snapshot(state, call)?;
    let mut details = Vec::new();
    let mut unprocessed = Vec::new();
    for id in &ids {
        match graph.members.iter().find(|member| member.account_id == *id) {
            Some(member) => details.push(member_json(state, call.region, &graph.arn, member, call.now)),
            // The reason strings are not documented; ours are free text.
            None => {
                unprocessed.push(json!({"AccountId": id, "Reason": "Account is not a member of the behavior graph"}))
            }
        }
    }
    Ok(json!({"MemberDetails": details, "UnprocessedAccounts": unprocessed}))
}

/// `Accounts`: the model's AccountList (1 to 50), each with the required AccountId and
/// EmailAddress.
fn new_accounts(body: &Value) -> Result<Vec<(String, String)>, ApiError> {
    let accounts: Vec<(String, Option<String>)> = body
        .get("Accounts")
        .and_then(Value::as_array)
        .map(|accounts| {
            accounts
                .iter()
                .map(|account| {
                    (
                        account
                            .get("AccountId")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        account.get("EmailAddress").and_then(Value::as_str).map(str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let ids: Vec<String> = accounts.iter().map(|(id, _)| id.clone()).collect();
    check_batch(&ids)?;
    accounts
        .into_iter()
        .map(|(id, email)| match email.filter(|email| !email.is_empty()) {
            Some(email) => Ok((id, email)),
            None => Err(ApiError::validation(format!(
                "EmailAddress is required for account {id}"
            ))),
        })
        .collect()
}

/// UnprocessedAccounts rules from the state, one use each.
fn take_unprocessed_rule(state: &mut SandboxState, id: &str) -> Option<String> {
    let rule = state
        .unprocessed
        .iter_mut()
        .find(|rule| rule.account_id == id && rule.times.is_none_or(|times| times > 0))?;
    if let Some(times) = rule.times.as_mut() {
        *times -= 1;
    }
    Some(rule.reason.clone())
}

pub fn create_members(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let accounts = new_accounts(call.body)?;
    let graph = administered(state, call)?.clone();
    let admin = admin_of(&graph.arn).to_owned();
    let is_member = |id: &str| graph.members.iter().any(|member| member.account_id == id);
    let new_count = accounts.iter().filter(|(id, _)| *id != admin && !is_member(id)).count();
    // Documented: a graph cannot have more than 1,200 members. Whether a batch that would
    // cross it fails whole or per account is not; the sandbox fails the whole call.
    // Documented: no new member while the graph ingests more than 10 TB a day. Which TB is
    // not: the sandbox takes 10^13 bytes, the smaller, so that our code meets the refusal
    // below the limit it assumes.
    let ingest: i64 = graph
        .members
        .iter()
        .filter(|member| member.status == ENABLED)
        .flat_map(|member| member.volumes().into_values())
        .fold(0, i64::saturating_add);
    if new_count > 0 && ingest > VOLUME_LIMIT_BYTES_PER_DAY {
        return Err(ApiError::new(
            "ServiceQuotaExceededException",
            "the behavior graph ingests more than 10 TB a day: no new member accounts",
        ));
    }
    if graph.members.len() + new_count > MEMBERS_PER_GRAPH {
        return Err(ApiError::new(
            "ServiceQuotaExceededException",
            format!("a behavior graph cannot have more than {MEMBERS_PER_GRAPH} member accounts"),
        ));
    }
    let mut created = Vec::new();
    let mut unprocessed = Vec::new();
    let mut added = Vec::new();
    for (id, email) in accounts {
        let reason = if let Some(reason) = take_unprocessed_rule(state, &id) {
            Some(reason)
        } else if id == admin {
            Some("The administrator account cannot be a member of its own behavior graph".to_owned())
        } else if is_member(&id) || added.iter().any(|member: &Member| member.account_id == id) {
            Some("Account is already a member of the behavior graph".to_owned())
        } else {
            None
        };
        if let Some(reason) = reason {
            unprocessed.push(json!({"AccountId": id, "Reason": reason}));
            continue;
        }
        let organization = is_organization_member(state, call.region, &graph.arn, &id);
        // Organization accounts are enabled (or left disabled, with a reason); others are
        // invited once Detective has verified the email address.
        let (status, disabled_reason) = if organization {
            enable_outcome(state, &id)
        } else {
            match enable_outcome(state, &id) {
                (failed, reason) if failed == "VERIFICATION_FAILED" => (failed, reason),
                _ => (INVITED.to_owned(), None),
            }
        };
        let member = Member {
            account_id: id,
            email,
            status: IN_PROGRESS.to_owned(),
            invitation_type: Some(if organization { "ORGANIZATION" } else { "INVITATION" }.to_owned()),
            disabled_reason: None,
            volume_usage_bytes: None,
            volume_by_package: BTreeMap::new(),
            pending: Some(Pending {
                status,
                disabled_reason,
                reads_left: state.verification_reads,
            }),
            datasources: IngestHistory::new(),
        };
        created.push(member_json(state, call.region, &graph.arn, &member, call.now));
        added.push(member);
    }
    administered(state, call)?.members.extend(added);
    Ok(json!({"Members": created, "UnprocessedAccounts": unprocessed}))
}

pub fn delete_members(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let ids = account_ids(call.body)?;
    let default_account = state.caller_account_id.clone();
    let graph = administered(state, call)?;
    let graph_arn = graph.arn.clone();
    let admin = admin_of(&graph_arn).to_owned();
    let mut deleted = Vec::new();
    let mut unprocessed = Vec::new();
    for id in ids {
        if id == admin {
            unprocessed.push(json!({"AccountId": id, "Reason": "The administrator account cannot be removed from its own behavior graph"}));
        } else if graph.members.iter().any(|member| member.account_id == id) {
            graph.members.retain(|member| member.account_id != id);
            deleted.push(id);
        } else {
            unprocessed.push(json!({"AccountId": id, "Reason": "Account is not a member of the behavior graph"}));
        }
    }
    region_mut(state, call.region).invitations.retain(|invitation| {
        let account = invitation.account_id.as_ref().unwrap_or(&default_account);
        !(invitation.graph_arn == graph_arn && deleted.contains(account))
    });
    // The model's AccountIds has at least one item: none deleted, no list (the service's
    // answer is not documented beyond the model; our code reads either).
    if deleted.is_empty() {
        return Ok(json!({"UnprocessedAccounts": unprocessed}));
    }
    Ok(json!({"AccountIds": deleted, "UnprocessedAccounts": unprocessed}))
}

/// Documented: "If Detective cannot enable the member account, the status remains
/// ACCEPTED_BUT_DISABLED." The call itself succeeds.
pub fn start_monitoring_member(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let id = required_str(call.body, "AccountId")?.to_owned();
    let (status, disabled_reason) = enable_outcome(state, &id);
    let graph = administered(state, call)?;
    let member = graph
        .members
        .iter_mut()
        .find(|member| member.account_id == id)
        .ok_or_else(|| ApiError::not_found(format!("account {id} is not a member of the behavior graph")))?;
    if member.status != DISABLED {
        // Which error AWS returns here is not documented.
        return Err(ApiError::validation(format!(
            "account {id} has status {}; only ACCEPTED_BUT_DISABLED members can be enabled",
            member.status
        )));
    }
    if status == ENABLED {
        member.status = status;
        member.disabled_reason = None;
    } else if disabled_reason.is_some() {
        member.disabled_reason = disabled_reason;
    }
    Ok(json!({}))
}
