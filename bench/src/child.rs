//! A child process that cannot outlive its benchmark run.

use std::process::{Child, ExitStatus};
use std::time::Duration;

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
