//! Builds the table of browser files the binary serves (`src/assets.rs`): every `.js` and
//! `.css` file under `console/`, `common/` and `widget/` (except the widget's loader, which
//! has its own route), embedded with `include_bytes!`. Adding a file needs no Rust change.

use std::fs;
use std::path::{Path, PathBuf};

const ROOTS: [&str; 3] = ["console", "common", "widget"];
const SKIP: [&str; 1] = ["widget/loader.js"];

fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = match fs::read_dir(dir) {
        Ok(read) => read.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(_) => return,
    };
    entries.sort();
    for path in entries {
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            walk(base, &path, out);
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        if ext != "js" && ext != "css" {
            continue;
        }
        let rel = path.strip_prefix(base).expect("under the crate").to_string_lossy().replace('\\', "/");
        if SKIP.contains(&rel.as_str()) {
            continue;
        }
        out.push((rel, path));
    }
}

fn main() {
    let base = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let mut files = Vec::new();
    for root in ROOTS {
        let dir = base.join(root);
        println!("cargo:rerun-if-changed={}", dir.display());
        walk(&base, &dir, &mut files);
    }
    // Sorted as strings: the server looks paths up by binary search.
    files.sort();
    let mut code = String::from(
        "/// `(path under crates/beseda-server, contents)`, sorted by path.\npub static FILES: &[(&str, &[u8])] = &[\n",
    );
    for (rel, path) in &files {
        code.push_str(&format!("    ({rel:?}, include_bytes!({:?})),\n", path.display().to_string()));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("assets_table.rs");
    fs::write(out, code).expect("write the asset table");
}
