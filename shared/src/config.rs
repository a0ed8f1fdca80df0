//! Reading configuration from environment variables, failing with the variable's name.

use std::collections::HashMap;

use crate::domain::AccountId;

/// A configuration variable that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration variable {var}: expected {expected}; found {found:?}")]
pub struct ConfigError {
    pub var: &'static str,
    pub expected: &'static str,
    pub found: String,
}

/// Where variables come from: the process environment in Lambda, a map in tests.
pub trait Env {
    fn get(&self, var: &str) -> Option<String>;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, var: &str) -> Option<String> {
        std::env::var(var).ok()
    }
}

impl Env for HashMap<String, String> {
    fn get(&self, var: &str) -> Option<String> {
        HashMap::get(self, var).cloned()
    }
}

/// The value, trimmed; an empty value counts as unset.
pub fn optional(env: &dyn Env, var: &str) -> Option<String> {
    env.get(var)
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

pub fn boolean(env: &dyn Env, var: &'static str, default: bool) -> Result<bool, ConfigError> {
    match optional(env, var) {
        None => Ok(default),
        Some(value) => match value.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" => Ok(false),
            _ => Err(ConfigError {
                var,
                expected: "true or false",
                found: value,
            }),
        },
    }
}

pub fn number(env: &dyn Env, var: &'static str, default: f64, min: f64, max: f64) -> Result<f64, ConfigError> {
    match optional(env, var) {
        None => Ok(default),
        Some(value) => value
            .parse::<f64>()
            .ok()
            .filter(|parsed| (min..=max).contains(parsed))
            .ok_or(ConfigError {
                var,
                expected: "a number in range",
                found: value,
            }),
    }
}

pub fn whole_number(env: &dyn Env, var: &'static str, default: u32, min: u32, max: u32) -> Result<u32, ConfigError> {
    match optional(env, var) {
        None => Ok(default),
        Some(value) => value
            .parse::<u32>()
            .ok()
            .filter(|parsed| (min..=max).contains(parsed))
            .ok_or(ConfigError {
                var,
                expected: "a whole number in range",
                found: value,
            }),
    }
}

/// A comma-separated list; spaces around items and empty items are dropped.
pub fn list(env: &dyn Env, var: &str) -> Vec<String> {
    optional(env, var)
        .map(|value| {
            value
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn is_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        && parts
            .last()
            .is_some_and(|last| last.bytes().all(|b| b.is_ascii_digit()))
}

/// A comma-separated list of account ids (spaces tolerated), each checked; sorted, no duplicates.
pub fn account_ids(env: &dyn Env, var: &'static str) -> Result<Vec<AccountId>, ConfigError> {
    let mut ids = list(env, var)
        .into_iter()
        .map(|id| {
            AccountId::parse(&id).ok_or(ConfigError {
                var,
                expected: "comma-separated 12-digit account ids",
                found: id,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// The value when set, refused (naming the variable) when it does not fit.
fn optional_checked(
    env: &dyn Env,
    var: &'static str,
    expected: &'static str,
    fits: impl Fn(&str) -> bool,
) -> Result<Option<String>, ConfigError> {
    match optional(env, var) {
        Some(value) if !fits(&value) => Err(ConfigError {
            var,
            expected,
            found: value,
        }),
        other => Ok(other),
    }
}

/// An optional region name (`IDENTITY_CENTER_REGION`).
pub fn optional_region(env: &dyn Env, var: &'static str) -> Result<Option<String>, ConfigError> {
    optional_checked(env, var, "a region name such as us-east-1", is_region)
}

/// An optional IAM role name (1 to 64 of letters, digits and `_+=,.@-`).
pub fn optional_role_name(env: &dyn Env, var: &'static str) -> Result<Option<String>, ConfigError> {
    optional_checked(
        env,
        var,
        "an IAM role name (1 to 64 of letters, digits and _+=,.@-)",
        |name| {
            name.len() <= 64
                && name
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || b"_+=,.@-".contains(&byte))
        },
    )
}

/// `REGIONS` (comma-separated), else the function's own region (`AWS_REGION`); sorted, no duplicates.
pub fn regions(env: &dyn Env) -> Result<Vec<String>, ConfigError> {
    let mut regions = list(env, "REGIONS");
    if regions.is_empty() {
        regions = optional(env, "AWS_REGION").into_iter().collect();
    }
    if regions.is_empty() {
        return Err(ConfigError {
            var: "REGIONS",
            expected: "comma-separated regions (or AWS_REGION set)",
            found: String::new(),
        });
    }
    if let Some(bad) = regions.iter().find(|region| !is_region(region)) {
        return Err(ConfigError {
            var: "REGIONS",
            expected: "comma-separated region names such as us-east-1",
            found: bad.clone(),
        });
    }
    regions.sort();
    regions.dedup();
    Ok(regions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn bad_values_name_the_variable() {
        let error = boolean(&env(&[("DRY_RUN", "maybe")]), "DRY_RUN", false).err();
        assert_eq!(
            error.map(|e| e.to_string()).as_deref(),
            Some("configuration variable DRY_RUN: expected true or false; found \"maybe\"")
        );
        assert!(number(&env(&[("MIN_SEVERITY", "11")]), "MIN_SEVERITY", 7.0, 0.0, 10.0).is_err());
    }

    #[test]
    fn lists_tolerate_spaces_and_empty_items() {
        assert_eq!(list(&env(&[("X", " a, b ,,c ")]), "X"), vec!["a", "b", "c"]);
        assert!(list(&env(&[]), "X").is_empty());
    }
}
