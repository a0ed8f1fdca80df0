//! enroll-accounts configuration, read once at start.

use super::priority::Priority;
use crate::aws::arn::GraphArn;
use crate::config::{self, ConfigError, Env};
use crate::domain::{AccountId, DatasourcePackage};

/// Detective's limit of member accounts in a behavior graph.
pub const MEMBER_QUOTA: u32 = 1_200;

/// IAM user or role ARNs (`arn:<partition>:iam::<account>:role/...` or `user/...`).
fn arns(env: &dyn Env, var: &'static str) -> Result<Vec<String>, ConfigError> {
    let arns = config::list(env, var);
    match arns
        .iter()
        .find(|arn| !(arn.starts_with("arn:") && (arn.contains(":role/") || arn.contains(":user/"))))
    {
        Some(bad) => Err(ConfigError {
            var,
            expected: "comma-separated IAM role or user ARNs",
            found: bad.clone(),
        }),
        None => Ok(arns),
    }
}

fn packages(env: &dyn Env) -> Result<Vec<DatasourcePackage>, ConfigError> {
    config::list(env, "DATASOURCE_PACKAGES")
        .into_iter()
        .map(|name| match DatasourcePackage::from_aws(&name.to_ascii_uppercase()) {
            DatasourcePackage::Other(_) => Err(ConfigError {
                var: "DATASOURCE_PACKAGES",
                expected: "comma-separated packages among EKS_AUDIT, ASFF_SECURITYHUB_FINDING, DETECTIVE_CORE",
                found: name,
            }),
            package => Ok(package),
        })
        .collect()
}

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
    /// `MAX_CONCURRENT_REGIONS`: regions swept at once; by default all of them, so that a
    /// throttled region (each is its own endpoint, with its own limits) delays no other.
    pub max_concurrent_regions: usize,
    /// `ENROLL_PRIORITY`: which ACTIVE accounts come first when a graph cannot take them all.
    pub priority: Priority,
    /// `MAKE_ROOM`: remove lower-ranked members this function enrolls (InvitationType
    /// ORGANIZATION) to make room for higher-ranked accounts in a full graph.
    pub make_room: bool,
    /// `MEMBER_QUOTA`: the members a graph may have (Detective's is 1,200); a lower value
    /// keeps room for invited accounts.
    pub member_quota: usize,
    /// `TAMPER_RESPONSE`: what a call that weakens Detective gets: restore (and alert),
    /// alert only, or nothing.
    pub tamper_response: TamperResponse,
    /// `TRUSTED_CHANGE_PRINCIPALS`: role or user ARNs (break-glass, pipelines) whose changes
    /// are alerted on, never reverted.
    pub trusted_change_principals: Vec<String>,
    /// This project's own functions as CloudTrail names their calls: `OWN_ROLE_ARN` with
    /// this function's name (`AWS_LAMBDA_FUNCTION_NAME`), and `SETUP_SESSION`
    /// (configure-detective's). Only the exact session is ours: the same role from any other
    /// session (a function someone passed it to) is tampering.
    pub own_sessions: Vec<OwnSession>,
    /// `ACCOUNT_ID` and `MANAGEMENT_ACCOUNT_ID`: the accounts whose Detective calls are
    /// answered; a call recorded for any other account is not ours to judge.
    pub accounts: Vec<AccountId>,
    /// `ALERT_BUS_NAME`: where the alerts go.
    pub alert_bus: String,
    /// `DATASOURCE_PACKAGES`: optional packages that must stay on (DETECTIVE_CORE always).
    pub datasource_packages: Vec<DatasourcePackage>,
    /// `DRY_RUN`: read, decide, make no write.
    pub dry_run: bool,
}

/// A role and the session name its function's calls carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnSession {
    pub role_arn: String,
    /// None where the function's name is not known (outside Lambda): no call is ours then.
    pub session_name: Option<String>,
}

fn own_sessions(env: &dyn Env) -> Result<Vec<OwnSession>, ConfigError> {
    let mut sessions = Vec::new();
    if let Some(role_arn) = config::optional(env, "OWN_ROLE_ARN") {
        if !is_role_arn(&role_arn) {
            return Err(ConfigError {
                var: "OWN_ROLE_ARN",
                expected: "the IAM role ARN of this function's execution role",
                found: role_arn,
            });
        }
        sessions.push(OwnSession {
            role_arn,
            session_name: config::optional(env, "AWS_LAMBDA_FUNCTION_NAME"),
        });
    }
    if let Some(setup) = config::optional(env, "SETUP_SESSION") {
        // Function names have no '=': the last one separates the name from the role's ARN.
        match setup.rsplit_once('=') {
            Some((role_arn, name)) if is_role_arn(role_arn) && !name.is_empty() => sessions.push(OwnSession {
                role_arn: role_arn.to_owned(),
                session_name: Some(name.to_owned()),
            }),
            _ => {
                return Err(ConfigError {
                    var: "SETUP_SESSION",
                    expected: "<configure-detective's role ARN>=<its function name>",
                    found: setup,
                })
            }
        }
    }
    Ok(sessions)
}

fn is_role_arn(arn: &str) -> bool {
    arn.starts_with("arn:") && arn.contains(":role/")
}

fn accounts(env: &dyn Env) -> Result<Vec<AccountId>, ConfigError> {
    let mut accounts = Vec::new();
    for var in ["ACCOUNT_ID", "MANAGEMENT_ACCOUNT_ID"] {
        accounts.extend(config::account_ids(env, var)?);
    }
    Ok(accounts)
}

/// `TAMPER_RESPONSE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TamperResponse {
    Restore,
    Alert,
    Off,
}

/// Every variable the function reads, with its default ("" = unset), as the template declares them.
pub const VARIABLES: &[(&str, &str)] = &[
    ("REGIONS", ""),
    ("GRAPH_ARN", ""),
    ("SKIP_ACCOUNT_IDS", ""),
    ("REMOVE_DEPARTED_ACCOUNTS", "false"),
    ("ENSURE_AUTO_ENABLE", "true"),
    ("MAX_CONCURRENT_REGIONS", "32"),
    ("ENROLL_PRIORITY", ""),
    ("MAKE_ROOM", "false"),
    ("MEMBER_QUOTA", "1200"),
    ("TAMPER_RESPONSE", "restore"),
    ("TRUSTED_CHANGE_PRINCIPALS", ""),
    ("OWN_ROLE_ARN", ""),
    ("SETUP_SESSION", ""),
    ("ACCOUNT_ID", ""),
    ("MANAGEMENT_ACCOUNT_ID", ""),
    ("ALERT_BUS_NAME", "default"),
    ("DATASOURCE_PACKAGES", ""),
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
            max_concurrent_regions: config::whole_number(env, "MAX_CONCURRENT_REGIONS", 32, 1, 32)? as usize,
            priority: Priority::from_env(env)?,
            make_room: config::boolean(env, "MAKE_ROOM", false)?,
            member_quota: config::whole_number(env, "MEMBER_QUOTA", MEMBER_QUOTA, 1, 1_200)? as usize,
            tamper_response: match config::optional(env, "TAMPER_RESPONSE").as_deref() {
                None | Some("restore") => TamperResponse::Restore,
                Some("alert") => TamperResponse::Alert,
                Some("off") => TamperResponse::Off,
                Some(other) => {
                    return Err(ConfigError {
                        var: "TAMPER_RESPONSE",
                        expected: "restore, alert or off",
                        found: other.to_owned(),
                    })
                }
            },
            trusted_change_principals: arns(env, "TRUSTED_CHANGE_PRINCIPALS")?,
            own_sessions: own_sessions(env)?,
            accounts: accounts(env)?,
            alert_bus: config::optional(env, "ALERT_BUS_NAME").unwrap_or_else(|| "default".to_owned()),
            datasource_packages: packages(env)?,
            dry_run: config::boolean(env, "DRY_RUN", false)?,
        })
    }

    /// The packages that must stay STARTED: DETECTIVE_CORE and DATASOURCE_PACKAGES.
    pub fn wanted_packages(&self) -> Vec<DatasourcePackage> {
        let mut wanted = vec![DatasourcePackage::DetectiveCore];
        wanted.extend(self.datasource_packages.iter().cloned());
        wanted.sort();
        wanted.dedup();
        wanted
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
        assert_eq!(config.max_concurrent_regions, 32);
        assert_eq!((config.member_quota, config.make_room), (1200, false));
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
        let tamper = env(&[("AWS_REGION", "us-east-1"), ("TAMPER_RESPONSE", "revert")]);
        assert_eq!(EnrollConfig::from_env(&tamper).unwrap_err().var, "TAMPER_RESPONSE");
        let trusted = env(&[("AWS_REGION", "us-east-1"), ("TRUSTED_CHANGE_PRINCIPALS", "alice")]);
        assert_eq!(
            EnrollConfig::from_env(&trusted).unwrap_err().var,
            "TRUSTED_CHANGE_PRINCIPALS"
        );
        let concurrency = env(&[("AWS_REGION", "us-east-1"), ("MAX_CONCURRENT_REGIONS", "0")]);
        assert_eq!(
            EnrollConfig::from_env(&concurrency).unwrap_err().var,
            "MAX_CONCURRENT_REGIONS"
        );
    }
}
