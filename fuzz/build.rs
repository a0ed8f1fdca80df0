//! Embeds the finding target's seeds: every JSON file under ../events and, when the
//! checkout has it beside it, ../../shared/events-corpus (read at build time, never copied
//! into the repository). Sorted by name, so a seed's index is stable for one set of files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn json_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "json") {
            found.push(path);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let roots = [
        ("events", manifest.join("../events")),
        ("events-corpus", manifest.join("../../shared/events-corpus")),
    ];
    let mut seeds: Vec<(String, PathBuf)> = Vec::new();
    for (label, root) in &roots {
        println!("cargo:rerun-if-changed={}", root.display());
        let mut found = Vec::new();
        json_files(root, &mut found);
        for path in found {
            let name = path.strip_prefix(root).unwrap_or(&path).display().to_string();
            let absolute = path.canonicalize().unwrap_or(path);
            println!("cargo:rerun-if-changed={}", absolute.display());
            seeds.push((format!("{label}/{name}"), absolute));
        }
    }
    seeds.sort();
    let mut code = String::from("/// Every seed: its name and its bytes.\npub static SEEDS: &[(&str, &[u8])] = &[\n");
    for (name, path) in &seeds {
        let _ = writeln!(
            code,
            "    ({name:?}, include_bytes!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("seeds.rs");
    if let Err(error) = std::fs::write(&out, code) {
        println!("cargo:warning=cannot write {}: {error}", out.display());
    }
}
