//! Why a benchmark could not be measured.

use std::fmt::Display;

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{what}: {source}")]
    Io { what: String, source: std::io::Error },
    #[error("{program} {what} (its output: {log})")]
    Run { program: String, what: String, log: String },
    /// The scenario ran but did not do the job it measures: its figures would mean nothing.
    #[error("{scenario}: {problem}")]
    Wrong { scenario: String, problem: String },
}

impl BenchError {
    pub fn io(what: impl Display, source: std::io::Error) -> Self {
        Self::Io {
            what: what.to_string(),
            source,
        }
    }

    pub fn wrong(scenario: impl Display, problem: impl Display) -> Self {
        Self::Wrong {
            scenario: scenario.to_string(),
            problem: problem.to_string(),
        }
    }
}
