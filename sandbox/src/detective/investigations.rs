//! Investigations: StartInvestigation, GetInvestigation, ListInvestigations,
//! ListIndicators, UpdateInvestigationState.

use chrono::{DateTime, Duration, Timelike, Utc};
use serde_json::{json, Value};

use super::indicators::generated;
use super::{administered, region_mut, required_str, timestamp, Call};
use crate::names::{admin_of, iam_principal, INDICATOR_TYPES};
use crate::paging::page;
use crate::protocol::{ApiError, Service};
use crate::state::{Investigation, InvestigationProgress, SandboxState, ScopeRules};

/// The model's MaxResults of ListInvestigations and ListIndicators (1 to 100).
const INVESTIGATION_PAGE: usize = 100;

fn parse_time(body: &Value, field: &str) -> Result<DateTime<Utc>, ApiError> {
    let text = required_str(body, field)?;
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| ApiError::validation(format!("{field} is not a timestamp: {text:?}")))
}

fn is_whole_hour(time: DateTime<Utc>) -> bool {
    time.minute() == 0 && time.second() == 0 && time.nanosecond() == 0
}

/// The API reference puts no constraint on the scope beyond its type; the console's
/// (whole hours, 3 hours to 30 days) and "not in the future" apply only when the state
/// asks for them. Start before end is always required.
fn check_scope(
    rules: &ScopeRules,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if start >= end {
        return Err(ApiError::validation("ScopeStartTime must be before ScopeEndTime"));
    }
    if rules.whole_hours && !(is_whole_hour(start) && is_whole_hour(end)) {
        return Err(ApiError::validation("the scope must start and end on a whole hour"));
    }
    if rules.end_not_in_future && end > now {
        return Err(ApiError::validation("ScopeEndTime cannot be in the future"));
    }
    if rules
        .min_hours
        .is_some_and(|hours| end - start < Duration::hours(hours))
    {
        return Err(ApiError::validation("the scope is too short"));
    }
    if rules.max_days.is_some_and(|days| end - start > Duration::days(days)) {
        return Err(ApiError::validation("the scope is too long"));
    }
    Ok(())
}

pub fn start_investigation(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let graph = administered(state, call)?.clone();
    let entity_arn = required_str(call.body, "EntityArn")?.to_owned();
    let (account, _) = iam_principal(&entity_arn)
        .ok_or_else(|| ApiError::validation(format!("EntityArn {entity_arn:?} is not an IAM user or role ARN")))?;
    // Not documented: investigating an account the graph has no data on. The sandbox
    // refuses, as it is surely not what anyone wants.
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
    let scope_start = parse_time(call.body, "ScopeStartTime")?;
    let scope_end = parse_time(call.body, "ScopeEndTime")?;
    check_scope(&state.scope_rules, scope_start, scope_end, call.now)?;
    // Ids are 21 digits, as Detective's are; one a state file already uses is skipped.
    let id = loop {
        state.next_investigation += 1;
        let id = format!("{:021}", state.next_investigation);
        if state.investigations().all(|existing| existing.id != id) {
            break id;
        }
    };
    let running_reads = state.investigation_results.running_reads;
    let region = region_mut(state, call.region);
    region.investigation_progress.insert(
        id.clone(),
        InvestigationProgress {
            indicators: None,
            running_reads_left: Some(running_reads),
        },
    );
    // What severity a RUNNING investigation shows is not documented: INFORMATIONAL until
    // it completes.
    region.investigations.push(Investigation {
        id: id.clone(),
        graph_arn: graph.arn,
        entity_arn,
        status: "RUNNING".to_owned(),
        state: "ACTIVE".to_owned(),
        severity: "INFORMATIONAL".to_owned(),
        created_time: call.now,
        scope_start_time: scope_start,
        scope_end_time: scope_end,
    });
    Ok(json!({"InvestigationId": id}))
}

fn entity_type(entity_arn: &str) -> &'static str {
    iam_principal(entity_arn).map_or("IAM_ROLE", |(_, kind)| kind)
}

fn find(state: &mut SandboxState, call: &Call) -> Result<(String, Investigation), ApiError> {
    let graph_arn = administered(state, call)?.arn.clone();
    let id = required_str(call.body, "InvestigationId")?;
    let investigation = state
        .region(call.region)
        .and_then(|region| {
            region
                .investigations
                .iter()
                .find(|i| i.id == id && i.graph_arn == graph_arn)
        })
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("investigation {id} not found")))?;
    Ok((graph_arn, investigation))
}

/// One GetInvestigation read of a RUNNING investigation: one read fewer left, or, with none
/// left, it completes with `investigation_results`' status and severity (a FAILED one
/// INFORMATIONAL). Returns the investigation as it is now.
fn advance(state: &mut SandboxState, region: &str, investigation: Investigation) -> Investigation {
    if investigation.status != "RUNNING" {
        return investigation;
    }
    let results = state.investigation_results.clone();
    let region = region_mut(state, region);
    let Some(stored) = region
        .investigations
        .iter_mut()
        .find(|stored| stored.id == investigation.id && stored.graph_arn == investigation.graph_arn)
    else {
        return investigation;
    };
    let progress = region.investigation_progress.entry(stored.id.clone()).or_default();
    let left = progress.running_reads_left.get_or_insert(results.running_reads);
    if *left > 0 {
        *left -= 1;
        return stored.clone();
    }
    progress.running_reads_left = None;
    if *progress == InvestigationProgress::default() {
        region.investigation_progress.remove(&stored.id);
    }
    stored.status = results.status.clone();
    stored.severity = if results.status == "FAILED" {
        "INFORMATIONAL".to_owned()
    } else {
        results.severity
    };
    stored.clone()
}

pub fn get_investigation(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let (graph_arn, investigation) = find(state, call)?;
    let investigation = advance(state, call.region, investigation);
    Ok(json!({
        "GraphArn": graph_arn, "InvestigationId": investigation.id,
        "EntityArn": investigation.entity_arn, "EntityType": entity_type(&investigation.entity_arn),
        "CreatedTime": timestamp(investigation.created_time),
        "ScopeStartTime": timestamp(investigation.scope_start_time),
        "ScopeEndTime": timestamp(investigation.scope_end_time),
        "Status": investigation.status, "Severity": investigation.severity, "State": investigation.state,
    }))
}

/// The indicators of an investigation: none while RUNNING (not documented: the sandbox
/// gives results only once the investigation has completed) or when FAILED without its own;
/// its own when the state gives them; else `investigation_results`' or the generated ones.
fn indicators_of(state: &SandboxState, region: &str, investigation: &Investigation) -> Vec<Value> {
    if investigation.status == "RUNNING" {
        return Vec::new();
    }
    let own = state
        .region(region)
        .and_then(|region| region.investigation_progress.get(&investigation.id))
        .and_then(|progress| progress.indicators.clone());
    match own {
        Some(indicators) => indicators,
        None if investigation.status == "FAILED" => Vec::new(),
        None => state.investigation_results.indicators.clone().unwrap_or_else(|| {
            generated(
                &state.partition,
                &investigation.graph_arn,
                &investigation.id,
                &investigation.entity_arn,
            )
        }),
    }
}

pub fn list_indicators(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let (graph_arn, investigation) = find(state, call)?;
    let wanted = match call.body.get("IndicatorType") {
        None | Some(Value::Null) => None,
        Some(kind) => match kind.as_str() {
            Some(kind) if INDICATOR_TYPES.iter().any(|(name, _)| *name == kind) => Some(kind.to_owned()),
            _ => {
                return Err(ApiError::validation(format!(
                    "IndicatorType {kind} is not one of {:?}",
                    INDICATOR_TYPES.map(|(name, _)| name)
                )))
            }
        },
    };
    let indicators: Vec<Value> = indicators_of(state, call.region, &investigation)
        .into_iter()
        .filter(|indicator| {
            wanted
                .as_deref()
                .is_none_or(|kind| indicator.get("IndicatorType").and_then(Value::as_str) == Some(kind))
        })
        .collect();
    let scope = format!("{graph_arn}/{}/{}", investigation.id, wanted.unwrap_or_default());
    let (indicators, next) = page(
        Service::Detective,
        "ListIndicators",
        &scope,
        &indicators,
        call.body,
        INVESTIGATION_PAGE,
    )?;
    Ok(json!({"GraphArn": graph_arn, "InvestigationId": investigation.id, "Indicators": indicators, "NextToken": next}))
}

pub fn update_investigation_state(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let (graph_arn, investigation) = find(state, call)?;
    let new_state = required_str(call.body, "State")?.to_owned();
    if new_state != "ACTIVE" && new_state != "ARCHIVED" {
        return Err(ApiError::validation(format!(
            "State must be ACTIVE or ARCHIVED; got {new_state:?}"
        )));
    }
    if let Some(stored) = region_mut(state, call.region)
        .investigations
        .iter_mut()
        .find(|i| i.id == investigation.id && i.graph_arn == graph_arn)
    {
        stored.state = new_state;
    }
    Ok(json!({}))
}

pub fn list_investigations(state: &mut SandboxState, call: &Call) -> Result<Value, ApiError> {
    let graph_arn = administered(state, call)?.arn.clone();
    let criteria = call.body.get("FilterCriteria").cloned().unwrap_or(Value::Null);
    let wanted = |key: &str| {
        criteria
            .get(key)
            .and_then(|filter| filter.get("Value"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let created = criteria.get("CreatedTime").cloned().unwrap_or(Value::Null);
    let bound = |key: &str| -> Result<Option<DateTime<Utc>>, ApiError> {
        match created.get(key) {
            None => Ok(None),
            Some(_) => parse_time(&created, key).map(Some),
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
        .region(call.region)
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
    let scope = format!("{graph_arn}/{criteria}");
    let (investigations, next) = page(
        Service::Detective,
        "ListInvestigations",
        &scope,
        &matching,
        call.body,
        INVESTIGATION_PAGE,
    )?;
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
