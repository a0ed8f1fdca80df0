//! A child process that cannot outlive its benchmark run.

use std::fs::File;
use std::path::Path;
use std::process::{Child, ExitStatus, Stdio};
use std::time::Duration;

use crate::error::BenchError;

/// A child's stdout and stderr, both into the file at `path`, kept for reading when
/// something goes wrong.
pub fn output_to(path: &Path) -> Result<(Stdio, Stdio), BenchError> {
    let io = |source| BenchError::io(path.display(), source);
    let stdout = File::create(path).map_err(io)?;
    let stderr = stdout.try_clone().map_err(io)?;
    Ok((stdout.into(), stderr.into()))
}

/// A peak RSS read in KiB, as the report gives it.
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Killed and reaped when dropped, whatever path the run takes.
pub struct Running(Child);

impl Running {
    pub fn new(child: Child) -> Self {
        Self(child)
    }

    pub fn id(&self) -> u32 {
        self.0.id()
    }

    /// Resolves when the process exits; polls, so that the caller's runtime keeps serving
    /// the sandbox and the Runtime API meanwhile.
    pub async fn exited(&mut self) -> std::io::Result<ExitStatus> {
        loop {
            if let Some(status) = self.0.try_wait()? {
                return Ok(status);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
