//! Links the `letterbox` binary as a position-dependent executable on
//! Linux: a position-independent one spends 5-6 ms of every run applying
//! 65,000 relocations at start (3-4% of building a 1,000-page site), and
//! its relocated pages add 12 MiB to the peak memory. Its inputs are the
//! user's own files, so address randomisation of the binary buys little.

fn main() {
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    let gnu = std::env::var("CARGO_CFG_TARGET_ENV").is_ok_and(|env| env == "gnu");
    if linux && gnu {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
