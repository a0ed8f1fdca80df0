//! What enroll-accounts counts of an invocation.

use super::reason::Reason;
use crate::metrics::{accounts, actions, FunctionMetrics};
use crate::operation::Operation;
use crate::outcome::{ActionResult, Outcome};

pub fn counted(outcome: &Outcome) -> FunctionMetrics {
    let already_enabled = actions(outcome, Operation::CreateMembers, ActionResult::Skipped)
        .filter(|action| action.reason_of() == Some(&Reason::AlreadyEnabled));
    let failed = actions(outcome, Operation::CreateMembers, ActionResult::Failed).chain(actions(
        outcome,
        Operation::StartMonitoringMember,
        ActionResult::Failed,
    ));
    FunctionMetrics::new(vec![
        (
            "MembersEnrolled",
            accounts(actions(outcome, Operation::CreateMembers, ActionResult::Done)),
        ),
        ("MembersAlreadyEnabled", accounts(already_enabled)),
        (
            "MembersReenabled",
            actions(outcome, Operation::StartMonitoringMember, ActionResult::Done).count() as u64,
        ),
        (
            "MembersRemoved",
            accounts(actions(outcome, Operation::DeleteMembers, ActionResult::Done)),
        ),
        ("MembersFailed", accounts(failed)),
        // A call that weakened Detective, alerted on (by Trigger: the operation), whatever
        // came of the alert: its only PutEvents.
        (
            "TamperEvents",
            u64::from(
                outcome
                    .actions
                    .iter()
                    .any(|action| action.operation == Operation::PutEvents),
            ),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Action, Status};

    #[test]
    fn enrollments_are_counted_by_account() {
        let mut created = Action::new(Operation::CreateMembers, ActionResult::Done);
        created.account_ids = vec!["1".into(), "2".into()];
        let skipped = Action::new(Operation::CreateMembers, ActionResult::Skipped).with_reason(Reason::AlreadyEnabled);
        let outcome = Outcome::new("enroll-accounts", None, Status::Acted, "done").with_actions(vec![created, skipped]);
        let metrics = counted(&outcome);
        assert_eq!(
            (metrics.count("MembersEnrolled"), metrics.count("MembersAlreadyEnabled")),
            (2, 1)
        );
        assert_eq!(metrics.count("TamperEvents"), 0);
    }

    /// The tamper alert is a PutEvents: a tamper event, never a published report.
    #[test]
    fn a_tamper_alert_is_a_tamper_event_and_no_report() {
        let mut alert = Action::new(Operation::PutEvents, ActionResult::Done);
        alert.severity = None;
        let outcome = Outcome::new("enroll-accounts", None, Status::Acted, "alerted").with_actions(vec![alert]);
        let metrics = counted(&outcome);
        assert_eq!(metrics.count("TamperEvents"), 1);
        assert_eq!(metrics.count("ReportsPublished"), 0);
        assert!(metrics.reports_by_severity.is_empty());
        let lines = crate::metrics::records(&outcome, "Detective.DeleteMembers", &metrics);
        assert!(
            lines
                .iter()
                .all(|line| !line.contains("ReportsBySeverity") && !line.contains("ReportsPublished")),
            "{lines:?}"
        );
    }
}
