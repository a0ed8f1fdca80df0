//! The sandbox's world: accounts, an organization, per-region Detective state, IAM roles,
//! and how Detective settles what it does not document. Loaded from and readable back as
//! JSON (format in the README).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::names::{is_account_id, is_graph_arn};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxState {
    #[serde(default = "default_partition")]
    pub partition: String,
    /// The account whose credentials the callers use (the Detective administrator, or a
    /// member), unless the access key names another (see `access_key_for`).
    pub caller_account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Organization>,
    #[serde(default)]
    pub regions: BTreeMap<String, RegionState>,
    /// Errors to return instead of serving, for a number of calls.
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// Accounts CreateMembers returns in UnprocessedAccounts with a reason, a number of times.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unprocessed: Vec<UnprocessedRule>,
    /// How Detective finishes enabling an account (CreateMembers, StartMonitoringMember,
    /// AcceptInvitation): ENABLED unless a rule here says ACCEPTED_BUT_DISABLED (with a
    /// DisabledReason) or VERIFICATION_FAILED.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub member_outcomes: Vec<MemberOutcome>,
    /// Reads (GetMembers, ListMembers) during which a new member still shows
    /// VERIFICATION_IN_PROGRESS after CreateMembers; 0 settles it at the next read.
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub verification_reads: u32,
    /// StartInvestigation checks AWS does not document, each off unless set.
    #[serde(default, skip_serializing_if = "ScopeRules::is_default")]
    pub scope_rules: ScopeRules,
    /// Operations that answer every call with an empty page and the same NextToken: a
    /// misbehaving service, to prove that our paging cannot loop forever.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stuck_paging: Vec<String>,
    /// IAM roles of the accounts, for iam:GetRole and sts:AssumeRole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub iam_roles: Vec<IamRole>,
    /// IAM users of the accounts, for iam:GetUser (same fields as roles).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub iam_users: Vec<IamRole>,
    /// Added to every call.
    #[serde(default)]
    pub latency_ms: u64,
    /// The sandbox's "now" (creation times); the real clock when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<DateTime<Utc>>,
    /// Next investigation number (ids are 21 digits, as Detective's are).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub next_investigation: u64,
}

fn default_partition() -> String {
    "aws".to_owned()
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

fn is_zero_u32(value: &u32) -> bool {
    *value == 0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub management_account_id: String,
    #[serde(default)]
    pub accounts: Vec<Account>,
    /// Delegated administrators of other services: they may read Organizations too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delegated_administrators: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    /// PENDING_ACTIVATION, ACTIVE, SUSPENDED, PENDING_CLOSURE or CLOSED (Organizations' `State`).
    #[serde(default = "active")]
    pub status: String,
}

fn active() -> String {
    "ACTIVE".to_owned()
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RegionState {
    /// The organization's Detective administrator here (EnableOrganizationAdminAccount): its
    /// graph is the organization behavior graph, and only it may read or change the
    /// organization configuration. None: Detective has no delegated administrator here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_admin_account_id: Option<String>,
    #[serde(default)]
    pub graphs: Vec<Graph>,
    /// Invitations and memberships of the member accounts (ListInvitations).
    #[serde(default)]
    pub invitations: Vec<Invitation>,
    #[serde(default)]
    pub investigations: Vec<Investigation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    pub arn: String,
    #[serde(default)]
    pub auto_enable: bool,
    #[serde(default)]
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Member {
    pub account_id: String,
    #[serde(default)]
    pub email: String,
    /// INVITED, VERIFICATION_IN_PROGRESS, VERIFICATION_FAILED, ENABLED or ACCEPTED_BUT_DISABLED.
    pub status: String,
    /// ORGANIZATION or INVITATION; when absent, ORGANIZATION for an organization account in
    /// the organization behavior graph, else INVITATION.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_type: Option<String>,
    /// VOLUME_TOO_HIGH or VOLUME_UNKNOWN, with ACCEPTED_BUT_DISABLED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// Data volume per day (MemberDetail's volume fields).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_usage_bytes: Option<i64>,
    /// Where verification will end, and after how many more reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
}

impl Member {
    pub fn new(account_id: &str, email: &str, status: &str) -> Self {
        Self {
            account_id: account_id.to_owned(),
            email: email.to_owned(),
            status: status.to_owned(),
            ..Self::default()
        }
    }
}

/// A member still VERIFICATION_IN_PROGRESS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    pub reads_left: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invitation {
    pub graph_arn: String,
    pub administrator_id: String,
    /// INVITED, ENABLED or ACCEPTED_BUT_DISABLED.
    pub status: String,
    /// The invited account; the caller account when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// INVITATION (default) or ORGANIZATION.
    #[serde(default = "invitation", skip_serializing_if = "is_invitation")]
    pub invitation_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
}

impl Invitation {
    pub fn new(graph_arn: &str, administrator_id: &str, status: &str) -> Self {
        Self {
            graph_arn: graph_arn.to_owned(),
            administrator_id: administrator_id.to_owned(),
            status: status.to_owned(),
            account_id: None,
            invitation_type: invitation(),
            disabled_reason: None,
        }
    }
}

fn invitation() -> String {
    "INVITATION".to_owned()
}

fn is_invitation(kind: &String) -> bool {
    kind == "INVITATION"
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Investigation {
    pub id: String,
    pub graph_arn: String,
    pub entity_arn: String,
    /// RUNNING, FAILED or SUCCESSFUL.
    pub status: String,
    /// ACTIVE or ARCHIVED.
    pub state: String,
    #[serde(default = "informational")]
    pub severity: String,
    pub created_time: DateTime<Utc>,
    pub scope_start_time: DateTime<Utc>,
    pub scope_end_time: DateTime<Utc>,
}

fn informational() -> String {
    "INFORMATIONAL".to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// The API operation, as named in the API reference (`StartInvestigation`).
    pub operation: String,
    /// A code the operation can return (TooManyRequestsException, InternalServerException,
    /// AccessDeniedException, ...); its HTTP status is the service's.
    pub error: String,
    /// How many calls fail; absent means every call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Only calls to this region; absent means every region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnprocessedRule {
    pub account_id: String,
    pub reason: String,
    /// How many CreateMembers calls reject the account; absent means every call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberOutcome {
    pub account_id: String,
    /// ACCEPTED_BUT_DISABLED or VERIFICATION_FAILED (or ENABLED, the default).
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
}

/// Checks on StartInvestigation's scope that the API reference does not document (the
/// console's are: whole hours, 3 hours to 30 days); each makes the sandbox refuse with
/// ValidationException, so tests can prove our code copes with either answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ScopeRules {
    #[serde(default)]
    pub whole_hours: bool,
    #[serde(default)]
    pub end_not_in_future: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_hours: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_days: Option<i64>,
}

impl ScopeRules {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamRole {
    pub account_id: String,
    pub name: String,
    /// `/`, `/aws-reserved/sso.amazonaws.com/`, `/aws-service-role/guardduty.amazonaws.com/`, ...
    #[serde(default = "root_path")]
    pub path: String,
}

fn root_path() -> String {
    "/".to_owned()
}

impl IamRole {
    pub fn arn(&self, partition: &str) -> String {
        self.arn_of_kind(partition, "role")
    }

    /// The ARN as a `role` or a `user`.
    pub fn arn_of_kind(&self, partition: &str, kind: &str) -> String {
        format!(
            "arn:{partition}:iam::{}:{kind}{}{}",
            self.account_id, self.path, self.name
        )
    }
}

/// Could not load a state file.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read sandbox state {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("sandbox state {path} is not valid: {message}")]
    Parse { path: String, message: String },
}

impl SandboxState {
    pub fn from_json(path: &str, text: &str) -> Result<Self, StateError> {
        let state: Self = serde_json::from_str(text).map_err(|error| StateError::Parse {
            path: path.to_owned(),
            message: error.to_string(),
        })?;
        state.check().map_err(|message| StateError::Parse {
            path: path.to_owned(),
            message,
        })?;
        Ok(state)
    }

    pub fn from_file(path: &str) -> Result<Self, StateError> {
        let text = std::fs::read_to_string(path).map_err(|source| StateError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(path, &text)
    }

    /// What AWS could never hold: a graph ARN off the model's pattern, a malformed account id.
    pub fn check(&self) -> Result<(), String> {
        let mut accounts = vec![("caller_account_id", self.caller_account_id.as_str())];
        if let Some(organization) = &self.organization {
            accounts.push((
                "organization.management_account_id",
                &organization.management_account_id,
            ));
            accounts.extend(
                organization
                    .accounts
                    .iter()
                    .map(|a| ("organization.accounts[].id", a.id.as_str())),
            );
        }
        for region in self.regions.values() {
            accounts.extend(
                region
                    .organization_admin_account_id
                    .iter()
                    .map(|id| ("regions.*.organization_admin_account_id", id.as_str())),
            );
            let graph_arns = region
                .graphs
                .iter()
                .map(|graph| graph.arn.as_str())
                .chain(
                    region
                        .invitations
                        .iter()
                        .map(|invitation| invitation.graph_arn.as_str()),
                )
                .chain(
                    region
                        .investigations
                        .iter()
                        .map(|investigation| investigation.graph_arn.as_str()),
                );
            for arn in graph_arns {
                if !is_graph_arn(arn) {
                    return Err(format!(
                        "graph ARN {arn:?} does not match Detective's pattern arn:aws[-\\w]{{0,10}}:detective:<region>:<12 digits>:graph:<32 hex digits>"
                    ));
                }
            }
            for graph in &region.graphs {
                accounts.extend(
                    graph
                        .members
                        .iter()
                        .map(|m| ("graphs[].members[].account_id", m.account_id.as_str())),
                );
            }
        }
        match accounts.into_iter().find(|(_, id)| !is_account_id(id)) {
            Some((field, id)) => Err(format!("{field} {id:?} is not a 12-digit account id")),
            None => Ok(()),
        }
    }

    /// The built-in demo organization used by `autopilot demo` and `replay` by default.
    pub fn demo() -> Self {
        Self::from_json("built-in demo state", DEMO_STATE).unwrap_or_else(|_| Self::empty("111111111111"))
    }

    pub fn empty(caller_account_id: &str) -> Self {
        Self {
            partition: default_partition(),
            caller_account_id: caller_account_id.to_owned(),
            organization: None,
            regions: BTreeMap::new(),
            faults: Vec::new(),
            unprocessed: Vec::new(),
            member_outcomes: Vec::new(),
            verification_reads: 0,
            scope_rules: ScopeRules::default(),
            stuck_paging: Vec::new(),
            iam_roles: Vec::new(),
            iam_users: Vec::new(),
            latency_ms: 0,
            now: None,
            next_investigation: 0,
        }
    }

    pub fn region(&self, region: &str) -> Option<&RegionState> {
        self.regions.get(region)
    }

    pub fn investigations(&self) -> impl Iterator<Item = &Investigation> {
        self.regions.values().flat_map(|region| region.investigations.iter())
    }

    /// The organization account with this id, if any.
    pub fn organization_account(&self, id: &str) -> Option<&Account> {
        self.organization
            .as_ref()
            .and_then(|organization| organization.accounts.iter().find(|account| account.id == id))
    }
}

const DEMO_STATE: &str = include_str!("../demo-state.json");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_state_loads() {
        let parsed = SandboxState::from_json("demo", DEMO_STATE);
        assert!(parsed.is_ok(), "{:?}", parsed.err());
    }

    #[test]
    fn graph_arns_off_the_model_pattern_are_refused() {
        let text = r#"{"caller_account_id": "111111111111", "regions": {"us-east-1": {"graphs": [
            {"arn": "arn:aws:detective:us-east-1:111111111111:graph:a"}]}}}"#;
        let error = SandboxState::from_json("t", text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.contains("graph:a\" does not match Detective's pattern"),
            "{error}"
        );
    }
}
