//! `autopilot status --usage`: what each member sends Detective, per region and package,
//! the graph against its limits, and what it is estimated to cost. Reads: ListAccounts
//! once; per region ListGraphs and ListMembers (VolumeUsageByDatasourcePackage and
//! DatasourcePackageIngestStates come with each member).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};
use serde::Serialize;

use super::NamedAccount;
use crate::aws::{
    single_graph, AwsError, GraphError, GraphPort, MemberDetail, MemberPort, OrgAccount, OrganizationPort,
};
use crate::domain::{AccountState, DisabledReason, MemberStatus};
use crate::enroll::{capacity, LeftOut, VOLUME_LIMIT_BYTES_PER_DAY};

/// Regions read at once: each is its own endpoint.
const CONCURRENT_REGIONS: usize = 32;
/// Accounts in the report's top list.
const TOP: usize = 10;
/// Detective projects a month as 30 days of the daily average (its User Guide, "How Amazon
/// Detective calculates projected cost").
const DAYS_PER_MONTH: f64 = 30.0;
/// AWS bills a GB as 2^30 bytes.
const BYTES_PER_GB: f64 = 1_073_741_824.0;

/// Dollars per GB ingested in a month, by tier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceTable {
    /// (GB in the tier, or None for all the rest; USD per GB).
    pub tiers: Vec<(Option<f64>, f64)>,
    pub source: String,
}

impl PriceTable {
    /// Amazon Detective's published tiers for US East (N. Virginia) at
    /// aws.amazon.com/detective/pricing, as this project last knew them on 2026-12-04 (not
    /// re-read that day: the build machine has no network). Other regions and later
    /// changes differ: `--price-per-gb` overrides them.
    pub fn published() -> Self {
        Self {
            tiers: vec![
                (Some(1_000.0), 2.00),
                (Some(4_000.0), 1.00),
                (Some(5_000.0), 0.50),
                (None, 0.25),
            ],
            source: "aws.amazon.com/detective/pricing, US East (N. Virginia), as last known on 2026-12-04 (check it; --price-per-gb overrides): $2.00/GB for the first 1,000 GB a month, $1.00 for the next 4,000, $0.50 for the next 5,000, $0.25 beyond; free trials and other regions not counted".to_owned(),
        }
    }

    /// One price for every GB (`--price-per-gb`).
    pub fn flat(usd_per_gb: f64) -> Self {
        Self {
            tiers: vec![(None, usd_per_gb)],
            source: format!("--price-per-gb {usd_per_gb}"),
        }
    }

    /// The month's cost of `gb`, tier by tier.
    pub fn monthly_cost(&self, gb: f64) -> f64 {
        let mut left = gb.max(0.0);
        let mut cost = 0.0;
        for (size, price) in &self.tiers {
            let here = size.map_or(left, |size| left.min(size));
            cost += here * price;
            left -= here;
            if left <= 0.0 {
                break;
            }
        }
        cost
    }
}

fn gb_per_month(bytes_per_day: u64) -> f64 {
    bytes_per_day as f64 * DAYS_PER_MONTH / BYTES_PER_GB
}

/// One package of one member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageUsage {
    pub package: String,
    pub bytes_per_day: u64,
    /// When Detective measured it.
    pub updated: Option<DateTime<Utc>>,
    /// DatasourcePackageIngestStates: STARTED, STOPPED, DISABLED; None when not given.
    pub ingest_state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberUsage {
    pub account_id: String,
    pub name: Option<String>,
    /// Status, with its DisabledReason.
    pub status: String,
    pub bytes_per_day: u64,
    pub packages: Vec<PackageUsage>,
    /// The member's share of the graph's estimated monthly cost, by volume.
    pub monthly_cost_usd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionUsage {
    pub region: String,
    pub graph_arn: Option<String>,
    /// Largest first.
    pub members: Vec<MemberUsage>,
    /// The ENABLED members' volume: what counts against the limit.
    pub bytes_per_day: u64,
    pub limit_bytes_per_day: u64,
    pub percent_of_limit: f64,
    pub member_count: usize,
    pub member_quota: usize,
    /// ACCEPTED_BUT_DISABLED for volume (VOLUME_TOO_HIGH, VOLUME_UNKNOWN).
    pub disabled_for_volume: Vec<String>,
    /// ACTIVE accounts that are not members while the graph is full, and why.
    pub left_out: Vec<NamedAccount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_out_because: Option<String>,
    pub monthly_cost_usd: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopAccount {
    pub account_id: String,
    pub name: Option<String>,
    /// Over every region read.
    pub bytes_per_day: u64,
    pub monthly_cost_usd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageReport {
    pub regions: Vec<RegionUsage>,
    pub top_accounts: Vec<TopAccount>,
    pub bytes_per_day: u64,
    pub monthly_cost_usd: f64,
    pub prices: PriceTable,
    /// What the figures leave out.
    pub notes: Vec<String>,
}

/// One region's usage from its members (pure).
pub fn region_usage(
    region: &str,
    graph: &crate::aws::arn::GraphArn,
    members: &[MemberDetail],
    active: &[&OrgAccount],
    quota: usize,
    prices: &PriceTable,
) -> RegionUsage {
    let names: BTreeMap<&str, Option<String>> = active
        .iter()
        .map(|account| (account.id.as_str(), account.name.clone()))
        .collect();
    let counted = |member: &MemberDetail| member.status == MemberStatus::Enabled;
    let bytes_per_day = members
        .iter()
        .filter(|member| counted(member))
        .filter_map(|member| member.usage.bytes_per_day())
        .fold(0u64, u64::saturating_add);
    let monthly_cost_usd = prices.monthly_cost(gb_per_month(bytes_per_day));
    let share = |bytes: u64| {
        if bytes_per_day == 0 {
            0.0
        } else {
            monthly_cost_usd * bytes as f64 / bytes_per_day as f64
        }
    };
    let mut rows: Vec<MemberUsage> = members
        .iter()
        .map(|member| {
            let bytes = member.usage.bytes_per_day().unwrap_or(0);
            MemberUsage {
                account_id: member.account_id.clone(),
                name: names.get(member.account_id.as_str()).cloned().flatten(),
                status: member.state().to_string(),
                bytes_per_day: bytes,
                packages: packages(member),
                monthly_cost_usd: if counted(member) { share(bytes) } else { 0.0 },
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.bytes_per_day
            .cmp(&a.bytes_per_day)
            .then(a.account_id.cmp(&b.account_id))
    });
    let room = capacity(graph, members, quota);
    let listed: Vec<&str> = members.iter().map(|member| member.account_id.as_str()).collect();
    let left_out: Vec<NamedAccount> = if room.free == 0 {
        active
            .iter()
            .filter(|account| account.id != graph.account_id && !listed.contains(&account.id.as_str()))
            .map(|account| super::named(account))
            .collect()
    } else {
        Vec::new()
    };
    RegionUsage {
        region: region.to_owned(),
        graph_arn: Some(graph.arn.clone()),
        members: rows,
        bytes_per_day,
        limit_bytes_per_day: VOLUME_LIMIT_BYTES_PER_DAY,
        percent_of_limit: bytes_per_day as f64 * 100.0 / VOLUME_LIMIT_BYTES_PER_DAY as f64,
        member_count: listed.iter().filter(|id| **id != graph.account_id).count(),
        member_quota: quota,
        disabled_for_volume: members
            .iter()
            .filter(|member| {
                matches!(
                    member.disabled_reason,
                    Some(DisabledReason::VolumeTooHigh | DisabledReason::VolumeUnknown)
                )
            })
            .map(|member| member.account_id.clone())
            .collect(),
        left_out_because: (!left_out.is_empty()).then(|| match room.full {
            LeftOut::MemberQuota { quota } => format!("the graph has its {quota} members"),
            other => other.to_string(),
        }),
        left_out,
        monthly_cost_usd,
        error: None,
    }
}

fn packages(member: &MemberDetail) -> Vec<PackageUsage> {
    let mut rows: Vec<PackageUsage> = member
        .usage
        .volumes
        .iter()
        .map(|volume| PackageUsage {
            package: volume.package.to_string(),
            bytes_per_day: volume.bytes_per_day,
            updated: volume.updated,
            ingest_state: None,
        })
        .collect();
    for (package, state) in &member.usage.ingest_states {
        match rows.iter_mut().find(|row| row.package == package.as_str()) {
            Some(row) => row.ingest_state = Some(state.to_string()),
            None => rows.push(PackageUsage {
                package: package.to_string(),
                bytes_per_day: 0,
                updated: None,
                ingest_state: Some(state.to_string()),
            }),
        }
    }
    rows
}

/// The regions together: the top accounts and the totals (pure).
pub fn summarize(regions: Vec<RegionUsage>, prices: PriceTable) -> UsageReport {
    let mut by_account: BTreeMap<String, TopAccount> = BTreeMap::new();
    for member in regions.iter().flat_map(|region| &region.members) {
        let top = by_account
            .entry(member.account_id.clone())
            .or_insert_with(|| TopAccount {
                account_id: member.account_id.clone(),
                name: member.name.clone(),
                bytes_per_day: 0,
                monthly_cost_usd: 0.0,
            });
        top.bytes_per_day = top.bytes_per_day.saturating_add(member.bytes_per_day);
        top.monthly_cost_usd += member.monthly_cost_usd;
    }
    let mut top_accounts: Vec<TopAccount> = by_account.into_values().collect();
    top_accounts.sort_by(|a, b| {
        b.bytes_per_day
            .cmp(&a.bytes_per_day)
            .then(a.account_id.cmp(&b.account_id))
    });
    top_accounts.truncate(TOP);
    UsageReport {
        bytes_per_day: regions
            .iter()
            .map(|region| region.bytes_per_day)
            .fold(0, u64::saturating_add),
        monthly_cost_usd: regions.iter().map(|region| region.monthly_cost_usd).sum(),
        regions,
        top_accounts,
        prices,
        notes: vec![
            "ListMembers does not list the administrator account: its own ingest is not counted".to_owned(),
            "a month is 30 days of the latest daily volume, as Detective projects it; tiers are applied per graph"
                .to_owned(),
        ],
    }
}

/// Reads every region's members and builds the report.
pub async fn read_usage<D, O>(
    detective: &D,
    organizations: &O,
    regions: &[String],
    quota: usize,
    prices: PriceTable,
) -> Result<UsageReport, AwsError>
where
    D: GraphPort + MemberPort,
    O: OrganizationPort,
{
    let accounts = organizations.list_accounts().await?;
    let active: Vec<&OrgAccount> = accounts
        .iter()
        .filter(|account| account.state == AccountState::Active)
        .collect();
    let prices_ref = &prices;
    let active_ref = &active;
    let mut read: Vec<RegionUsage> = stream::iter(regions.to_vec())
        .map(|region| async move {
            match read_region(detective, &region).await {
                Ok(Some((graph, members))) => region_usage(&region, &graph, &members, active_ref, quota, prices_ref),
                Ok(None) => unread(&region, None),
                Err(error) => unread(&region, Some(error.to_string())),
            }
        })
        .buffer_unordered(CONCURRENT_REGIONS)
        .collect()
        .await;
    read.sort_by(|a, b| a.region.cmp(&b.region));
    Ok(summarize(read, prices))
}

async fn read_region<D: GraphPort + MemberPort>(
    detective: &D,
    region: &str,
) -> Result<Option<(crate::aws::arn::GraphArn, Vec<MemberDetail>)>, GraphError> {
    let graph = match single_graph(detective, region).await {
        Ok(graph) => graph,
        Err(GraphError::NoGraph { .. }) => return Ok(None),
        Err(error) => return Err(error),
    };
    let members = detective.list_members(region, &graph.arn).await?;
    Ok(Some((graph, members)))
}

/// A region with no graph, or one that could not be read.
fn unread(region: &str, error: Option<String>) -> RegionUsage {
    RegionUsage {
        region: region.to_owned(),
        graph_arn: None,
        members: Vec::new(),
        bytes_per_day: 0,
        limit_bytes_per_day: VOLUME_LIMIT_BYTES_PER_DAY,
        percent_of_limit: 0.0,
        member_count: 0,
        member_quota: 0,
        disabled_for_volume: Vec::new(),
        left_out: Vec::new(),
        left_out_because: None,
        monthly_cost_usd: 0.0,
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::arn::GraphArn;
    use crate::aws::PackageVolume;
    use crate::domain::{DatasourcePackage, IngestState, InvitationType};

    const ADMIN: &str = "111111111111";

    fn graph() -> GraphArn {
        GraphArn::parse(&format!(
            "arn:aws:detective:us-east-1:{ADMIN}:graph:0123456789abcdef0123456789abcdef"
        ))
        .unwrap_or_else(|| unreachable!("a valid ARN"))
    }

    fn member(id: &str, status: MemberStatus, core: u64, eks: u64) -> MemberDetail {
        MemberDetail {
            account_id: id.into(),
            email: None,
            graph_arn: None,
            administrator_id: None,
            status,
            invitation_type: Some(InvitationType::Organization),
            disabled_reason: None,
            usage: crate::aws::MemberUsage {
                volumes: vec![
                    PackageVolume {
                        package: DatasourcePackage::DetectiveCore,
                        bytes_per_day: core,
                        updated: DateTime::from_timestamp(1_764_000_000, 0),
                    },
                    PackageVolume {
                        package: DatasourcePackage::EksAudit,
                        bytes_per_day: eks,
                        updated: DateTime::from_timestamp(1_764_000_000, 0),
                    },
                ],
                ingest_states: vec![
                    (DatasourcePackage::DetectiveCore, IngestState::Started),
                    (DatasourcePackage::AsffSecurityhubFinding, IngestState::Stopped),
                ],
            },
        }
    }

    fn account(id: &str) -> OrgAccount {
        OrgAccount {
            id: id.into(),
            name: Some(format!("name-{id}")),
            email: None,
            state: AccountState::Active,
            joined: None,
        }
    }

    const GIB: u64 = 1 << 30;

    #[test]
    fn tiers_are_applied_in_order_and_a_flat_price_overrides_them() {
        let published = PriceTable::published();
        assert_eq!(published.monthly_cost(500.0), 1_000.0);
        assert_eq!(published.monthly_cost(1_500.0), 2_000.0 + 500.0);
        assert_eq!(published.monthly_cost(12_000.0), 2_000.0 + 4_000.0 + 2_500.0 + 500.0);
        assert_eq!(PriceTable::flat(1.5).monthly_cost(100.0), 150.0);
    }

    #[test]
    fn a_region_reports_each_member_by_package_the_graph_against_its_limit_and_the_cost_shares() {
        let members = [
            member("222222222222", MemberStatus::Enabled, 10 * GIB, 0),
            member("333333333333", MemberStatus::Enabled, 20 * GIB, 10 * GIB),
            MemberDetail {
                disabled_reason: Some(DisabledReason::VolumeTooHigh),
                ..member("444444444444", MemberStatus::AcceptedButDisabled, 900 * GIB, 0)
            },
        ];
        let active = [
            account("222222222222"),
            account("333333333333"),
            account("444444444444"),
        ];
        let active: Vec<&OrgAccount> = active.iter().collect();
        let usage = region_usage("us-east-1", &graph(), &members, &active, 1_200, &PriceTable::flat(1.0));
        assert_eq!(usage.bytes_per_day, 40 * GIB, "the disabled member does not count");
        // 40 GiB a day is 1,200 GB a month at $1.
        assert!((usage.monthly_cost_usd - 1_200.0).abs() < 1e-6);
        let ids: Vec<&str> = usage.members.iter().map(|m| m.account_id.as_str()).collect();
        assert_eq!(ids, ["444444444444", "333333333333", "222222222222"], "largest first");
        assert!((usage.members[1].monthly_cost_usd - 900.0).abs() < 1e-6);
        assert_eq!(usage.members[0].monthly_cost_usd, 0.0);
        assert_eq!(usage.members[1].name.as_deref(), Some("name-333333333333"));
        assert_eq!(
            usage.members[1].packages,
            vec![
                PackageUsage {
                    package: "DETECTIVE_CORE".into(),
                    bytes_per_day: 20 * GIB,
                    updated: DateTime::from_timestamp(1_764_000_000, 0),
                    ingest_state: Some("STARTED".into()),
                },
                PackageUsage {
                    package: "EKS_AUDIT".into(),
                    bytes_per_day: 10 * GIB,
                    updated: DateTime::from_timestamp(1_764_000_000, 0),
                    ingest_state: None,
                },
                PackageUsage {
                    package: "ASFF_SECURITYHUB_FINDING".into(),
                    bytes_per_day: 0,
                    updated: None,
                    ingest_state: Some("STOPPED".into()),
                },
            ]
        );
        assert_eq!(usage.disabled_for_volume, ["444444444444"]);
        assert!(usage.left_out.is_empty(), "room left: nobody is left out by the quota");
        let full = region_usage("us-east-1", &graph(), &members[..2], &active, 2, &PriceTable::flat(1.0));
        assert_eq!(
            full.left_out.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
            ["444444444444"]
        );
        assert_eq!(full.left_out_because.as_deref(), Some("the graph has its 2 members"));
    }

    #[test]
    fn the_top_accounts_add_up_their_regions() {
        let active = [account("222222222222"), account("333333333333")];
        let active: Vec<&OrgAccount> = active.iter().collect();
        let prices = PriceTable::flat(1.0);
        let east = region_usage(
            "us-east-1",
            &graph(),
            &[
                member("222222222222", MemberStatus::Enabled, GIB, 0),
                member("333333333333", MemberStatus::Enabled, 3 * GIB, 0),
            ],
            &active,
            1_200,
            &prices,
        );
        let west = region_usage(
            "us-west-2",
            &graph(),
            &[member("222222222222", MemberStatus::Enabled, 5 * GIB, 0)],
            &active,
            1_200,
            &prices,
        );
        let report = summarize(vec![east, west], prices);
        assert_eq!(report.bytes_per_day, 9 * GIB);
        assert_eq!(
            report
                .top_accounts
                .iter()
                .map(|top| (top.account_id.as_str(), top.bytes_per_day))
                .collect::<Vec<_>>(),
            [("222222222222", 6 * GIB), ("333333333333", 3 * GIB)]
        );
        assert!((report.monthly_cost_usd - 270.0).abs() < 1e-6);
    }
}
