//! Runs the `letterbox` binary: the summary line, `--quiet`, and a failed
//! build's exit status and messages.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

fn letterbox() -> Command {
    Command::new(env!("CARGO_BIN_EXE_letterbox"))
}

fn copy_fixture(name: &str, to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(&from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

#[test]
fn build_prints_one_summary_line() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture("basic", dir.path());
    let out = letterbox()
        .arg("build")
        .arg("--root")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(
        lines[0].starts_with("Built 6 pages, 3 sections, 2 static files, 0 forms in "),
        "{stdout}"
    );
    assert!(lines[0].ends_with(" ms"), "{stdout}");
    assert!(dir.path().join("dist/index.html").is_file());

    let out = letterbox()
        .args(["--quiet", "build", "--output", "elsewhere", "--root"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "--quiet prints nothing");
    assert!(dir.path().join("elsewhere/index.html").is_file());
}

#[test]
fn failed_build_exits_non_zero_and_lists_errors() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture("broken-content", dir.path());
    let out = letterbox()
        .arg("build")
        .arg("--root")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("error: content/syntax.md:3: front matter:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: content/unknown.md:3: front matter: unknown field `colour`"),
        "{stderr}"
    );
    assert!(
        stderr.trim_end().ends_with("build failed with 5 errors"),
        "{stderr}"
    );
    assert!(!dir.path().join("dist").exists());
}

#[test]
fn serve_without_site_toml_exits_with_the_error_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = letterbox()
        .args(["serve", "--port", "0", "--root"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("site.toml not found"), "{stderr}");
    assert!(stderr.contains("is not a Letterbox site"), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains("Serving"), "{stdout}");
    assert!(!dir.path().join(".letterbox").exists());
    assert!(!dir.path().join("dist").exists());
}
