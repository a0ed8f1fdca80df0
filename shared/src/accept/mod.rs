//! accept-invitations: in a member account, join the behavior graphs of trusted
//! administrators only, and never anyone else's.

mod config;
mod handler;
mod trust;

pub use config::{AcceptConfig, UntrustedPolicy};
pub use handler::{handle, FUNCTION};
pub use trust::check_trust;
