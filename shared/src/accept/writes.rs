//! accept-invitations' writes, and how each is made. An accept that loses a race (the
//! invitation changed meanwhile) is re-read and reported as left, not failed.

use crate::aws::{InvitationPort, MemberDetail};
use crate::domain::MemberStatus;
use crate::execute::Write;
use crate::outcome::{Action, ActionResult, Reason};

#[derive(Debug, Clone, PartialEq)]
pub enum InvitationWrite {
    Accept {
        region: String,
        invitation: MemberDetail,
        reason: Reason,
    },
    Reject {
        region: String,
        invitation: MemberDetail,
        reason: Reason,
    },
    Leave {
        region: String,
        invitation: MemberDetail,
        reason: Reason,
    },
}

/// An action on an invitation: where, which graph, whose.
pub fn invitation_action(
    operation: &'static str,
    result: ActionResult,
    region: &str,
    invitation: &MemberDetail,
    reason: Reason,
) -> Action {
    let mut action = Action::new(operation, result);
    action.region = Some(region.to_owned());
    action.graph_arn = invitation.graph_arn.clone();
    action.administrator_id = invitation.administrator_id.clone();
    action.with_reason(reason)
}

impl InvitationWrite {
    fn parts(&self) -> (&'static str, &str, &MemberDetail, &Reason) {
        match self {
            Self::Accept {
                region,
                invitation,
                reason,
            } => ("AcceptInvitation", region, invitation, reason),
            Self::Reject {
                region,
                invitation,
                reason,
            } => ("RejectInvitation", region, invitation, reason),
            Self::Leave {
                region,
                invitation,
                reason,
            } => ("DisassociateMembership", region, invitation, reason),
        }
    }
}

impl<P: InvitationPort> Write<P> for InvitationWrite {
    fn intended(&self) -> Vec<Action> {
        let (operation, region, invitation, reason) = self.parts();
        vec![invitation_action(
            operation,
            ActionResult::Planned,
            region,
            invitation,
            reason.clone(),
        )]
    }

    async fn perform(self, ports: &P) -> Vec<Action> {
        let (operation, region, invitation, reason) = self.parts();
        let done = invitation_action(operation, ActionResult::Done, region, invitation, reason.clone());
        let graph = invitation.graph_arn.clone().unwrap_or_default();
        let called = match operation {
            "AcceptInvitation" => ports.accept_invitation(region, &graph).await,
            "RejectInvitation" => ports.reject_invitation(region, &graph).await,
            _ => ports.disassociate_membership(region, &graph).await,
        };
        let error = match called {
            Ok(()) => return vec![done],
            Err(error) => error,
        };
        if operation != "AcceptInvitation" {
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
