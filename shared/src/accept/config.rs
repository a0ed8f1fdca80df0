//! accept-invitations configuration: a security allowlist, so any problem stops the function.

use crate::aws::arn::GraphArn;
use crate::config::{self, ConfigError, Env};
use crate::domain::AccountId;

/// What to do with an invitation that is not trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UntrustedPolicy {
    /// Leave it, log it and report it.
    Ignore,
    /// RejectInvitation.
    Reject,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AcceptConfig {
    /// `TRUSTED_ADMIN_ACCOUNT_IDS`: required; there is no "accept all".
    pub trusted_admin_account_ids: Vec<AccountId>,
    /// `TRUSTED_GRAPH_ARNS`: when set, the graph must be listed too.
    pub trusted_graph_arns: Vec<String>,
    /// `UNTRUSTED_INVITATIONS`: `ignore` (default) or `reject`.
    pub untrusted: UntrustedPolicy,
    /// `LEAVE_UNTRUSTED_GRAPHS`: disassociate from graphs whose administrator is not trusted.
    pub leave_untrusted_graphs: bool,
    /// `REGIONS`: default the function's own region.
    pub regions: Vec<String>,
    /// `DRY_RUN`.
    pub dry_run: bool,
}

/// Every variable the function reads, with its default ("" = unset; the allowlist is required).
pub const VARIABLES: &[(&str, &str)] = &[
    ("TRUSTED_ADMIN_ACCOUNT_IDS", ""),
    ("TRUSTED_GRAPH_ARNS", ""),
    ("UNTRUSTED_INVITATIONS", "ignore"),
    ("LEAVE_UNTRUSTED_GRAPHS", "false"),
    ("REGIONS", ""),
    ("DRY_RUN", "false"),
];

impl AcceptConfig {
    pub fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        let admins_var = "TRUSTED_ADMIN_ACCOUNT_IDS";
        let trusted_admin_account_ids = config::account_ids(env, admins_var)?;
        if trusted_admin_account_ids.is_empty() {
            return Err(ConfigError {
                var: admins_var,
                expected: "one or more comma-separated 12-digit account ids (there is no \"accept all\")",
                found: env.get(admins_var).unwrap_or_default(),
            });
        }
        let trusted_graph_arns = config::list(env, "TRUSTED_GRAPH_ARNS");
        if let Some(bad) = trusted_graph_arns.iter().find(|arn| GraphArn::parse(arn).is_none()) {
            return Err(ConfigError {
                var: "TRUSTED_GRAPH_ARNS",
                expected: "comma-separated arn:<partition>:detective:<region>:<12-digit account>:graph:<32 lowercase hex digits>",
                found: bad.clone(),
            });
        }
        let untrusted = match config::optional(env, "UNTRUSTED_INVITATIONS")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("ignore") => UntrustedPolicy::Ignore,
            Some("reject") => UntrustedPolicy::Reject,
            Some(other) => {
                return Err(ConfigError {
                    var: "UNTRUSTED_INVITATIONS",
                    expected: "ignore or reject",
                    found: other.to_owned(),
                })
            }
        };
        Ok(Self {
            trusted_admin_account_ids,
            trusted_graph_arns,
            untrusted,
            leave_untrusted_graphs: config::boolean(env, "LEAVE_UNTRUSTED_GRAPHS", false)?,
            regions: config::regions(env)?,
            dry_run: config::boolean(env, "DRY_RUN", false)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        let mut env: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        env.entry("AWS_REGION".into()).or_insert_with(|| "us-east-1".into());
        env
    }

    fn error(pairs: &[(&str, &str)]) -> String {
        AcceptConfig::from_env(&env(pairs))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn the_allowlist_is_required_and_strict() {
        assert!(error(&[]).starts_with("configuration variable TRUSTED_ADMIN_ACCOUNT_IDS: expected one or more"));
        assert!(error(&[("TRUSTED_ADMIN_ACCOUNT_IDS", " , ")])
            .starts_with("configuration variable TRUSTED_ADMIN_ACCOUNT_IDS"));
        assert_eq!(
            error(&[("TRUSTED_ADMIN_ACCOUNT_IDS", "111111111111,22222222222")]),
            "configuration variable TRUSTED_ADMIN_ACCOUNT_IDS: expected comma-separated 12-digit account ids; found \"22222222222\""
        );
        assert!(error(&[("TRUSTED_ADMIN_ACCOUNT_IDS", "all")]).contains("found \"all\""));
        assert!(error(&[("TRUSTED_ADMIN_ACCOUNT_IDS", "*")]).contains("found \"*\""));
    }

    #[test]
    fn declared_defaults_are_the_code_defaults() {
        let admins = ("TRUSTED_ADMIN_ACCOUNT_IDS", "111111111111");
        let mut declared = env(&[]);
        declared.extend(VARIABLES.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        declared.insert(admins.0.into(), admins.1.into());
        assert_eq!(
            AcceptConfig::from_env(&declared).ok(),
            AcceptConfig::from_env(&env(&[admins])).ok()
        );
    }

    #[test]
    fn spaces_and_duplicates_are_tolerated() {
        let config = AcceptConfig::from_env(&env(&[(
            "TRUSTED_ADMIN_ACCOUNT_IDS",
            " 111111111111 , 111111111111,222222222222",
        )]));
        assert_eq!(
            config.map(|c| c.trusted_admin_account_ids).unwrap_or_default(),
            vec!["111111111111", "222222222222"]
        );
    }

    #[test]
    fn other_variables_are_checked_too() {
        let admins = ("TRUSTED_ADMIN_ACCOUNT_IDS", "111111111111");
        assert!(error(&[admins, ("UNTRUSTED_INVITATIONS", "delete")])
            .starts_with("configuration variable UNTRUSTED_INVITATIONS"));
        assert!(error(&[admins, ("TRUSTED_GRAPH_ARNS", "graph-1")])
            .starts_with("configuration variable TRUSTED_GRAPH_ARNS"));
        assert!(error(&[admins, ("LEAVE_UNTRUSTED_GRAPHS", "sometimes")])
            .starts_with("configuration variable LEAVE_UNTRUSTED_GRAPHS"));
    }
}
