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

/// A fresh `letterbox init` site in a temporary folder.
fn init_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = letterbox()
        .args(["--quiet", "init"])
        .arg(dir.path().join("site"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn run_in(site: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = letterbox()
        .args(args)
        .arg("--root")
        .arg(site)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn nameless_form_controls_and_untitled_pages_are_warned_about() {
    let dir = init_site();
    let site = dir.path().join("site");
    let contact = site.join("content/contact.md");
    let text = std::fs::read_to_string(&contact).unwrap();
    let text = text.replace(
        "<button>Send</button>",
        "<input type=\"tel\">\n  <button>Send</button>",
    );
    std::fs::write(&contact, text).unwrap();
    std::fs::write(site.join("content/untitled.md"), "+++\n+++\nNo title.\n").unwrap();
    let (code, _, stderr) = run_in(&site, &["build"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "warning: content/contact.md:10: form \"contact\": an <input> without a name is not sent"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: content/untitled.md: no `title` in the front matter"),
        "{stderr}"
    );
}

/// Issue 12, item 10: a control named like a property of the form (here
/// `action` and `reset`) is warned about at its line.
#[test]
fn form_controls_named_like_form_properties_are_warned_about() {
    let dir = init_site();
    let site = dir.path().join("site");
    let contact = site.join("content/contact.md");
    let text = std::fs::read_to_string(&contact).unwrap();
    let text = text.replace(
        "<button>Send</button>",
        "<input type=\"hidden\" name=\"action\" value=\"x\">\n  <button name=\"reset\" value=\"1\">Send</button>",
    );
    std::fs::write(&contact, text).unwrap();
    let (code, _, stderr) = run_in(&site, &["build"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "warning: content/contact.md:10: form \"contact\": a <input> named \"action\" hides the form's own `action`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "warning: content/contact.md:11: form \"contact\": a <button> named \"reset\" hides"
        ),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("hides the form's own").count(),
        2,
        "{stderr}"
    );
}

#[test]
fn form_errors_are_one_each_at_their_line_and_check_shows_template_errors_cleanly() {
    let dir = init_site();
    let site = dir.path().join("site");
    let contact = site.join("content/contact.md");
    let text = std::fs::read_to_string(&contact).unwrap();
    let text = text
        .replace("maxlength=\"200\"", "maxlength=\"lots\"")
        .replace(
            "minlength=\"10\" maxlength=\"5000\"",
            "minlength=\"99\" maxlength=\"5\"",
        );
    std::fs::write(&contact, text).unwrap();
    let (code, _, stderr) = run_in(&site, &["build"]);
    assert_eq!(code, Some(1), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 2, "{stderr}");
    assert!(
        errors[0].starts_with("error: content/contact.md:8: form \"contact\": field \"email\""),
        "{stderr}"
    );
    assert!(
        errors[1].starts_with("error: content/contact.md:9: form \"contact\":"),
        "{stderr}"
    );
    assert!(!stderr.contains("form discovery failed"), "{stderr}");
    assert!(
        stderr.trim_end().ends_with("build failed with 2 errors"),
        "{stderr}"
    );

    // A template error in base.html: once, with how many files it broke;
    // `check` shows it at its line without Tera's `error:` prefixes.
    std::fs::write(&contact, "+++\ntitle = \"Contact\"\n+++\nHi\n").unwrap();
    std::fs::create_dir_all(site.join("templates")).unwrap();
    std::fs::write(
        site.join("templates/base.html"),
        "<title>{% block title %}{% endblock title %}</title>\n{{ config.nope.x }}\n{% block content %}{% endblock content %}\n",
    )
    .unwrap();
    let (code, _, stderr) = run_in(&site, &["build"]);
    assert_eq!(code, Some(1), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].starts_with(
            "error: templates/base.html:2:11: template error: Field `nope` is not defined"
        ),
        "{stderr}"
    );
    assert!(errors[0].contains("(while rendering 8 files: "), "{stderr}");
    let (code, stdout, _) = run_in(&site, &["check"]);
    assert_eq!(code, Some(1), "{stdout}");
    let first = stdout.lines().next().unwrap();
    assert!(
        first.starts_with("templates/base.html:2: build error: template error: Field `nope`"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("error: error:") && !stdout.contains("template error: error:"),
        "{stdout}"
    );
}

/// A `[forms.<name>]` table naming no form of the site (a typo) is warned
/// about at its line, by `build` and by `check`; the build still succeeds.
#[test]
fn form_overrides_that_match_no_form_are_warned_about() {
    let dir = init_site();
    let site = dir.path().join("site");
    let toml = site.join("site.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str("\n[forms.contcat]\nredirect = \"/\"\n");
    let line = text.lines().position(|l| l == "[forms.contcat]").unwrap() + 1;
    std::fs::write(&toml, text).unwrap();
    let warning =
        format!("warning: site.toml:{line}: [forms.contcat] matches no form of the site\n");
    let (code, _, stderr) = run_in(&site, &["build"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains(&warning), "{stderr}");
    assert!(!stderr.contains("[forms.contact]"), "{stderr}");
    let (_, _, stderr) = run_in(&site, &["check"]);
    assert!(stderr.contains(&warning), "{stderr}");
}

#[test]
fn init_languages_takes_a_comma_list_and_refuses_bad_codes() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let out = letterbox()
        .args(["--quiet", "init"])
        .arg(&site)
        .args(["--languages", "en,fr"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(site.join("content/blog/first-post.fr.md").is_file());
    let (code, _, stderr) = run_in(&site, &["--quiet", "build"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(site.join("dist/fr/blog/first-post/index.html").is_file());

    let other = dir.path().join("other");
    let out = letterbox()
        .args(["init"])
        .arg(&other)
        .args(["--languages", "en,FR"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--languages: `FR` is not a language code: use a lowercase ISO 639 code"),
        "{stderr}"
    );
    assert!(!other.exists());
}
