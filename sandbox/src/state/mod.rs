//! The sandbox's world: accounts, an organization, per-region Detective state, IAM roles,
//! and how Detective settles what it does not document. Loaded from and readable back as
//! JSON (format in the README).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod check;
mod investigation;
mod region;

pub use investigation::*;
pub use region::*;

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
    /// How an investigation ends: after how many GetInvestigation reads, with which status,
    /// severity and indicators.
    #[serde(default, skip_serializing_if = "InvestigationResults::is_default")]
    pub investigation_results: InvestigationResults,
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
    /// Calls that take effect but answer late: a caller stopped at its deadline meanwhile
    /// (Lambda ending the invocation) never learns what they did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slow_answers: Vec<SlowAnswer>,
    /// The sandbox's "now" (creation times); the real clock when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<DateTime<Utc>>,
    /// Next investigation number (ids are 21 digits, as Detective's are).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub next_investigation: u64,
    /// CloudTrail trails of the accounts (DescribeTrails, GetTrailStatus, GetEventSelectors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trails: Vec<Trail>,
    /// Reads during which ListGraphs still lists a graph DeleteGraph has queued for deletion
    /// (documented: "Disables the specified behavior graph and queues it to be deleted").
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub graph_deletion_reads: u32,
    /// Graphs DeleteGraph queued that ListGraphs still lists, each for its reads left.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queued_deletions: Vec<QueuedDeletion>,
    /// The sessions AssumeRole issued: access key id -> the session's ARN.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub assumed_sessions: BTreeMap<String, String>,
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
    /// Detective's delegated administrator in Organizations: registered when the management
    /// account designates another account Detective's administrator (documented), kept when
    /// that is disabled in a region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detective_delegated_administrator: Option<String>,
    /// The root's id (`r-...`): the parent of every unit and account that names none.
    #[serde(default = "root_id")]
    pub root_id: String,
    /// Organizational units, each under its parent (a unit or the root).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<Unit>,
}

fn root_id() -> String {
    "r-root".to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    /// `ou-<root>-<suffix>`.
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// A unit's id, or none for the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
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
    /// JoinedTimestamp, in epoch seconds.
    #[serde(default = "joined")]
    pub joined: f64,
    /// The unit the account is in; none for the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

impl Account {
    /// An account in the root, joined on the default date, untagged.
    pub fn new(id: &str, name: &str, email: &str, status: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            email: email.to_owned(),
            status: status.to_owned(),
            joined: joined(),
            parent: None,
            tags: BTreeMap::new(),
        }
    }
}

impl Organization {
    /// An organization with these accounts, no unit and no delegated administrator.
    pub fn new(id: &str, management_account_id: &str, accounts: Vec<Account>) -> Self {
        Self {
            id: id.to_owned(),
            management_account_id: management_account_id.to_owned(),
            accounts,
            delegated_administrators: Vec::new(),
            detective_delegated_administrator: None,
            root_id: root_id(),
            units: Vec::new(),
        }
    }
}

/// 2024-01-01T00:00:00Z.
fn joined() -> f64 {
    1_704_067_200.0
}

fn active() -> String {
    "ACTIVE".to_owned()
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

/// An operation whose answer comes `latency_ms` after the call has taken effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlowAnswer {
    /// The API operation, as named in the API reference (`CreateMembers`).
    pub operation: String,
    pub latency_ms: u64,
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

/// A graph deleted but still listed by ListGraphs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedDeletion {
    pub region: String,
    pub graph_arn: String,
    pub reads_left: u32,
}

/// A CloudTrail trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trail {
    /// Its owner.
    pub account_id: String,
    pub name: String,
    pub home_region: String,
    #[serde(default)]
    pub is_multi_region_trail: bool,
    /// The management account's trail of every account of the organization.
    #[serde(default)]
    pub is_organization_trail: bool,
    /// GetTrailStatus' IsLogging (default true).
    #[serde(default = "yes")]
    pub logging: bool,
    /// The management events it logs: All (default), WriteOnly, ReadOnly or None.
    #[serde(default = "all_events")]
    pub management_events: String,
}

fn yes() -> bool {
    true
}

fn all_events() -> String {
    "All".to_owned()
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
            investigation_results: InvestigationResults::default(),
            stuck_paging: Vec::new(),
            iam_roles: Vec::new(),
            iam_users: Vec::new(),
            latency_ms: 0,
            slow_answers: Vec::new(),
            now: None,
            next_investigation: 0,
            trails: Vec::new(),
            graph_deletion_reads: 0,
            queued_deletions: Vec::new(),
            assumed_sessions: BTreeMap::new(),
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

const DEMO_STATE: &str = include_str!("../../demo-state.json");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_state_loads() {
        let parsed = SandboxState::from_json("demo", DEMO_STATE);
        assert!(parsed.is_ok(), "{:?}", parsed.err());
    }

    const WITH_SETTINGS: &str = r#"{"caller_account_id": "111111111111", "regions": {"us-east-1": {
        "organization_admin_account_id": "111111111111", "organization_admin_since": "2025-03-01T00:00:00Z",
        "graphs": [{"arn": "arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef",
                    "tags": {"team": "security"},
                    "datasource_packages": {"DETECTIVE_CORE": {"state": "STARTED"},
                                            "EKS_AUDIT": {"state": "DISABLED", "since": "2025-01-01T00:00:00Z"}},
                    "members": [{"account_id": "222222222222", "status": "ENABLED",
                                 "datasources": {"EKS_AUDIT": {"STOPPED": "2025-02-01T00:00:00Z"}}}]},
                   {"arn": "arn:aws:detective:us-east-1:111111111111:graph:ffffffffffffffffffffffffffffffff"}],
        "invitations": [{"graph_arn": "arn:aws:detective:us-east-1:333333333333:graph:0123456789abcdef0123456789abcdef",
                         "administrator_id": "333333333333", "status": "ENABLED",
                         "datasources": {"DETECTIVE_CORE": {"STARTED": "2025-01-01T00:00:00Z"}}}]}}}"#;

    #[test]
    fn graph_settings_and_histories_load_and_write_back_in_the_graphs_object() {
        let parsed = SandboxState::from_json("t", WITH_SETTINGS);
        assert!(parsed.is_ok(), "{:?}", parsed.as_ref().err());
        let state = parsed.unwrap_or_else(|_| SandboxState::empty("111111111111"));
        let region = state.region("us-east-1").cloned().unwrap_or_default();
        let settings =
            region.settings("arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef");
        assert_eq!(settings.tags.get("team").map(String::as_str), Some("security"));
        assert_eq!(
            settings.packages().get("DETECTIVE_CORE"),
            Some(&PackageState::started(graph_epoch())),
            "since defaults to 2024-01-01"
        );
        assert_eq!(
            region.graph_settings.len(),
            1,
            "a graph without settings has none recorded"
        );
        let other = region.settings("arn:aws:detective:us-east-1:111111111111:graph:ffffffffffffffffffffffffffffffff");
        assert_eq!(other.packages().keys().collect::<Vec<_>>(), vec!["DETECTIVE_CORE"]);
        let written = serde_json::to_value(&state).unwrap_or_default();
        let graph = &written["regions"]["us-east-1"]["graphs"][0];
        assert_eq!(graph["tags"]["team"], "security");
        assert_eq!(graph["datasource_packages"]["EKS_AUDIT"]["state"], "DISABLED");
        assert_eq!(
            graph["members"][0]["datasources"]["EKS_AUDIT"]["STOPPED"],
            "2025-02-01T00:00:00Z"
        );
        assert!(written["regions"]["us-east-1"]["graphs"][1].get("tags").is_none());
        let reread = SandboxState::from_json("t", &written.to_string()).ok();
        assert_eq!(reread, Some(state), "the state survives a round trip");
    }

    #[test]
    fn packages_states_and_tags_off_the_model_are_refused() {
        for (from, to) in [
            (
                "\"EKS_AUDIT\": {\"state\": \"DISABLED\"",
                "\"EKS\": {\"state\": \"DISABLED\"",
            ),
            ("{\"state\": \"DISABLED\"", "{\"state\": \"PAUSED\""),
            ("{\"STOPPED\"", "{\"PAUSED\""),
            ("{\"DETECTIVE_CORE\": {\"STARTED\"", "{\"CORE\": {\"STARTED\""),
            ("\"team\"", "\"aws:team\""),
        ] {
            let text = WITH_SETTINGS.replacen(from, to, 1);
            assert_ne!(text, WITH_SETTINGS, "{from}");
            assert!(SandboxState::from_json("t", &text).is_err(), "{to}");
        }
    }

    const WITH_INVESTIGATIONS: &str = r#"{"caller_account_id": "111111111111",
        "investigation_results": {"running_reads": 2, "status": "FAILED"},
        "regions": {"us-east-1": {"investigations": [
            {"id": "000000000000000000007", "graph_arn": "arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef",
             "entity_arn": "arn:aws:iam::222222222222:role/r", "status": "RUNNING", "state": "ACTIVE",
             "created_time": "2026-01-01T00:00:00Z", "scope_start_time": "2026-01-01T00:00:00Z",
             "scope_end_time": "2026-01-01T01:00:00Z", "running_reads_left": 1,
             "indicators": [{"IndicatorType": "NEW_ASO", "IndicatorDetail": {"NewAsoDetail": {"Aso": "X"}}}]},
            {"id": "000000000000000000008", "graph_arn": "arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef",
             "entity_arn": "arn:aws:iam::222222222222:role/r", "status": "SUCCESSFUL", "state": "ACTIVE", "severity": "LOW",
             "created_time": "2026-01-01T00:00:00Z", "scope_start_time": "2026-01-01T00:00:00Z",
             "scope_end_time": "2026-01-01T01:00:00Z"}]}}}"#;

    #[test]
    fn investigation_results_and_progress_load_and_write_back_in_the_investigations_object() {
        let parsed = SandboxState::from_json("t", WITH_INVESTIGATIONS);
        assert!(parsed.is_ok(), "{:?}", parsed.as_ref().err());
        let state = parsed.unwrap_or_else(|_| SandboxState::empty("111111111111"));
        assert_eq!(state.investigation_results.running_reads, 2);
        assert_eq!(state.investigation_results.severity, "HIGH", "the default");
        let region = state.region("us-east-1").cloned().unwrap_or_default();
        let progress = region
            .investigation_progress
            .get("000000000000000000007")
            .cloned()
            .unwrap_or_default();
        assert_eq!(progress.running_reads_left, Some(1));
        assert_eq!(progress.indicators.map(|i| i.len()), Some(1));
        assert_eq!(region.investigation_progress.len(), 1);
        let written = serde_json::to_value(&state).unwrap_or_default();
        assert_eq!(
            written["regions"]["us-east-1"]["investigations"][0]["running_reads_left"],
            1
        );
        assert!(written["regions"]["us-east-1"]["investigations"][1]
            .get("indicators")
            .is_none());
        let reread = SandboxState::from_json("t", &written.to_string()).ok();
        assert_eq!(reread, Some(state), "the state survives a round trip");
        assert!(serde_json::to_value(SandboxState::empty("111111111111"))
            .unwrap_or_default()
            .get("investigation_results")
            .is_none());
    }

    #[test]
    fn investigation_values_and_indicators_off_the_model_are_refused() {
        for (from, to) in [
            ("\"NEW_ASO\"", "\"NEW_ISP\""),
            ("{\"NewAsoDetail\"", "{\"NewUserAgentDetail\""),
            ("\"status\": \"FAILED\"", "\"status\": \"RUNNING\""),
            ("\"severity\": \"LOW\"", "\"severity\": \"SEVERE\""),
            ("\"state\": \"ACTIVE\"", "\"state\": \"OPEN\""),
        ] {
            let text = WITH_INVESTIGATIONS.replacen(from, to, 1);
            assert_ne!(text, WITH_INVESTIGATIONS, "{from}");
            assert!(SandboxState::from_json("t", &text).is_err(), "{to}");
        }
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
