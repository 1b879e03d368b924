//! Compiles the form manifest into the component.
//!
//! The generator writes it to `<repo>/.letterbox/forms.json` at
//! `cargo run -- build`; `LETTERBOX_MANIFEST` overrides the path (relative
//! paths are taken from the repository root). For wasm32 a missing manifest
//! is an error; on the host (tests, clippy) an empty manifest stands in, so
//! `cargo test --workspace` works on a fresh clone.

use std::env;
use std::fs;
use std::path::PathBuf;

const EMPTY_MANIFEST: &str = r#"{"version":1,"forms":{}}"#;

fn main() {
    println!("cargo:rerun-if-env-changed=LETTERBOX_MANIFEST");
    let crate_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let repo = crate_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir.clone());
    let path = match env::var_os("LETTERBOX_MANIFEST") {
        Some(p) => repo.join(PathBuf::from(p)),
        None => repo.join(".letterbox").join("forms.json"),
    };
    println!("cargo:rerun-if-changed={}", path.display());
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("forms.json");
    let wasm = env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32");
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if wasm => {
            eprintln!(
                "error: the form manifest {} cannot be read ({e}).\n\
                 Run `cargo run -- build` at the repository root first (it writes the manifest),\n\
                 or point LETTERBOX_MANIFEST at one. `spin build` does both steps.",
                path.display()
            );
            std::process::exit(1);
        }
        Err(_) => EMPTY_MANIFEST.to_owned(),
    };
    if let Err(e) = fs::write(&out, text) {
        eprintln!("error: cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
}
