//! What report-investigations counts of an invocation: the reports, and each published one
//! by Detective's severity.

use super::reason::Reason;
use crate::metrics::{actions, FunctionMetrics};
use crate::operation::Operation;
use crate::outcome::{ActionResult, Outcome};

pub fn counted(outcome: &Outcome) -> FunctionMetrics {
    let still_running = actions(outcome, Operation::PutEvents, ActionResult::Skipped)
        .filter(|action| matches!(action.reason_of(), Some(Reason::StillRunning(_))))
        .count();
    let published: Vec<String> = actions(outcome, Operation::PutEvents, ActionResult::Done)
        .map(|action| action.severity.clone().unwrap_or_else(|| "UNKNOWN".to_owned()))
        .collect();
    FunctionMetrics {
        counts: vec![
            ("ReportsPublished", published.len() as u64),
            ("ReportsStillRunning", still_running as u64),
            // A report that could not be made (unreadable message, a read or write that failed).
            (
                "ReportsFailed",
                outcome
                    .actions
                    .iter()
                    .filter(|action| action.result == ActionResult::Failed)
                    .count() as u64,
            ),
            (
                "FindingsImported",
                actions(outcome, Operation::BatchImportFindings, ActionResult::Done).count() as u64,
            ),
            (
                "InvestigationsArchived",
                actions(outcome, Operation::UpdateInvestigationState, ActionResult::Done).count() as u64,
            ),
        ],
        reports_by_severity: published,
        by_region: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Action, Status};

    #[test]
    fn reports_are_counted_and_published_ones_by_severity() {
        let mut published = Action::new(Operation::PutEvents, ActionResult::Done);
        published.severity = Some("HIGH".into());
        let running = Action::new(Operation::PutEvents, ActionResult::Skipped)
            .with_reason(Reason::StillRunning("RUNNING".into()));
        let unreadable = Action::new(Operation::PutEvents, ActionResult::Failed);
        let outcome = Outcome::new("report-investigations", None, Status::Failed, "x").with_actions(vec![
            published,
            running,
            unreadable,
            Action::new(Operation::BatchImportFindings, ActionResult::Done),
            Action::new(Operation::UpdateInvestigationState, ActionResult::Done),
        ]);
        let metrics = counted(&outcome);
        assert_eq!(
            (
                metrics.count("ReportsPublished"),
                metrics.count("ReportsStillRunning"),
                metrics.count("ReportsFailed"),
                metrics.count("FindingsImported"),
                metrics.count("InvestigationsArchived")
            ),
            (1, 1, 1, 1, 1)
        );
        assert_eq!(metrics.reports_by_severity, ["HIGH"]);
    }
}
