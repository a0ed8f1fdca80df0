//! accept-invitations: in a member account, join the behavior graphs of trusted
//! administrators only, and never anyone else's.

mod config;
mod handler;
mod trust;

pub use config::{AcceptConfig, UntrustedPolicy, VARIABLES};
pub use handler::{handle, FUNCTION};
pub use trust::check_trust;

/// The AWS API actions this function calls (checked against the sandbox request log in
/// tests, and against the IAM policy in the template).
pub const AWS_ACTIONS: &[&str] = &[
    "detective:ListInvitations",
    "detective:AcceptInvitation",
    "detective:RejectInvitation",
    "detective:DisassociateMembership",
];
