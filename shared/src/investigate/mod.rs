//! investigate-findings: a GuardDuty finding on an IAM user or role becomes one
//! Detective investigation of that principal.

mod config;
mod handler;
mod principal;
mod scope;
mod screen;

pub use config::InvestigateConfig;
pub use handler::{handle, FUNCTION};
pub use principal::{partition_for, principal, NotInvestigable, Principal};
pub use scope::{investigation_scope, parse_timestamp};
pub use screen::{screen, Candidate, Screened};
