//! The functions the CLI runs: the registry's, configured as in Lambda.

use shared::config::{ConfigError, Env};
use shared::registry::{Configured, Kind};

use crate::UsageError;

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

/// A function by name, or a usage error listing them.
pub fn by_name(name: &str) -> Result<Kind, UsageError> {
    Kind::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Kind::ALL.iter().map(|kind| kind.name()).collect();
        UsageError(format!(
            "unknown function {name:?}; expected one of {}",
            names.join(", ")
        ))
    })
}

/// Its configuration from `env` (AWS_REGION falling back on `region`).
pub fn configure(kind: Kind, env: &dyn Env, region: &str, force_dry_run: bool) -> Result<Configured, UsageError> {
    kind.configure(&WithRegion { env, region }, force_dry_run)
        .map_err(|error: ConfigError| UsageError(error.to_string()))
}
