//! Detective operations on the sandbox state, with the documented limits.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::api_error::ApiError;
use crate::paging::page;
use crate::state::{Graph, Investigation, Member, RegionState, SandboxState};

const MEMBERS_PER_GRAPH: usize = 1_200;
const ACCOUNTS_PER_CALL: usize = 50;
const MEMBER_PAGE: usize = 200;
const INVESTIGATION_PAGE: usize = 100;

/// `(method, path)` of each Detective REST operation, as the SDK sends them.
pub const ROUTES: &[(&str, &str, &str)] = &[
    ("PUT", "/invitation", "AcceptInvitation"),
    ("POST", "/graph", "CreateGraph"),
    ("POST", "/graph/members", "CreateMembers"),
    ("POST", "/graph/members/removal", "DeleteMembers"),
    (
        "POST",
        "/orgs/describeOrganizationConfiguration",
        "DescribeOrganizationConfiguration",
    ),
    ("POST", "/membership/removal", "DisassociateMembership"),
    ("POST", "/graph/members/get", "GetMembers"),
    ("POST", "/graphs/list", "ListGraphs"),
    ("POST", "/invitations/list", "ListInvitations"),
    ("POST", "/graph/members/list", "ListMembers"),
    ("POST", "/invitation/removal", "RejectInvitation"),
    ("POST", "/graph/member/monitoringstate", "StartMonitoringMember"),
    (
        "POST",
        "/orgs/updateOrganizationConfiguration",
        "UpdateOrganizationConfiguration",
    ),
    ("POST", "/investigations/startInvestigation", "StartInvestigation"),
    ("POST", "/investigations/getInvestigation", "GetInvestigation"),
    ("POST", "/investigations/listInvestigations", "ListInvestigations"),
    ("POST", "/investigations/listIndicators", "ListIndicators"),
    (
        "POST",
        "/investigations/updateInvestigationState",
        "UpdateInvestigationState",
    ),
];

pub fn operation_for(method: &str, path: &str) -> Option<&'static str> {
    ROUTES
        .iter()
        .find(|(route_method, route_path, _)| *route_method == method && *route_path == path)
        .map(|(_, _, operation)| *operation)
}

pub fn call(state: &mut SandboxState, region: &str, operation: &str, body: &Value) -> Result<Value, ApiError> {
    let now = state.now.unwrap_or_else(Utc::now);
    match operation {
        "ListGraphs" => list_graphs(state, region, body),
        "CreateGraph" => create_graph(state, region, now),
        "ListMembers" => {
            let graph = graph(state, region, body)?;
            let (members, next) = page(&graph.members, body, MEMBER_PAGE)?;
            let details: Vec<Value> = members
                .iter()
                .map(|m| member_json(&graph.arn, admin_of(&graph.arn), m, now))
                .collect();
            Ok(json!({"MemberDetails": details, "NextToken": next}))
        }
        "GetMembers" => get_members(state, region, body, now),
        "CreateMembers" => create_members(state, region, body, now),
        "DeleteMembers" => delete_members(state, region, body),
        "StartMonitoringMember" => start_monitoring_member(state, region, body),
        "DescribeOrganizationConfiguration" => {
            let graph = graph(state, region, body)?;
            Ok(json!({"AutoEnable": graph.auto_enable}))
        }
        "UpdateOrganizationConfiguration" => {
            let auto_enable = body.get("AutoEnable").and_then(Value::as_bool).unwrap_or(false);
            graph_mut(state, region, body)?.auto_enable = auto_enable;
            Ok(json!({}))
        }
        "ListInvitations" => list_invitations(state, region, body, now),
        "AcceptInvitation" => answer_invitation(state, region, body, true),
        "RejectInvitation" => answer_invitation(state, region, body, false),
        "DisassociateMembership" => disassociate_membership(state, region, body),
        "StartInvestigation" => start_investigation(state, region, body, now),
        "GetInvestigation" => {
            let graph_arn = graph(state, region, body)?.arn;
            let investigation = find_investigation(state, region, &graph_arn, body)?;
            Ok(json!({
                "GraphArn": investigation.graph_arn, "InvestigationId": investigation.id,
                "EntityArn": investigation.entity_arn, "EntityType": entity_type(&investigation.entity_arn),
                "CreatedTime": timestamp(investigation.created_time),
                "ScopeStartTime": timestamp(investigation.scope_start_time),
                "ScopeEndTime": timestamp(investigation.scope_end_time),
                "Status": investigation.status, "Severity": investigation.severity, "State": investigation.state,
            }))
        }
        "ListInvestigations" => list_investigations(state, region, body),
        "ListIndicators" => {
            let graph_arn = graph(state, region, body)?.arn;
            let investigation = find_investigation(state, region, &graph_arn, body)?;
            let (_, next) = page::<Value>(&[], body, INVESTIGATION_PAGE)?;
            Ok(json!({"GraphArn": graph_arn, "InvestigationId": investigation.id, "Indicators": [], "NextToken": next}))
        }
        "UpdateInvestigationState" => {
            let graph_arn = graph(state, region, body)?.arn;
            let new_state = required_str(body, "State")?.to_owned();
            if new_state != "ACTIVE" && new_state != "ARCHIVED" {
                return Err(ApiError::validation(format!(
                    "State must be ACTIVE or ARCHIVED; got {new_state:?}"
                )));
            }
            let id = required_str(body, "InvestigationId")?.to_owned();
            let investigation = region_mut(state, region)
                .investigations
                .iter_mut()
                .find(|investigation| investigation.id == id && investigation.graph_arn == graph_arn)
                .ok_or_else(|| ApiError::not_found(format!("investigation {id} not found")))?;
            investigation.state = new_state;
            Ok(json!({}))
        }
        other => Err(ApiError::new(
            "UnknownOperationException",
            format!("{other} is not served by the sandbox"),
        )),
    }
}

fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn required_str<'a>(body: &'a Value, field: &str) -> Result<&'a str, ApiError> {
    body.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::validation(format!("{field} is required")))
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// The administrator account named in a graph ARN.
fn admin_of(graph_arn: &str) -> &str {
    graph_arn.split(':').nth(4).unwrap_or_default()
}

fn region_mut<'a>(state: &'a mut SandboxState, region: &str) -> &'a mut RegionState {
    state.regions.entry(region.to_owned()).or_default()
}

fn graph(state: &SandboxState, region: &str, body: &Value) -> Result<Graph, ApiError> {
    let arn = required_str(body, "GraphArn")?;
    state
        .region(region)
        .and_then(|region_state| region_state.graphs.iter().find(|graph| graph.arn == arn))
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("graph {arn} does not exist in {region}")))
}

fn graph_mut<'a>(state: &'a mut SandboxState, region: &str, body: &Value) -> Result<&'a mut Graph, ApiError> {
    let arn = required_str(body, "GraphArn")?.to_owned();
    region_mut(state, region)
        .graphs
        .iter_mut()
        .find(|graph| graph.arn == arn)
        .ok_or_else(|| ApiError::not_found(format!("graph {arn} does not exist in {region}")))
}

fn member_json(graph_arn: &str, admin: &str, member: &Member, now: DateTime<Utc>) -> Value {
    json!({
        "AccountId": member.account_id, "EmailAddress": member.email, "GraphArn": graph_arn,
        "AdministratorId": admin, "MasterId": admin, "Status": member.status,
        "InvitedTime": timestamp(now), "UpdatedTime": timestamp(now),
    })
}

/// 1 to 50 twelve-digit account ids from `AccountIds`.
fn account_ids(body: &Value) -> Result<Vec<String>, ApiError> {
    let ids: Vec<String> = body
        .get("AccountIds")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    check_batch(&ids)?;
    Ok(ids)
}

fn check_batch(ids: &[String]) -> Result<(), ApiError> {
    if ids.is_empty() || ids.len() > ACCOUNTS_PER_CALL {
        return Err(ApiError::validation(format!(
            "between 1 and {ACCOUNTS_PER_CALL} accounts are allowed per call; got {}",
            ids.len()
        )));
    }
    if let Some(bad) = ids.iter().find(|id| !is_account_id(id)) {
        return Err(ApiError::validation(format!("{bad:?} is not a 12-digit account id")));
    }
    Ok(())
}

fn list_graphs(state: &SandboxState, region: &str, body: &Value) -> Result<Value, ApiError> {
    let graphs = state.region(region).map(|r| r.graphs.clone()).unwrap_or_default();
    let (graphs, next) = page(&graphs, body, MEMBER_PAGE)?;
    let list: Vec<Value> = graphs
        .iter()
        .map(|graph| json!({"Arn": graph.arn, "CreatedTime": "2024-01-01T00:00:00Z"}))
        .collect();
    Ok(json!({"GraphList": list, "NextToken": next}))
}

fn create_graph(state: &mut SandboxState, region: &str, now: DateTime<Utc>) -> Result<Value, ApiError> {
    let prefix = format!(
        "arn:{}:detective:{region}:{}:graph:",
        state.partition, state.caller_account_id
    );
    let region_state = region_mut(state, region);
    if region_state.graphs.iter().any(|graph| graph.arn.starts_with(&prefix)) {
        return Err(ApiError::new(
            "ConflictException",
            format!("the account already has a behavior graph in {region}"),
        ));
    }
    let arn = format!("{prefix}{:032x}", now.timestamp_nanos_opt().unwrap_or_default());
    region_state.graphs.push(Graph {
        arn: arn.clone(),
        auto_enable: false,
        members: Vec::new(),
    });
    Ok(json!({"GraphArn": arn}))
}

fn get_members(state: &SandboxState, region: &str, body: &Value, now: DateTime<Utc>) -> Result<Value, ApiError> {
    let graph = graph(state, region, body)?;
    let ids = account_ids(body)?;
    let mut details = Vec::new();
    let mut unprocessed = Vec::new();
    for id in &ids {
        match graph.members.iter().find(|member| member.account_id == *id) {
            Some(member) => details.push(member_json(&graph.arn, admin_of(&graph.arn), member, now)),
            None => unprocessed
                .push(json!({"AccountId": id, "Reason": "The account is not a member of the behavior graph."})),
        }
    }
    Ok(json!({"MemberDetails": details, "UnprocessedAccounts": unprocessed}))
}

fn create_members(state: &mut SandboxState, region: &str, body: &Value, now: DateTime<Utc>) -> Result<Value, ApiError> {
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
    if let Some((id, _)) = accounts
        .iter()
        .find(|(_, email)| email.as_deref().is_none_or(str::is_empty))
    {
        return Err(ApiError::validation(format!(
            "EmailAddress is required for account {id}"
        )));
    }
    let organization_ids: Vec<String> = state
        .organization
        .as_ref()
        .map(|org| org.accounts.iter().map(|account| account.id.clone()).collect())
        .unwrap_or_default();
    let mut rejected: Vec<(String, String)> = Vec::new();
    for (id, _) in &accounts {
        let rule = state
            .unprocessed
            .iter_mut()
            .find(|rule| rule.account_id == *id && rule.times.is_none_or(|times| times > 0));
        if let Some(rule) = rule {
            if let Some(times) = rule.times.as_mut() {
                *times -= 1;
            }
            rejected.push((id.clone(), rule.reason.clone()));
        }
    }
    let graph = graph_mut(state, region, body)?;
    let admin = admin_of(&graph.arn).to_owned();
    let new_count = accounts
        .iter()
        .filter(|(id, _)| *id != admin && !graph.members.iter().any(|member| member.account_id == *id))
        .count();
    if graph.members.len() + new_count > MEMBERS_PER_GRAPH {
        return Err(ApiError::new(
            "ServiceQuotaExceededException",
            format!("a behavior graph can have at most {MEMBERS_PER_GRAPH} member accounts"),
        ));
    }
    let mut created = Vec::new();
    let mut unprocessed = Vec::new();
    for (id, email) in accounts {
        if let Some((_, reason)) = rejected.iter().find(|(rejected_id, _)| *rejected_id == id) {
            unprocessed.push(json!({"AccountId": id, "Reason": reason}));
        } else if id == admin {
            unprocessed.push(json!({"AccountId": id, "Reason": "The administrator account cannot be a member of its own behavior graph."}));
        } else if graph.members.iter().any(|member| member.account_id == id) {
            unprocessed
                .push(json!({"AccountId": id, "Reason": "The account is already a member of the behavior graph."}));
        } else {
            // Organization accounts are enabled directly; others are invited.
            let status = if organization_ids.contains(&id) {
                "ENABLED"
            } else {
                "INVITED"
            };
            let member = Member {
                account_id: id,
                email: email.unwrap_or_default(),
                status: status.to_owned(),
            };
            created.push(member_json(&graph.arn, &admin, &member, now));
            graph.members.push(member);
        }
    }
    Ok(json!({"Members": created, "UnprocessedAccounts": unprocessed}))
}

fn delete_members(state: &mut SandboxState, region: &str, body: &Value) -> Result<Value, ApiError> {
    let ids = account_ids(body)?;
    let graph = graph_mut(state, region, body)?;
    let mut deleted = Vec::new();
    let mut unprocessed = Vec::new();
    for id in ids {
        if graph.members.iter().any(|member| member.account_id == id) {
            graph.members.retain(|member| member.account_id != id);
            deleted.push(id);
        } else {
            unprocessed.push(json!({"AccountId": id, "Reason": "The account is not a member of the behavior graph."}));
        }
    }
    Ok(json!({"AccountIds": deleted, "UnprocessedAccounts": unprocessed}))
}

fn start_monitoring_member(state: &mut SandboxState, region: &str, body: &Value) -> Result<Value, ApiError> {
    let id = required_str(body, "AccountId")?.to_owned();
    let graph = graph_mut(state, region, body)?;
    let member = graph
        .members
        .iter_mut()
        .find(|member| member.account_id == id)
        .ok_or_else(|| ApiError::not_found(format!("account {id} is not a member of the behavior graph")))?;
    if member.status != "ACCEPTED_BUT_DISABLED" {
        return Err(ApiError::validation(format!(
            "account {id} has status {}; only ACCEPTED_BUT_DISABLED members can be enabled",
            member.status
        )));
    }
    member.status = "ENABLED".to_owned();
    Ok(json!({}))
}

fn list_invitations(state: &SandboxState, region: &str, body: &Value, now: DateTime<Utc>) -> Result<Value, ApiError> {
    let invitations = state.region(region).map(|r| r.invitations.clone()).unwrap_or_default();
    let (invitations, next) = page(&invitations, body, MEMBER_PAGE)?;
    let caller = &state.caller_account_id;
    let details: Vec<Value> = invitations
        .iter()
        .map(|invitation| {
            json!({
                "AccountId": caller, "GraphArn": invitation.graph_arn,
                "AdministratorId": invitation.administrator_id, "MasterId": invitation.administrator_id,
                "Status": invitation.status, "InvitedTime": timestamp(now), "UpdatedTime": timestamp(now),
            })
        })
        .collect();
    Ok(json!({"Invitations": details, "NextToken": next}))
}

fn answer_invitation(state: &mut SandboxState, region: &str, body: &Value, accept: bool) -> Result<Value, ApiError> {
    let arn = required_str(body, "GraphArn")?.to_owned();
    let invitations = &mut region_mut(state, region).invitations;
    let index = invitations
        .iter()
        .position(|invitation| invitation.graph_arn == arn)
        .ok_or_else(|| ApiError::not_found(format!("no invitation to graph {arn}")))?;
    let status = invitations
        .get(index)
        .map(|invitation| invitation.status.clone())
        .unwrap_or_default();
    if status != "INVITED" {
        return Err(ApiError::validation(format!(
            "the invitation to graph {arn} has status {status}, not INVITED"
        )));
    }
    if accept {
        if let Some(invitation) = invitations.get_mut(index) {
            invitation.status = "ENABLED".to_owned();
        }
    } else {
        invitations.remove(index);
    }
    Ok(json!({}))
}

fn disassociate_membership(state: &mut SandboxState, region: &str, body: &Value) -> Result<Value, ApiError> {
    let arn = required_str(body, "GraphArn")?.to_owned();
    let invitations = &mut region_mut(state, region).invitations;
    let before = invitations.len();
    invitations.retain(|invitation| !(invitation.graph_arn == arn && invitation.status != "INVITED"));
    if invitations.len() == before {
        return Err(ApiError::not_found(format!(
            "the account is not a member of graph {arn}"
        )));
    }
    Ok(json!({}))
}

fn entity_type(entity_arn: &str) -> &'static str {
    if entity_arn.contains(":user/") {
        "IAM_USER"
    } else {
        "IAM_ROLE"
    }
}

/// `arn:{partition}:iam::{12 digits}:user/...` or `:role/...`: the account id, if well-formed.
fn iam_principal_account(entity_arn: &str) -> Option<&str> {
    let mut parts = entity_arn.splitn(6, ':');
    let (arn, _partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let named = resource
        .strip_prefix("user/")
        .or_else(|| resource.strip_prefix("role/"))
        .is_some_and(|name| !name.is_empty());
    (arn == "arn" && service == "iam" && region.is_empty() && is_account_id(account) && named).then_some(account)
}

fn parse_time(body: &Value, field: &str) -> Result<DateTime<Utc>, ApiError> {
    let text = required_str(body, field)?;
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| ApiError::validation(format!("{field} is not a timestamp: {text:?}")))
}

fn start_investigation(
    state: &mut SandboxState,
    region: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<Value, ApiError> {
    let graph = graph(state, region, body)?;
    let entity_arn = required_str(body, "EntityArn")?.to_owned();
    let account = iam_principal_account(&entity_arn)
        .ok_or_else(|| ApiError::validation(format!("EntityArn {entity_arn:?} is not an IAM user or role ARN")))?;
    let enabled = account == admin_of(&graph.arn)
        || graph
            .members
            .iter()
            .any(|member| member.account_id == account && member.status == "ENABLED");
    if !enabled {
        return Err(ApiError::validation(format!(
            "account {account} is not the administrator or an enabled member of graph {}",
            graph.arn
        )));
    }
    let scope_start = parse_time(body, "ScopeStartTime")?;
    let scope_end = parse_time(body, "ScopeEndTime")?;
    if scope_start >= scope_end {
        return Err(ApiError::validation("ScopeStartTime must be before ScopeEndTime"));
    }
    state.next_investigation += 1;
    let id = format!("{:021}", state.next_investigation);
    region_mut(state, region).investigations.push(Investigation {
        id: id.clone(),
        graph_arn: graph.arn,
        entity_arn,
        status: "RUNNING".to_owned(),
        state: "ACTIVE".to_owned(),
        severity: "INFORMATIONAL".to_owned(),
        created_time: now,
        scope_start_time: scope_start,
        scope_end_time: scope_end,
    });
    Ok(json!({"InvestigationId": id}))
}

fn find_investigation(
    state: &SandboxState,
    region: &str,
    graph_arn: &str,
    body: &Value,
) -> Result<Investigation, ApiError> {
    let id = required_str(body, "InvestigationId")?;
    state
        .region(region)
        .and_then(|r| r.investigations.iter().find(|i| i.id == id && i.graph_arn == graph_arn))
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("investigation {id} not found")))
}

fn list_investigations(state: &SandboxState, region: &str, body: &Value) -> Result<Value, ApiError> {
    let graph_arn = graph(state, region, body)?.arn;
    let criteria = body.get("FilterCriteria").cloned().unwrap_or(Value::Null);
    let wanted = |key: &str| {
        criteria
            .get(key)
            .and_then(|filter| filter.get("Value"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let bound = |key: &str| -> Result<Option<DateTime<Utc>>, ApiError> {
        match criteria.get("CreatedTime").and_then(|filter| filter.get(key)) {
            None => Ok(None),
            Some(_) => parse_time(criteria.get("CreatedTime").unwrap_or(&Value::Null), key).map(Some),
        }
    };
    let (from, to) = (bound("StartInclusive")?, bound("EndInclusive")?);
    let (entity, investigation_state, status, severity) = (
        wanted("EntityArn"),
        wanted("State"),
        wanted("Status"),
        wanted("Severity"),
    );
    let matching: Vec<Investigation> = state
        .region(region)
        .map(|r| r.investigations.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|i| i.graph_arn == graph_arn)
        .filter(|i| entity.as_ref().is_none_or(|value| *value == i.entity_arn))
        .filter(|i| investigation_state.as_ref().is_none_or(|value| *value == i.state))
        .filter(|i| status.as_ref().is_none_or(|value| *value == i.status))
        .filter(|i| severity.as_ref().is_none_or(|value| *value == i.severity))
        .filter(|i| from.is_none_or(|from| i.created_time >= from) && to.is_none_or(|to| i.created_time <= to))
        .collect();
    let (investigations, next) = page(&matching, body, INVESTIGATION_PAGE)?;
    let details: Vec<Value> = investigations
        .iter()
        .map(|i| {
            json!({
                "InvestigationId": i.id, "Severity": i.severity, "Status": i.status, "State": i.state,
                "CreatedTime": timestamp(i.created_time), "EntityArn": i.entity_arn, "EntityType": entity_type(&i.entity_arn),
            })
        })
        .collect();
    Ok(json!({"InvestigationDetails": details, "NextToken": next}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_arns_are_checked() {
        assert_eq!(
            iam_principal_account("arn:aws:iam::111122223333:user/alice"),
            Some("111122223333")
        );
        assert_eq!(
            iam_principal_account("arn:aws:iam::111122223333:role/a/b"),
            Some("111122223333")
        );
        assert_eq!(iam_principal_account("arn:aws:iam::111122223333:group/x"), None);
        assert_eq!(iam_principal_account("arn:aws:iam::1111:user/x"), None);
        assert_eq!(iam_principal_account("arn:aws:s3:::bucket"), None);
    }
}
