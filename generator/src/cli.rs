//! The command line: `letterbox build`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::site::BuildOptions;

/// Letterbox: Markdown and Tera templates to a static site whose forms are
/// their own backend schema.
#[derive(Debug, Parser)]
#[command(name = "letterbox", version, about)]
pub struct Cli {
    /// Print nothing but errors.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more about what is done.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new site that builds as it is (home, blog, contact form).
    Init(InitArgs),
    /// Build the site into the output folder.
    Build(BuildArgs),
    /// Build, serve on 127.0.0.1 with live reload and answer /api in-process.
    #[cfg(feature = "serve")]
    Serve(crate::serve::cli::ServeArgs),
    /// Build in memory (nothing written) and report broken links, anchors,
    /// missing assets and forms without an API route or thank-you page.
    /// Exits with 1 when anything is broken.
    Check(CheckArgs),
    /// Fetch the approved entries of the site's moderated forms from the
    /// form API into `data/<form>.json`, for `load_data` and the
    /// `letterbox/comments.html` partial.
    #[cfg(feature = "pull")]
    Pull(PullArgs),
    /// Print the argon2id hash of a password, for the `admin_password_hash`
    /// variable. The password is read from a prompt without echo, or from
    /// the first line of stdin when it is piped; never from the arguments.
    HashPassword,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The new site's folder (created, or empty).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The site's title.
    #[arg(long, default_value = "My site")]
    pub title: String,
    /// Where the site will be published.
    #[arg(long, default_value = "https://example.org")]
    pub base_url: String,
    /// Letterbox's API component (letterbox_api.wasm) to copy beside the
    /// site's spin.toml.
    #[arg(long, value_name = "WASM")]
    pub component: Option<PathBuf>,
    /// Add only the API (spin.toml, and the component) to an existing site.
    #[arg(long)]
    pub api_only: bool,
    /// A multilingual site in these languages, the first one the default
    /// (e.g. `en,fr`): content, translations and a language switcher.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub languages: Vec<String>,
}

#[cfg(feature = "pull")]
#[derive(Debug, clap::Args)]
pub struct PullArgs {
    /// The site folder (holding site.toml).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// The API's origin (default: `api_url` of site.toml, or when that is
    /// empty the origin of its `base_url`).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Only this form (repeatable; default: every form with `publish`).
    #[arg(long = "form", value_name = "NAME")]
    pub forms: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The site folder (holding site.toml).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Include pages marked `draft = true`.
    #[arg(long)]
    pub drafts: bool,
    /// Also request external http(s) links (HEAD, then GET).
    #[arg(long)]
    pub external: bool,
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The site folder (holding site.toml).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Output folder, relative to the site folder unless absolute.
    #[arg(long, short, default_value = "dist")]
    pub output: PathBuf,
    /// Include pages marked `draft = true`.
    #[arg(long)]
    pub drafts: bool,
    /// Override `base_url` from site.toml (e.g. for a preview deploy).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Minify the HTML (like `minify = true` in site.toml).
    #[arg(long)]
    pub minify: bool,
    /// Also write `.gz` and `.br` siblings of text files (like
    /// `precompress = true` in site.toml).
    #[arg(long)]
    pub precompress: bool,
}

/// Loads and builds with the build flags that override site.toml.
fn build_with_flags(
    options: &BuildOptions,
    minify: bool,
    precompress: bool,
) -> Result<crate::site::BuildSummary, crate::BuildError> {
    let start = std::time::Instant::now();
    let mut site = crate::site::Site::load(options)?;
    let loaded = start.elapsed();
    site.config.minify |= minify;
    site.config.precompress |= precompress;
    let mut summary = site.build_once()?;
    summary.elapsed = start.elapsed();
    summary.stages.insert(0, ("load", loaded));
    // The process ends next: freeing the site's template values (about a
    // hundred small allocations per page) one by one would take longer
    // than the operating system takes to reclaim them all.
    std::mem::forget(site);
    Ok(summary)
}

/// Runs the CLI with already parsed arguments.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        #[cfg(feature = "serve")]
        Command::Serve(args) => crate::serve::cli::run(args, cli.quiet),
        Command::HashPassword => hash_password(),
        Command::Init(args) => init(args, cli.quiet),
        Command::Check(args) => check(args, cli.quiet),
        #[cfg(feature = "pull")]
        Command::Pull(args) => pull(args, cli.quiet),
        Command::Build(args) => {
            let options = BuildOptions {
                root: args.root,
                output: args.output,
                drafts: args.drafts,
                base_url: args.base_url,
            };
            if cli.verbose {
                eprintln!(
                    "building {} into {}{}",
                    options.root.display(),
                    options.output.display(),
                    if options.drafts { " (with drafts)" } else { "" }
                );
            }
            match build_with_flags(&options, args.minify, args.precompress) {
                Ok(summary) => {
                    if cli.verbose {
                        let stages: Vec<String> = (summary.stages.iter())
                            .map(|(stage, time)| format!("{stage} {} ms", time.as_millis()))
                            .collect();
                        eprintln!("stages: {}", stages.join(", "));
                        eprintln!("output: {}", summary.output.display());
                        eprintln!("form manifest: {}", summary.manifest.display());
                    }
                    if !cli.quiet {
                        println!("{summary}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// `letterbox check`: problems one per line, then the summary; exit code 1
/// when anything is broken (or the site cannot be loaded), else 0.
fn check(args: CheckArgs, quiet: bool) -> ExitCode {
    let mut options = crate::check::CheckOptions::new(args.root);
    options.drafts = args.drafts;
    options.external = args.external;
    match crate::check::check(&options) {
        Ok(report) => {
            for problem in &report.problems {
                println!("{problem}");
            }
            if !quiet {
                for note in &report.notes {
                    println!("note: {note}");
                }
            }
            if !quiet || !report.is_clean() {
                println!("{}", report.summary());
            }
            if report.is_clean() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("letterbox check: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `letterbox pull`: one line per form written (or unchanged).
#[cfg(feature = "pull")]
fn pull(args: PullArgs, quiet: bool) -> ExitCode {
    let mut options = crate::pull::PullOptions::new(args.root);
    options.api_url = args.api_url;
    options.forms = args.forms;
    match crate::pull::pull(&options) {
        Ok(pulled) => {
            if !quiet {
                for form in &pulled {
                    let what = if form.changed { "wrote" } else { "unchanged" };
                    println!(
                        "{what} {}: {} approved entr{} of `{}`",
                        form.file.display(),
                        form.entries,
                        if form.entries == 1 { "y" } else { "ies" },
                        form.form
                    );
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("letterbox pull: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `letterbox init`: a new site, or the API for an existing one.
fn init(args: InitArgs, quiet: bool) -> ExitCode {
    let options = crate::init::InitOptions {
        dir: args.dir,
        title: args.title,
        base_url: args.base_url,
        date: jiff::Timestamp::now().strftime("%Y-%m-%d").to_string(),
        component: args.component,
        api_only: args.api_only,
        languages: args.languages,
    };
    match crate::init::init(&options) {
        Ok(files) => {
            if !quiet {
                let dir = options.dir.display();
                println!("Created {} files in {dir}:", files.len());
                for file in &files {
                    println!("  {file}");
                }
                #[cfg(feature = "serve")]
                if !options.api_only {
                    println!(
                        "Next: cd {dir} && letterbox serve   (then open http://127.0.0.1:{}/)",
                        crate::serve::DEFAULT_PORT
                    );
                }
                if options.component.is_none() {
                    println!(
                        "For the form API under Spin, put Letterbox's component at {dir}/{}\n  \
                         (cargo build -p letterbox-api --target wasm32-wasip2 --profile component\n  \
                         in Letterbox's repository builds it into target/wasm32-wasip2/component/),",
                        crate::init::COMPONENT_FILE
                    );
                }
                println!(
                    "then: cd {dir} && spin build && SPIN_VARIABLE_JWT_SECRET=$(openssl rand -hex 32) spin up"
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `letterbox hash-password`: prompt (twice, without echo) on a terminal,
/// else hash the first line of stdin; the PHC string goes to stdout.
fn hash_password() -> ExitCode {
    use letterbox_forms::auth::{PasswordError, hash_password, hash_password_from_reader};
    use std::io::IsTerminal;
    let hash = if std::io::stdin().is_terminal() {
        let read = || -> std::io::Result<(String, String)> {
            let first = rpassword::prompt_password("Password: ")?;
            let again = rpassword::prompt_password("Repeat it: ")?;
            Ok((first, again))
        };
        match read() {
            Ok((first, again)) if first != again => {
                eprintln!("the passwords differ; nothing printed");
                return ExitCode::FAILURE;
            }
            Ok((first, _)) => hash_password(&first),
            Err(e) => Err(PasswordError::Read(e.to_string())),
        }
    } else {
        hash_password_from_reader(std::io::stdin().lock())
    };
    match hash {
        Ok(hash) => {
            println!("{hash}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("letterbox hash-password: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hash_password_takes_no_password_argument() {
        let cli = Cli::try_parse_from(["letterbox", "hash-password"]).unwrap();
        assert!(matches!(cli.command, Command::HashPassword));
        assert!(Cli::try_parse_from(["letterbox", "hash-password", "hunter22"]).is_err());
        assert!(Cli::try_parse_from(["letterbox", "hash-password", "--password", "x"]).is_err());
    }

    #[test]
    fn parses_build_flags() {
        let cli = Cli::try_parse_from([
            "letterbox",
            "--quiet",
            "build",
            "--root",
            "site",
            "--output",
            "out",
            "--drafts",
            "--base-url",
            "https://x.org/",
        ])
        .unwrap();
        assert!(cli.quiet);
        let Command::Build(args) = cli.command else {
            panic!("not build")
        };
        assert_eq!(args.root, PathBuf::from("site"));
        assert_eq!(args.output, PathBuf::from("out"));
        assert!(args.drafts);
        assert_eq!(args.base_url.as_deref(), Some("https://x.org/"));
    }

    #[test]
    fn defaults_and_global_flags_after_subcommand() {
        let cli = Cli::try_parse_from(["letterbox", "build", "--verbose"]).unwrap();
        assert!(cli.verbose);
        let Command::Build(args) = cli.command else {
            panic!("not build")
        };
        assert_eq!(args.output, PathBuf::from("dist"));
        assert_eq!(args.root, PathBuf::from("."));
        assert!(Cli::try_parse_from(["letterbox", "build", "-q", "-v"]).is_err());
    }

    #[test]
    fn parses_check_flags() {
        let cli =
            Cli::try_parse_from(["letterbox", "check", "--root", "site", "--external"]).unwrap();
        let Command::Check(args) = cli.command else {
            panic!("not check")
        };
        assert_eq!(args.root, PathBuf::from("site"));
        assert!(args.external && !args.drafts);
        let cli = Cli::try_parse_from(["letterbox", "check"]).unwrap();
        let Command::Check(args) = cli.command else {
            panic!("not check")
        };
        assert_eq!(args.root, PathBuf::from("."));
        assert!(!args.external);
        assert!(Cli::try_parse_from(["letterbox", "check", "--output", "x"]).is_err());
    }

    #[test]
    fn parses_serve_flags() {
        let cli = Cli::try_parse_from([
            "letterbox",
            "serve",
            "--port",
            "8080",
            "--open",
            "--api-url",
            "http://127.0.0.1:3000",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("not serve")
        };
        assert_eq!(args.port, 8080);
        assert!(args.open);
        assert_eq!(args.api_url.as_deref(), Some("http://127.0.0.1:3000"));
        let cli = Cli::try_parse_from(["letterbox", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("not serve")
        };
        assert_eq!(args.port, 1111);
        assert_eq!(args.output, PathBuf::from("dist"));
        assert!(!args.open && !args.drafts && args.api_url.is_none());
    }
}
