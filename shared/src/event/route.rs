//! From an envelope to the trigger a function acts on.

use serde_json::Value;

use super::{
    fields, membership, CloudTrailRecord, CustomResourceRequest, Envelope, EventError, Finding, SqsBatch, TamperEvent,
    TamperOperation,
};

const API_CALL: &str = "AWS API Call via CloudTrail";
const SERVICE_EVENT: &str = "AWS Service Event via CloudTrail";

/// Which event announced a new (or newly managed) organization account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountEventKind {
    /// Organizations `CreateAccountResult`.
    CreateAccountResult,
    /// Control Tower lifecycle `CreateManagedAccount`.
    CreateManagedAccount,
    /// Control Tower lifecycle `UpdateManagedAccount`.
    UpdateManagedAccount,
    /// Organizations `AccountJoinedOrganization` (created or invited): no state, it happened.
    AccountJoinedOrganization,
}

/// Which event announced an account leaving the organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepartureKind {
    RemoveAccountFromOrganization,
    LeaveOrganization,
    CloseAccountResult,
    /// Organizations `AccountDepartedOrganization` (left, removed or cleaned).
    AccountDepartedOrganization,
}

/// What an event asks of us. Everything in it is a hint: functions re-read AWS
/// before they write.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    GuardDutyFinding(Box<Finding>),
    /// An account was created in the organization, joined it, or came under Control Tower.
    AccountCreated {
        kind: AccountEventKind,
        state: Option<String>,
        account_id: Option<String>,
        account_name: Option<String>,
    },
    /// Organizations `AcceptHandshake`: an invited account joined.
    HandshakeAccepted {
        handshake_state: Option<String>,
        /// The handshake party of type ACCOUNT.
        account_id: Option<String>,
        error_code: Option<String>,
    },
    AccountDeparted {
        kind: DepartureKind,
        account_id: Option<String>,
        /// The call failed (for example AccessDenied): nothing departed.
        error_code: Option<String>,
    },
    /// Detective `CreateMembers` recorded by CloudTrail in an administrator account.
    DetectiveMembersCreated {
        administrator_id: Option<String>,
        graph_arn: Option<String>,
        error_code: Option<String>,
    },
    Scheduled {
        rules: Vec<String>,
    },
    /// A CloudFormation custom resource request (invoked by CloudFormation, not EventBridge).
    CustomResource(Box<CustomResourceRequest>),
    /// A batch of SQS messages (Lambda's event source mapping).
    SqsBatch(Box<SqsBatch>),
    /// A call that weakens Detective (its own CloudTrail record).
    DetectiveTampered(Box<TamperEvent>),
    Unhandled {
        source: String,
        detail_type: String,
        event_name: Option<String>,
    },
}

impl Trigger {
    /// A stable name for logs, metrics and tables.
    pub fn name(&self) -> &'static str {
        match self {
            Self::GuardDutyFinding(_) => "GuardDutyFinding",
            Self::AccountCreated { kind, .. } => match kind {
                AccountEventKind::CreateAccountResult => "Organizations.CreateAccountResult",
                AccountEventKind::CreateManagedAccount => "ControlTower.CreateManagedAccount",
                AccountEventKind::UpdateManagedAccount => "ControlTower.UpdateManagedAccount",
                AccountEventKind::AccountJoinedOrganization => "Organizations.AccountJoinedOrganization",
            },
            Self::HandshakeAccepted { .. } => "Organizations.AcceptHandshake",
            Self::AccountDeparted { kind, .. } => match kind {
                DepartureKind::RemoveAccountFromOrganization => "Organizations.RemoveAccountFromOrganization",
                DepartureKind::LeaveOrganization => "Organizations.LeaveOrganization",
                DepartureKind::CloseAccountResult => "Organizations.CloseAccountResult",
                DepartureKind::AccountDepartedOrganization => "Organizations.AccountDepartedOrganization",
            },
            Self::DetectiveMembersCreated { .. } => "Detective.CreateMembers",
            Self::Scheduled { .. } => "ScheduledEvent",
            Self::CustomResource(_) => "CloudFormation.CustomResource",
            Self::SqsBatch(_) => "SQS.Batch",
            Self::DetectiveTampered(event) => match event.operation {
                TamperOperation::DeleteMembers => "Detective.DeleteMembers",
                TamperOperation::UpdateOrganizationConfiguration => "Detective.UpdateOrganizationConfiguration",
                TamperOperation::UpdateDatasourcePackages => "Detective.UpdateDatasourcePackages",
                TamperOperation::DisassociateMembership => "Detective.DisassociateMembership",
                TamperOperation::DeleteGraph => "Detective.DeleteGraph",
                TamperOperation::DisableOrganizationAdminAccount => "Detective.DisableOrganizationAdminAccount",
                TamperOperation::DeregisterDelegatedAdministrator => "Organizations.DeregisterDelegatedAdministrator",
            },
            Self::Unhandled { .. } => "Unhandled",
        }
    }
}

/// What a Lambda payload is: a CloudFormation custom resource request, an SQS batch, or an
/// EventBridge event (routed). An error carries the event id when one could be read.
pub fn route_payload(payload: &Value) -> Result<(Envelope, Trigger), (Option<String>, EventError)> {
    // CloudFormation invokes custom resources with its own request, not an EventBridge event.
    if let Some(request) = CustomResourceRequest::detect(payload) {
        return Ok((request.envelope(payload), Trigger::CustomResource(Box::new(request))));
    }
    if let Some(batch) = SqsBatch::detect(payload) {
        return Ok((batch.envelope(payload), Trigger::SqsBatch(Box::new(batch))));
    }
    let envelope = Envelope::from_value(payload).map_err(|error| (None, error))?;
    match route(&envelope) {
        Ok(trigger) => Ok((envelope, trigger)),
        Err(error) => Err((envelope.id.clone(), error)),
    }
}

/// Routes an envelope. Fails only when an event we handle has a field we cannot read.
pub fn route(envelope: &Envelope) -> Result<Trigger, EventError> {
    let source = envelope.source.as_str();
    let detail_type = envelope.detail_type.as_str();
    match (source, detail_type) {
        ("aws.guardduty", "GuardDuty Finding") => Ok(Trigger::GuardDutyFinding(Box::new(Finding::from_detail(
            &envelope.detail,
        )?))),
        ("aws.securityhub", "Security Hub Findings - Imported") => Ok(security_hub_finding(envelope)?
            .map(|finding| Trigger::GuardDutyFinding(Box::new(finding)))
            .unwrap_or_else(|| unhandled(envelope, None))),
        ("aws.events" | "aws.scheduler", "Scheduled Event") => Ok(Trigger::Scheduled {
            rules: envelope.resources.clone(),
        }),
        ("aws.organizations" | "aws.controltower" | "aws.detective", API_CALL | SERVICE_EVENT) => {
            let record = CloudTrailRecord::from_detail(&envelope.detail)?;
            Ok(route_cloudtrail(envelope, &record)?.unwrap_or_else(|| unhandled(envelope, record.event_name)))
        }
        _ => Ok(unhandled(envelope, None)),
    }
}

/// The GuardDuty finding a Security Hub event carries ("Each event sends a single finding");
/// None when it is another product's.
fn security_hub_finding(envelope: &Envelope) -> Result<Option<Finding>, EventError> {
    let findings = match envelope.detail.get("findings") {
        Some(Value::Array(findings)) => findings,
        Some(other) => return Err(EventError::invalid("event.detail", &["findings"], "a list", other)),
        None => return Ok(None),
    };
    match findings.first() {
        Some(finding) if super::asff::is_guardduty(finding) => {
            Finding::from_asff(finding, "event.detail.findings[0]").map(Some)
        }
        _ => Ok(None),
    }
}

fn unhandled(envelope: &Envelope, event_name: Option<String>) -> Trigger {
    Trigger::Unhandled {
        source: envelope.source.clone(),
        detail_type: envelope.detail_type.clone(),
        event_name,
    }
}

fn route_cloudtrail(envelope: &Envelope, record: &CloudTrailRecord) -> Result<Option<Trigger>, EventError> {
    let name = record.event_name.as_deref().unwrap_or_default();
    let service_event = envelope.detail_type == SERVICE_EVENT;
    let source = envelope.source.as_str();
    let routed = match source {
        "aws.organizations" => organizations(service_event, name, record)?,
        "aws.controltower" if service_event => control_tower(name, record)?,
        "aws.detective" if !service_event && name == "CreateMembers" => Some(members_created(record)?),
        _ => None,
    };
    match routed {
        Some(trigger) => Ok(Some(trigger)),
        None if !service_event => tampered(envelope, record, source, name),
        None => Ok(None),
    }
}

/// Accounts that join, are created, leave or are closed, as Organizations records them.
fn organizations(service_event: bool, name: &str, record: &CloudTrailRecord) -> Result<Option<Trigger>, EventError> {
    let trigger = match (service_event, name) {
        (true, "CreateAccountResult") => Trigger::AccountCreated {
            kind: AccountEventKind::CreateAccountResult,
            state: record.service_detail_string(&["createAccountStatus", "state"])?,
            account_id: record.service_detail_string(&["createAccountStatus", "accountId"])?,
            account_name: record.service_detail_string(&["createAccountStatus", "accountName"])?,
        },
        // Documented to exist, not in which detail-type: either is taken.
        (_, "AccountJoinedOrganization") => Trigger::AccountCreated {
            kind: AccountEventKind::AccountJoinedOrganization,
            state: membership::method(record, "joinedMethod"),
            account_id: membership::member_account(record),
            account_name: None,
        },
        (_, "AccountDepartedOrganization") => Trigger::AccountDeparted {
            kind: DepartureKind::AccountDepartedOrganization,
            account_id: membership::member_account(record),
            error_code: record.error_code.clone(),
        },
        (true, "CloseAccountResult") => Trigger::AccountDeparted {
            kind: DepartureKind::CloseAccountResult,
            account_id: record.service_detail_string(&["closeAccountStatus", "accountId"])?,
            error_code: record
                .service_detail_string(&["closeAccountStatus", "state"])?
                .filter(|state| state != "SUCCEEDED"),
        },
        (false, "AcceptHandshake") => Trigger::HandshakeAccepted {
            handshake_state: record.response_string(&["handshake", "state"])?,
            account_id: handshake_account(record)?.or_else(|| record.caller_account_id.clone()),
            error_code: record.error_code.clone(),
        },
        (false, "RemoveAccountFromOrganization") => Trigger::AccountDeparted {
            kind: DepartureKind::RemoveAccountFromOrganization,
            account_id: record.request_string(&["accountId"])?,
            error_code: record.error_code.clone(),
        },
        // The account that leaves is the one that calls.
        (false, "LeaveOrganization") => Trigger::AccountDeparted {
            kind: DepartureKind::LeaveOrganization,
            account_id: record
                .caller_account_id
                .clone()
                .or_else(|| record.recipient_account_id.clone()),
            error_code: record.error_code.clone(),
        },
        _ => return Ok(None),
    };
    Ok(Some(trigger))
}

/// Control Tower's account factory: an account made or updated.
fn control_tower(name: &str, record: &CloudTrailRecord) -> Result<Option<Trigger>, EventError> {
    let (kind, status) = match name {
        "CreateManagedAccount" => (AccountEventKind::CreateManagedAccount, "createManagedAccountStatus"),
        "UpdateManagedAccount" => (AccountEventKind::UpdateManagedAccount, "updateManagedAccountStatus"),
        _ => return Ok(None),
    };
    Ok(Some(Trigger::AccountCreated {
        kind,
        state: record.service_detail_string(&[status, "state"])?,
        account_id: record.service_detail_string(&[status, "account", "accountId"])?,
        account_name: record.service_detail_string(&[status, "account", "accountName"])?,
    }))
}

/// Detective's CreateMembers in an administrator account: a hint to check invitations.
fn members_created(record: &CloudTrailRecord) -> Result<Trigger, EventError> {
    Ok(Trigger::DetectiveMembersCreated {
        administrator_id: record
            .caller_account_id
            .clone()
            .or_else(|| record.recipient_account_id.clone()),
        graph_arn: record
            .request_string(&["GraphArn"])?
            .or(record.request_string(&["graphArn"])?),
        error_code: record.error_code.clone(),
    })
}

/// A call that weakens Detective, when it is one.
fn tampered(
    envelope: &Envelope,
    record: &CloudTrailRecord,
    source: &str,
    name: &str,
) -> Result<Option<Trigger>, EventError> {
    match TamperOperation::from_event(source, name) {
        // Organizations' deregistration matters only for Detective's administrator.
        Some(TamperOperation::DeregisterDelegatedAdministrator)
            if record.request_string(&["servicePrincipal"])?.as_deref() != Some("detective.amazonaws.com") =>
        {
            Ok(None)
        }
        Some(operation) => Ok(Some(Trigger::DetectiveTampered(Box::new(TamperEvent::read(
            operation,
            &envelope.detail,
            record,
        )?)))),
        None => Ok(None),
    }
}

/// The id of the handshake party of type ACCOUNT: the account that joins.
fn handshake_account(record: &CloudTrailRecord) -> Result<Option<String>, EventError> {
    let parties = record
        .response_elements
        .as_ref()
        .and_then(|response| fields::lookup(response, &["handshake", "parties"]));
    let Some(parties) = parties else { return Ok(None) };
    let Value::Array(parties) = parties else {
        return Err(EventError::invalid(
            "event.detail.responseElements",
            &["handshake", "parties"],
            "a list",
            parties,
        ));
    };
    for party in parties {
        let party_type = fields::string(party, "event.detail.responseElements.handshake.parties[]", &["type"])?;
        if party_type.as_deref() == Some("ACCOUNT") {
            return fields::string(party, "event.detail.responseElements.handshake.parties[]", &["id"]);
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn route_json(value: Value) -> Trigger {
        Envelope::from_value(&value)
            .and_then(|envelope| route(&envelope))
            .unwrap_or_else(|error| Trigger::Unhandled {
                source: "error".into(),
                detail_type: error.to_string(),
                event_name: None,
            })
    }

    fn cloudtrail(source: &str, detail_type: &str, detail: Value) -> Value {
        json!({"source": source, "detail-type": detail_type, "detail": detail})
    }

    #[test]
    fn guardduty_findings_only_from_the_finding_detail_type() {
        let finding = route_json(cloudtrail("aws.guardduty", "GuardDuty Finding", json!({"severity": 8})));
        assert_eq!(finding.name(), "GuardDutyFinding");
        let api_call = route_json(cloudtrail(
            "aws.guardduty",
            API_CALL,
            json!({"eventName": "CreateSampleFindings"}),
        ));
        assert_eq!(
            api_call,
            Trigger::Unhandled {
                source: "aws.guardduty".into(),
                detail_type: API_CALL.into(),
                event_name: None
            }
        );
    }

    #[test]
    fn create_account_result_carries_state_and_account() {
        let trigger = route_json(cloudtrail(
            "aws.organizations",
            SERVICE_EVENT,
            json!({"eventName": "CreateAccountResult",
                   "serviceEventDetails": {"createAccountStatus": {"state": "SUCCEEDED", "accountId": "444455556666", "accountName": "dev"}}}),
        ));
        assert_eq!(
            trigger,
            Trigger::AccountCreated {
                kind: AccountEventKind::CreateAccountResult,
                state: Some("SUCCEEDED".into()),
                account_id: Some("444455556666".into()),
                account_name: Some("dev".into()),
            }
        );
    }

    #[test]
    fn accept_handshake_takes_the_account_party() {
        let trigger = route_json(cloudtrail(
            "aws.organizations",
            API_CALL,
            json!({"eventName": "AcceptHandshake", "userIdentity": {"accountId": "222222222222"},
                   "responseElements": {"handshake": {"state": "ACCEPTED", "parties": [
                       {"id": "o-exampleorgid", "type": "ORGANIZATION"}, {"id": "333333333333", "type": "ACCOUNT"}]}}}),
        ));
        assert_eq!(
            trigger,
            Trigger::HandshakeAccepted {
                handshake_state: Some("ACCEPTED".into()),
                account_id: Some("333333333333".into()),
                error_code: None
            }
        );
    }

    #[test]
    fn departures_name_the_departing_account() {
        let removed = route_json(cloudtrail(
            "aws.organizations",
            API_CALL,
            json!({"eventName": "RemoveAccountFromOrganization", "requestParameters": {"accountId": "588801414845"}}),
        ));
        assert_eq!(
            removed,
            Trigger::AccountDeparted {
                kind: DepartureKind::RemoveAccountFromOrganization,
                account_id: Some("588801414845".into()),
                error_code: None
            }
        );
        let left = route_json(cloudtrail(
            "aws.organizations",
            API_CALL,
            json!({"eventName": "LeaveOrganization", "errorCode": "AccessDenied", "userIdentity": {"accountId": "111111111111"}}),
        ));
        assert_eq!(
            left,
            Trigger::AccountDeparted {
                kind: DepartureKind::LeaveOrganization,
                account_id: Some("111111111111".into()),
                error_code: Some("AccessDenied".into())
            }
        );
    }

    #[test]
    fn control_tower_lifecycle_events() {
        let trigger = route_json(cloudtrail(
            "aws.controltower",
            SERVICE_EVENT,
            json!({"eventName": "UpdateManagedAccount", "serviceEventDetails": {"updateManagedAccountStatus": {
                "state": "FAILED", "account": {"accountId": "123456789012", "accountName": "x"}}}}),
        ));
        assert_eq!(trigger.name(), "ControlTower.UpdateManagedAccount");
        assert!(matches!(trigger, Trigger::AccountCreated { state: Some(ref s), .. } if s == "FAILED"));
    }

    #[test]
    fn detective_create_members_and_schedule() {
        let members = route_json(cloudtrail(
            "aws.detective",
            API_CALL,
            json!({"eventName": "CreateMembers", "userIdentity": {"accountId": "111111111111"},
                   "requestParameters": {"graphArn": "arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef"}}),
        ));
        assert_eq!(
            members,
            Trigger::DetectiveMembersCreated {
                administrator_id: Some("111111111111".into()),
                graph_arn: Some(
                    "arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef".into()
                ),
                error_code: None
            }
        );
        let scheduled = route_json(
            json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {},
                                          "resources": ["arn:aws:events:us-east-1:1:rule/r"]}),
        );
        assert_eq!(scheduled.name(), "ScheduledEvent");
    }

    #[test]
    fn membership_events_in_either_detail_type() {
        for detail_type in [SERVICE_EVENT, API_CALL] {
            let joined = route_json(cloudtrail(
                "aws.organizations",
                detail_type,
                json!({"eventName": "AccountJoinedOrganization",
                       "serviceEventDetails": {"accountId": "222233334444", "joinedMethod": "Invited"}}),
            ));
            assert_eq!(
                joined,
                Trigger::AccountCreated {
                    kind: AccountEventKind::AccountJoinedOrganization,
                    state: Some("Invited".into()),
                    account_id: Some("222233334444".into()),
                    account_name: None,
                }
            );
            let departed = route_json(cloudtrail(
                "aws.organizations",
                detail_type,
                json!({"eventName": "AccountDepartedOrganization", "serviceEventDetails": {"departedMethod": "Left"}}),
            ));
            assert_eq!(
                departed,
                Trigger::AccountDeparted {
                    kind: DepartureKind::AccountDepartedOrganization,
                    account_id: None,
                    error_code: None,
                }
            );
        }
    }

    #[test]
    fn other_organizations_events_are_unhandled_with_their_name() {
        let trigger = route_json(cloudtrail(
            "aws.organizations",
            API_CALL,
            json!({"eventName": "MoveAccount"}),
        ));
        assert_eq!(
            trigger,
            Trigger::Unhandled {
                source: "aws.organizations".into(),
                detail_type: API_CALL.into(),
                event_name: Some("MoveAccount".into())
            }
        );
    }
}
