//! Summaries of repeated measurements.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub runs: usize,
    pub median: f64,
    /// Nearest rank: the smallest value at least 90 % of the runs do not exceed.
    pub p90: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    /// None for no samples.
    pub fn of(samples: &[f64]) -> Option<Self> {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let runs = sorted.len();
        let (&min, &max) = (sorted.first()?, sorted.last()?);
        let middle = runs / 2;
        let median = if runs % 2 == 1 {
            *sorted.get(middle)?
        } else {
            (sorted.get(middle - 1)? + sorted.get(middle)?) / 2.0
        };
        let rank = (runs * 9).div_ceil(10).max(1);
        let p90 = *sorted.get(rank - 1)?;
        Some(Self {
            runs,
            median,
            p90,
            min,
            max,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_p90_and_range_of_twenty_runs() {
        let samples: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        let summary = Summary::of(&samples);
        assert_eq!(
            summary,
            Some(Summary {
                runs: 20,
                median: 10.5,
                p90: 18.0,
                min: 1.0,
                max: 20.0
            })
        );
    }

    #[test]
    fn one_run_is_its_own_summary_and_none_is_nothing() {
        let one = Summary::of(&[4.2]);
        assert_eq!(one.map(|s| (s.median, s.p90, s.min, s.max)), Some((4.2, 4.2, 4.2, 4.2)));
        assert_eq!(Summary::of(&[]), None);
    }
}
