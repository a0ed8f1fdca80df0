//! What membership and invitations both decide about an account: whose an invitation is,
//! and where enabling an account ends. A leaf: the member, invitation and data source
//! operations all read it, and it reads none of them.

use crate::state::{Invitation, MemberOutcome, SandboxState};

pub(super) const ENABLED: &str = "ENABLED";

/// Whether the invitation is `caller`'s (an invitation without an account is the
/// sandbox's own caller's).
pub(super) fn is_callers(state: &SandboxState, invitation: &Invitation, caller: &str) -> bool {
    invitation.account_id.as_deref().unwrap_or(&state.caller_account_id) == caller
}

/// Where enabling `account` ends: ENABLED unless a `member_outcomes` rule says otherwise.
pub(super) fn enable_outcome(state: &SandboxState, account: &str) -> (String, Option<String>) {
    match state.member_outcomes.iter().find(|rule| rule.account_id == account) {
        Some(MemberOutcome {
            status,
            disabled_reason,
            ..
        }) => (status.clone(), disabled_reason.clone()),
        None => (ENABLED.to_owned(), None),
    }
}
