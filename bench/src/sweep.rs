//! Scenario 5: one enroll-accounts sweep of a large organization over many regions, by the
//! real binary under the Runtime API stand-in, against the sandbox with a latency per call.

use shared::operation::Operation;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use sandbox::{Fault, Sandbox, SandboxState};
use serde::Serialize;

use crate::child::mib;
use crate::error::BenchError;
use crate::fixtures;
use crate::launch::{cold_start, Launch};

/// Seventeen commercial regions where Detective is offered.
pub const REGIONS: [&str; 17] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
];

#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Organization accounts, the administrator among them (the graphs start empty).
    pub accounts: usize,
    pub regions: usize,
    pub latency_ms: u64,
    /// TooManyRequestsException answers to CreateMembers, per region.
    pub throttles_per_region: u32,
    /// MAX_CONCURRENT_REGIONS; None: the function's default (every region at once).
    pub max_concurrent_regions: Option<usize>,
    /// The graphs start at Detective's quota (1,200 members, AutoEnable on): the sweep
    /// must leave every other account out without one CreateMembers.
    pub at_quota: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sweep {
    pub accounts: usize,
    pub regions: usize,
    pub latency_ms: u64,
    pub throttles_per_region: u32,
    pub max_concurrent_regions: Option<usize>,
    #[serde(default)]
    pub at_quota: bool,
    /// Accounts the sweep said it left out, over all regions.
    #[serde(default)]
    pub accounts_left_out: usize,
    /// Event delivered to response: the sweep itself.
    pub wall_s: f64,
    pub init_ms: f64,
    pub peak_rss_mib: f64,
    pub members_enrolled: usize,
    /// Every call the sandbox served, throttled ones included.
    pub calls_made: usize,
    pub calls_throttled: usize,
    /// The minimum the enroll-accounts issue defines (see `minimum_calls`).
    pub calls_minimum: usize,
    /// Calls other than the injected throttles equal the minimum.
    pub minimum_met: bool,
    pub calls_by_operation: BTreeMap<String, usize>,
}

/// For N accounts and R regions whose graphs hold no member and have AutoEnable off:
/// ceil(N/20) ListAccounts in all; per region one ListGraphs, one ListMembers (an empty graph
/// still takes one call to learn it is empty), ceil(missing/50) CreateMembers, one
/// DescribeOrganizationConfiguration and one UpdateOrganizationConfiguration.
pub fn minimum_calls(accounts: usize, regions: usize) -> usize {
    let missing = accounts.saturating_sub(1);
    accounts.div_ceil(20) + regions * (1 + 1 + missing.div_ceil(50) + 1 + 1)
}

/// For N accounts and R regions whose graphs are at the quota with AutoEnable on: ceil(N/20)
/// ListAccounts; per region one ListGraphs, ceil(1200/200) ListMembers and one
/// DescribeOrganizationConfiguration. No CreateMembers: the count says no account fits.
pub fn minimum_calls_at_quota(accounts: usize, regions: usize) -> usize {
    accounts.div_ceil(20) + regions * (1 + QUOTA.div_ceil(200) + 1)
}

/// Detective's member accounts per graph.
const QUOTA: usize = 1_200;

fn state(plan: Plan) -> SandboxState {
    let mut state = SandboxState::empty(fixtures::ADMIN);
    state.organization = Some(fixtures::organization(plan.accounts));
    state.latency_ms = plan.latency_ms;
    // The youngest accounts are the members: by the default order they rank below those
    // left out, which MAKE_ROOM (off here) would swap.
    let members: Vec<String> = if plan.at_quota {
        let accounts = &state
            .organization
            .as_ref()
            .map(|org| org.accounts.clone())
            .unwrap_or_default();
        accounts
            .iter()
            .rev()
            .take(QUOTA)
            .map(|account| account.id.clone())
            .collect()
    } else {
        Vec::new()
    };
    for region in REGIONS.iter().take(plan.regions) {
        state.regions.insert(
            (*region).to_owned(),
            fixtures::region_with_graph(region, &members, plan.at_quota),
        );
        if plan.throttles_per_region > 0 {
            state.faults.push(Fault {
                operation: Operation::CreateMembers.to_string(),
                error: "TooManyRequestsException".to_owned(),
                times: Some(plan.throttles_per_region),
                region: Some((*region).to_owned()),
            });
        }
    }
    state
}

pub async fn measure(program: &Path, plan: Plan, work_dir: &Path) -> Result<Sweep, BenchError> {
    let scenario = format!(
        "sweep of {} accounts over {} regions with {} throttles per region",
        plan.accounts, plan.regions, plan.throttles_per_region
    );
    let sandbox = Sandbox::start(state(plan))
        .await
        .map_err(|source| BenchError::io("start the sandbox", source))?;
    let regions: Vec<&str> = REGIONS.iter().take(plan.regions).copied().collect();
    let mut variables = vec![("REGIONS".to_owned(), regions.join(","))];
    if let Some(concurrency) = plan.max_concurrent_regions {
        variables.push(("MAX_CONCURRENT_REGIONS".to_owned(), concurrency.to_string()));
    }
    let endpoint = sandbox.endpoint();
    let launch = Launch {
        function: "enroll-accounts",
        program,
        args: &[],
        variables: &variables,
        endpoint: &endpoint,
        // As in template.yaml.
        timeout: Duration::from_secs(300),
        log: work_dir.join(format!(
            "sweep-{}-accounts-{}-throttles-{}-regions-at-once.log",
            plan.accounts,
            plan.throttles_per_region,
            plan.max_concurrent_regions.unwrap_or_default()
        )),
    };
    let run = cold_start(&launch, fixtures::scheduled_event()).await?;
    let status = run.response.get("status").and_then(serde_json::Value::as_str);
    // At the quota there is nothing to do: the sweep ignores the event, saying who is left out.
    if !(run.acted() || plan.at_quota && status == Some("ignored")) {
        return Err(BenchError::wrong(
            &scenario,
            format!("the sweep answered {}", run.response),
        ));
    }
    let final_state = sandbox.state();
    let enrolled_per_region: Vec<usize> = final_state
        .regions
        .values()
        .map(|region| region.graphs.iter().map(|graph| graph.members.len()).sum())
        .collect();
    let expected = if plan.at_quota {
        QUOTA
    } else {
        plan.accounts.saturating_sub(1)
    };
    if enrolled_per_region.iter().any(|&count| count != expected) {
        return Err(BenchError::wrong(
            &scenario,
            format!("expected {expected} members in every region; found {enrolled_per_region:?}"),
        ));
    }

    let requests = sandbox.requests();
    let mut calls_by_operation = BTreeMap::new();
    for request in &requests {
        *calls_by_operation.entry(request.operation.clone()).or_insert(0) += 1;
    }
    let calls_throttled = requests.iter().filter(|request| request.status == 429).count();
    let calls_minimum = if plan.at_quota {
        minimum_calls_at_quota(plan.accounts, plan.regions)
    } else {
        minimum_calls(plan.accounts, plan.regions)
    };
    let accounts_left_out = left_out(&run.response);
    if plan.at_quota && accounts_left_out != plan.regions * (plan.accounts - 1 - QUOTA) {
        return Err(BenchError::wrong(
            &scenario,
            format!("expected every account outside the graph left out; the sweep said {accounts_left_out}"),
        ));
    }
    Ok(Sweep {
        accounts: plan.accounts,
        regions: plan.regions,
        latency_ms: plan.latency_ms,
        throttles_per_region: plan.throttles_per_region,
        max_concurrent_regions: plan.max_concurrent_regions,
        at_quota: plan.at_quota,
        accounts_left_out,
        wall_s: run.invoke.as_secs_f64(),
        init_ms: run.init.as_secs_f64() * 1000.0,
        peak_rss_mib: mib(run.peak_rss_kib),
        members_enrolled: enrolled_per_region.iter().sum(),
        calls_made: requests.len(),
        calls_throttled,
        calls_minimum,
        minimum_met: requests.len() - calls_throttled == calls_minimum,
        calls_by_operation,
    })
}

/// The accounts the outcome's actions leave out of a full graph.
fn left_out(response: &serde_json::Value) -> usize {
    response
        .get("actions")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter(|action| {
            action
                .get("reason")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|reason| reason.starts_with("left out"))
        })
        .filter_map(|action| action.get("account_ids").and_then(serde_json::Value::as_array))
        .map(Vec::len)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_minimum_for_1200_accounts_over_17_regions() {
        // 60 ListAccounts; per region ListGraphs, ListMembers, 24 CreateMembers for 1,199
        // accounts, DescribeOrganizationConfiguration, UpdateOrganizationConfiguration.
        assert_eq!(minimum_calls(1200, 17), 60 + 17 * 28);
    }

    #[test]
    fn the_minimum_at_the_quota_makes_no_write() {
        // 250 ListAccounts for 5,000; per region ListGraphs, 6 ListMembers, the configuration.
        assert_eq!(minimum_calls_at_quota(5_000, 17), 250 + 17 * 8);
    }

    #[test]
    fn seventeen_distinct_regions() {
        let distinct: std::collections::HashSet<_> = REGIONS.iter().collect();
        assert_eq!(distinct.len(), 17);
    }
}
