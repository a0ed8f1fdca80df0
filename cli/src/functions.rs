//! The handlers the CLI can run, chosen by name or by the event's route.

use std::str::FromStr;

use aws_config::SdkConfig;
use serde_json::Value;
use shared::aws::SdkDetective;
use shared::clock::Clock;
use shared::config::Env;
use shared::event::Trigger;
use shared::investigate::{self, InvestigateConfig};
use shared::outcome::Outcome;

use crate::UsageError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    InvestigateFindings,
}

impl Function {
    pub const ALL: &'static [Function] = &[Function::InvestigateFindings];

    pub fn name(self) -> &'static str {
        match self {
            Self::InvestigateFindings => investigate::FUNCTION,
        }
    }

    /// The function whose trigger this is.
    pub fn for_trigger(_trigger: &Trigger) -> Self {
        Self::InvestigateFindings
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
}

impl Configured {
    pub fn from_env(function: Function, env: &dyn Env, force_dry_run: bool) -> Result<Self, UsageError> {
        let error = |error: shared::config::ConfigError| UsageError(error.to_string());
        match function {
            Function::InvestigateFindings => {
                let mut config = InvestigateConfig::from_env(env).map_err(error)?;
                config.dry_run |= force_dry_run;
                Ok(Self::InvestigateFindings(config))
            }
        }
    }

    pub async fn handle(&self, payload: &Value, sdk: &SdkConfig, clock: &dyn Clock) -> Outcome {
        match self {
            Self::InvestigateFindings(config) => {
                investigate::handle(payload, &SdkDetective::new(sdk), config, clock).await
            }
        }
    }
}
