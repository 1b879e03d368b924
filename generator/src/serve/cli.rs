//! `letterbox serve` on the command line: environment, banner, Ctrl-C.

use std::path::PathBuf;
use std::process::ExitCode;

use letterbox_forms::config::Services;

use super::options::{AdminUser, DEFAULT_PORT, ServeOptions};
use super::server::start;

// `letterbox serve`'s options (no doc comment: clap would show it as the
// command's help instead of the one in `cli::Command`).
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The site folder (holding site.toml).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Output folder, relative to the site folder unless absolute.
    #[arg(long, short, default_value = "dist")]
    pub output: PathBuf,
    /// Include pages marked `draft = true`.
    #[arg(long)]
    pub drafts: bool,
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Make the forms post to this API (e.g. a running `spin up`) instead of
    /// the in-process one, which is then off.
    #[arg(long)]
    pub api_url: Option<String>,
    /// Really send the in-process API's notifications (webhooks, e-mail)
    /// and verify CAPTCHAs, with the settings of the LETTERBOX_WEBHOOK_SECRET,
    /// LETTERBOX_EMAIL_API_KEY, LETTERBOX_CAPTCHA_SECRET, ... environment
    /// variables (the Spin variables' names in capitals). Without it,
    /// nothing leaves the machine.
    #[arg(long)]
    pub send: bool,
}

/// Runs `letterbox serve` until Ctrl-C.
pub fn run(args: ServeArgs, quiet: bool) -> ExitCode {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let admin = match (
        env("LETTERBOX_ADMIN_USERNAME"),
        env("LETTERBOX_ADMIN_PASSWORD_HASH"),
    ) {
        (Some(username), Some(password_hash)) => Some(AdminUser {
            username,
            password_hash,
        }),
        (None, None) => None,
        _ => {
            eprintln!(
                "error: set both LETTERBOX_ADMIN_USERNAME and LETTERBOX_ADMIN_PASSWORD_HASH, or neither"
            );
            return ExitCode::FAILURE;
        }
    };
    let services = if args.send {
        match Services::from_variables(|name| env(&format!("LETTERBOX_{}", name.to_uppercase()))) {
            Ok(services) => services,
            Err(e) => {
                eprintln!("error: {e} (from LETTERBOX_* environment variables)");
                return ExitCode::FAILURE;
            }
        }
    } else {
        Services {
            dry_run: true,
            ..Services::default()
        }
    };
    let options = ServeOptions {
        root: args.root,
        output: args.output,
        drafts: args.drafts,
        port: args.port,
        api_url: args.api_url,
        jwt_secret: env("LETTERBOX_JWT_SECRET"),
        admin,
        allowed_origins: Vec::new(),
        watch: true,
        quiet,
        services,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let api_url = options.api_url.clone();
        let server = match start(options).await {
            Ok(server) => server,
            Err(e) => {
                eprintln!("error: {e:#}");
                return ExitCode::FAILURE;
            }
        };
        println!("Serving on {}/ (Ctrl-C to stop)", server.url);
        match &api_url {
            Some(api) => println!("Forms post to {api}; the in-process API is off."),
            None => {
                if let Some(db) = &server.database {
                    println!("API at {}/api, submissions in {}", server.url, db.display());
                }
                println!("Admin inbox: {}/admin/", server.url);
                if let Some((user, password)) = &server.dev_admin {
                    println!(
                        "Dev admin login (this run only): username `{user}`, password `{password}`"
                    );
                }
            }
        }
        if args.open {
            open_browser(&format!("{}/", server.url));
        }
        if let Err(e) = tokio::signal::ctrl_c().await {
            eprintln!("error: cannot wait for Ctrl-C: {e}");
        }
        println!("Stopping…");
        server.shutdown().await;
        ExitCode::SUCCESS
    })
}

/// Opens `url` in the default browser; failures are only reported.
fn open_browser(url: &str) {
    let result = if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).spawn()
    } else if cfg!(windows) {
        std::process::Command::new("cmd")
            .args(["/C", "start", "", url])
            .spawn()
    } else {
        std::process::Command::new("xdg-open").arg(url).spawn()
    };
    if let Err(e) = result {
        eprintln!("could not open a browser ({e}); open {url} yourself");
    }
}
