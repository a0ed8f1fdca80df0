//! One cold start: a fresh process under its own Runtime API stand-in, one invocation.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::child::{output_to, Running};
use crate::error::BenchError;
use crate::lambda_env::lambda_environment;
use crate::runtime_api::RuntimeApi;

/// What to start, as Lambda would start it.
pub struct Launch<'a> {
    pub function: &'a str,
    pub program: &'a Path,
    pub args: &'a [String],
    /// The function's configuration, beside the variables Lambda sets.
    pub variables: &'a [(String, String)],
    /// Where AWS calls go (the sandbox).
    pub endpoint: &'a str,
    /// The function's configured timeout (the invocation deadline).
    pub timeout: Duration,
    /// The process's stdout and stderr, kept for reading when something goes wrong.
    pub log: PathBuf,
}

/// What one cold start measured.
#[derive(Debug, Clone)]
pub struct ColdStart {
    /// Process start to its first request for an invocation (Lambda's Init Duration).
    pub init: Duration,
    /// Event delivered to response received (Lambda's Duration of the first invoke).
    pub invoke: Duration,
    /// The process's peak resident set size after answering (VmHWM).
    pub peak_rss_kib: u64,
    pub response: Value,
}

impl ColdStart {
    /// Whether the first invocation made its writes (the outcome's status).
    pub fn acted(&self) -> bool {
        self.response.get("status").and_then(Value::as_str) == Some("acted")
    }
}

/// Waits this long for init before calling the run a failure (the invocation gets the
/// function's timeout).
const INIT_LIMIT: Duration = Duration::from_secs(60);

pub async fn cold_start(launch: &Launch<'_>, event: Value) -> Result<ColdStart, BenchError> {
    let runtime = RuntimeApi::start(launch.function, event, launch.timeout)
        .await
        .map_err(|source| BenchError::io("start the Runtime API stand-in", source))?;
    let (stdout, stderr) = output_to(&launch.log)?;
    let mut command = Command::new(launch.program);
    command
        .args(launch.args)
        .env_clear()
        .envs(lambda_environment(launch.function, &runtime.address(), launch.endpoint))
        .envs(launch.variables.iter().cloned())
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr);
    let started = Instant::now();
    let child = command
        .spawn()
        .map_err(|source| BenchError::io(launch.program.display(), source))?;
    let mut child = Running::new(child);
    let failed = |what: &str| BenchError::Run {
        program: launch.program.display().to_string(),
        what: what.to_owned(),
        log: launch.log.display().to_string(),
    };

    let asked = tokio::select! {
        biased;
        asked = runtime.asked() => asked,
        answer = runtime.answered() => {
            let error = answer.map(|answer| answer.body.to_string()).unwrap_or_default();
            return Err(failed(&format!("reported an init error: {error}")));
        }
        status = child.exited() => return Err(failed(&format!("exited during init ({})", describe(status)))),
        () = tokio::time::sleep(INIT_LIMIT) => return Err(failed("did not ask for an invocation within 60 s")),
    };
    let limit = launch.timeout + Duration::from_secs(10);
    let answer = tokio::select! {
        biased;
        answer = runtime.answered() => answer,
        status = child.exited() => return Err(failed(&format!("exited during the invocation ({})", describe(status)))),
        () = tokio::time::sleep(limit) => return Err(failed("did not answer its invocation in time")),
    };
    let (Some(asked), Some(answer)) = (asked, answer) else {
        return Err(failed("the Runtime API stand-in stopped"));
    };
    // The process now waits for its next invocation: its high-water mark is final.
    let peak_rss_kib = peak_rss_kib(child.id()).ok_or_else(|| failed("has no readable /proc status"))?;
    if answer.is_error {
        return Err(failed(&format!("failed its invocation: {}", answer.body)));
    }
    Ok(ColdStart {
        init: asked.saturating_duration_since(started),
        invoke: answer.at.saturating_duration_since(asked),
        peak_rss_kib,
        response: answer.body,
    })
}

fn describe(status: std::io::Result<std::process::ExitStatus>) -> String {
    status.map_or_else(|error| error.to_string(), |status| status.to_string())
}

/// VmHWM of a live process, in KiB (Linux).
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    vm_hwm(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// VmHWM of this process, in KiB (Linux).
pub fn own_peak_rss_kib() -> Option<u64> {
    vm_hwm(&std::fs::read_to_string("/proc/self/status").ok()?)
}

fn vm_hwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_high_water_mark_is_read_from_proc_status() {
        let status = "Name:\tbootstrap\nVmPeak:\t  30000 kB\nVmHWM:\t   12345 kB\nVmRSS:\t   12000 kB\n";
        assert_eq!(vm_hwm(status), Some(12345));
        assert_eq!(vm_hwm("Name:\tx\n"), None);
    }

    #[test]
    fn this_process_has_a_high_water_mark() {
        assert!(own_peak_rss_kib().is_some_and(|kib| kib > 0));
    }
}
