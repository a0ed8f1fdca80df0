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
    /// MAX_CONCURRENT_REGIONS; None: the function's default (4).
    pub max_concurrent_regions: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sweep {
    pub accounts: usize,
    pub regions: usize,
    pub latency_ms: u64,
    pub throttles_per_region: u32,
    pub max_concurrent_regions: Option<usize>,
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

fn state(plan: Plan) -> SandboxState {
    let mut state = SandboxState::empty(fixtures::ADMIN);
    state.organization = Some(fixtures::organization(plan.accounts));
    state.latency_ms = plan.latency_ms;
    for region in REGIONS.iter().take(plan.regions) {
        state
            .regions
            .insert((*region).to_owned(), fixtures::region_with_graph(region, &[], false));
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
            "sweep-{}-throttles-{}-regions-at-once.log",
            plan.throttles_per_region,
            plan.max_concurrent_regions.unwrap_or_default()
        )),
    };
    let run = cold_start(&launch, fixtures::scheduled_event()).await?;
    if !run.acted() {
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
    let expected = plan.accounts.saturating_sub(1);
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
    let calls_minimum = minimum_calls(plan.accounts, plan.regions);
    Ok(Sweep {
        accounts: plan.accounts,
        regions: plan.regions,
        latency_ms: plan.latency_ms,
        throttles_per_region: plan.throttles_per_region,
        max_concurrent_regions: plan.max_concurrent_regions,
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
    fn seventeen_distinct_regions() {
        let distinct: std::collections::HashSet<_> = REGIONS.iter().collect();
        assert_eq!(distinct.len(), 17);
    }
}
