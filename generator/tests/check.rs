//! `letterbox check`: a fixture with exactly one broken thing of each kind,
//! the starter site passing cleanly, external links against a local server.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use letterbox::check::{CheckOptions, CheckReport, Problem, ProblemKind, check};

mod common;
use common::fixture;

/// A copy of the fixture with `__PORT__` replaced in its content.
fn copy_fixture(name: &str, port: u16) -> tempfile::TempDir {
    let from = fixture(name);
    let dir = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.unwrap();
        let dest = dir.path().join(entry.path().strip_prefix(&from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else if entry.path().extension().is_some_and(|e| e == "md") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            std::fs::write(&dest, text.replace("__PORT__", &port.to_string())).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
    dir
}

fn of_kind(report: &CheckReport, kind: ProblemKind) -> Vec<&Problem> {
    report.problems.iter().filter(|p| p.kind == kind).collect()
}

fn one(report: &CheckReport, kind: ProblemKind) -> &Problem {
    let found = of_kind(report, kind);
    assert_eq!(found.len(), 1, "{kind:?}: {:#?}", report.problems);
    found[0]
}

#[test]
fn every_kind_of_broken_thing_is_named_with_file_and_line() {
    let report = check(&CheckOptions::new(fixture("check_broken"))).unwrap();
    assert_eq!(report.problems.len(), 5, "{:#?}", report.problems);

    let link = one(&report, ProblemKind::Link);
    assert_eq!(
        (link.file.as_str(), link.line),
        ("content/about.md", Some(10))
    );
    assert!(link.message.contains("/gone/"), "{link}");

    let anchor = one(&report, ProblemKind::Anchor);
    assert_eq!(
        (anchor.file.as_str(), anchor.line),
        ("content/blog/first.md", Some(6))
    );
    assert!(anchor.message.contains("`history`"), "{anchor}");

    let asset = one(&report, ProblemKind::Asset);
    assert_eq!(
        (asset.file.as_str(), asset.line),
        ("content/blog/first.md", Some(8))
    );
    assert!(asset.message.contains("/images/missing.png"), "{asset}");

    let route = one(&report, ProblemKind::FormRoute);
    assert_eq!(
        (route.file.as_str(), route.line),
        ("content/contact.md", Some(13))
    );
    assert!(route.message.contains("\"signup\""), "{route}");

    let redirect = one(&report, ProblemKind::FormRedirect);
    assert_eq!(
        (redirect.file.as_str(), redirect.line),
        ("content/contact.md", Some(6))
    );
    assert!(redirect.message.contains("/thanks/"), "{redirect}");

    // Without --external, external links are not requested.
    assert!(of_kind(&report, ProblemKind::External).is_empty());
    assert_eq!(report.external, 0);
    assert_eq!(report.pages, 7);
    assert_eq!(
        report.summary(),
        format!("checked 7 pages, {} links: 5 problems", report.links)
    );
    assert!(!report.is_clean());
    let shown = link.to_string();
    assert!(
        shown.starts_with("content/about.md:10: broken link:"),
        "{shown}"
    );
}

#[test]
fn check_writes_nothing() {
    let site = copy_fixture("check_broken", 9);
    check(&CheckOptions::new(site.path())).unwrap();
    assert!(!site.path().join("dist").exists());
    assert!(!site.path().join(".letterbox").exists());
}

#[test]
fn a_site_without_spin_toml_is_said_once() {
    let site = copy_fixture("check_broken", 9);
    std::fs::remove_file(site.path().join("spin.toml")).unwrap();
    let report = check(&CheckOptions::new(site.path())).unwrap();
    assert!(of_kind(&report, ProblemKind::FormRoute).is_empty());
    let notes: Vec<&String> = report
        .notes
        .iter()
        .filter(|n| n.contains("spin.toml"))
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", report.notes);
}

#[test]
fn the_starter_site_is_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let report = check(&CheckOptions::new(&root)).unwrap();
    assert!(report.is_clean(), "{:#?}", report.problems);
    assert!(
        report.pages > 5 && report.links > 20,
        "{}",
        report.summary()
    );
}

/// A local HTTP server: `/live` answers 200 to GET but 405 to HEAD (so the
/// GET fallback is needed), everything else 404. Records request lines.
fn server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    return;
                }
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                        break;
                    }
                }
                let request = request.trim().to_owned();
                log.lock().unwrap().push(request.clone());
                let status = match (request.starts_with("HEAD "), request.contains(" /live ")) {
                    (true, true) => "405 Method Not Allowed",
                    (false, true) => "200 OK",
                    _ => "404 Not Found",
                };
                let body = if request.starts_with("HEAD ") {
                    ""
                } else {
                    "hi"
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{body}"
                );
            });
        }
    });
    (port, seen)
}

#[test]
fn external_links_against_a_local_server() {
    let (port, seen) = server();
    let site = copy_fixture("check_broken", port);
    let mut options = CheckOptions::new(site.path());
    options.external = true;
    let report = check(&options).unwrap();
    assert_eq!(report.external, 2, "{:#?}", report.problems);
    // The dead URL is linked from two pages: one report.
    let dead = one(&report, ProblemKind::External);
    assert!(
        dead.message
            .contains(&format!("http://127.0.0.1:{port}/dead")),
        "{dead}"
    );
    assert!(dead.message.contains("404"), "{dead}");
    assert!(dead.line.is_some(), "{dead}");
    assert!(
        ["content/blog/first.md", "content/contact.md"].contains(&dead.file.as_str()),
        "{dead}"
    );
    assert_eq!(report.problems.len(), 6, "{:#?}", report.problems);
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter().any(|r| r.starts_with("HEAD /live ")),
        "{seen:?}"
    );
    assert!(seen.iter().any(|r| r.starts_with("GET /live ")), "{seen:?}");
    assert_eq!(
        seen.iter().filter(|r| r.starts_with("HEAD /dead ")).count(),
        1,
        "{seen:?}"
    );
}

#[test]
fn cli_exit_codes_and_summary() {
    let bin = env!("CARGO_BIN_EXE_letterbox");
    let out = Command::new(bin)
        .args(["check", "--root"])
        .arg(fixture("check_broken"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("content/about.md:10: broken link"),
        "{stdout}"
    );
    assert!(stdout.contains(": 5 problems"), "{stdout}");

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new(bin)
        .args(["check", "--root"])
        .arg(&root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains(": 0 problems"), "{stdout}");
}

#[test]
fn a_broken_link_in_a_template_is_one_problem_naming_the_template() {
    let site = copy_fixture("check_broken", 9);
    let base = site.path().join("templates/base.html");
    let text = std::fs::read_to_string(&base).unwrap();
    std::fs::write(
        &base,
        text.replace(
            "<a href=\"#main\">Skip</a>",
            "<a href=\"/archive/\">Archive</a>",
        ),
    )
    .unwrap();
    let report = check(&CheckOptions::new(site.path())).unwrap();
    let links: Vec<&Problem> = of_kind(&report, ProblemKind::Link)
        .into_iter()
        .filter(|p| p.message.contains("/archive/"))
        .collect();
    assert_eq!(links.len(), 1, "{:#?}", report.problems);
    assert_eq!(links[0].line, None);
    assert!(
        links[0].message.contains("from the template templates/"),
        "{}",
        links[0]
    );
}
