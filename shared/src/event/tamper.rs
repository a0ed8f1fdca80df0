//! Detective's own CloudTrail records of calls that can weaken it ("AWS API Call via
//! CloudTrail", source `aws.detective`), and Organizations' DeregisterDelegatedAdministrator
//! for Detective. Who made the call, from where, and what it asked: never what it did (AWS
//! is re-read before anything is restored).

use serde_json::Value;

use super::{fields, CloudTrailRecord, EventError};

/// A call that weakens Detective.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TamperOperation {
    DeleteMembers,
    UpdateOrganizationConfiguration,
    UpdateDatasourcePackages,
    DisassociateMembership,
    DeleteGraph,
    DisableOrganizationAdminAccount,
    DeregisterDelegatedAdministrator,
}

impl TamperOperation {
    pub fn from_event(source: &str, name: &str) -> Option<Self> {
        Some(match (source, name) {
            ("aws.detective", "DeleteMembers") => Self::DeleteMembers,
            ("aws.detective", "UpdateOrganizationConfiguration") => Self::UpdateOrganizationConfiguration,
            ("aws.detective", "UpdateDatasourcePackages") => Self::UpdateDatasourcePackages,
            ("aws.detective", "DisassociateMembership") => Self::DisassociateMembership,
            ("aws.detective", "DeleteGraph") => Self::DeleteGraph,
            ("aws.detective", "DisableOrganizationAdminAccount") => Self::DisableOrganizationAdminAccount,
            ("aws.organizations", "DeregisterDelegatedAdministrator") => Self::DeregisterDelegatedAdministrator,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::DeleteMembers => "DeleteMembers",
            Self::UpdateOrganizationConfiguration => "UpdateOrganizationConfiguration",
            Self::UpdateDatasourcePackages => "UpdateDatasourcePackages",
            Self::DisassociateMembership => "DisassociateMembership",
            Self::DeleteGraph => "DeleteGraph",
            Self::DisableOrganizationAdminAccount => "DisableOrganizationAdminAccount",
            Self::DeregisterDelegatedAdministrator => "DeregisterDelegatedAdministrator",
        }
    }
}

/// Who made the call (`userIdentity`).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Caller {
    /// `userIdentity.arn`.
    pub arn: Option<String>,
    /// `userIdentity.type`: IAMUser, AssumedRole, Root, AWSService, ...
    #[serde(rename = "type")]
    pub identity_type: Option<String>,
    pub account_id: Option<String>,
    /// `userIdentity.sessionContext.sessionIssuer.arn`: the role behind a session.
    pub session_issuer: Option<String>,
    /// `userIdentity.invokedBy`: the service that called on someone's behalf.
    pub invoked_by: Option<String>,
}

impl Caller {
    /// The session's name: the last part of an assumed role's ARN
    /// (`arn:aws:sts::<account>:assumed-role/<role>/<session>`). Lambda names an execution
    /// role's session after the function.
    pub fn session_name(&self) -> Option<&str> {
        let arn = self.arn.as_deref()?;
        let (_, role_and_session) = arn.split_once(":assumed-role/")?;
        role_and_session.rsplit_once('/').map(|(_, session)| session)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TamperEvent {
    pub operation: TamperOperation,
    pub region: Option<String>,
    pub graph_arn: Option<String>,
    /// DeleteMembers' accounts.
    pub account_ids: Vec<String>,
    /// UpdateOrganizationConfiguration's AutoEnable.
    pub auto_enable: Option<bool>,
    /// UpdateDatasourcePackages' packages.
    pub packages: Vec<String>,
    /// DeregisterDelegatedAdministrator's service principal.
    pub service_principal: Option<String>,
    /// Set when the call failed: it changed nothing.
    pub error_code: Option<String>,
    /// `recipientAccountId`: the account whose Detective the call changed.
    pub recipient_account: Option<String>,
    pub caller: Caller,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub event_time: Option<String>,
    /// The record's `eventID`.
    pub event_id: Option<String>,
}

const PREFIX: &str = "event.detail";

/// `requestParameters.<name>`, in either case: CloudTrail's casing of Detective's request
/// parameters is not documented (its one published record has `masterAccount`), so both
/// `graphArn` and `GraphArn` are read.
fn parameter<'a>(record: &'a CloudTrailRecord, camel: &str) -> Option<&'a Value> {
    let request = record.request_parameters.as_ref()?;
    let mut pascal = camel.to_owned();
    if let Some(first) = pascal.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    request
        .get(camel)
        .or_else(|| request.get(&pascal))
        .filter(|value| !value.is_null())
}

fn strings(value: Option<&Value>, field: &str) -> Result<Vec<String>, EventError> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str().map(str::to_owned).ok_or_else(|| {
                    EventError::invalid(PREFIX, &["requestParameters", field], "a list of strings", item)
                })
            })
            .collect(),
        Some(Value::String(one)) => Ok(vec![one.clone()]),
        Some(other) => Err(EventError::invalid(
            PREFIX,
            &["requestParameters", field],
            "a list",
            other,
        )),
    }
}

impl TamperEvent {
    pub fn read(operation: TamperOperation, detail: &Value, record: &CloudTrailRecord) -> Result<Self, EventError> {
        let text = |path: &[&str]| fields::string(detail, PREFIX, path);
        let auto_enable = match parameter(record, "autoEnable") {
            None => None,
            Some(Value::Bool(on)) => Some(*on),
            Some(Value::String(text)) if text.eq_ignore_ascii_case("true") => Some(true),
            Some(Value::String(text)) if text.eq_ignore_ascii_case("false") => Some(false),
            Some(other) => {
                return Err(EventError::invalid(
                    PREFIX,
                    &["requestParameters", "autoEnable"],
                    "true or false",
                    other,
                ))
            }
        };
        Ok(Self {
            operation,
            region: text(&["awsRegion"])?,
            graph_arn: parameter(record, "graphArn").and_then(Value::as_str).map(str::to_owned),
            account_ids: strings(parameter(record, "accountIds"), "accountIds")?,
            auto_enable,
            packages: strings(parameter(record, "datasourcePackages"), "datasourcePackages")?,
            service_principal: parameter(record, "servicePrincipal")
                .and_then(Value::as_str)
                .map(str::to_owned),
            error_code: record.error_code.clone(),
            recipient_account: text(&["recipientAccountId"])?,
            caller: Caller {
                arn: text(&["userIdentity", "arn"])?,
                identity_type: text(&["userIdentity", "type"])?,
                account_id: text(&["userIdentity", "accountId"])?,
                session_issuer: text(&["userIdentity", "sessionContext", "sessionIssuer", "arn"])?,
                invoked_by: text(&["userIdentity", "invokedBy"])?,
            },
            source_ip: text(&["sourceIPAddress"])?,
            user_agent: text(&["userAgent"])?,
            event_time: text(&["eventTime"])?,
            event_id: text(&["eventID"])?,
        })
    }
}
