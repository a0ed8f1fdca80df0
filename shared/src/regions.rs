//! Work spread over regions: run it with bounded concurrency, report each region, and
//! assemble one outcome.

use std::future::Future;

use futures_util::stream::{self, StreamExt};

use crate::execute::{Policy, Write};
use crate::operation::Operation;
use crate::outcome::{Action, ActionResult, Failure, Outcome, RegionResult, Status};
use crate::steps::{carry_out, Steps};

/// Runs `work` for every region, at most `limit` at once; one report per region.
pub async fn each_region<F, Fut>(regions: &[String], limit: usize, work: F) -> Vec<RegionReport>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = RegionReport>,
{
    stream::iter(regions.to_vec())
        .map(work)
        .buffer_unordered(limit.max(1))
        .collect()
        .await
}

/// One region's steps carried out (observe, plan, execute), as its report.
pub async fn carry_out_region<S, P>(steps: &S, region: &str, ports: &P, policy: &Policy<'_>) -> RegionReport
where
    S: Steps<Place = str>,
    P: Sync,
    S::Write: Write<P>,
{
    match carry_out(steps, region, ports, policy).await {
        Ok(carried) => RegionReport {
            region: region.to_owned(),
            actions: carried.actions,
            error: None,
        },
        Err(failure) => RegionReport::failed(region, failure),
    }
}

/// The work done (or not) in one region.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RegionReport {
    pub region: String,
    pub actions: Vec<Action>,
    /// The region could not be worked on at all, or a step in it failed.
    pub error: Option<Failure>,
}

impl RegionReport {
    pub fn new(region: &str) -> Self {
        Self {
            region: region.to_owned(),
            ..Self::default()
        }
    }

    pub fn failed(region: &str, error: impl Into<Failure>) -> Self {
        Self {
            region: region.to_owned(),
            actions: Vec::new(),
            error: Some(error.into()),
        }
    }

    fn result(&self) -> ActionResult {
        // A region that could not be worked on counts as a failed action.
        let failed = self.error.iter().map(|_| Status::Failed);
        Status::combined(failed.chain(self.actions.iter().map(|action| action.result.into()))).into()
    }

    fn summary(&self) -> String {
        let mut parts = Vec::new();
        // Each write by its verb, in Operation's order.
        for (operation, verb) in Operation::ALL
            .iter()
            .filter_map(|operation| operation.verb().map(|verb| (*operation, verb)))
        {
            for (result, label) in [(ActionResult::Done, ""), (ActionResult::Planned, "would be ")] {
                let count = count_accounts(&self.actions, operation, result);
                if count > 0 {
                    parts.push(format!("{count} {label}{verb}"));
                }
            }
        }
        for action in self
            .actions
            .iter()
            .filter(|action| action.result == ActionResult::Skipped)
        {
            if let Some(reason) = &action.reason {
                parts.push(format!("{} {reason}", action.account_ids.len().max(1)));
            }
        }
        let failed = count_accounts_failed(&self.actions);
        if failed > 0 {
            parts.push(format!("{failed} failed"));
        }
        if let Some(error) = &self.error {
            parts.push(error.to_string());
        }
        if parts.is_empty() {
            "nothing to do".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

fn count_accounts(actions: &[Action], operation: Operation, result: ActionResult) -> usize {
    actions
        .iter()
        .filter(|action| action.operation == operation && action.result == result)
        .map(|action| action.account_ids.len().max(1))
        .sum()
}

fn count_accounts_failed(actions: &[Action]) -> usize {
    actions
        .iter()
        .filter(|action| action.result == ActionResult::Failed)
        .map(|action| action.account_ids.len().max(1))
        .sum()
}

/// One outcome from the regions' reports: failed if any region failed (after all were done).
pub fn assemble(
    function: &'static str,
    event_id: Option<String>,
    subject: &str,
    mut reports: Vec<RegionReport>,
) -> Outcome {
    reports.sort_by(|a, b| a.region.cmp(&b.region));
    let regions: Vec<RegionResult> = reports
        .iter()
        .map(|report| RegionResult {
            region: report.region.clone(),
            result: report.result(),
            reason: report.summary(),
            failure: report.error.clone(),
        })
        .collect();
    let status = Status::combined(regions.iter().map(|region| region.result.into()));
    let per_region: Vec<String> = regions
        .iter()
        .map(|region| format!("{}: {}", region.region, region.reason))
        .collect();
    let reason = format!("{subject}; {}", per_region.join("; "));
    let mut outcome = Outcome::new(function, event_id, status, reason);
    outcome.regions = regions;
    outcome.actions = reports.into_iter().flat_map(|report| report.actions).collect();
    outcome
}
