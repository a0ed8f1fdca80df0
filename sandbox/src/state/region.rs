//! A region's Detective: its graphs with their settings and members, and the invitations
//! its accounts hold, as the state file writes them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Investigation, InvestigationProgress};

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
    /// Bytes a day per data source package (VolumeUsageByDatasourcePackage); when empty,
    /// DETECTIVE_CORE alone with `volume_usage_bytes`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub volume_by_package: BTreeMap<String, i64>,
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
    /// Bytes a day per package, as VolumeUsageByDatasourcePackage gives them.
    pub fn volumes(&self) -> BTreeMap<String, i64> {
        if self.volume_by_package.is_empty() {
            BTreeMap::from([(
                "DETECTIVE_CORE".to_owned(),
                self.volume_usage_bytes.unwrap_or(1_048_576),
            )])
        } else {
            self.volume_by_package.clone()
        }
    }

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
