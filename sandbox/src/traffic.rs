//! Every served call, written as one JSON line to `$SANDBOX_TRAFFIC_DIR` when it is set, so
//! that `make test` can check each request and response against the official service
//! models (tests/model/check_traffic.py).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;

pub const DIR_VARIABLE: &str = "SANDBOX_TRAFFIC_DIR";

/// One call as it crossed the wire.
#[derive(Debug, Serialize)]
pub struct Exchange<'a> {
    pub service: &'a str,
    pub operation: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    /// The JSON body, or the awsQuery parameters.
    pub request: &'a Value,
    pub status: u16,
    /// The JSON body, or the awsQuery XML document as a string.
    pub response: &'a Value,
    /// The call failed because a test injected a fault.
    pub injected: bool,
}

/// A file of this sandbox's own: parallel tests never interleave lines.
pub struct TrafficLog {
    file: Mutex<File>,
}

static SEQUENCE: AtomicUsize = AtomicUsize::new(0);

impl TrafficLog {
    /// The log, when `SANDBOX_TRAFFIC_DIR` is set; None otherwise (and on I/O errors,
    /// which are reported once on stderr: the sandbox still serves).
    pub fn from_env() -> Option<Self> {
        let dir = PathBuf::from(std::env::var_os(DIR_VARIABLE)?);
        let name = format!(
            "{}-{}.jsonl",
            std::process::id(),
            SEQUENCE.fetch_add(1, Ordering::Relaxed)
        );
        let opened = std::fs::create_dir_all(&dir)
            .and_then(|()| OpenOptions::new().create(true).append(true).open(dir.join(&name)));
        match opened {
            Ok(file) => Some(Self { file: Mutex::new(file) }),
            Err(error) => {
                eprintln!("sandbox: cannot write traffic to {}: {error}", dir.display());
                None
            }
        }
    }

    pub fn record(&self, exchange: &Exchange) {
        let Ok(mut line) = serde_json::to_vec(exchange) else {
            return;
        };
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // A failed write loses one record of a test aid; the call itself was served.
        let _ = file.write_all(&line);
    }
}
