//! The code paths the fuzz targets drive, on stable Rust: what the functions make of an
//! input before any AWS call (parse, route, the pure decisions), and whether the outcome is
//! clear. `fuzz/src/lib.rs` and the regression test (`tests/fuzz_regressions.rs`, which
//! includes this file) share it, so a regression input replays exactly what the fuzzer ran.
//!
//! Only `shared`, `sandbox`, `serde_json`, `chrono` and std: the integration-tests crate
//! has no other dependency for it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use shared::aws::arn::{is_account_id, is_partition, GraphArn};
use shared::aws::{Designated, InvestigationDetails, MemberDetail, OrgAccount, OrganizationAdmin};
use shared::configure::{
    plan_designation, plan_graph, plan_no_graph, plan_teardown, plan_wrong_account, read_request, GraphObserved,
};
use shared::domain::{
    AccountId, AccountState, CreationState, DatasourcePackage, HandshakeState, IngestState, InvestigationSeverity,
    InvestigationStatus, InvitationType, MemberStatus,
};
use shared::enroll::Departure;
use shared::enroll::{
    enrollment, removal, screen_tamper, sweep, EnrollConfig, Facts, OrgView, Read, Screened as TamperScreened,
};
use shared::event::{route, CustomResourceRequest, Envelope, EventError, Finding, SqsBatch, TamperEvent, Trigger};
use shared::execute::{Plan, Step};
use shared::investigate::{known_path, principals, screen, InvestigateConfig, NotInvestigable, Screened};
use shared::outcome::Action;
use shared::report::{
    console_url, finding as asff_finding, plan_report, report_id, summarize, ReportConfig, ReportMessage,
};

/// "Now" for every decision: fixed, so that a replay decides as the fuzzer's run did.
pub const NOW: &str = "2026-11-22T12:00:00Z";
/// The administrator account, and its graph, that the enroll decisions are made against.
pub const ADMIN: &str = "111111111111";
pub const GRAPH: &str = "arn:aws:detective:us-east-1:111111111111:graph:a1b2c3d4e5f60718293a4b5c6d7e8f90";

pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW)
        .map(|time| time.with_timezone(&Utc))
        .unwrap_or_default()
}

/// What the functions made of an input whose outcome is clear.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Refused as a whole, with the error the function fails with (which names the field,
    /// or says the input is no JSON, no event, no readable request).
    Refused(String),
    /// Read: how the runner took it (the trigger's name), and each decision made on it.
    Decided {
        trigger: &'static str,
        decisions: Vec<String>,
    },
}

/// Why an outcome is not clear: the input is a finding for the owner of the code.
pub type Unclear = String;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

/// An error a function fails an event with must say what is wrong, and where.
fn clear_event_error(error: &EventError) -> Result<String, Unclear> {
    let text = error.to_string();
    let clear = match error {
        EventError::InvalidJson { message, .. } => !message.is_empty(),
        EventError::NotAnEvent { missing, .. } => !missing.is_empty(),
        EventError::InvalidField { field, expected, .. } => field.starts_with("event") && !expected.is_empty(),
    };
    if clear && !text.is_empty() {
        Ok(text)
    } else {
        Err(format!("unclear EventError (no field named): {error:?}"))
    }
}

fn non_empty(what: &str, text: String) -> Result<String, Unclear> {
    if text.trim().is_empty() {
        Err(format!("{what}: an empty reason"))
    } else {
        Ok(text)
    }
}

fn describe_action(action: &Action) -> String {
    // The outcome's JSON, as the functions log and return it.
    let json = serde_json::to_string(action).unwrap_or_else(|error| format!("unserializable: {error}"));
    let why = action.reason_text().or_else(|| action.error_text()).unwrap_or_default();
    format!("{json} {why}")
}

fn describe_plan<W: std::fmt::Debug>(label: &str, plan: &Plan<W>) -> String {
    let steps: Vec<String> = plan
        .steps
        .iter()
        .map(|step| match step {
            Step::Write(write) => format!("write {write:?}"),
            Step::Decided(action) => format!("decided {}", describe_action(action)),
        })
        .collect();
    format!("{label}: {}", steps.join("; "))
}

// ---------------------------------------------------------------------------------------
// Events: the `envelope` and `finding` targets.

/// Replays one payload as the runner and the handlers read it: the envelope, the route,
/// a custom resource request or an SQS batch, and every pure decision on what they carry.
pub fn replay_event(bytes: &[u8]) -> Result<Verdict, Unclear> {
    let envelope = Envelope::from_slice(bytes);
    let routed = envelope.as_ref().ok().map(|envelope| (envelope, route(envelope)));
    let payload: Value = match serde_json::from_slice(bytes) {
        Ok(payload) => payload,
        Err(_) => {
            return match &envelope {
                Err(error) => Ok(Verdict::Refused(clear_event_error(error)?)),
                Ok(_) => Err("the envelope parsed where the JSON did not".to_owned()),
            }
        }
    };
    // The runner's order: a custom resource request, then an SQS batch, then an event.
    if let Some(request) = CustomResourceRequest::detect(&payload) {
        return custom_resource(&request, &payload);
    }
    if let Some(batch) = SqsBatch::detect(&payload) {
        return sqs_batch(&batch, &payload);
    }
    let (envelope, trigger) = match (&envelope, routed) {
        (Err(error), _) => return Ok(Verdict::Refused(clear_event_error(error)?)),
        (Ok(_), Some((envelope, Ok(trigger)))) => (envelope, trigger),
        (Ok(_), Some((_, Err(error)))) => return Ok(Verdict::Refused(clear_event_error(&error)?)),
        (Ok(_), None) => return Err("an envelope without a route".to_owned()),
    };
    let name = trigger.name();
    let decisions = match &trigger {
        Trigger::GuardDutyFinding(finding) => guardduty(finding, envelope.region.as_deref())?,
        Trigger::AccountCreated {
            kind,
            state,
            account_id,
            account_name,
        } => {
            let mut decisions = vec![format!(
                "{kind:?} state {:?}",
                state.as_deref().map(CreationState::from_aws)
            )];
            decisions.extend(joined(account_id.as_deref(), account_name.as_deref()));
            decisions
        }
        Trigger::HandshakeAccepted {
            handshake_state,
            account_id,
            error_code,
        } => {
            let mut decisions = vec![format!(
                "handshake {:?} error {error_code:?}",
                handshake_state.as_deref().map(HandshakeState::from_aws)
            )];
            decisions.extend(joined(account_id.as_deref(), None));
            decisions
        }
        Trigger::AccountDeparted {
            kind,
            account_id,
            error_code,
        } => {
            let mut decisions = vec![format!("{kind:?} error {error_code:?}")];
            decisions.extend(departed(account_id.as_deref()));
            decisions
        }
        Trigger::DetectiveMembersCreated {
            administrator_id,
            graph_arn,
            error_code,
        } => vec![format!(
            "administrator {:?} graph {:?} error {error_code:?}",
            administrator_id.as_deref().and_then(AccountId::parse),
            graph_arn.as_deref().and_then(GraphArn::parse)
        )],
        Trigger::Scheduled { rules } => {
            let mut decisions = vec![format!("{} rules", rules.len())];
            decisions.extend(scheduled_sweep());
            decisions
        }
        Trigger::DetectiveTampered(event) => tampered(event)?,
        Trigger::CustomResource(_) | Trigger::SqsBatch(_) => {
            return Err(format!("route made {name} of an EventBridge event"));
        }
        Trigger::Unhandled {
            source,
            detail_type,
            event_name,
        } => vec![format!("unhandled {source:?} {detail_type:?} {event_name:?}")],
    };
    Ok(Verdict::Decided {
        trigger: name,
        decisions,
    })
}

fn investigate_configs() -> Vec<(&'static str, InvestigateConfig)> {
    let Ok(default) = InvestigateConfig::from_env(&HashMap::<String, String>::new()) else {
        return Vec::new();
    };
    let permissive = InvestigateConfig {
        min_severity: 0.0,
        investigate_sample_findings: true,
        investigate_security_hub_findings: true,
        scope_padding_hours: 24 * 30,
        ..default.clone()
    };
    let typed = InvestigateConfig {
        finding_types: vec!["UnauthorizedAccess:".to_owned(), "AttackSequence:".to_owned()],
        scope_padding_hours: 0,
        investigate_sample_findings: true,
        ..default.clone()
    };
    vec![("default", default), ("permissive", permissive), ("typed", typed)]
}

/// What shared/src/investigate/scope.rs promises of the scopes: each starts before it ends;
/// the first is on whole hours, at least 3 hours long, and ends at most an hour after the
/// current one (a sighting may be up to an hour ahead); the last lasts at most 30 days.
fn scopes_as_documented(scopes: &[shared::investigate::Scope], now: DateTime<Utc>) -> Result<(), Unclear> {
    use chrono::{TimeDelta, Timelike};
    let (Some(first), Some(last)) = (scopes.first(), scopes.last()) else {
        return Err("no scope".to_owned());
    };
    for scope in scopes {
        if scope.start >= scope.end {
            return Err(format!(
                "a scope that does not start before it ends: {} to {}",
                scope.start, scope.end
            ));
        }
    }
    let whole_hour = |time: DateTime<Utc>| time.minute() == 0 && time.second() == 0 && time.nanosecond() == 0;
    let latest_end = now + TimeDelta::hours(1);
    if !whole_hour(first.start) || !whole_hour(first.end) || first.end - first.start < TimeDelta::hours(3) {
        return Err(format!(
            "a first scope off the hour or shorter than 3 hours: {} to {}",
            first.start, first.end
        ));
    }
    if first.end > latest_end {
        return Err(format!("a first scope ending after {latest_end}: {}", first.end));
    }
    if last.end - last.start > TimeDelta::days(30) {
        return Err(format!(
            "a last scope longer than 30 days: {} to {}",
            last.start, last.end
        ));
    }
    Ok(())
}

/// A principal's ARN goes to Detective (and, with a lookup role, its partition and account
/// into an AssumeRole ARN): `arn:<partition>:iam::<account>:user|role/<name>`, every part
/// of its documented form, so that nothing a finding carries can reshape it.
fn principal_arn_as_documented(arn: &str) -> Result<(), Unclear> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let well_formed = match parts.as_slice() {
        ["arn", partition, "iam", "", account, resource] => {
            is_partition(partition)
                && is_account_id(account)
                && (resource.starts_with("user/") || resource.starts_with("role/"))
                && !resource.contains(':')
        }
        _ => false,
    };
    if well_formed {
        Ok(())
    } else {
        Err(format!("a principal ARN not of IAM's form: {arn:?}"))
    }
}

fn guardduty(finding: &Finding, region: Option<&str>) -> Result<Vec<String>, Unclear> {
    let now = now();
    let mut decisions = Vec::new();
    for (label, config) in investigate_configs() {
        let decision = match screen(finding, region, &config, now) {
            Screened::Investigate(candidate) => {
                if candidate.principals.is_empty() || candidate.scopes.is_empty() {
                    return Err(format!(
                        "{label}: a candidate without a principal or a scope: {candidate:?}"
                    ));
                }
                scopes_as_documented(&candidate.scopes, now).map_err(|problem| format!("{label}: {problem}"))?;
                let arns: Vec<String> = candidate
                    .principals
                    .iter()
                    .map(|principal| principal.arn_with_path("/"))
                    .collect();
                for arn in &arns {
                    principal_arn_as_documented(arn).map_err(|problem| format!("{label}: {problem}"))?;
                }
                let scopes: Vec<String> = candidate
                    .scopes
                    .iter()
                    .map(|scope| {
                        format!(
                            "{}..{} {}",
                            scope.start.to_rfc3339(),
                            scope.end.to_rfc3339(),
                            scope.note.as_deref().unwrap_or_default()
                        )
                    })
                    .collect();
                format!(
                    "{label}: investigate {} over {} (left out: {})",
                    arns.join(" "),
                    scopes.join(" | "),
                    candidate.left_out.join("; ")
                )
            }
            Screened::Ignore(reason) => format!("{label}: ignore: {}", non_empty("Screened::Ignore", reason)?),
            Screened::Invalid(error) => format!("{label}: invalid: {}", clear_event_error(&error)?),
        };
        decisions.push(decision);
    }
    match principals(finding, region) {
        Ok((found, left_out)) => {
            for principal in &found {
                principal_arn_as_documented(&principal.arn_with_path("/"))?;
                decisions.push(format!(
                    "principal {} path {:?} / {:?}",
                    principal.arn_with_path("/"),
                    known_path(principal, None),
                    known_path(principal, Some("eu-west-1"))
                ));
            }
            for reason in left_out {
                decisions.push(format!("left out: {}", non_empty("left out", reason)?));
            }
        }
        Err(NotInvestigable::Ignore(reason)) => {
            decisions.push(format!(
                "no principal: {}",
                non_empty("NotInvestigable::Ignore", reason)?
            ));
        }
        Err(NotInvestigable::Invalid(error)) => {
            decisions.push(format!("no principal: {}", clear_event_error(&error)?));
        }
    }
    Ok(decisions)
}

fn enroll_config() -> Option<EnrollConfig> {
    EnrollConfig::from_env(&env(&[("REGIONS", "us-east-1,eu-west-1")])).ok()
}

fn graph() -> Option<GraphArn> {
    GraphArn::parse(GRAPH)
}

/// Memberships of every kind the enroll decisions meet.
fn members(account_id: &str) -> Vec<MemberDetail> {
    let statuses = [
        MemberStatus::Enabled,
        MemberStatus::AcceptedButDisabled,
        MemberStatus::VerificationInProgress,
        MemberStatus::Invited,
        MemberStatus::VerificationFailed,
        MemberStatus::Other("NEW_STATUS".to_owned()),
    ];
    statuses
        .into_iter()
        .zip([
            Some(InvitationType::Organization),
            Some(InvitationType::Invitation),
            None,
            Some(InvitationType::Other("x".to_owned())),
            Some(InvitationType::Organization),
            None,
        ])
        .map(|(status, invitation_type)| MemberDetail {
            usage: Default::default(),
            account_id: account_id.to_owned(),
            email: Some(format!("{account_id}@example.com")),
            graph_arn: Some(GRAPH.to_owned()),
            administrator_id: Some(ADMIN.to_owned()),
            status,
            invitation_type,
            disabled_reason: None,
        })
        .collect()
}

/// An account that joined: enrollment in the graph, whatever its membership, and the sweep.
fn joined(account_id: Option<&str>, account_name: Option<&str>) -> Vec<String> {
    let Some(id) = account_id.and_then(AccountId::parse) else {
        return vec![format!("no readable account id in {account_id:?}")];
    };
    let (Some(graph), Some(config)) = (graph(), enroll_config()) else {
        return vec!["no graph or configuration".to_owned()];
    };
    let account = OrgAccount {
        joined: None,
        id: id.to_string(),
        name: account_name.map(str::to_owned),
        email: Some(format!("{id}@example.com")),
        state: AccountState::Active,
    };
    let mut decisions = vec![describe_plan(
        "enroll, not a member",
        &enrollment(&account, &graph, None),
    )];
    let no_email = OrgAccount {
        email: None,
        ..account.clone()
    };
    decisions.push(describe_plan("enroll, no email", &enrollment(&no_email, &graph, None)));
    let memberships = members(id.as_str());
    for member in &memberships {
        decisions.push(describe_plan(
            &format!("enroll, {}", member.status),
            &enrollment(&account, &graph, Some(member)),
        ));
    }
    let admin = OrgAccount {
        joined: None,
        id: ADMIN.to_owned(),
        name: None,
        email: None,
        state: AccountState::Active,
    };
    let org = OrgView::new(vec![account, admin], &config);
    for auto_enable in [Some(true), Some(false), None] {
        decisions.push(describe_plan(
            &format!("sweep, AutoEnable {auto_enable:?}"),
            &sweep(
                &org,
                &Read {
                    graph: &graph,
                    members: &memberships,
                    auto_enable,
                    facts: &Facts::default(),
                },
                &config,
            ),
        ));
    }
    decisions
}

/// An account that left: its removal, whatever its membership.
fn departed(account_id: Option<&str>) -> Vec<String> {
    let Some(id) = account_id.and_then(AccountId::parse) else {
        return vec![format!("no readable account id in {account_id:?}")];
    };
    let Some(graph) = graph() else {
        return vec!["no graph".to_owned()];
    };
    let mut decisions = vec![describe_plan(
        "remove, not a member",
        &removal(id.as_str(), &graph, None, Departure::Left),
    )];
    for member in members(id.as_str()) {
        decisions.push(describe_plan(
            &format!("remove, {}", member.status),
            &removal(
                id.as_str(),
                &graph,
                Some(&member),
                Departure::NotActive(AccountState::Closed),
            ),
        ));
    }
    decisions
}

fn scheduled_sweep() -> Vec<String> {
    let (Some(graph), Some(config)) = (graph(), enroll_config()) else {
        return Vec::new();
    };
    let accounts = ["222222222222", "333333333333", ADMIN]
        .iter()
        .map(|id| OrgAccount {
            joined: None,
            id: (*id).to_owned(),
            name: None,
            email: Some(format!("{id}@example.com")),
            state: AccountState::Active,
        })
        .collect();
    let org = OrgView::new(accounts, &config);
    vec![describe_plan(
        "sweep",
        &sweep(
            &org,
            &Read {
                graph: &graph,
                members: &members("222222222222"),
                auto_enable: Some(true),
                facts: &Facts::default(),
            },
            &config,
        ),
    )]
}

fn tampered(event: &TamperEvent) -> Result<Vec<String>, Unclear> {
    let caller = event
        .caller
        .session_issuer
        .clone()
        .or_else(|| event.caller.arn.clone())
        .unwrap_or_default();
    let regions = event.region.clone().unwrap_or_else(|| "us-east-1".to_owned());
    let configs = [
        ("restore", env(&[("REGIONS", "us-east-1")])),
        ("alert", env(&[("REGIONS", "us-east-1"), ("TAMPER_RESPONSE", "alert")])),
        ("off", env(&[("REGIONS", "us-east-1"), ("TAMPER_RESPONSE", "off")])),
        (
            "no AutoEnable",
            env(&[("REGIONS", "us-east-1"), ("ENSURE_AUTO_ENABLE", "false")]),
        ),
        ("own role", env(&[("REGIONS", "us-east-1"), ("OWN_ROLE_ARNS", &caller)])),
        (
            "trusted",
            env(&[("REGIONS", "us-east-1"), ("TRUSTED_CHANGE_PRINCIPALS", &caller)]),
        ),
        ("its region", env(&[("REGIONS", &regions)])),
    ];
    let mut decisions = vec![format!(
        "{} in {:?} by {:?}: accounts {:?} packages {:?} AutoEnable {:?}",
        event.operation.name(),
        event.region,
        event.caller,
        event.account_ids,
        event.packages,
        event.auto_enable
    )];
    for (label, variables) in configs {
        let config = match EnrollConfig::from_env(&variables) {
            Ok(config) => config,
            // An ARN or region from the event that the configuration would refuse.
            Err(error) => {
                decisions.push(format!("{label}: configuration refused: {error}"));
                continue;
            }
        };
        let decision = match screen_tamper(event, &config) {
            TamperScreened::Ignore(reason) => format!("{label}: ignore: {}", non_empty("tamper Ignore", reason)?),
            TamperScreened::Respond { restore, why } => {
                format!(
                    "{label}: respond, restore {restore}: {}",
                    non_empty("tamper Respond", why)?
                )
            }
        };
        decisions.push(decision);
    }
    Ok(decisions)
}

// ---------------------------------------------------------------------------------------
// Custom resource requests: configure-detective's reading and plans.

fn custom_resource(request: &CustomResourceRequest, payload: &Value) -> Result<Verdict, Unclear> {
    let trigger = Trigger::CustomResource(Box::new(request.clone())).name();
    let envelope = request.envelope(payload);
    let mut decisions = vec![format!(
        "stack {:?} in {:?}/{:?}, envelope id {:?}",
        request.stack_id,
        request.stack_account(),
        request.stack_region(),
        envelope.id
    )];
    // configure-detective's own reading: what it answers FAILED with is the refusal.
    let (kind, part, mut desired) = match read_request(request) {
        Ok(read) => read,
        Err(reason) => return Ok(Verdict::Refused(non_empty("read_request", reason)?)),
    };
    decisions.push(format!("{} {} {desired:?}", kind.as_str(), part.name()));
    let ours = OrganizationAdmin {
        account_id: desired.administrator.to_string(),
        graph_arn: Some(GRAPH.to_owned()),
    };
    let other = OrganizationAdmin {
        account_id: "999999999999".to_owned(),
        graph_arn: None,
    };
    let all_started = desired
        .wanted_packages()
        .into_iter()
        .map(|package| (package, IngestState::Started))
        .collect();
    let observed = [
        GraphObserved {
            graph_arn: GRAPH.to_owned(),
            packages: [(DatasourcePackage::DetectiveCore, IngestState::Stopped)].into(),
            tags: [("stale".to_owned(), "x".to_owned())].into(),
            auto_enable: Ok(false),
        },
        GraphObserved {
            graph_arn: GRAPH.to_owned(),
            packages: all_started,
            tags: desired.tags_with_marker(),
            auto_enable: Ok(desired.auto_enable),
        },
    ];
    let regions = desired.regions.clone();
    for region in &regions {
        for admins in [Vec::new(), vec![ours.clone()], vec![other.clone()]] {
            decisions.push(describe_plan(
                &format!("designation in {region} with {} administrators", admins.len()),
                &plan_designation(&desired, region, &admins),
            ));
        }
        for designated in [
            Designated::Account(ours.account_id.clone()),
            Designated::Account(other.account_id.clone()),
            Designated::Nobody,
            Designated::Unknown("refused".to_owned()),
        ] {
            decisions.push(describe_plan(
                &format!("graph in {region}, none, {designated:?}"),
                &plan_no_graph(&desired, region, &designated),
            ));
        }
        for graph in &observed {
            decisions.push(describe_plan(
                &format!("graph in {region}"),
                &plan_graph(&desired, region, graph),
            ));
        }
        for allowed in [false, true] {
            desired.delete_allowed = allowed;
            for admins in [vec![ours.clone()], vec![other.clone()]] {
                decisions.push(describe_plan(
                    &format!("teardown in {region}, allowed {allowed}"),
                    &plan_teardown(&desired, part, region, &admins, Some(GRAPH)),
                ));
            }
            decisions.push(describe_plan(
                &format!("teardown in {region}, no graph"),
                &plan_teardown(&desired, part, region, &[], None),
            ));
        }
    }
    let running_in = request.stack_account().and_then(AccountId::parse);
    decisions.push(format!(
        "wrong account: {:?}",
        plan_wrong_account(&desired, part, running_in.as_ref())
    ));
    Ok(Verdict::Decided { trigger, decisions })
}

// ---------------------------------------------------------------------------------------
// SQS batches: report-investigations' reading of each message, and its report.

fn sqs_batch(batch: &SqsBatch, payload: &Value) -> Result<Verdict, Unclear> {
    let trigger = Trigger::SqsBatch(Box::new(batch.clone())).name();
    let envelope = batch.envelope(payload);
    let account = envelope.account.clone();
    let mut decisions = vec![format!(
        "{} messages from {:?} in {:?}",
        batch.records.len(),
        envelope.resources,
        envelope.region
    )];
    let Ok(config) = ReportConfig::from_env(&env(&[("SECURITY_HUB", "true"), ("ARCHIVE_AT_OR_BELOW", "LOW")])) else {
        return Err("the report configuration".to_owned());
    };
    for record in &batch.records {
        let (message, graph) = match ReportMessage::parse(&record.body) {
            Ok(parsed) => parsed,
            Err(why) => {
                decisions.push(format!(
                    "message {:?} ({:?} receives): unreadable: {}",
                    record.message_id,
                    record.receive_count,
                    non_empty("ReportMessage::parse", why)?
                ));
                continue;
            }
        };
        // What investigate-findings sends, report-investigations reads back.
        if let Err(why) = ReportMessage::parse(&message.to_body()) {
            return Err(format!("a message read, written and read again is refused: {why}"));
        }
        let id = report_id(&message.graph_arn, &message.investigation_id);
        let console = console_url(&graph.partition, &message.region);
        decisions.push(format!("message {id} console {console}"));
        for status in [
            InvestigationStatus::Successful,
            InvestigationStatus::Failed,
            InvestigationStatus::Running,
        ] {
            let details = InvestigationDetails {
                investigation_id: message.investigation_id.clone(),
                graph_arn: message.graph_arn.clone(),
                entity_arn: None,
                entity_type: Some("IAM_USER".to_owned()),
                status,
                severity: Some(InvestigationSeverity::Low),
                state: None,
                created_time: Some(now()),
                scope_start: None,
                scope_end: None,
            };
            let verdict = plan_report(
                &config,
                &message,
                &graph,
                (account.as_deref(), &message.region),
                &details,
                &[],
            );
            decisions.push(format!("{}: {verdict:?}", details.status));
            let report = summarize(&message, &graph.partition, &details, &[]);
            let finding = asff_finding(
                &report,
                account.as_deref().unwrap_or(ADMIN),
                &graph.partition,
                &message.region,
            );
            // ASFF's documented limits (Security Hub refuses a finding over them).
            for (field, text, most) in [
                ("Id", &finding.id, 512),
                ("Title", &finding.title, 256),
                ("Description", &finding.description, 1024),
            ] {
                if text.chars().count() > most {
                    return Err(format!(
                        "a report finding's {field} over ASFF's {most} characters: {text:?}"
                    ));
                }
            }
            decisions.push(format!("{} {finding:?}", report.headline()));
        }
    }
    Ok(Verdict::Decided { trigger, decisions })
}

// ---------------------------------------------------------------------------------------
// Sandbox requests: the `sandbox_request` target.

/// A raw request in the form the target's inputs (and its regression files) have, close
/// to HTTP/1.1's: `METHOD TARGET` on the first line, `Name: value` header lines, an empty
/// line, then the body. Read leniently: every input is some request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    pub fn parse(bytes: &[u8]) -> Self {
        let split = bytes.windows(2).position(|pair| pair == b"\n\n");
        let (head, body) = match split {
            Some(at) => (
                bytes.get(..at).unwrap_or_default(),
                bytes.get(at + 2..).unwrap_or_default(),
            ),
            None => (bytes, &[][..]),
        };
        let head = String::from_utf8_lossy(head);
        let mut lines = head.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line));
        let first = lines.next().unwrap_or_default();
        let (method, target) = first.split_once(' ').unwrap_or((first, ""));
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query.to_owned())),
            None => (target, None),
        };
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap_or((line, ""));
                (name.to_owned(), value.trim_start_matches(' ').to_owned())
            })
            .collect();
        Self {
            method: method.to_owned(),
            path: path.to_owned(),
            query,
            headers,
            body: body.to_vec(),
        }
    }
}

/// Decodes a raw request as the sandbox's server does: the service, operation, region and
/// parameters, or the error it answers (`Code: message`, or why it is no HTTP request).
pub fn replay_request(bytes: &[u8]) -> Result<Verdict, Unclear> {
    let request = RawRequest::parse(bytes);
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    match sandbox::decode_request(
        &request.method,
        &request.path,
        request.query.as_deref(),
        &headers,
        &request.body,
    ) {
        Ok(decoded) => {
            if decoded.service.is_empty() {
                return Err(format!("a request decoded for no service: {decoded:?}"));
            }
            Ok(Verdict::Decided {
                trigger: decoded.service,
                decisions: vec![format!(
                    "{} in {} with {}",
                    decoded.operation, decoded.region, decoded.parameters
                )],
            })
        }
        Err(error) if error.contains(": ") => Ok(Verdict::Refused(error)),
        Err(error) => Err(format!("an error that names no code or cause: {error:?}")),
    }
}
