//! configure-detective: Detective set up as desired (the delegated administrator, the
//! organization graph, its data source packages, tags and AutoEnable), reconciled per
//! region: read, a pure plan, one executor. Behind a CloudFormation custom resource and
//! `autopilot setup`.

mod answer;
mod desired;
mod handler;
mod plan;
mod reconcile;
mod writes;

pub use answer::{response_body, CloudFormationAnswer};
pub use desired::{DesiredState, MANAGED_TAGS_KEY, NAMES};
pub use handler::{read_request, ConfigureDetective, FUNCTION};
pub use plan::{
    plan_designation, plan_graph, plan_no_graph, plan_teardown, wrong_account as plan_wrong_account, GraphObserved,
    Part,
};
pub use reconcile::{observe, plan, reconcile, reconcile_region, AsManagementReads, Observed};
pub use writes::SetupWrite;

use crate::config::{self, ConfigError, Env};

/// The IAM actions it calls. `detective:ListOrganizationAdminAccount` is the IAM action of
/// the ListOrganizationAdminAccounts API (singular, per the Service Authorization
/// Reference); the `organizations:` and `iam:` actions are those Detective itself needs when
/// EnableOrganizationAdminAccount designates an administrator (its dependent actions, and
/// the AmazonDetectiveOrganizationsAccess managed policy).
pub const AWS_ACTIONS: &[&str] = &[
    "detective:ListOrganizationAdminAccount",
    "detective:EnableOrganizationAdminAccount",
    "detective:DisableOrganizationAdminAccount",
    "organizations:DescribeOrganization",
    "organizations:EnableAWSServiceAccess",
    "organizations:RegisterDelegatedAdministrator",
    "iam:CreateServiceLinkedRole",
    "detective:ListGraphs",
    "organizations:ListDelegatedAdministrators",
    "detective:CreateGraph",
    "detective:DeleteGraph",
    "detective:ListDatasourcePackages",
    "detective:UpdateDatasourcePackages",
    "detective:ListTagsForResource",
    "detective:TagResource",
    "detective:UntagResource",
    "detective:DescribeOrganizationConfiguration",
    "detective:UpdateOrganizationConfiguration",
];

/// The function's own variables; the desired state comes with each request (the custom
/// resource's properties), so that CloudFormation sends an Update when it changes.
pub const VARIABLES: &[(&str, &str)] = &[("DRY_RUN", "false"), ("DISABLE_ON_DELETE", "false"), ("STACK_ID", "")];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigureConfig {
    /// `DRY_RUN`: read, decide, make no write (and answer SUCCESS).
    pub dry_run: bool,
    /// `DISABLE_ON_DELETE`: whether a Delete asking DisableOnDelete may destroy anything.
    pub disable_on_delete: bool,
    /// `STACK_ID`: the function's own stack; requests for any other are not acted on or
    /// answered. Unset (the CLI, tests): any.
    pub stack_id: Option<String>,
}

impl ConfigureConfig {
    pub fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        Ok(Self {
            dry_run: config::boolean(env, "DRY_RUN", false)?,
            disable_on_delete: config::boolean(env, "DISABLE_ON_DELETE", false)?,
            stack_id: config::optional(env, "STACK_ID"),
        })
    }
}
