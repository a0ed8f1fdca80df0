//! Every function, listed once. The CLI (`replay`, `demo`, `describe`) and the bench
//! enumerate them here; adding a function is one line in `functions!` below.

use aws_config::SdkConfig;
use serde_json::Value;

use crate::clock::Clock;
use crate::config::{ConfigError, Env};
use crate::event::Trigger;
use crate::function::{Function, Handler};
use crate::outcome::Outcome;
use crate::runner::run;

macro_rules! functions {
    ($($kind:ident => $function:ty),+ $(,)?) => {
        /// A function, by name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Kind {
            $($kind,)+
        }

        impl Kind {
            /// In the order a trigger is offered to them.
            pub const ALL: &'static [Kind] = &[$(Kind::$kind,)+];

            pub fn name(self) -> &'static str {
                match self {
                    $(Kind::$kind => <$function as Handler>::NAME,)+
                }
            }

            pub fn takes(self, trigger: &Trigger) -> bool {
                match self {
                    $(Kind::$kind => <$function as Handler>::takes(trigger),)+
                }
            }

            /// Its AWS actions and variables (`autopilot describe`).
            pub fn describe(self) -> Value {
                match self {
                    $(Kind::$kind => <$function as Function>::describe(),)+
                }
            }

            /// Its configuration from `env`, as Lambda reads it.
            pub fn configure(self, env: &dyn Env, force_dry_run: bool) -> Result<Configured, ConfigError> {
                match self {
                    $(Kind::$kind => {
                        let mut config = <$function as Function>::config(env)?;
                        if force_dry_run {
                            <$function as Function>::force_dry_run(&mut config);
                        }
                        Ok(Configured::$kind(config))
                    })+
                }
            }
        }

        /// A function with its configuration, ready to run an event.
        pub enum Configured {
            $($kind(<$function as Function>::Config),)+
        }

        impl Configured {
            /// A cold function built on `sdk`, running one event through the runner.
            pub async fn run(&self, payload: &Value, sdk: &SdkConfig, clock: &dyn Clock) -> Outcome {
                match self {
                    $(Configured::$kind(config) => {
                        let function = <$function as Function>::build(config.clone(), sdk);
                        run(&function, payload, clock, None).await.outcome
                    })+
                }
            }
        }
    };
}

functions! {
    InvestigateFindings => crate::investigate::InvestigateFindings,
    EnrollAccounts => crate::enroll::EnrollAccounts,
    AcceptInvitations => crate::accept::AcceptInvitations,
    ConfigureDetective => crate::configure::ConfigureDetective,
    ReportInvestigations => crate::report::ReportInvestigations,
}

impl Kind {
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|kind| kind.name() == name)
    }

    /// The first function that takes the trigger; investigate-findings (which then says
    /// why it ignores it) when none does.
    pub fn for_trigger(trigger: &Trigger) -> Self {
        Self::ALL
            .iter()
            .copied()
            .find(|kind| kind.takes(trigger))
            .unwrap_or(Self::InvestigateFindings)
    }

    /// Every function's AWS actions and variables, by name.
    pub fn describe_all() -> Value {
        Value::Object(
            Self::ALL
                .iter()
                .map(|kind| (kind.name().to_owned(), kind.describe()))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    /// The core: what every function goes through and no function owns.
    const CORE: &[&str] = &[
        "runner.rs",
        "lambda.rs",
        "function.rs",
        "metrics.rs",
        "execute.rs",
        "steps.rs",
        "regions.rs",
        "operation.rs",
        "telemetry.rs",
        "outcome",
        "aws",
    ];

    fn source() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
    }

    fn rust_files(path: &Path) -> Vec<PathBuf> {
        if path.is_file() {
            return vec![path.to_owned()];
        }
        let Ok(entries) = std::fs::read_dir(path) else {
            return Vec::new();
        };
        entries
            .flatten()
            .flat_map(|entry| rust_files(&entry.path()))
            .filter(|file| file.extension().is_some_and(|ext| ext == "rs"))
            .collect()
    }

    /// A file's code before its tests.
    fn production(file: &Path) -> String {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let end = text.find("#[cfg(test)]").unwrap_or(text.len());
        text[..end].to_owned()
    }

    /// A function's folder is one with a handler: found, not listed, so a new one is checked too.
    fn function_folders() -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(source()) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter(|entry| entry.path().join("handler.rs").is_file())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn no_core_file_names_a_function_or_reaches_into_one() {
        let folders = function_folders();
        assert_eq!(folders.len(), Kind::ALL.len(), "one folder per function: {folders:?}");
        let mut names: Vec<String> = Kind::ALL.iter().map(|kind| kind.name().to_owned()).collect();
        names.extend(Kind::ALL.iter().map(|kind| format!("{kind:?}")));
        names.extend(folders.iter().map(|folder| format!("crate::{folder}::")));
        let files: Vec<PathBuf> = CORE.iter().flat_map(|core| rust_files(&source().join(core))).collect();
        assert!(files.len() > CORE.len(), "the core files are read: {files:?}");
        let found: Vec<String> = files
            .iter()
            .flat_map(|file| {
                let code = production(file);
                names
                    .iter()
                    .filter(|name| code.contains(name.as_str()))
                    .map(|name| format!("{} names {name}", file.display()))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(found.is_empty(), "{found:#?}");
    }
}
