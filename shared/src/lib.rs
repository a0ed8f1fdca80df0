//! Shared library of detective-autopilot: event models and routing, decisions, AWS
//! ports and adapters, configuration, outcome and telemetry.

pub mod accept;
pub mod aws;
pub mod backoff;
pub mod clock;
pub mod config;
pub mod configure;
pub mod domain;
pub mod enroll;
pub mod event;
pub mod execute;
pub mod function;
pub mod investigate;
pub mod lambda;
pub mod metrics;
pub mod operation;
pub mod outcome;
pub mod regions;
pub mod registry;
pub mod report;
pub mod runner;
pub mod status;
pub mod steps;
pub mod telemetry;
