//! The fuzz targets' shared code: `harness` (also compiled, on stable, by the regression
//! test `tests/fuzz_regressions.rs`) and the `finding` target's structure-aware mutator.

pub mod harness;
pub mod mutate;

use harness::{Unclear, Verdict};

/// What every target does with an outcome: an unclear one is a finding, like a panic.
pub fn expect_clear(outcome: Result<Verdict, Unclear>) {
    if let Err(unclear) = outcome {
        panic!("unclear outcome: {unclear}");
    }
}
