//! Jittered waits for the retries we do ourselves (UnprocessedAccounts); the SDK
//! retries throttling and 5xx on its own.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// A random duration in `[base / 2, base]` ("equal jitter"), so that concurrent
/// invocations retrying the same thing spread out.
pub fn jittered(base: Duration) -> Duration {
    // RandomState is seeded randomly per process and per instance: enough for jitter.
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    let half = base / 2;
    let extra_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX).max(1);
    half + Duration::from_nanos(random % extra_nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_within_half_to_full_base() {
        let base = Duration::from_millis(800);
        let waits: Vec<Duration> = (0..50).map(|_| jittered(base)).collect();
        assert!(waits.iter().all(|wait| *wait >= base / 2 && *wait <= base));
        assert!(waits.iter().any(|wait| *wait != waits[0]), "waits vary");
    }
}
