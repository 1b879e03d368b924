//! Password hashing: argon2id PHC strings.

use std::io::BufRead;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

/// Memory cost in KiB (OWASP's argon2id recommendation: 19 MiB, t=2, p=1).
pub const ARGON2_M_COST_KIB: u32 = 19_456;
/// Number of passes.
pub const ARGON2_T_COST: u32 = 2;
/// Degree of parallelism (wasm runs one thread anyway).
pub const ARGON2_P_COST: u32 = 1;

/// Stored hashes asking for more than this are refused rather than computed:
/// a stray PHC string must not make one login cost seconds or gigabytes.
const MAX_M_COST_KIB: u32 = 128 * 1024;
const MAX_T_COST: u32 = 10;
const MAX_P_COST: u32 = 4;

/// A fixed hash computed by [`hash_password`] with the parameters above,
/// verified against when the user does not exist so that an unknown user
/// costs as much as a wrong password. Its password does not matter: the
/// unknown-user path answers false whatever the result. A test checks that its
/// parameters match the current ones (regenerate it with the ignored
/// `measure_verify` test when they change).
const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$udz1CU8A636YBGIcelUwAQ$qDUjm4mWMiIMlwrX/3+O6niNAQCTWugaecR+7J624J4";

/// Why [`hash_password`] failed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// An empty password is never hashed.
    #[error("empty password")]
    Empty,
    /// The system's random number generator or argon2 itself failed.
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// The password could not be read (not UTF-8, or an I/O error).
    #[error("reading the password failed: {0}")]
    Read(String),
}

/// The first line of `reader` without its line ending (`\n` or `\r\n`),
/// as `letterbox hash-password` reads a password piped to it. Nothing else
/// is trimmed: spaces are part of the password. An empty first line (or no
/// input) is [`PasswordError::Empty`].
pub fn read_password_line(mut reader: impl BufRead) -> Result<String, PasswordError> {
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .map_err(|e| PasswordError::Read(e.to_string()))?;
    if line.ends_with('\n') {
        line.pop();
        if line.ends_with('\r') {
            line.pop();
        }
    }
    if line.is_empty() {
        return Err(PasswordError::Empty);
    }
    Ok(line)
}

/// What `letterbox hash-password` does with a piped password: the PHC
/// string of the first line of `reader` (see [`read_password_line`]).
pub fn hash_password_from_reader(reader: impl BufRead) -> Result<String, PasswordError> {
    hash_password(&read_password_line(reader)?)
}

fn hasher() -> Result<Argon2<'static>, PasswordError> {
    let params = Params::new(ARGON2_M_COST_KIB, ARGON2_T_COST, ARGON2_P_COST, None)
        .map_err(|e| PasswordError::Hashing(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hash `password` into an argon2id PHC string with a fresh random salt
/// (from `getrandom`, which uses WASI's random source on wasip2).
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    if password.is_empty() {
        return Err(PasswordError::Empty);
    }
    let hash = hasher()?
        .hash_password(password.as_bytes())
        .map_err(|e| PasswordError::Hashing(e.to_string()))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the argon2id PHC string `phc`.
///
/// Anything that is not a well-formed argon2id PHC string within sane cost
/// limits is `false`, never a panic. The comparison of the derived key is
/// constant-time (done by the `password-hash` crate's `Output` type).
pub fn verify_password(phc: &str, password: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    if hash.algorithm.as_str() != "argon2id" {
        return false;
    }
    let Ok(params) = Params::try_from(&hash) else {
        return false;
    };
    if params.m_cost() > MAX_M_COST_KIB
        || params.t_cost() > MAX_T_COST
        || params.p_cost() > MAX_P_COST
    {
        return false;
    }
    Argon2::default()
        .verify_password(password.as_bytes(), &hash)
        .is_ok()
}

/// The login check: `stored` is the user's PHC string, `None` when there is
/// no such user. Unknown users still cost one full verification (against a
/// fixed dummy hash with the same parameters), so the answer and its timing do
/// not tell whether the user exists.
pub fn verify_login(stored: Option<&str>, password: &str) -> bool {
    match stored {
        Some(phc) => verify_password(phc, password),
        None => {
            std::hint::black_box(verify_password(DUMMY_PHC, password));
            false
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn round_trip_and_wrong_password() {
        let phc = hash_password("correct horse battery staple").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password(&phc, "correct horse battery staple"));
        assert!(!verify_password(&phc, "correct horse battery stapl"));
        assert!(!verify_password(&phc, ""));
        // Fresh salt every time.
        assert_ne!(phc, hash_password("correct horse battery staple").unwrap());
    }

    #[test]
    fn piped_passwords_hash_their_first_line() {
        let phc = hash_password_from_reader(&b"  pass word \r\nsecond line\n"[..]).unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify_password(&phc, "  pass word "));
        assert!(!verify_password(&phc, "  pass word \r"));
        assert!(!verify_password(&phc, "second line"));
        let phc = hash_password_from_reader(&b"no newline at all"[..]).unwrap();
        assert!(verify_password(&phc, "no newline at all"));
        for empty in [&b""[..], b"\n", b"\r\n", b"\nlater"] {
            assert!(matches!(
                hash_password_from_reader(empty),
                Err(PasswordError::Empty)
            ));
        }
        assert!(matches!(
            read_password_line(&b"\xff\xfe\n"[..]),
            Err(PasswordError::Read(_))
        ));
    }

    #[test]
    fn empty_password_is_not_hashed() {
        assert!(matches!(hash_password(""), Err(PasswordError::Empty)));
    }

    #[test]
    fn malformed_phc_is_false_not_panic() {
        let good = hash_password("pw").unwrap();
        let cases = [
            String::new(),
            "$".into(),
            "$argon2id".into(),
            "$argon2id$v=19$m=19456,t=2,p=1$".into(),
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ".into(),
            "$argon2id$v=19$m=abc,t=2,p=1$c2FsdHNhbHQ$aGFzaA".into(),
            "$argon2id$v=19$m=1,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo".into(),
            // Absurd cost: refused, not computed.
            "$argon2id$v=19$m=4000000,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo".into(),
            "$argon2id$v=19$m=19456,t=100000,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo".into(),
            // Other algorithms are not accepted.
            good.replacen("argon2id", "argon2i", 1),
            good.replacen("argon2id", "pbkdf2-sha256", 1),
            good.replace('$', "!"),
            "plaintext-password".into(),
            "\u{0}\u{ffff}$$$".into(),
        ];
        for phc in &cases {
            assert!(!verify_password(phc, "pw"), "accepted: {phc}");
        }
        assert!(verify_password(&good, "pw"));
    }

    #[test]
    fn dummy_hash_uses_current_parameters() {
        let dummy = PasswordHash::new(DUMMY_PHC).unwrap();
        let params = Params::try_from(&dummy).unwrap();
        assert_eq!(dummy.algorithm.as_str(), "argon2id");
        assert_eq!(params.m_cost(), ARGON2_M_COST_KIB);
        assert_eq!(params.t_cost(), ARGON2_T_COST);
        assert_eq!(params.p_cost(), ARGON2_P_COST);
        assert_eq!(dummy.hash.map(|h| h.len()), Some(32));
    }

    #[test]
    fn unknown_user_is_false_and_takes_a_real_verification() {
        let phc = hash_password("secret-pw").unwrap();
        assert!(verify_login(Some(&phc), "secret-pw"));
        assert!(!verify_login(Some(&phc), "wrong"));
        assert!(!verify_login(None, "secret-pw"));
        assert!(!verify_login(None, ""));

        // Timing: the unknown-user path must do comparable work. Take the
        // fastest of a few runs to damp scheduler noise; allow a wide band
        // because debug builds and shared CI cores are noisy (skipping the
        // dummy verification would make the ratio about 0.0001).
        let fastest = |f: &dyn Fn() -> bool| {
            (0..3)
                .map(|_| {
                    let t = Instant::now();
                    std::hint::black_box(f());
                    t.elapsed()
                })
                .min()
                .unwrap_or(Duration::ZERO)
        };
        let wrong = fastest(&|| verify_login(Some(&phc), "wrong"));
        let unknown = fastest(&|| verify_login(None, "wrong"));
        let ratio = unknown.as_secs_f64() / wrong.as_secs_f64().max(1e-9);
        assert!(
            (0.25..4.0).contains(&ratio),
            "unknown user {unknown:?} vs wrong password {wrong:?}"
        );
    }

    /// Run with `--ignored --nocapture` in release to measure one verification.
    #[test]
    #[ignore = "benchmark; run explicitly in release"]
    fn measure_verify() {
        let phc = hash_password("benchmark-password").unwrap();
        let n = 20;
        let t = Instant::now();
        for _ in 0..n {
            assert!(verify_password(&phc, "benchmark-password"));
        }
        println!("argon2id verify: {:?} per call", t.elapsed() / n);
        println!("fresh dummy: {}", hash_password("dummy").unwrap());
    }
}
