//! accept-invitations: in a member account, join the behavior graphs of trusted
//! administrators only, and never anyone else's.
//!
//! `handler` reads ListInvitations per region and runs `plan`'s pure decisions (with
//! `trust`) through the executor; `writes` says how each answer is made.

mod config;
mod handler;
mod metrics;
mod plan;
mod reason;
mod trust;
mod writes;

pub use config::{AcceptConfig, UntrustedPolicy, VARIABLES};
pub use handler::{AcceptInvitations, FUNCTION};
pub use plan::invitations;
pub use reason::{Reason, TrustFailure};
pub use trust::check_trust;
pub use writes::{Answer, InvitationWrite};

/// The AWS API actions this function calls (checked against the sandbox request log in
/// tests, and against the IAM policy in the template).
pub const AWS_ACTIONS: &[&str] = &[
    "detective:ListInvitations",
    "detective:AcceptInvitation",
    "detective:RejectInvitation",
    "detective:DisassociateMembership",
];
