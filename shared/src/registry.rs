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
            /// Every metric the function's records can carry: its counts are emitted on
            /// every invocation, zero included, and its region counts for each region an
            /// action names (the probe names one).
            pub fn metric_names(self) -> Vec<&'static str> {
                let probe = Outcome::new(self.name(), None, crate::outcome::Status::Acted, "probe").with_actions(vec![
                    crate::outcome::Action::on_accounts(
                        crate::operation::Operation::ListGraphs,
                        crate::outcome::ActionResult::Done,
                        "us-east-1",
                        "",
                        Vec::new(),
                    ),
                ]);
                match self {
                    $(Kind::$kind => <$function as Handler>::metrics(&probe).names(),)+
                }
            }

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

    /// The administrator stack's dashboard shows only what the code emits: each metric
    /// name in our namespace, and each SEARCH over a dimension set the records declare.
    #[test]
    fn every_metric_the_dashboard_shows_is_one_the_code_emits() {
        let template = include_str!("../../template.yaml");
        let start = template
            .find("\n  Dashboard:\n")
            .unwrap_or_else(|| unreachable!("the template has a dashboard"));
        let dashboard = template
            .get(start..)
            .and_then(|rest| {
                rest.get(1..)
                    .and_then(|tail| tail.find("\n  # ---").map(|end| &rest[..end + 1]))
            })
            .unwrap_or_else(|| unreachable!("the dashboard ends"));
        let mut emitted: Vec<&str> = crate::metrics::CORE_METRICS.to_vec();
        for kind in Kind::ALL {
            emitted.extend(kind.metric_names());
        }
        let mut shown = Vec::new();
        for piece in dashboard.split("MetricName=\\\"").skip(1) {
            shown.push(piece.split('\\').next().unwrap_or_default().to_owned());
        }
        for piece in dashboard.split("[\"DetectiveAutopilot\", \"").skip(1) {
            shown.push(piece.split('"').next().unwrap_or_default().to_owned());
        }
        assert!(shown.len() >= 8, "{shown:?}");
        for name in &shown {
            assert!(
                emitted.contains(&name.as_str()),
                "the dashboard shows {name}, which no function emits"
            );
        }
        for schema in dashboard.split("{DetectiveAutopilot,").skip(1) {
            let dimensions: Vec<&str> = schema.split('}').next().unwrap_or_default().split(',').collect();
            let mut declared = crate::metrics::DIMENSION_SETS.iter().map(|set| {
                let mut set = set.to_vec();
                set.sort_unstable();
                set
            });
            assert!(
                declared.any(|set| set == dimensions),
                "no record has the dimensions {dimensions:?}"
            );
        }
    }
}
