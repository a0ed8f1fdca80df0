//! investigate-findings: a GuardDuty finding on an IAM user or role becomes one
//! Detective investigation of that principal.

mod config;
mod handler;
mod metrics;
mod plan;
mod principal;
mod reason;
mod scope;
mod screen;
mod write;

pub use config::InvestigateConfig;
pub use config::VARIABLES;
pub use handler::{InvestigateFindings, FUNCTION};
pub use plan::{not_enabled, plan_one, summarized, Intent, ResolvedArn, Seen, REPORT_RESEND_SECONDS};
pub use principal::{known_path, partition_for, principal, principals, KnownPath, NotInvestigable, Principal};
pub use reason::Reason;
pub use scope::{investigation_scopes, parse_timestamp, Scope};
pub use screen::{screen, Candidate, Screened};
pub use write::{InvestigateWrite, ReportRequest, SendReport, StartInvestigation};

/// The AWS API actions this function calls (checked against the sandbox request log in
/// tests, and against the IAM policy in the template).
pub const AWS_ACTIONS: &[&str] = &[
    "detective:ListGraphs",
    "detective:GetMembers",
    "detective:ListInvestigations",
    "detective:StartInvestigation",
    // Only with ROLE_LOOKUP_ROLE_NAME: into that role in the principal's account.
    "sts:AssumeRole",
    // Only with REPORT_QUEUE_URL: the report request for report-investigations.
    "sqs:SendMessage",
];

/// What the lookup role (`ROLE_LOOKUP_ROLE_NAME`, in each member account) is allowed to do.
pub const LOOKUP_ROLE_ACTIONS: &[&str] = &["iam:GetRole", "iam:GetUser"];
