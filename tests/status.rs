//! `autopilot status`'s reading: every category of gap, the exact report, and the fewest calls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;

use sandbox::{Sandbox, SandboxState};
use shared::aws::{local_sdk_config_as, AwsError, SdkDetective, SdkOrganizations};
use shared::status::{read_memberships, read_status, render_table, ManagementEvents, TrailPort, TrailRead};

const GAPS: &str = include_str!("fixtures/status-gaps.json");

/// CloudTrail as these tests want it (the CLI's adapter is checked against the sandbox by
/// cli/tests and the organization simulation): an organization trail logging every
/// region's management events but us-west-2's, where no trail is.
struct Trails;

impl TrailPort for Trails {
    async fn trails(&self, region: &str) -> Result<Vec<TrailRead>, AwsError> {
        Ok(match region {
            "us-west-2" => Vec::new(),
            _ => vec![TrailRead {
                arn: "arn:aws:cloudtrail:us-east-1:999999999999:trail/organization".to_owned(),
                is_logging: true,
                management_events: ManagementEvents::All,
            }],
        })
    }
}

async fn status(sandbox: &Sandbox, regions: &[&str]) -> shared::status::StatusReport {
    let admin = local_sdk_config_as(
        &sandbox.endpoint(),
        "us-east-1",
        &sandbox::access_key_for("111111111111"),
    )
    .await;
    let management = local_sdk_config_as(
        &sandbox.endpoint(),
        "us-east-1",
        &sandbox::access_key_for("999999999999"),
    )
    .await;
    let regions: Vec<String> = regions.iter().map(|region| (*region).to_owned()).collect();
    read_status(
        &SdkDetective::new(&admin),
        &SdkOrganizations::new(&admin),
        Some(&SdkDetective::new(&management)),
        &Trails,
        &regions,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn every_kind_of_gap_is_reported_and_the_organization_is_not_covered() {
    let sandbox = Sandbox::start(SandboxState::from_json("gaps", GAPS).unwrap())
        .await
        .unwrap();
    let report = status(&sandbox, &["us-east-1", "us-west-2"]).await;
    assert!(!report.covered);
    assert_eq!(
        render_table(&report),
        "\
us-east-1
  administrator    111111111111
  graph            arn:aws:detective:us-east-1:111111111111:graph:a1b2c3d4e5f60718293a4b5c6d7e8f90
  auto-enable      true
  data sources     DETECTIVE_CORE STARTED, EKS_AUDIT STARTED
  members          ACCEPTED_BUT_DISABLED (VOLUME_TOO_HIGH) 1, ENABLED 4
  not enabled      444444444444 (data), 555555555555 (new)
  not ingesting    333333333333 (EKS_AUDIT STOPPED)
  outside the org  888888888888
  investigations   CRITICAL 1, HIGH 1
  trail            logging management events (arn:aws:cloudtrail:us-east-1:999999999999:trail/organization)

us-west-2
  administrator    unknown (none designated)
  graph            none
  auto-enable      unknown
  data sources     none
  members          none
  not enabled      999999999999 (management), 111111111111 (security), 222222222222 (dev), 333333333333 (prod), 444444444444 (data), 555555555555 (new)
  not ingesting    none
  outside the org  none
  investigations   none
  trail            NONE logs management events here: Detective's calls (tamper response) and Organizations' API calls never reach EventBridge

coverage
  us-east-1: 4 of 6 active accounts monitored
  us-west-2: 0 of 6 active accounts monitored (no behavior graph)
  overall: 0 of 6 active accounts monitored in 1 of 2 regions
  no trail logs management events in us-west-2: calls that weaken Detective there are never alerted
"
    );
}

#[tokio::test]
async fn status_reads_with_the_fewest_calls() {
    let sandbox = Sandbox::start(SandboxState::from_json("gaps", GAPS).unwrap())
        .await
        .unwrap();
    status(&sandbox, &["us-east-1", "us-west-2"]).await;
    let mut calls: BTreeMap<String, usize> = BTreeMap::new();
    for record in sandbox.requests() {
        *calls
            .entry(format!("{} {}", record.operation, record.region))
            .or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = [
        // Organizations is global: once.
        ("ListAccounts us-east-1", 1),
        ("ListOrganizationAdminAccounts us-east-1", 1),
        ("ListOrganizationAdminAccounts us-west-2", 1),
        ("ListGraphs us-east-1", 1),
        ("ListGraphs us-west-2", 1),
        // Only where there is a graph.
        ("ListDatasourcePackages us-east-1", 1),
        ("DescribeOrganizationConfiguration us-east-1", 1),
        ("ListMembers us-east-1", 1),
        // Up to 200 members a call.
        ("BatchGetGraphMemberDatasources us-east-1", 1),
        ("ListInvestigations us-east-1", 1),
    ]
    .into_iter()
    .map(|(call, count)| (call.to_owned(), count))
    .collect();
    assert_eq!(calls, expected);
    assert!(
        sandbox
            .requests()
            .iter()
            .all(|record| record.operation.starts_with("List")
                || record.operation.starts_with("Describe")
                || record.operation.starts_with("BatchGet")),
        "status never writes"
    );
}

/// A region whose members cannot be read is unknown, never covered; the overall line names it.
#[tokio::test]
async fn a_region_that_cannot_be_read_is_unknown_not_covered() {
    let mut state = SandboxState::from_json("gaps", GAPS).unwrap();
    state.faults.push(sandbox::Fault {
        operation: "ListMembers".into(),
        error: "AccessDeniedException".into(),
        times: None,
        region: Some("us-east-1".into()),
    });
    let sandbox = Sandbox::start(state).await.unwrap();
    let report = status(&sandbox, &["us-east-1"]).await;
    assert!(!report.covered);
    assert_eq!(report.unread_regions, ["us-east-1"]);
    assert_eq!(report.accounts_monitored_everywhere, 0);
    let table = render_table(&report);
    assert!(
        table.contains("  us-east-1: unknown, could not be read (ListMembers failed: AccessDeniedException"),
        "{table}"
    );
    assert!(
        table
            .contains("  overall: 0 of 6 active accounts monitored in 0 of 1 regions; not read, so unknown: us-east-1"),
        "{table}"
    );
}

#[tokio::test]
async fn a_fully_covered_organization_is_covered() {
    let mut state = SandboxState::from_json("gaps", GAPS).unwrap();
    state.regions.remove("us-west-2");
    let graph = &mut state.regions.get_mut("us-east-1").unwrap().graphs[0];
    graph.members.retain(|member| member.account_id != "888888888888");
    for member in &mut graph.members {
        member.status = "ENABLED".into();
        member.disabled_reason = None;
    }
    graph
        .members
        .push(sandbox::Member::new("555555555555", "new@example.com", "ENABLED"));
    let member_333 = graph
        .members
        .iter_mut()
        .find(|member| member.account_id == "333333333333")
        .unwrap();
    let mut fixed: serde_json::Value = serde_json::to_value(&*member_333).unwrap();
    fixed.as_object_mut().unwrap().remove("datasources");
    *member_333 = serde_json::from_value(fixed).unwrap();
    let sandbox = Sandbox::start(state).await.unwrap();
    let report = status(&sandbox, &["us-east-1"]).await;
    assert!(report.covered, "{}", render_table(&report));
    assert_eq!(report.summary, "6 of 6 active accounts monitored in 1 of 1 regions");
}

#[tokio::test]
async fn a_member_account_sees_its_memberships_and_their_data_sources() {
    let mut state = SandboxState::demo();
    state.regions.get_mut("us-east-1").unwrap().invitations[0].status = "ENABLED".into();
    let sandbox = Sandbox::start(state).await.unwrap();
    let member = local_sdk_config_as(&sandbox.endpoint(), "us-east-1", "sandbox").await;
    let memberships = read_memberships(&SdkDetective::new(&member), &["us-east-1".to_owned()])
        .await
        .unwrap();
    let statuses: Vec<(String, String)> = memberships
        .iter()
        .map(|membership| {
            (
                membership.administrator_id.clone().unwrap_or_default(),
                membership.status.clone(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("777777777777".to_owned(), "ENABLED".to_owned()),
            ("666666666666".to_owned(), "INVITED".to_owned())
        ]
    );
    assert_eq!(
        memberships[0].packages.iter().collect::<Vec<_>>(),
        [(&"DETECTIVE_CORE".to_owned(), &"STARTED".to_owned())]
    );
    assert!(
        memberships[1].packages.is_empty(),
        "an invitation has no data sources yet"
    );
    let calls: Vec<(String, serde_json::Value)> = sandbox
        .requests()
        .iter()
        .map(|record| (record.operation.clone(), record.parameters.clone()))
        .collect();
    assert_eq!(
        calls,
        [
            ("ListInvitations".to_owned(), serde_json::json!({})),
            (
                "BatchGetMembershipDatasources".to_owned(),
                serde_json::json!({"GraphArns": ["arn:aws:detective:us-east-1:777777777777:graph:0f1e2d3c4b5a69788796a5b4c3d2e1f0"]})
            )
        ],
        "only the memberships' graphs"
    );
}

/// `status --usage`: the figures are Detective's (ListMembers' VolumeUsageByDatasourcePackage
/// and DatasourcePackageIngestStates), with three kinds of call and no write.
#[tokio::test]
async fn usage_is_read_from_list_members_per_package_with_the_graphs_limit_and_cost() {
    let mut state = SandboxState::from_json("gaps", GAPS).unwrap();
    let graph = &mut state.regions.get_mut("us-east-1").unwrap().graphs[0];
    let gib: i64 = 1 << 30;
    for member in &mut graph.members {
        match member.account_id.as_str() {
            "222222222222" => {
                member.volume_by_package = [
                    ("DETECTIVE_CORE".to_owned(), 30 * gib),
                    ("EKS_AUDIT".to_owned(), 10 * gib),
                ]
                .into()
            }
            "333333333333" => member.volume_usage_bytes = Some(2 * gib),
            _ => {}
        }
    }
    let sandbox = Sandbox::start(state).await.unwrap();
    let admin = local_sdk_config_as(
        &sandbox.endpoint(),
        "us-east-1",
        &sandbox::access_key_for("111111111111"),
    )
    .await;
    let regions = ["us-east-1".to_owned(), "us-west-2".to_owned()];
    let report = shared::status::read_usage(
        &SdkDetective::new(&admin),
        &SdkOrganizations::new(&admin),
        &regions,
        1_200,
        shared::status::PriceTable::flat(0.5),
    )
    .await
    .unwrap();
    let east = &report.regions[0];
    let dev = east.members.iter().find(|m| m.account_id == "222222222222").unwrap();
    assert_eq!(dev.bytes_per_day, 40 << 30);
    assert_eq!(dev.name.as_deref(), Some("dev"));
    let packages: Vec<(&str, u64, Option<&str>)> = dev
        .packages
        .iter()
        .map(|p| (p.package.as_str(), p.bytes_per_day, p.ingest_state.as_deref()))
        .collect();
    assert_eq!(
        packages,
        [
            ("DETECTIVE_CORE", 30 << 30, Some("STARTED")),
            ("EKS_AUDIT", 10 << 30, Some("STARTED"))
        ]
    );
    assert!(
        dev.packages.iter().all(|p| p.updated.is_some()),
        "each volume has its date"
    );
    assert_eq!(report.top_accounts[0].account_id, "222222222222");
    assert_eq!(report.regions[1].graph_arn, None, "us-west-2 has no graph");
    // Over a month of 30 days at $0.50 per GB: the region's total, shared by volume.
    let month_gb = east.bytes_per_day as f64 * 30.0 / (1u64 << 30) as f64;
    assert!((east.monthly_cost_usd - month_gb * 0.5).abs() < 1e-6);
    assert!((dev.monthly_cost_usd - 40.0 * 30.0 * 0.5).abs() < 1e-6);
    let text = shared::status::render_usage(&report);
    assert!(
        text.contains("222222222222 dev") && text.contains("40.0 GiB/day"),
        "{text}"
    );
    let operations: std::collections::BTreeSet<String> = sandbox.requests().into_iter().map(|r| r.operation).collect();
    assert_eq!(
        operations.into_iter().collect::<Vec<_>>(),
        ["ListAccounts", "ListGraphs", "ListMembers"]
    );
}
