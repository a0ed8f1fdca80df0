//! accept-invitations' writes, and how each is made. An accept that loses a race (the
//! invitation changed meanwhile) is re-read and reported as left, not failed.

use super::reason::Reason;
use crate::aws::{InvitationPort, MemberDetail};
use crate::domain::MemberStatus;
use crate::execute::{Policy, Write};
use crate::operation::Operation;
use crate::outcome::{Action, ActionResult};

/// How an invitation or membership is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accept,
    Reject,
    Leave,
}

impl Answer {
    pub fn operation(self) -> Operation {
        match self {
            Self::Accept => Operation::AcceptInvitation,
            Self::Reject => Operation::RejectInvitation,
            Self::Leave => Operation::DisassociateMembership,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct InvitationWrite {
    pub answer: Answer,
    pub region: String,
    pub invitation: MemberDetail,
    pub reason: Reason,
}

/// An action on an invitation: where, which graph, whose.
pub fn invitation_action(
    operation: Operation,
    result: ActionResult,
    region: &str,
    invitation: &MemberDetail,
    reason: Reason,
) -> Action {
    let mut action = Action::on_graph(operation, result, region, invitation.graph_arn.as_deref());
    action.administrator_id = invitation.administrator_id.clone();
    action.with_reason(reason)
}

impl InvitationWrite {
    fn action(&self, result: ActionResult) -> Action {
        invitation_action(
            self.answer.operation(),
            result,
            &self.region,
            &self.invitation,
            self.reason.clone(),
        )
    }
}

impl<P: InvitationPort> Write<P> for InvitationWrite {
    fn intended(&self) -> Vec<Action> {
        vec![self.action(ActionResult::Planned)]
    }

    async fn perform(self, ports: &P, _: &Policy<'_>) -> Vec<Action> {
        let done = self.action(ActionResult::Done);
        let region = self.region.as_str();
        let graph = self.invitation.graph_arn.clone().unwrap_or_default();
        let called = match self.answer {
            Answer::Accept => ports.accept_invitation(region, &graph).await,
            Answer::Reject => ports.reject_invitation(region, &graph).await,
            Answer::Leave => ports.disassociate_membership(region, &graph).await,
        };
        let error = match called {
            Ok(()) => return vec![done],
            Err(error) => error,
        };
        if self.answer != Answer::Accept {
            return vec![done.failed(error)];
        }
        // Lost a race? Only what ListInvitations says now can tell.
        let now = match ports.list_invitations(region).await {
            Ok(invitations) => invitations
                .into_iter()
                .find(|other| other.graph_arn.as_deref() == Some(graph.as_str())),
            Err(_) => return vec![done.failed(error)],
        };
        match now {
            Some(current) if current.status == MemberStatus::Invited => vec![done.failed(error)],
            current => {
                let mut left = done.with_reason(Reason::NoLongerInvited {
                    now: current.map(|current| current.status),
                    error,
                });
                left.result = ActionResult::Skipped;
                vec![left]
            }
        }
    }
}
