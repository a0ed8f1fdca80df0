//! The project's own sample events (`events/`), for tests that must cover every shape we
//! publish as an example.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "json") {
            found.push(path);
        }
    }
}

/// Every sample with this source and detail-type.
pub fn of(source: &str, detail_type: &str) -> Vec<Value> {
    let mut paths = Vec::new();
    files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../events"), &mut paths);
    paths.sort();
    paths
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .filter_map(|text| serde_json::from_str::<Value>(&text).ok())
        .filter(|event| event["source"] == source && event["detail-type"] == detail_type)
        .collect()
}
