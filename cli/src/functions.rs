//! The handlers the CLI can run, chosen by name or by the event's route.

use std::str::FromStr;

use aws_config::SdkConfig;
use serde_json::Value;
use std::time::Duration;

use shared::accept::{self, AcceptConfig};
use shared::aws::{GraphCache, SdkDetective, SdkOrganizations, SdkPrincipalLookup};
use shared::clock::Clock;
use shared::config::Env;
use shared::enroll::{self, EnrollConfig, Enroller};
use shared::event::Trigger;
use shared::investigate::{self, InvestigateConfig, Investigator};
use shared::outcome::Outcome;

use crate::UsageError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    InvestigateFindings,
    EnrollAccounts,
    AcceptInvitations,
}

impl Function {
    pub const ALL: &'static [Function] = &[
        Function::InvestigateFindings,
        Function::EnrollAccounts,
        Function::AcceptInvitations,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::InvestigateFindings => investigate::FUNCTION,
            Self::EnrollAccounts => enroll::FUNCTION,
            Self::AcceptInvitations => accept::FUNCTION,
        }
    }

    /// The function whose trigger this is.
    pub fn for_trigger(trigger: &Trigger) -> Self {
        match trigger {
            Trigger::AccountCreated { .. }
            | Trigger::HandshakeAccepted { .. }
            | Trigger::AccountDeparted { .. }
            | Trigger::Scheduled { .. } => Self::EnrollAccounts,
            Trigger::DetectiveMembersCreated { .. } => Self::AcceptInvitations,
            _ => Self::InvestigateFindings,
        }
    }
}

impl FromStr for Function {
    type Err = UsageError;

    fn from_str(name: &str) -> Result<Self, UsageError> {
        Self::ALL
            .iter()
            .copied()
            .find(|function| function.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|function| function.name()).collect();
                UsageError(format!(
                    "unknown function {name:?}; expected one of {}",
                    names.join(", ")
                ))
            })
    }
}

/// A function's configuration, read from the environment as in Lambda.
pub enum Configured {
    InvestigateFindings(InvestigateConfig),
    EnrollAccounts(EnrollConfig),
    AcceptInvitations(AcceptConfig),
}

/// The environment, with a region to fall back on where Lambda would set AWS_REGION.
struct WithRegion<'a> {
    env: &'a dyn Env,
    region: &'a str,
}

impl Env for WithRegion<'_> {
    fn get(&self, var: &str) -> Option<String> {
        self.env
            .get(var)
            .or_else(|| (var == "AWS_REGION").then(|| self.region.to_owned()))
    }
}

impl Configured {
    pub fn from_env(function: Function, env: &dyn Env, region: &str, force_dry_run: bool) -> Result<Self, UsageError> {
        let error = |error: shared::config::ConfigError| UsageError(error.to_string());
        match function {
            Function::InvestigateFindings => {
                let mut config = InvestigateConfig::from_env(env).map_err(error)?;
                config.dry_run |= force_dry_run;
                Ok(Self::InvestigateFindings(config))
            }
            Function::EnrollAccounts => {
                let mut config = EnrollConfig::from_env(&WithRegion { env, region }).map_err(error)?;
                config.dry_run |= force_dry_run;
                Ok(Self::EnrollAccounts(config))
            }
            Function::AcceptInvitations => {
                let mut config = AcceptConfig::from_env(&WithRegion { env, region }).map_err(error)?;
                config.dry_run |= force_dry_run;
                Ok(Self::AcceptInvitations(config))
            }
        }
    }

    pub async fn handle(&self, payload: &Value, sdk: &SdkConfig, clock: &dyn Clock) -> Outcome {
        match self {
            Self::InvestigateFindings(config) => {
                let lookup = config
                    .role_lookup_role_name
                    .as_deref()
                    .map(|role| SdkPrincipalLookup::new(sdk, role));
                let investigator = Investigator {
                    detective: &SdkDetective::new(sdk),
                    lookup: lookup.as_ref(),
                    config,
                    graphs: &GraphCache::default(),
                    clock,
                    deadline: None,
                };
                investigator.handle(payload).await
            }
            Self::EnrollAccounts(config) => {
                let enroller = Enroller {
                    detective: &SdkDetective::new(sdk),
                    organizations: &SdkOrganizations::new(sdk),
                    config,
                    graphs: &GraphCache::default(),
                    clock,
                    deadline: None,
                    retry_base: Duration::from_secs(1),
                };
                enroller.handle(payload).await
            }
            Self::AcceptInvitations(config) => accept::handle(payload, &SdkDetective::new(sdk), config).await,
        }
    }
}

/// Each function's AWS actions and variables with their defaults, as JSON.
pub fn describe() -> Value {
    let entry = |actions: &[&str], variables: &[(&str, &str)]| {
        let variables: serde_json::Map<String, Value> = variables
            .iter()
            .map(|(name, default)| ((*name).to_owned(), Value::from(*default)))
            .collect();
        serde_json::json!({"actions": actions, "variables": variables})
    };
    let mut investigate_entry = entry(investigate::AWS_ACTIONS, investigate::VARIABLES);
    if let Some(entry) = investigate_entry.as_object_mut() {
        // What the role in member accounts (ROLE_LOOKUP_ROLE_NAME) must be allowed.
        entry.insert(
            "lookup_role_actions".to_owned(),
            serde_json::json!(investigate::LOOKUP_ROLE_ACTIONS),
        );
    }
    serde_json::json!({
        investigate::FUNCTION: investigate_entry,
        enroll::FUNCTION: entry(enroll::AWS_ACTIONS, enroll::VARIABLES),
        accept::FUNCTION: entry(accept::AWS_ACTIONS, accept::VARIABLES),
    })
}
