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
