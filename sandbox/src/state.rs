//! The sandbox's world: accounts, an organization, per-region Detective state, IAM roles,
//! and how Detective settles what it does not document. Loaded from and readable back as
//! JSON (format in the README).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::names::{
    indicator_problem, is_account_id, is_graph_arn, tag_key_problem, tag_value_problem, DATASOURCE_PACKAGES,
    INGEST_STATES, INVESTIGATION_STATES, INVESTIGATION_STATUSES, SEVERITIES, TAGS_MAX,
};

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

/// A region's Detective. In the state file each graph's settings (`tags`,
/// `datasource_packages`) are written in the graph's own object; here they are kept beside
/// the graphs, by ARN, so that `Graph { arn, auto_enable, members }` stays a complete value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(from = "RegionFile", into = "RegionFile")]
pub struct RegionState {
    /// The organization's Detective administrator here (EnableOrganizationAdminAccount): its
    /// graph is the organization behavior graph, and only it may read or change the
    /// organization configuration. None: Detective has no delegated administrator here.
    pub organization_admin_account_id: Option<String>,
    /// When it was designated (ListOrganizationAdminAccounts' DelegationTime).
    pub organization_admin_since: Option<DateTime<Utc>>,
    pub graphs: Vec<Graph>,
    /// Tags and data source packages of the graphs, by graph ARN; a graph not here has no
    /// tags and the default packages.
    pub graph_settings: BTreeMap<String, GraphSettings>,
    /// Invitations and memberships of the member accounts (ListInvitations).
    pub invitations: Vec<Invitation>,
    pub investigations: Vec<Investigation>,
    /// Results and progress of the investigations, by investigation id; in the state file
    /// they are written in the investigation's own object. An investigation not here has
    /// no indicators of its own and, while RUNNING, `investigation_results.running_reads`
    /// reads left.
    pub investigation_progress: BTreeMap<String, InvestigationProgress>,
}

impl RegionState {
    /// The settings of the graph `arn` (the defaults when it has none recorded).
    pub fn settings(&self, arn: &str) -> GraphSettings {
        self.graph_settings.get(arn).cloned().unwrap_or_default()
    }
}

/// `RegionState` as the state file writes it.
#[derive(Serialize, Deserialize)]
struct RegionFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    organization_admin_account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    organization_admin_since: Option<DateTime<Utc>>,
    #[serde(default)]
    graphs: Vec<GraphFile>,
    #[serde(default)]
    invitations: Vec<Invitation>,
    #[serde(default)]
    investigations: Vec<InvestigationFile>,
}

#[derive(Serialize, Deserialize)]
struct InvestigationFile {
    #[serde(flatten)]
    investigation: Investigation,
    #[serde(flatten)]
    progress: InvestigationProgress,
}

#[derive(Serialize, Deserialize)]
struct GraphFile {
    #[serde(flatten)]
    graph: Graph,
    #[serde(flatten)]
    settings: GraphSettings,
}

impl From<RegionFile> for RegionState {
    fn from(file: RegionFile) -> Self {
        let graph_settings = file
            .graphs
            .iter()
            .filter(|entry| entry.settings != GraphSettings::default())
            .map(|entry| (entry.graph.arn.clone(), entry.settings.clone()))
            .collect();
        let investigation_progress = file
            .investigations
            .iter()
            .filter(|entry| entry.progress != InvestigationProgress::default())
            .map(|entry| (entry.investigation.id.clone(), entry.progress.clone()))
            .collect();
        Self {
            organization_admin_account_id: file.organization_admin_account_id,
            organization_admin_since: file.organization_admin_since,
            graphs: file.graphs.into_iter().map(|entry| entry.graph).collect(),
            graph_settings,
            invitations: file.invitations,
            investigations: file
                .investigations
                .into_iter()
                .map(|entry| entry.investigation)
                .collect(),
            investigation_progress,
        }
    }
}

impl From<RegionState> for RegionFile {
    fn from(mut region: RegionState) -> Self {
        let graphs = region
            .graphs
            .into_iter()
            .map(|graph| GraphFile {
                settings: region.graph_settings.remove(&graph.arn).unwrap_or_default(),
                graph,
            })
            .collect();
        let investigations = region
            .investigations
            .into_iter()
            .map(|investigation| InvestigationFile {
                progress: region
                    .investigation_progress
                    .remove(&investigation.id)
                    .unwrap_or_default(),
                investigation,
            })
            .collect();
        Self {
            organization_admin_account_id: region.organization_admin_account_id,
            organization_admin_since: region.organization_admin_since,
            graphs,
            invitations: region.invitations,
            investigations,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    pub arn: String,
    #[serde(default)]
    pub auto_enable: bool,
    #[serde(default)]
    pub members: Vec<Member>,
}

/// A graph's tags and data source packages.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GraphSettings {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// DETECTIVE_CORE, EKS_AUDIT, ASFF_SECURITYHUB_FINDING: their state. Empty in a state
    /// file: a graph from before the optional packages were on by default (2022), so
    /// DETECTIVE_CORE STARTED since 2024-01-01 and the optional packages not listed. Graphs the
    /// sandbox creates start with every package (see `ensure_graph`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub datasource_packages: BTreeMap<String, PackageState>,
}

impl GraphSettings {
    /// The packages, the default when none are recorded.
    pub fn packages(&self) -> BTreeMap<String, PackageState> {
        if self.datasource_packages.is_empty() {
            BTreeMap::from([("DETECTIVE_CORE".to_owned(), PackageState::started(graph_epoch()))])
        } else {
            self.datasource_packages.clone()
        }
    }
}

/// A data source package of a graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageState {
    /// STARTED, STOPPED or DISABLED.
    pub state: String,
    /// Since when (LastIngestStateChange); 2024-01-01 when absent.
    #[serde(default = "graph_epoch")]
    pub since: DateTime<Utc>,
}

impl PackageState {
    pub fn started(since: DateTime<Utc>) -> Self {
        Self {
            state: "STARTED".to_owned(),
            since,
        }
    }
}

/// When the graphs of a state file began (their ListGraphs CreatedTime): 2024-01-01.
pub fn graph_epoch() -> DateTime<Utc> {
    DateTime::from_timestamp(1_704_067_200, 0).unwrap_or_default()
}

/// Data source ingest history: package, state, since when (MembershipDatasources'
/// DatasourcePackageIngestHistory).
pub type IngestHistory = BTreeMap<String, BTreeMap<String, DateTime<Utc>>>;

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
    /// Its data source history, per package (BatchGetGraphMemberDatasources), over what the
    /// graph's packages give an ENABLED member: each STARTED or STOPPED package in that
    /// state since the package's `since`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub datasources: IngestHistory,
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
    /// The member's data source history (BatchGetMembershipDatasources), per package, over
    /// what the graph's packages give an ENABLED membership.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub datasources: IngestHistory,
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
            datasources: IngestHistory::new(),
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

/// An investigation's own results and progress (in the state file, in its object).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InvestigationProgress {
    /// Its indicators (the API's Indicator JSON: `{"IndicatorType": ..., "IndicatorDetail":
    /// {...}}`); when absent, a SUCCESSFUL investigation has `investigation_results`'.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicators: Option<Vec<Value>>,
    /// GetInvestigation reads it still answers RUNNING; when absent, a RUNNING
    /// investigation starts counting from `investigation_results.running_reads`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running_reads_left: Option<u32>,
}

/// How investigations end. The sandbox has no clock of its own when `now` is fixed, so
/// reads stand in for time: a new investigation answers RUNNING to `running_reads`
/// GetInvestigation calls, then completes, at the next one, with `status` and `severity`.
/// A FAILED investigation completes INFORMATIONAL and without indicators (what Detective
/// shows for one is not documented).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvestigationResults {
    #[serde(default)]
    pub running_reads: u32,
    /// SUCCESSFUL (default) or FAILED.
    #[serde(default = "successful")]
    pub status: String,
    /// Of a SUCCESSFUL investigation: HIGH by default.
    #[serde(default = "high")]
    pub severity: String,
    /// Of a SUCCESSFUL investigation without its own; when absent, one or more indicators of
    /// every IndicatorType, with realistic detail of the investigated account
    /// (`detective::indicators::generated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicators: Option<Vec<Value>>,
}

impl Default for InvestigationResults {
    fn default() -> Self {
        Self {
            running_reads: 0,
            status: successful(),
            severity: high(),
            indicators: None,
        }
    }
}

impl InvestigationResults {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

fn successful() -> String {
    "SUCCESSFUL".to_owned()
}

fn high() -> String {
    "HIGH".to_owned()
}

/// An investigation's status, state and severity among the model's values, and its
/// indicators of the API's shape.
fn check_investigation(investigation: &Investigation, progress: Option<&InvestigationProgress>) -> Result<(), String> {
    let owner = format!("investigation {}", investigation.id);
    check_one_of(&owner, "status", &investigation.status, &INVESTIGATION_STATUSES)?;
    check_one_of(&owner, "state", &investigation.state, &INVESTIGATION_STATES)?;
    check_one_of(&owner, "severity", &investigation.severity, &SEVERITIES)?;
    if let Some(indicators) = progress.and_then(|progress| progress.indicators.as_ref()) {
        check_indicators(&owner, indicators)?;
    }
    Ok(())
}

fn check_results(results: &InvestigationResults) -> Result<(), String> {
    let owner = "investigation_results";
    check_one_of(owner, "status", &results.status, &["SUCCESSFUL", "FAILED"])?;
    check_one_of(owner, "severity", &results.severity, &SEVERITIES)?;
    match &results.indicators {
        Some(indicators) => check_indicators(owner, indicators),
        None => Ok(()),
    }
}

fn check_indicators(owner: &str, indicators: &[Value]) -> Result<(), String> {
    for (index, indicator) in indicators.iter().enumerate() {
        if let Some(problem) = indicator_problem(indicator) {
            return Err(format!("{owner}, indicators[{index}]: {problem}"));
        }
    }
    Ok(())
}

fn check_one_of(owner: &str, field: &str, value: &str, allowed: &[&str]) -> Result<(), String> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(format!("{owner}: {field} {value:?} is not one of {allowed:?}"))
    }
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

/// Tags and packages a graph could have: the model's TagKey, TagValue and TagMap, and its
/// package and state names.
fn check_settings(arn: &str, settings: &GraphSettings) -> Result<(), String> {
    if settings.tags.len() > TAGS_MAX {
        return Err(format!("graph {arn} has more than {TAGS_MAX} tags"));
    }
    for (key, value) in &settings.tags {
        if let Some(problem) = tag_key_problem(key).or_else(|| tag_value_problem(key, value)) {
            return Err(format!("graph {arn}: {problem}"));
        }
    }
    for (package, state) in &settings.datasource_packages {
        check_package(&format!("graph {arn}"), package)?;
        check_ingest_state(&format!("graph {arn}, package {package}"), &state.state)?;
    }
    Ok(())
}

fn check_history(owner: &str, history: &IngestHistory) -> Result<(), String> {
    for (package, states) in history {
        check_package(owner, package)?;
        for state in states.keys() {
            check_ingest_state(&format!("{owner}, package {package}"), state)?;
        }
    }
    Ok(())
}

fn check_package(owner: &str, package: &str) -> Result<(), String> {
    if DATASOURCE_PACKAGES.contains(&package) {
        Ok(())
    } else {
        Err(format!("{owner}: {package:?} is not one of {DATASOURCE_PACKAGES:?}"))
    }
}

fn check_ingest_state(owner: &str, state: &str) -> Result<(), String> {
    if INGEST_STATES.contains(&state) {
        Ok(())
    } else {
        Err(format!("{owner}: {state:?} is not one of {INGEST_STATES:?}"))
    }
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
                check_settings(&graph.arn, &region.settings(&graph.arn))?;
                for member in &graph.members {
                    check_history(
                        &format!("member {} of {}", member.account_id, graph.arn),
                        &member.datasources,
                    )?;
                }
            }
            for invitation in &region.invitations {
                check_history(
                    &format!("invitation to {}", invitation.graph_arn),
                    &invitation.datasources,
                )?;
            }
            for investigation in &region.investigations {
                check_investigation(investigation, region.investigation_progress.get(&investigation.id))?;
            }
        }
        check_results(&self.investigation_results)?;
        for trail in &self.trails {
            accounts.push(("trails[].account_id", trail.account_id.as_str()));
            check_one_of(
                &format!("trail {}", trail.name),
                "management_events",
                &trail.management_events,
                &["All", "WriteOnly", "ReadOnly", "None"],
            )?;
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

const DEMO_STATE: &str = include_str!("../demo-state.json");

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
