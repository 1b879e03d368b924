use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    letterbox::cli::run(letterbox::cli::Cli::parse())
}
