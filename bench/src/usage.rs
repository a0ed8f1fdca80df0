//! Scenario 6: `autopilot status --usage` over a full organization: 1,200 accounts in 17
//! regions, every graph holding 1,199 members with volumes in two packages, read in process
//! against the sandbox with a latency per call.

use std::collections::BTreeMap;
use std::time::Instant;

use sandbox::{Sandbox, SandboxState};
use serde::Serialize;
use shared::aws::{local_sdk_config_as, SdkDetective, SdkOrganizations};
use shared::status::{read_usage, PriceTable};

use crate::error::BenchError;
use crate::fixtures;
use crate::sweep::REGIONS;

#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub accounts: usize,
    pub regions: usize,
    pub latency_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Usage {
    pub accounts: usize,
    pub regions: usize,
    pub latency_ms: u64,
    pub wall_s: f64,
    pub members_reported: usize,
    pub calls_made: usize,
    /// ceil(N/20) ListAccounts; per region ListGraphs and ceil(members/200) ListMembers.
    pub calls_minimum: usize,
    pub calls_by_operation: BTreeMap<String, usize>,
}

pub fn minimum_calls(accounts: usize, regions: usize) -> usize {
    accounts.div_ceil(20) + regions * (1 + accounts.saturating_sub(1).div_ceil(200))
}

fn state(plan: Plan) -> SandboxState {
    let mut state = SandboxState::empty(fixtures::ADMIN);
    let organization = fixtures::organization(plan.accounts);
    let members: Vec<String> = organization
        .accounts
        .iter()
        .map(|account| account.id.clone())
        .filter(|id| id != fixtures::ADMIN)
        .collect();
    state.organization = Some(organization);
    state.latency_ms = plan.latency_ms;
    for (index, region) in REGIONS.iter().take(plan.regions).enumerate() {
        let mut graph = fixtures::region_with_graph(region, &members, true);
        for (n, member) in graph
            .graphs
            .iter_mut()
            .flat_map(|graph| graph.members.iter_mut())
            .enumerate()
        {
            let core = 1_000_000 * (1 + (n + index) as i64 % 97);
            member.volume_by_package = [("DETECTIVE_CORE".to_owned(), core), ("EKS_AUDIT".to_owned(), core / 4)].into();
        }
        state.regions.insert((*region).to_owned(), graph);
    }
    state
}

pub async fn measure(plan: Plan) -> Result<Usage, BenchError> {
    let scenario = format!(
        "status --usage of {} accounts over {} regions",
        plan.accounts, plan.regions
    );
    let sandbox = Sandbox::start(state(plan))
        .await
        .map_err(|source| BenchError::io("start the sandbox", source))?;
    let sdk = local_sdk_config_as(
        &sandbox.endpoint(),
        "us-east-1",
        &sandbox::access_key_for(fixtures::ADMIN),
    )
    .await;
    let regions: Vec<String> = REGIONS
        .iter()
        .take(plan.regions)
        .map(|region| (*region).to_owned())
        .collect();
    let started = Instant::now();
    let report = read_usage(
        &SdkDetective::new(&sdk),
        &SdkOrganizations::new(&sdk),
        &regions,
        1_200,
        PriceTable::published(),
    )
    .await
    .map_err(|error| BenchError::wrong(&scenario, error))?;
    let wall = started.elapsed();
    let members_reported: usize = report.regions.iter().map(|region| region.members.len()).sum();
    let expected = plan.regions * plan.accounts.saturating_sub(1);
    if members_reported != expected || report.regions.iter().any(|region| region.error.is_some()) {
        return Err(BenchError::wrong(
            &scenario,
            format!("expected {expected} members reported, every region read; got {members_reported}"),
        ));
    }
    let requests = sandbox.requests();
    let mut calls_by_operation = BTreeMap::new();
    for request in &requests {
        *calls_by_operation.entry(request.operation.clone()).or_insert(0) += 1;
    }
    Ok(Usage {
        accounts: plan.accounts,
        regions: plan.regions,
        latency_ms: plan.latency_ms,
        wall_s: wall.as_secs_f64(),
        members_reported,
        calls_made: requests.len(),
        calls_minimum: minimum_calls(plan.accounts, plan.regions),
        calls_by_operation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_minimum_for_1200_members_over_17_regions() {
        // 60 ListAccounts; per region ListGraphs and 6 ListMembers of 200.
        assert_eq!(minimum_calls(1_200, 17), 60 + 17 * 7);
    }
}
