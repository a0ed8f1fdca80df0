//! Scenario 3: what Lambda receives, per function: the stripped binary, and the zip that
//! holds it as `bootstrap` (deflated, as cargo-lambda and `sam build` pack it).

use std::fs::File;
use std::io::Write;
use std::path::Path;

use serde::Serialize;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::error::BenchError;

#[derive(Debug, Clone, Serialize)]
pub struct Artifact {
    pub function: String,
    pub binary_bytes: u64,
    pub zip_bytes: u64,
}

pub fn measure(function: &str, binary: &Path, work_dir: &Path) -> Result<Artifact, BenchError> {
    let bytes = std::fs::read(binary).map_err(|source| BenchError::io(binary.display(), source))?;
    let zip_path = work_dir.join(format!("{function}.zip"));
    let io = |source| BenchError::io(zip_path.display(), source);
    let zip_error = |error: zip::result::ZipError| io(std::io::Error::other(error));
    let mut zip = ZipWriter::new(File::create(&zip_path).map_err(io)?);
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o755);
    zip.start_file("bootstrap", options).map_err(zip_error)?;
    zip.write_all(&bytes).map_err(io)?;
    zip.finish().map_err(zip_error)?;
    let zip_bytes = std::fs::metadata(&zip_path).map_err(io)?.len();
    Ok(Artifact {
        function: function.to_owned(),
        binary_bytes: bytes.len() as u64,
        zip_bytes,
    })
}
