//! Fixture helpers shared by the integration tests.
// Each test file uses its own subset of these helpers.
// A test crate has no public API: `pub` here marks what the tests use.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// A page with a moderated guestbook (`[forms.guestbook] publish = …` in
/// site.toml makes it so) that shows its approved entries.
pub const GUESTBOOK_PAGE: &str = r#"+++
title = "Guestbook"
[extra]
comments = "guestbook"
+++
<form data-form="guestbook" data-success="Thanks!">
<label>Name <input name="name" required></label>
<label>E-mail <input name="email" type="email" required></label>
<label>Message <textarea name="message" required></textarea></label>
<button type="submit">Sign</button>
</form>
"#;

/// Headless Chromium for the browser tests.
#[cfg(feature = "serve")]
pub mod browser;

/// `generator/tests/fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Copies the tree `from` into `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else {
            fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// A copy of fixture `name` in a temporary folder.
pub fn site(name: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(name), dir.path());
    dir
}
