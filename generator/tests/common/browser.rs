//! Headless Chromium through chromedriver, for the browser tests
//! (`browser.rs`, `browser_i18n.rs`).
//!
//! Needs `chromedriver` and `chromium` (`/usr/bin/...`, or the `CHROMEDRIVER`
//! and `CHROMIUM` variables). Without them [`tools`] prints a notice and the
//! test passes, unless `LETTERBOX_REQUIRE_BROWSER=1` (as in CI): then it
//! fails.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

/// How long any wait for the browser lasts.
pub const WAIT: Duration = Duration::from_secs(10);

/// Printed even when the test harness captures output (straight to stderr,
/// not through `eprintln!`).
pub fn notice(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{text}");
}

fn tool(var: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    path.is_file().then_some(path)
}

/// `(chromedriver, chromium)`; `None` after a notice that `what` is
/// skipped when one is missing. Panics instead when
/// `LETTERBOX_REQUIRE_BROWSER=1`.
pub fn tools(what: &str) -> Option<(PathBuf, PathBuf)> {
    let required = std::env::var("LETTERBOX_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let found = (
        tool("CHROMEDRIVER", "/usr/bin/chromedriver"),
        tool("CHROMIUM", "/usr/bin/chromium"),
    );
    match found {
        (Some(chromedriver), Some(chromium)) => Some((chromedriver, chromium)),
        _ => {
            assert!(
                !required,
                "LETTERBOX_REQUIRE_BROWSER=1 but chromedriver or chromium is missing"
            );
            notice(&format!(
                "{what} skipped: chromedriver or chromium not found (/usr/bin, or set CHROMEDRIVER / CHROMIUM)"
            ));
            None
        }
    }
}

/// A chromedriver we started; killed (by its own pid) when dropped.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts chromedriver on a free port of 127.0.0.1, answering only there.
pub fn start_driver(chromedriver: &Path) -> anyhow::Result<Driver> {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", chromedriver.display()))?;
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let start = Instant::now();
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        ensure!(start.elapsed() < WAIT, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(driver)
}

/// chromedriver and the Chromium it drives; each session gets a profile
/// of its own.
pub struct Browser {
    pub driver: Driver,
    chromium: PathBuf,
    profiles: tempfile::TempDir,
}

impl Browser {
    pub fn start(chromedriver: &Path, chromium: PathBuf) -> anyhow::Result<Self> {
        Ok(Self {
            driver: start_driver(chromedriver)?,
            chromium,
            profiles: tempfile::tempdir()?,
        })
    }

    /// A new headless Chromium with a fresh profile (nothing shared with
    /// other sessions), JavaScript on or off.
    pub async fn session(&self, javascript: bool) -> anyhow::Result<Client> {
        let profile = tempfile::tempdir_in(self.profiles.path())?;
        let mut options = json!({
            "binary": self.chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1100,1400",
                format!("--user-data-dir={}", profile.keep().display()),
            ],
        });
        if !javascript {
            options["prefs"] = json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&self.driver.url)
            .await
            .context("starting a Chromium session")?;
        Ok(client)
    }
}

pub async fn find(c: &Client, css: &str) -> anyhow::Result<Element> {
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .with_context(|| format!("waiting for `{css}`"))
}

/// Polls a JavaScript expression until it is truthy.
pub async fn until(c: &Client, expr: &str) -> anyhow::Result<()> {
    let start = Instant::now();
    loop {
        let v = c.execute(&format!("return !!({expr});"), vec![]).await;
        if matches!(v, Ok(Value::Bool(true))) {
            return Ok(());
        }
        if start.elapsed() > WAIT {
            bail!("timed out waiting for `{expr}` (last: {v:?})");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn until_path(c: &Client, path: &str) -> anyhow::Result<()> {
    let start = Instant::now();
    loop {
        let url = c.current_url().await?;
        if url.path() == path {
            return Ok(());
        }
        if start.elapsed() > WAIT {
            bail!("still on {url}, expected {path}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn body_text(c: &Client) -> anyhow::Result<String> {
    Ok(c.find(Locator::Css("body")).await?.text().await?)
}

pub async fn type_into(c: &Client, css: &str, text: &str) -> anyhow::Result<()> {
    let el = find(c, css).await?;
    el.clear().await?;
    el.send_keys(text).await?;
    Ok(())
}
