//! investigate-findings: a GuardDuty finding on an IAM user or role becomes one
//! Detective investigation of that principal.

mod config;
mod handler;
mod principal;
mod scope;
mod screen;

pub use config::InvestigateConfig;
pub use config::VARIABLES;
pub use handler::{handle, FUNCTION};
pub use principal::{partition_for, principal, NotInvestigable, Principal};
pub use scope::{investigation_scope, parse_timestamp};
pub use screen::{screen, Candidate, Screened};

/// The AWS API actions this function calls (checked against the sandbox request log in
/// tests, and against the IAM policy in the template).
pub const AWS_ACTIONS: &[&str] = &[
    "detective:ListGraphs",
    "detective:GetMembers",
    "detective:ListInvestigations",
    "detective:StartInvestigation",
];
