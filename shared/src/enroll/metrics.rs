//! What enroll-accounts counts of an invocation.

use super::reason::Reason;
use crate::metrics::{accounts, actions, FunctionMetrics};
use crate::operation::Operation;
use crate::outcome::{Action, ActionResult, Outcome};

/// A decision that an account is already an ENABLED member.
fn is_already_enabled(action: &&Action) -> bool {
    action.reason_of() == Some(&Reason::AlreadyEnabled)
}

/// A decision that a full graph leaves an account out.
fn is_left_out(action: &&Action) -> bool {
    matches!(action.reason_of(), Some(Reason::LeftOut(_)))
}

/// Per region: members ENABLED (already, enrolled or re-enabled), ACTIVE accounts not
/// (yet) ENABLED for any other reason (invited members outside the organization are not
/// ours to count), and those a full graph left out. A sweep's counts
/// are the region's coverage; an event's, the one account's.
fn by_region(outcome: &Outcome) -> Vec<(String, Vec<(&'static str, u64)>)> {
    let mut regions: Vec<&str> = outcome
        .actions
        .iter()
        .filter_map(|action| action.region.as_deref())
        .collect();
    regions.sort_unstable();
    regions.dedup();
    regions
        .into_iter()
        .map(|region| {
            let here = |operation, result| {
                actions(outcome, operation, result).filter(move |action| action.region.as_deref() == Some(region))
            };
            let enabled = accounts(
                here(Operation::CreateMembers, ActionResult::Skipped)
                    .filter(is_already_enabled)
                    .chain(here(Operation::CreateMembers, ActionResult::Done))
                    .chain(here(Operation::StartMonitoringMember, ActionResult::Done)),
            );
            let left_out = accounts(here(Operation::CreateMembers, ActionResult::Skipped).filter(is_left_out));
            let not_enabled = accounts(
                here(Operation::CreateMembers, ActionResult::Skipped)
                    .filter(|action| {
                        !is_left_out(action)
                            && !matches!(
                                action.reason_of(),
                                Some(
                                    Reason::AlreadyEnabled
                                        | Reason::SkippedByConfig
                                        | Reason::AdministratorOwnsGraph
                                        | Reason::InvitedMemberLeftAlone
                                )
                            )
                    })
                    .chain(here(Operation::CreateMembers, ActionResult::Failed))
                    .chain(here(Operation::StartMonitoringMember, ActionResult::Failed)),
            );
            (
                region.to_owned(),
                vec![
                    ("MembersEnabled", enabled),
                    ("MembersNotEnabled", not_enabled),
                    ("AccountsLeftOut", left_out),
                ],
            )
        })
        .collect()
}

pub fn counted(outcome: &Outcome) -> FunctionMetrics {
    let already_enabled = actions(outcome, Operation::CreateMembers, ActionResult::Skipped).filter(is_already_enabled);
    let left_out = actions(outcome, Operation::CreateMembers, ActionResult::Skipped).filter(is_left_out);
    let failed = actions(outcome, Operation::CreateMembers, ActionResult::Failed).chain(actions(
        outcome,
        Operation::StartMonitoringMember,
        ActionResult::Failed,
    ));
    let mut metrics = FunctionMetrics::new(vec![
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
        // ACTIVE accounts a full graph does not take (over all regions of the invocation).
        ("AccountsLeftOut", accounts(left_out)),
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
    ]);
    metrics.by_region = by_region(outcome);
    metrics
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
        let mut left_out = Action::new(Operation::CreateMembers, ActionResult::Skipped)
            .with_reason(Reason::LeftOut(crate::enroll::LeftOut::Refused));
        left_out.account_ids = vec!["3".into(), "4".into(), "5".into()];
        let outcome =
            Outcome::new("enroll-accounts", None, Status::Acted, "done").with_actions(vec![created, skipped, left_out]);
        let metrics = counted(&outcome);
        assert_eq!(
            (
                metrics.count("MembersEnrolled"),
                metrics.count("MembersAlreadyEnabled"),
                metrics.count("AccountsLeftOut")
            ),
            (2, 1, 3)
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

    #[test]
    fn each_region_counts_its_enabled_not_enabled_and_left_out_accounts() {
        let on = |region: &str, operation, result, ids: &[&str], reason: Option<Reason>| {
            let action = Action::on_accounts(
                operation,
                result,
                region,
                "graph",
                ids.iter().map(|id| (*id).to_owned()).collect(),
            );
            match reason {
                Some(reason) => action.with_reason(reason),
                None => action,
            }
        };
        let outcome = Outcome::new("enroll-accounts", None, Status::Acted, "sweep").with_actions(vec![
            on(
                "us-east-1",
                Operation::CreateMembers,
                ActionResult::Done,
                &["1", "2"],
                None,
            ),
            on(
                "us-east-1",
                Operation::CreateMembers,
                ActionResult::Skipped,
                &["3"],
                Some(Reason::AlreadyEnabled),
            ),
            on(
                "us-east-1",
                Operation::CreateMembers,
                ActionResult::Skipped,
                &["4", "5"],
                Some(Reason::LeftOut(crate::enroll::LeftOut::Refused)),
            ),
            on(
                "us-east-1",
                Operation::CreateMembers,
                ActionResult::Skipped,
                &["6"],
                Some(Reason::AwaitingAcceptance),
            ),
            on(
                "us-east-1",
                Operation::CreateMembers,
                ActionResult::Skipped,
                &["9"],
                Some(Reason::SkippedByConfig),
            ),
            on(
                "us-east-1",
                Operation::CreateMembers,
                ActionResult::Skipped,
                &["8"],
                Some(Reason::InvitedMemberLeftAlone),
            ),
            on(
                "eu-west-1",
                Operation::StartMonitoringMember,
                ActionResult::Failed,
                &["7"],
                None,
            ),
        ]);
        assert_eq!(
            counted(&outcome).by_region,
            vec![
                (
                    "eu-west-1".to_owned(),
                    vec![("MembersEnabled", 0), ("MembersNotEnabled", 1), ("AccountsLeftOut", 0)]
                ),
                (
                    "us-east-1".to_owned(),
                    vec![("MembersEnabled", 3), ("MembersNotEnabled", 1), ("AccountsLeftOut", 2)]
                ),
            ]
        );
    }
}
