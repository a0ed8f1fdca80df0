//! enroll-accounts: every ACTIVE organization account is a Detective member, in every
//! configured region.

mod accounts;
mod config;
mod handler;
mod sweep;
mod writes;

pub use config::EnrollConfig;
pub use config::VARIABLES;
pub use handler::{handle, Enroller, FUNCTION};

/// The AWS API actions this function calls (checked against the sandbox request log in
/// tests, and against the IAM policy in the template).
pub const AWS_ACTIONS: &[&str] = &[
    "organizations:ListAccounts",
    "organizations:DescribeAccount",
    "detective:ListGraphs",
    "detective:ListMembers",
    "detective:GetMembers",
    "detective:CreateMembers",
    "detective:DeleteMembers",
    "detective:StartMonitoringMember",
    "detective:DescribeOrganizationConfiguration",
    "detective:UpdateOrganizationConfiguration",
];
