//! enroll-accounts: every ACTIVE organization account is a Detective member, in every
//! configured region.
//!
//! `handler` reads (Organizations, then each region's membership) and runs `plan`'s pure
//! decisions through the executor; `writes` says how each write is made.

mod config;
mod facts;
mod handler;
mod metrics;
mod plan;
mod priority;
mod reason;
mod regional;
mod respond;
mod room;
mod tamper;
mod writes;

pub use config::{EnrollConfig, TamperResponse, MEMBER_QUOTA, VARIABLES};
pub use handler::{EnrollAccounts, FUNCTION};
pub use plan::{enrollment, removal, sweep, OrgView, Read};
pub use priority::{Facts, Priority, Rank, Rule};
pub use reason::{Departure, LeftOut, Reason};
pub use respond::{restoration, AccountNow, Reread, Restoration};
pub use room::{admit, capacity, Admission, Capacity, VOLUME_LIMIT_BYTES_PER_DAY};
pub use tamper::{screen as screen_tamper, Screened, ALERT_DETAIL_TYPE};
pub use writes::{MemberPorts, MemberWrite, BATCH};

/// The AWS API actions this function calls (checked against the sandbox request log in
/// tests, and against the IAM policy in the template).
pub const AWS_ACTIONS: &[&str] = &[
    "organizations:ListAccounts",
    "organizations:DescribeAccount",
    "organizations:ListAccountsForParent",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListTagsForResource",
    "detective:ListGraphs",
    "detective:ListMembers",
    "detective:GetMembers",
    "detective:CreateMembers",
    "detective:DeleteMembers",
    "detective:StartMonitoringMember",
    "detective:DescribeOrganizationConfiguration",
    "detective:UpdateOrganizationConfiguration",
    // Not called: what Detective's organization configuration calls require besides their
    // own action (their dependent action, the Service Authorization Reference).
    "organizations:DescribeOrganization",
    // Restoring what a tamper event turned off, and the alert.
    "detective:ListDatasourcePackages",
    "detective:UpdateDatasourcePackages",
    "events:PutEvents",
];
