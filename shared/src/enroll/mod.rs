//! enroll-accounts: every ACTIVE organization account is a Detective member, in every
//! configured region.

mod accounts;
mod config;
mod graphs;
mod handler;
mod sweep;
mod writes;

pub use config::EnrollConfig;
pub use graphs::GraphCache;
pub use handler::{handle, Enroller, FUNCTION};
