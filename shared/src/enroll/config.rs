//! enroll-accounts configuration, read once at start.

use crate::aws::arn::GraphArn;
use crate::config::{self, ConfigError, Env};
use crate::domain::AccountId;

#[derive(Debug, Clone, PartialEq)]
pub struct EnrollConfig {
    /// `REGIONS`: where to enroll; default the function's own region (`AWS_REGION`).
    pub regions: Vec<String>,
    /// `GRAPH_ARN`: the graph in its own region; other regions use ListGraphs.
    pub graph_arn: Option<GraphArn>,
    /// `SKIP_ACCOUNT_IDS`: never enrolled, never removed.
    pub skip_account_ids: Vec<AccountId>,
    /// `REMOVE_DEPARTED_ACCOUNTS`: delete members that left the organization or are no longer ACTIVE.
    pub remove_departed_accounts: bool,
    /// `ENSURE_AUTO_ENABLE`: turn on the organization configuration's AutoEnable.
    pub ensure_auto_enable: bool,
    /// `MAX_CONCURRENT_REGIONS`: regions swept at once.
    pub max_concurrent_regions: usize,
    /// `DRY_RUN`: read, decide, make no write.
    pub dry_run: bool,
}

/// Every variable the function reads, with its default ("" = unset), as the template declares them.
pub const VARIABLES: &[(&str, &str)] = &[
    ("REGIONS", ""),
    ("GRAPH_ARN", ""),
    ("SKIP_ACCOUNT_IDS", ""),
    ("REMOVE_DEPARTED_ACCOUNTS", "false"),
    ("ENSURE_AUTO_ENABLE", "true"),
    ("MAX_CONCURRENT_REGIONS", "4"),
    ("DRY_RUN", "false"),
];

impl EnrollConfig {
    pub fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        let regions = config::regions(env)?;
        let graph_arn = match config::optional(env, "GRAPH_ARN") {
            None => None,
            Some(value) => Some(GraphArn::parse(&value).ok_or(ConfigError {
                var: "GRAPH_ARN",
                expected: "arn:<partition>:detective:<region>:<12-digit account>:graph:<32 lowercase hex digits>",
                found: value,
            })?),
        };
        let skip_account_ids = config::account_ids(env, "SKIP_ACCOUNT_IDS")?;
        Ok(Self {
            regions,
            graph_arn,
            skip_account_ids,
            remove_departed_accounts: config::boolean(env, "REMOVE_DEPARTED_ACCOUNTS", false)?,
            ensure_auto_enable: config::boolean(env, "ENSURE_AUTO_ENABLE", true)?,
            max_concurrent_regions: config::whole_number(env, "MAX_CONCURRENT_REGIONS", 4, 1, 32)? as usize,
            dry_run: config::boolean(env, "DRY_RUN", false)?,
        })
    }

    pub fn is_skipped(&self, account_id: &str) -> bool {
        self.skip_account_ids.iter().any(|id| id == account_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn declared_defaults_are_the_code_defaults() {
        let mut declared = env(&[("AWS_REGION", "us-east-1")]);
        declared.extend(VARIABLES.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        assert_eq!(
            EnrollConfig::from_env(&declared).ok(),
            EnrollConfig::from_env(&env(&[("AWS_REGION", "us-east-1")])).ok()
        );
    }

    #[test]
    fn regions_default_to_the_functions_own() {
        let config = EnrollConfig::from_env(&env(&[("AWS_REGION", "eu-west-1")])).unwrap();
        assert_eq!(config.regions, vec!["eu-west-1"]);
        assert_eq!(config.max_concurrent_regions, 4);
        assert!(config.ensure_auto_enable && !config.remove_departed_accounts);
        let many = EnrollConfig::from_env(&env(&[("REGIONS", "us-west-2, us-east-1,us-west-2")])).unwrap();
        assert_eq!(many.regions, vec!["us-east-1", "us-west-2"]);
    }

    #[test]
    fn bad_values_name_the_variable() {
        assert_eq!(EnrollConfig::from_env(&env(&[])).unwrap_err().var, "REGIONS");
        assert_eq!(
            EnrollConfig::from_env(&env(&[("REGIONS", "us-east-1,Mars")]))
                .unwrap_err()
                .var,
            "REGIONS"
        );
        let skip = env(&[("AWS_REGION", "us-east-1"), ("SKIP_ACCOUNT_IDS", "12345")]);
        assert_eq!(EnrollConfig::from_env(&skip).unwrap_err().var, "SKIP_ACCOUNT_IDS");
        let concurrency = env(&[("AWS_REGION", "us-east-1"), ("MAX_CONCURRENT_REGIONS", "0")]);
        assert_eq!(
            EnrollConfig::from_env(&concurrency).unwrap_err().var,
            "MAX_CONCURRENT_REGIONS"
        );
    }
}
