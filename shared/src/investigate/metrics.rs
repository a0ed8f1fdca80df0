//! What investigate-findings counts of an invocation.

use super::reason::Reason;
use crate::metrics::{actions, FunctionMetrics};
use crate::operation::Operation;
use crate::outcome::{ActionResult, Outcome, Status};

pub fn counted(outcome: &Outcome) -> FunctionMetrics {
    let deduplicated = actions(outcome, Operation::StartInvestigation, ActionResult::Skipped)
        .filter(|action| matches!(action.reason_of(), Some(Reason::AlreadyInvestigating { .. })))
        .count() as u64;
    FunctionMetrics::new(vec![
        (
            "InvestigationsStarted",
            actions(outcome, Operation::StartInvestigation, ActionResult::Done).count() as u64,
        ),
        ("InvestigationsDeduplicated", deduplicated),
        // A finding that started no investigation.
        ("InvestigationsIgnored", u64::from(outcome.status == Status::Ignored)),
        (
            "ReportRequestsSent",
            actions(outcome, Operation::SendMessage, ActionResult::Done).count() as u64,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Action;

    #[test]
    fn a_deduplicated_finding_is_counted_as_deduplicated_and_ignored() {
        let mut dedup = Action::new(Operation::StartInvestigation, ActionResult::Skipped).with_reason(
            Reason::AlreadyInvestigating {
                investigation_id: "1".into(),
                entity_arn: "arn:aws:iam::111111111111:user/a".into(),
                window_hours: 24,
            },
        );
        dedup.investigation_id = Some("1".into());
        let outcome = Outcome::new("investigate-findings", None, Status::Ignored, "dup").with_actions(vec![dedup]);
        let metrics = counted(&outcome);
        assert_eq!(
            (
                metrics.count("InvestigationsDeduplicated"),
                metrics.count("InvestigationsIgnored"),
                metrics.count("InvestigationsStarted")
            ),
            (1, 1, 0)
        );
        let started = Outcome::new("investigate-findings", None, Status::Acted, "started").with_actions(vec![
            Action::new(Operation::StartInvestigation, ActionResult::Done),
            Action::new(Operation::SendMessage, ActionResult::Done),
        ]);
        let metrics = counted(&started);
        assert_eq!(
            (
                metrics.count("InvestigationsStarted"),
                metrics.count("ReportRequestsSent"),
                metrics.count("InvestigationsIgnored")
            ),
            (1, 1, 0)
        );
    }
}
