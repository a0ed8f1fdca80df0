//! configure-detective: Detective set up as desired (the delegated administrator, the
//! organization graph, its data source packages, tags and AutoEnable), reconciled per
//! region: read, a pure plan, one executor. Behind a CloudFormation custom resource and
//! `autopilot setup`.

mod answer;
mod desired;
mod handler;
mod plan;
mod reason;
mod reconcile;
mod writes;

pub use answer::{response_body, CloudFormationAnswer};
pub use desired::{DesiredState, MANAGED_TAGS_KEY, NAMES};
pub use handler::{answered_cloudformation, read_request, stack_variables, ConfigureDetective, FUNCTION};
pub use plan::{
    packages_off, plan_designation, plan_graph, plan_no_graph, plan_teardown, wrong_account as plan_wrong_account,
    GraphObserved, Part,
};
pub use reason::Reason;
pub use reconcile::{observe, plan, reconcile, reconcile_region, AsManagementReads, Observed, RegionSetup};
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

/// The function's own variables. Deployed, the desired state is the stack's (its
/// parameters, as variables); the custom resource's properties repeat it so that
/// CloudFormation sends an Update when it changes, and a request whose properties differ is
/// refused. Unset STACK_ID (the CLI, tests): the request's properties are the desired state.
pub const VARIABLES: &[(&str, &str)] = &[
    ("DRY_RUN", "false"),
    ("DISABLE_ON_DELETE", "false"),
    ("STACK_ID", ""),
    ("PART", ""),
    ("REGIONS", ""),
    ("ADMINISTRATOR_ACCOUNT_ID", ""),
    ("DATASOURCE_PACKAGES", ""),
    ("GRAPH_TAGS", ""),
    ("AUTO_ENABLE", "true"),
];

/// What the deployed function sets up, from its stack's parameters: the only desired state
/// it acts on.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnSetup {
    /// `STACK_ID`: requests for any other stack are neither acted on nor answered.
    pub stack_id: String,
    /// `PART`: organization (management stack) or graph (administrator stack).
    pub part: Part,
    /// REGIONS, ADMINISTRATOR_ACCOUNT_ID, DATASOURCE_PACKAGES, GRAPH_TAGS, AUTO_ENABLE and
    /// DISABLE_ON_DELETE.
    pub desired: DesiredState,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConfigureConfig {
    /// `DRY_RUN`: read, decide, make no write (and answer SUCCESS).
    pub dry_run: bool,
    /// `DISABLE_ON_DELETE`: whether a Delete asking DisableOnDelete may destroy anything.
    pub disable_on_delete: bool,
    /// The stack's own setup; None only where STACK_ID is unset (the CLI, tests), which
    /// Lambda refuses at start.
    pub own: Option<OwnSetup>,
    /// `AWS_REGION`: the only region whose CloudFormation response host is answered.
    pub region: Option<String>,
}

impl ConfigureConfig {
    pub fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        let own = match config::optional(env, "STACK_ID") {
            Some(stack_id) => Some(OwnSetup::from_env(stack_id, env)?),
            // Deployed, the stack is what the function obeys: never the request alone.
            None if config::optional(env, "AWS_LAMBDA_FUNCTION_NAME").is_some() => {
                return Err(ConfigError {
                    var: "STACK_ID",
                    expected: "the ARN of the function's own stack (set by the template)",
                    found: String::new(),
                })
            }
            None => None,
        };
        Ok(Self {
            dry_run: config::boolean(env, "DRY_RUN", false)?,
            disable_on_delete: config::boolean(env, "DISABLE_ON_DELETE", false)?,
            own,
            region: config::optional(env, "AWS_REGION"),
        })
    }
}

impl OwnSetup {
    fn from_env(stack_id: String, env: &dyn Env) -> Result<Self, ConfigError> {
        let part_text = config::optional(env, "PART").unwrap_or_default();
        let part = Part::parse(&part_text).ok_or(ConfigError {
            var: "PART",
            expected: "organization or graph",
            found: part_text,
        })?;
        Ok(Self {
            stack_id,
            part,
            desired: DesiredState::from_env(env)?,
        })
    }
}
