//! `autopilot status`: per region, who administers Detective, the graph and its settings,
//! who is a member and ingesting, what is not covered, and the ACTIVE investigations; then
//! one coverage line. Read-only, with the fewest calls: ListAccounts once; per region
//! ListGraphs, ListMembers, ListDatasourcePackages, DescribeOrganizationConfiguration,
//! BatchGetGraphMemberDatasources (200 members a call), ListInvestigations (ACTIVE).

mod render;
mod trails;
mod usage;

use std::collections::BTreeMap;

use futures_util::stream::{self, StreamExt};
use serde::Serialize;

use crate::aws::{
    single_graph, AdministratorPort, AwsError, DatasourcePort, GraphError, GraphPort, GraphSetupPort,
    InvestigationReportPort, InvitationPort, MemberPort, OrgAccount, OrganizationConfigPort, OrganizationPort,
    PackageStates,
};
use crate::domain::{AccountState, IngestState, MemberStatus};

pub use render::{render_member_table, render_table, render_usage};
pub use trails::{ManagementEvents, TrailPort, TrailRead, TrailStatus};
pub use usage::{read_usage, region_usage, summarize as summarize_usage, PriceTable, RegionUsage, UsageReport};

/// BatchGetGraphMemberDatasources takes at most this many accounts.
const DATASOURCE_BATCH: usize = 200;
const CONCURRENT_REGIONS: usize = 4;

/// An account by id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedAccount {
    pub id: String,
    pub name: String,
}

/// A member whose packages are not all being ingested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotIngesting {
    pub account_id: String,
    /// Package -> its state for this member (absent: no history for it).
    pub packages: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionStatus {
    pub region: String,
    /// The designated administrator (ListOrganizationAdminAccounts), when it could be read.
    pub administrator: Option<String>,
    /// Why the administrator is not known, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub administrator_unknown: Option<String>,
    pub graph_arn: Option<String>,
    pub auto_enable: Option<bool>,
    /// Package -> ingest state in the graph.
    pub packages: BTreeMap<String, String>,
    /// Member status -> how many.
    pub members_by_status: BTreeMap<String, usize>,
    /// ACTIVE organization accounts that are not ENABLED members (nor the administrator).
    pub not_enabled: Vec<NamedAccount>,
    pub not_ingesting: Vec<NotIngesting>,
    /// Members that are not accounts of the organization.
    pub outside_organization: Vec<String>,
    /// Severity -> how many ACTIVE investigations.
    pub active_investigations: BTreeMap<String, usize>,
    /// ACTIVE organization accounts monitored here (ENABLED members and the administrator).
    pub monitored: usize,
    pub active_accounts: usize,
    /// Whether a CloudTrail trail logs this account's management events here: EventBridge
    /// receives "AWS API Call via CloudTrail" events (tamper response, Organizations' calls)
    /// only then. None when not read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trail: Option<TrailStatus>,
    /// What could not be read: the region's coverage is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl RegionStatus {
    fn new(region: &str, active_accounts: usize) -> Self {
        Self {
            region: region.to_owned(),
            administrator: None,
            administrator_unknown: None,
            graph_arn: None,
            auto_enable: None,
            packages: BTreeMap::new(),
            members_by_status: BTreeMap::new(),
            not_enabled: Vec::new(),
            not_ingesting: Vec::new(),
            outside_organization: Vec::new(),
            active_investigations: BTreeMap::new(),
            monitored: 0,
            active_accounts,
            trail: None,
            error: None,
        }
    }

    /// Every ACTIVE account is monitored, ingesting every package the graph has on.
    pub fn covered(&self) -> bool {
        self.error.is_none()
            && self.graph_arn.is_some()
            && self.not_enabled.is_empty()
            && self.not_ingesting.is_empty()
            && self.monitored == self.active_accounts
    }

    pub fn coverage_line(&self) -> String {
        if let Some(error) = &self.error {
            return format!("{}: unknown, could not be read ({error})", self.region);
        }
        format!(
            "{}: {} of {} active accounts monitored{}",
            self.region,
            thousands(self.monitored),
            thousands(self.active_accounts),
            if self.graph_arn.is_none() {
                " (no behavior graph)"
            } else {
                ""
            }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusReport {
    pub regions: Vec<RegionStatus>,
    /// ACTIVE accounts monitored in every region.
    pub accounts_monitored_everywhere: usize,
    pub active_accounts: usize,
    /// Regions with a behavior graph.
    pub regions_with_graph: usize,
    /// Regions that could not be read: their coverage is unknown, never counted as covered.
    pub unread_regions: Vec<String>,
    pub covered: bool,
    pub summary: String,
}

/// 1187 -> "1,187".
pub fn thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        let left = digits.len() - index;
        if index > 0 && left / 3 * 3 == left {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Reads the status of `regions` with the administrator account's ports (`detective`,
/// `organizations`, `trails`) and, when given, the management account's (for the
/// designation).
pub async fn read_status<D, O, M, T>(
    detective: &D,
    organizations: &O,
    management: Option<&M>,
    trails: &T,
    regions: &[String],
) -> Result<StatusReport, AwsError>
where
    D: GraphPort + MemberPort + OrganizationConfigPort + GraphSetupPort + DatasourcePort + InvestigationReportPort,
    O: OrganizationPort,
    M: AdministratorPort,
    T: TrailPort,
{
    let accounts = organizations.list_accounts().await?;
    let active: Vec<&OrgAccount> = accounts
        .iter()
        .filter(|account| account.state == AccountState::Active)
        .collect();
    let mut statuses: Vec<RegionStatus> = stream::iter(regions.to_vec())
        .map(|region| {
            let accounts = &accounts;
            let active = &active;
            async move {
                let mut status = region_status(detective, management, &region, accounts, active).await;
                status.trail = Some(trails::trail_status(trails, &region).await);
                status
            }
        })
        .buffer_unordered(CONCURRENT_REGIONS)
        .collect()
        .await;
    statuses.sort_by(|a, b| a.region.cmp(&b.region));
    Ok(summarize(statuses, &active))
}

fn summarize(regions: Vec<RegionStatus>, active: &[&OrgAccount]) -> StatusReport {
    let unread: Vec<String> = regions
        .iter()
        .filter(|region| region.error.is_some())
        .map(|region| region.region.clone())
        .collect();
    // A region not read monitors no one as far as we know: never counted as covering.
    let everywhere = active
        .iter()
        .filter(|account| {
            regions.iter().all(|region| {
                region.error.is_none()
                    && region.graph_arn.is_some()
                    && !region.not_enabled.iter().any(|gap| gap.id == account.id)
            })
        })
        .count();
    let with_graph = regions
        .iter()
        .filter(|region| region.error.is_none() && region.graph_arn.is_some())
        .count();
    let covered = !regions.is_empty() && regions.iter().all(RegionStatus::covered);
    let mut summary = format!(
        "{} of {} active accounts monitored in {} of {} regions",
        thousands(everywhere),
        thousands(active.len()),
        with_graph,
        regions.len()
    );
    if !unread.is_empty() {
        summary.push_str(&format!("; not read, so unknown: {}", unread.join(", ")));
    }
    StatusReport {
        regions,
        accounts_monitored_everywhere: everywhere,
        active_accounts: active.len(),
        regions_with_graph: with_graph,
        unread_regions: unread,
        covered,
        summary,
    }
}

async fn region_status<D, M>(
    detective: &D,
    management: Option<&M>,
    region: &str,
    accounts: &[OrgAccount],
    active: &[&OrgAccount],
) -> RegionStatus
where
    D: GraphPort + MemberPort + OrganizationConfigPort + GraphSetupPort + DatasourcePort + InvestigationReportPort,
    M: AdministratorPort,
{
    let mut status = RegionStatus::new(region, active.len());
    match management {
        Some(management) => match management.list_organization_admin_accounts(region).await {
            Ok(admins) => {
                status.administrator = admins.first().map(|admin| admin.account_id.clone());
                if admins.is_empty() {
                    status.administrator_unknown = Some("none designated".to_owned());
                }
            }
            Err(error) => status.administrator_unknown = Some(error.to_string()),
        },
        None => {
            status.administrator_unknown =
                Some("ListOrganizationAdminAccounts is for the management account (--management-profile)".to_owned())
        }
    }
    if let Err(error) = read_graph(detective, region, accounts, active, &mut status).await {
        status.error = Some(error.to_string());
    }
    status
}

async fn read_graph<D>(
    detective: &D,
    region: &str,
    accounts: &[OrgAccount],
    active: &[&OrgAccount],
    status: &mut RegionStatus,
) -> Result<(), GraphError>
where
    D: GraphPort + MemberPort + OrganizationConfigPort + GraphSetupPort + DatasourcePort + InvestigationReportPort,
{
    let graph = match single_graph(detective, region).await {
        Ok(graph) => graph,
        Err(GraphError::NoGraph { .. }) => {
            status.not_enabled = active.iter().map(|account| named(account)).collect();
            return Ok(());
        }
        Err(error) => return Err(error),
    };
    status.graph_arn = Some(graph.arn.clone());
    let graph_packages = detective.list_datasource_packages(region, &graph.arn).await?;
    status.packages = names(&graph_packages);
    status.auto_enable = detective
        .describe_organization_configuration(region, &graph.arn)
        .await
        .ok();
    let members = detective.list_members(region, &graph.arn).await?;
    for member in &members {
        *status.members_by_status.entry(member.state().to_string()).or_default() += 1;
    }
    let enabled: Vec<&str> = members
        .iter()
        .filter(|member| member.status == MemberStatus::Enabled)
        .map(|member| member.account_id.as_str())
        .collect();
    let covers = |id: &str| id == graph.account_id || enabled.contains(&id);
    status.not_enabled = active
        .iter()
        .filter(|account| !covers(&account.id))
        .map(|account| named(account))
        .collect();
    status.monitored = active.len() - status.not_enabled.len();
    status.outside_organization = members
        .iter()
        .filter(|member| !accounts.iter().any(|account| account.id == member.account_id))
        .map(|member| member.account_id.clone())
        .collect();
    let started: Vec<_> = graph_packages
        .iter()
        .filter(|(_, state)| **state == IngestState::Started)
        .map(|(package, _)| package.clone())
        .collect();
    let enabled_ids: Vec<String> = enabled.iter().map(|id| (*id).to_owned()).collect();
    for batch in enabled_ids.chunks(DATASOURCE_BATCH) {
        let lookup = detective.member_datasources(region, &graph.arn, batch).await?;
        for member in lookup.found {
            let lagging: BTreeMap<String, String> = started
                .iter()
                .filter(|package| member.packages.get(*package) != Some(&IngestState::Started))
                .map(|package| {
                    let state = member
                        .packages
                        .get(package)
                        .map_or("no history".to_owned(), ToString::to_string);
                    (package.to_string(), state)
                })
                .collect();
            if !lagging.is_empty() {
                status.not_ingesting.push(NotIngesting {
                    account_id: member.account_id,
                    packages: lagging,
                });
            }
        }
    }
    for investigation in detective.active_investigations(region, &graph.arn).await? {
        *status.active_investigations.entry(investigation.severity).or_default() += 1;
    }
    Ok(())
}

fn named(account: &OrgAccount) -> NamedAccount {
    NamedAccount {
        id: account.id.clone(),
        name: account.name.clone().unwrap_or_default(),
    }
}

fn names(packages: &PackageStates) -> BTreeMap<String, String> {
    packages
        .iter()
        .map(|(package, state)| (package.to_string(), state.to_string()))
        .collect()
}

/// A member account's view (`--member`): its memberships and their data source state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub region: String,
    pub graph_arn: String,
    pub administrator_id: Option<String>,
    pub status: String,
    /// Package -> state for this account in that graph.
    pub packages: BTreeMap<String, String>,
}

/// ListInvitations, then BatchGetMembershipDatasources for the memberships, per region.
pub async fn read_memberships<D>(detective: &D, regions: &[String]) -> Result<Vec<Membership>, AwsError>
where
    D: InvitationPort + DatasourcePort,
{
    let mut memberships = Vec::new();
    for region in regions {
        let listed = detective.list_invitations(region).await?;
        let graphs: Vec<String> = listed
            .iter()
            .filter(|membership| membership.status != MemberStatus::Invited)
            .filter_map(|membership| membership.graph_arn.clone())
            .collect();
        let mut sources = BTreeMap::new();
        for batch in graphs.chunks(50) {
            for found in detective.membership_datasources(region, batch).await?.found {
                sources.insert(found.graph_arn.clone(), names(&found.packages));
            }
        }
        memberships.extend(listed.into_iter().map(|membership| {
            let graph_arn = membership.graph_arn.clone().unwrap_or_default();
            Membership {
                region: region.clone(),
                packages: sources.get(&graph_arn).cloned().unwrap_or_default(),
                graph_arn,
                status: membership.state().to_string(),
                administrator_id: membership.administrator_id,
            }
        }));
    }
    Ok(memberships)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str) -> OrgAccount {
        OrgAccount {
            joined: None,
            id: id.to_owned(),
            name: None,
            email: None,
            state: AccountState::Active,
        }
    }

    /// A region whose members could not be read is unknown: never covered, named.
    #[test]
    fn an_unread_region_is_unknown_never_covered() {
        let accounts = [account("111111111111"), account("222222222222")];
        let active: Vec<&OrgAccount> = accounts.iter().collect();
        let mut read = RegionStatus::new("eu-west-1", 2);
        read.graph_arn = Some("arn:aws:detective:eu-west-1:111111111111:graph:a".to_owned());
        read.monitored = 2;
        let mut unread = RegionStatus::new("us-east-1", 2);
        unread.graph_arn = Some("arn:aws:detective:us-east-1:111111111111:graph:a".to_owned());
        unread.error = Some("ListMembers failed: AccessDeniedException: no".to_owned());
        let report = summarize(vec![read, unread], &active);
        assert!(!report.covered);
        assert_eq!(report.accounts_monitored_everywhere, 0);
        assert_eq!(report.unread_regions, vec!["us-east-1".to_owned()]);
        assert_eq!(
            report.summary,
            "0 of 2 active accounts monitored in 1 of 2 regions; not read, so unknown: us-east-1"
        );
        assert_eq!(
            report.regions[1].coverage_line(),
            "us-east-1: unknown, could not be read (ListMembers failed: AccessDeniedException: no)"
        );
    }

    /// A trail that could not be read is unknown: its region is not named as one no trail
    /// logs, only the one read without any.
    #[test]
    fn only_a_region_read_without_a_trail_is_named_blind() {
        let accounts = [account("111111111111")];
        let active: Vec<&OrgAccount> = accounts.iter().collect();
        let region = |name: &str, trail: TrailStatus| {
            let mut status = RegionStatus::new(name, 1);
            status.trail = Some(trail);
            status
        };
        let unread = TrailStatus {
            logs_management_events: false,
            trails: Vec::new(),
            error: Some("DescribeTrails failed: AccessDeniedException: no".to_owned()),
        };
        let none = TrailStatus {
            logs_management_events: false,
            trails: Vec::new(),
            error: None,
        };
        let table = render_table(&summarize(
            vec![region("eu-west-1", unread), region("us-west-2", none)],
            &active,
        ));
        assert!(
            table.contains("trail            unknown (DescribeTrails failed: AccessDeniedException: no)"),
            "{table}"
        );
        assert!(
            table.contains("  no trail logs management events in us-west-2: "),
            "{table}"
        );
    }

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_187), "1,187");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
