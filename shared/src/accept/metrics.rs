//! What accept-invitations counts of an invocation.

use super::reason::Reason;
use crate::metrics::{actions, FunctionMetrics};
use crate::operation::Operation;
use crate::outcome::{ActionResult, Outcome};

pub fn counted(outcome: &Outcome) -> FunctionMetrics {
    let ignored_untrusted = actions(outcome, Operation::AcceptInvitation, ActionResult::Skipped)
        .filter(|action| matches!(action.reason_of(), Some(Reason::UntrustedIgnored(_))))
        .count();
    // Every RejectInvitation answers an untrusted invitation, whatever came of it.
    let rejected_untrusted = outcome
        .actions
        .iter()
        .filter(|action| action.operation == Operation::RejectInvitation)
        .count();
    FunctionMetrics::new(vec![
        (
            "InvitationsAccepted",
            actions(outcome, Operation::AcceptInvitation, ActionResult::Done).count() as u64,
        ),
        (
            "InvitationsRejected",
            actions(outcome, Operation::RejectInvitation, ActionResult::Done).count() as u64,
        ),
        ("InvitationsUntrusted", (ignored_untrusted + rejected_untrusted) as u64),
        (
            "MembershipsLeft",
            actions(outcome, Operation::DisassociateMembership, ActionResult::Done).count() as u64,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accept::TrustFailure;
    use crate::outcome::{Action, Status};

    #[test]
    fn untrusted_invitations_are_counted_whether_ignored_or_rejected() {
        let ignored = Action::new(Operation::AcceptInvitation, ActionResult::Skipped).with_reason(
            Reason::UntrustedIgnored(TrustFailure::AdministratorNotTrusted("666666666666".into())),
        );
        let rejected = Action::new(Operation::RejectInvitation, ActionResult::Done);
        let accepted = Action::new(Operation::AcceptInvitation, ActionResult::Done);
        let outcome = Outcome::new("accept-invitations", None, Status::Acted, "x")
            .with_actions(vec![ignored, rejected, accepted]);
        let metrics = counted(&outcome);
        assert_eq!(
            (
                metrics.count("InvitationsUntrusted"),
                metrics.count("InvitationsRejected"),
                metrics.count("InvitationsAccepted")
            ),
            (2, 1, 1)
        );
    }
}
