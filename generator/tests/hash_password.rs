//! `letterbox hash-password` with a piped password: the first line of
//! stdin is hashed, the PHC string is the only output, and the password is
//! never taken from the arguments.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Stdio};

fn hash_password(stdin: &[u8], args: &[&str]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_letterbox"))
        .arg("hash-password")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command may refuse its arguments and exit before reading stdin;
    // a broken pipe then is expected, and the exit status tells the rest.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

#[test]
fn piped_password_is_hashed() {
    let out = hash_password(b"s3cret pass\nignored\n", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let phc = stdout.trim_end();
    assert_eq!(stdout, format!("{phc}\n"));
    assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
    assert!(letterbox_forms::auth::verify_password(phc, "s3cret pass"));
    assert!(!letterbox_forms::auth::verify_password(phc, "ignored"));
}

#[test]
fn empty_input_and_argv_passwords_are_refused() {
    let out = hash_password(b"", &[]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let out = hash_password(b"from stdin\n", &["from-argv"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
}
