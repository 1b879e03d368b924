//! The visitor's and the admin's journeys in headless Chromium, against
//! `letterbox serve` started in-process on a copy of the starter site.
//!
//! Needs `chromedriver` and `chromium` (`/usr/bin/...`, or the `CHROMEDRIVER`
//! and `CHROMIUM` variables). Without them the test prints a notice and
//! passes, unless `LETTERBOX_REQUIRE_BROWSER=1` (as in CI), then it fails
//! (`common/browser.rs`). Every step saves a screenshot; the folder is
//! printed at the end.
#![allow(clippy::unwrap_used)]

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, ensure};
use fantoccini::Client;
use letterbox::serve::{ServeOptions, ServerHandle, start};
use letterbox_forms::Store as _;
use letterbox_forms::store::SqliteStore;
use receiver::{Answer, Receiver, siteverify};
use serde_json::json;

mod common;
mod receiver;

use common::GUESTBOOK_PAGE;
use common::browser::{
    Browser, WAIT, body_text, find, notice, tools, type_into, until, until_path,
};

/// The member-only form added to the fixture site.
const MEMBERS_PAGE: &str = r#"+++
title = "Members"
+++

Only logged-in members may leave a note.

<form data-form="members" data-auth="required" data-success="Saved for members." class="form">
<p class="field"><label for="m-note">Note</label>
<input id="m-note" name="note" required maxlength="200"></p>
<p><button type="submit">Save note</button></p>
</form>
"#;

struct Env {
    browser: Browser,
    /// Stands in for the services the feedback form calls.
    services: Services,
    server: ServerHandle,
    site: PathBuf,
    shots: PathBuf,
}

impl Env {
    async fn session(&self, javascript: bool) -> anyhow::Result<Client> {
        self.browser.session(javascript).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url)
    }

    async fn shot(&self, c: &Client, name: &str) {
        match c.screenshot().await {
            Ok(png) => {
                let _ = std::fs::write(self.shots.join(format!("{name}.png")), png);
            }
            Err(e) => eprintln!("screenshot {name}: {e}"),
        }
    }

    fn submissions(&self, form: &str) -> anyhow::Result<Vec<letterbox_forms::Submission>> {
        let db = self.server.database.as_ref().context("no in-process API")?;
        let store = SqliteStore::open(db).map_err(|e| anyhow!("{e}"))?;
        let page =
            futures::executor::block_on(store.list(form, None, 500)).map_err(|e| anyhow!("{e}"))?;
        Ok(page.items)
    }

    /// A member, as the admin API would create one.
    fn create_member(&self, username: &str, password: &str) -> anyhow::Result<()> {
        let db = self.server.database.as_ref().context("no in-process API")?;
        let store = SqliteStore::open(db).map_err(|e| anyhow!("{e}"))?;
        let user = letterbox_forms::User {
            username: username.into(),
            password_hash: letterbox_forms::auth::hash_password(password)?,
            role: "member".into(),
        };
        futures::executor::block_on(store.create_user(&user)).map_err(|e| anyhow!("{e}"))?;
        Ok(())
    }

    fn admin(&self) -> (String, String) {
        self.server.dev_admin.clone().unwrap()
    }
}

fn value_of<'a>(s: &'a letterbox_forms::Submission, name: &str) -> Option<&'a str> {
    s.values
        .0
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

async fn fill_contact(c: &Client, name: &str, email: &str, message: &str) -> anyhow::Result<()> {
    type_into(c, "#contact-name", name).await?;
    type_into(c, "#contact-email", email).await?;
    find(c, "#contact-topic")
        .await?
        .select_by_value("feedback")
        .await?;
    type_into(c, "#contact-message", message).await?;
    find(c, "label[for=contact-consent]").await?.click().await?;
    ensure!(
        find(c, "#contact-consent").await?.is_selected().await?,
        "consent not ticked"
    );
    Ok(())
}

async fn submit(c: &Client, form: &str) -> anyhow::Result<()> {
    find(c, &format!("form[data-form={form}] button[type=submit]"))
        .await?
        .click()
        .await?;
    Ok(())
}

/// Logs in on `/admin/` and waits for the inbox.
async fn admin_login(env: &Env, c: &Client) -> anyhow::Result<()> {
    let (user, password) = env.admin();
    c.goto(&env.url("/admin/")).await?;
    find(c, "#lb-login:not([hidden])").await?;
    type_into(c, "#lb-login-form input[name=username]", &user).await?;
    type_into(c, "#lb-login-form input[name=password]", &password).await?;
    find(c, "#lb-login-form button[type=submit]")
        .await?
        .click()
        .await?;
    find(c, "#lb-inbox:not([hidden])")
        .await
        .context("the inbox did not open after logging in (are the /api/auth routes there?)")?;
    Ok(())
}

async fn open_inbox_form(c: &Client, form: &str, rows: usize) -> anyhow::Result<()> {
    find(c, &format!("#lb-forms button[data-form-name={form}]"))
        .await?
        .click()
        .await?;
    until_rows(c, rows).await
}

/// Waits until the inbox table shows `n` submissions.
async fn until_rows(c: &Client, n: usize) -> anyhow::Result<()> {
    until(
        c,
        &format!("document.querySelectorAll('#lb-rows tr[data-id]').length === {n}"),
    )
    .await
}

// ------------------------------------------------------------------ steps

/// 1. JavaScript off: the plain POST → 303 → thank-you page.
async fn no_javascript(env: &Env, c: &Client) -> anyhow::Result<()> {
    c.goto(&env.url("/contact/")).await?;
    // With scripts off the live-reload script cannot connect either.
    tokio::time::sleep(Duration::from_millis(300)).await;
    ensure!(
        env.server.live_clients() == 0,
        "a script ran although JavaScript is off"
    );
    fill_contact(
        c,
        "Ada NoScript",
        "ada-nojs@example.org",
        "Hello without JavaScript at all.",
    )
    .await?;
    env.shot(c, "1a-no-js-filled").await;
    submit(c, "contact").await?;
    until_path(c, "/contact/thanks/").await?;
    let text = body_text(c).await?;
    ensure!(
        text.contains("on its way"),
        "not the thank-you page: {text}"
    );
    env.shot(c, "1b-no-js-thank-you").await;
    let stored = env.submissions("contact")?;
    ensure!(stored.len() == 1, "stored: {stored:?}");
    ensure!(value_of(&stored[0], "email") == Some("ada-nojs@example.org"));
    ensure!(value_of(&stored[0], "topic") == Some("feedback"));
    ensure!(
        value_of(&stored[0], "homepage").is_none(),
        "honeypot stored"
    );
    Ok(())
}

/// 2. JavaScript on: a server-side 422 shown inline, then a success.
async fn inline_errors(env: &Env, c: &Client) -> anyhow::Result<()> {
    c.goto(&env.url("/contact/")).await?;
    find(c, "script[src='/letterbox-forms.js']").await?;
    // Let the server, not the browser, reject the email.
    c.execute(
        "document.querySelector('form[data-form=contact]').noValidate = true;",
        vec![],
    )
    .await?;
    fill_contact(
        c,
        "Grace Script",
        "not-an-email",
        "Hello with JavaScript on.",
    )
    .await?;
    // Consent missing too: its error must sit under its label, which stays
    // beside the box.
    c.execute(
        "document.getElementById('contact-consent').checked = false;",
        vec![],
    )
    .await?;
    submit(c, "contact").await?;
    let error = find(c, ".lb-error").await?;
    ensure!(
        !error.text().await?.trim().is_empty(),
        "empty error message"
    );
    let email = find(c, "#contact-email").await?;
    ensure!(email.attr("aria-invalid").await?.as_deref() == Some("true"));
    let described = email.attr("aria-describedby").await?.unwrap_or_default();
    ensure!(
        described.contains("contact-email-hint") && described.contains("lb-err-contact-email"),
        "aria-describedby = {described:?}"
    );
    let focused = c
        .execute("return document.activeElement.id;", vec![])
        .await?;
    ensure!(focused == json!("contact-email"), "focus on {focused}");
    ensure!(
        c.current_url().await?.path() == "/contact/",
        "left the page on an error"
    );
    ensure!(
        find(c, "form[data-form=contact] button[type=submit]")
            .await?
            .is_enabled()
            .await?,
        "button still disabled after the answer"
    );
    env.shot(c, "2a-js-inline-error").await;
    let layout = c
        .execute(
            "var r = function (sel) { return document.querySelector(sel).getBoundingClientRect(); };\
             var box = r('#contact-consent'), label = r('label[for=contact-consent]'), err = r('#lb-err-contact-consent');\
             return [Math.abs(label.top - box.top) < box.height, err.top >= label.bottom - 1, Math.abs(err.left - label.left) < 2];",
            vec![],
        )
        .await?;
    ensure!(
        layout == json!([true, true, true]),
        "consent label beside its box, error under the label: {layout}"
    );
    find(c, "label[for=contact-consent]").await?.click().await?;
    ensure!(
        env.submissions("contact")?.len() == 1,
        "the invalid post was stored"
    );

    type_into(c, "#contact-email", "grace@example.org").await?;

    // A network failure: the button is disabled while sending, then the
    // visitor is told, and everything typed is still there.
    c.execute(
        "window.__fetch = window.fetch; window.fetch = function () {\
           return new Promise(function (_, reject) {\
             window.__fail = function () { reject(new TypeError('Failed to fetch')); }; }); };",
        vec![],
    )
    .await?;
    submit(c, "contact").await?;
    until(
        c,
        "document.querySelector('form[data-form=contact] button[type=submit]').disabled && window.__fail",
    )
    .await?;
    c.execute("window.__fail();", vec![]).await?;
    let status = find(c, ".lb-status[data-ok='0']").await?.text().await?;
    ensure!(status.contains("Could not reach"), "status: {status:?}");
    let kept = c
        .execute(
            "var f = document.querySelector('form[data-form=contact]');\
             return [f.email.value, f.message.value, f.consent.checked,\
                     f.querySelector('button[type=submit]').disabled];",
            vec![],
        )
        .await?;
    ensure!(
        kept == json!([
            "grace@example.org",
            "Hello with JavaScript on.",
            true,
            false
        ]),
        "after a network error: {kept}"
    );
    env.shot(c, "2b-js-network-error").await;
    c.execute("window.fetch = window.__fetch;", vec![]).await?;

    submit(c, "contact").await?;
    until_path(c, "/contact/thanks/").await?;
    env.shot(c, "2c-js-success").await;
    let stored = env.submissions("contact")?;
    let grace = stored
        .iter()
        .filter(|s| value_of(s, "email") == Some("grace@example.org"))
        .count();
    ensure!(stored.len() == 2 && grace == 1, "stored: {stored:?}");
    Ok(())
}

/// 3. The admin logs in, sees the submissions, exports CSV, deletes one.
async fn admin_inbox(env: &Env, c: &Client) -> anyhow::Result<()> {
    admin_login(env, c).await?;
    let button = find(c, "#lb-forms button[data-form-name=contact]").await?;
    let label = button.text().await?;
    ensure!(label.contains("(2)"), "form list says {label:?}");

    // Paging, one submission a page: newest first, then the older one.
    c.execute(
        "document.getElementById('lb-inbox').setAttribute('data-page-size', '1');",
        vec![],
    )
    .await?;
    open_inbox_form(c, "contact", 1).await?;
    let first = find(c, "#lb-rows tr[data-id]")
        .await?
        .attr("data-id")
        .await?;
    ensure!(
        find(c, "#lb-older")
            .await?
            .attr("disabled")
            .await?
            .is_none(),
        "no older page"
    );
    find(c, "#lb-older").await?.click().await?;
    until(
        c,
        &format!(
            "(function () {{ var r = document.querySelectorAll('#lb-rows tr[data-id]');\
             return r.length === 1 && r[0].getAttribute('data-id') !== {}; }})()",
            json!(first)
        ),
    )
    .await?;
    ensure!(
        find(c, "#lb-older")
            .await?
            .attr("disabled")
            .await?
            .is_some(),
        "a third page"
    );
    find(c, "#lb-newer").await?.click().await?;
    until(
        c,
        &format!(
            "(function () {{ var r = document.querySelector('#lb-rows tr[data-id]');\
             return r && r.getAttribute('data-id') === {}; }})()",
            json!(first)
        ),
    )
    .await?;
    c.execute(
        "document.getElementById('lb-inbox').setAttribute('data-page-size', '20');",
        vec![],
    )
    .await?;
    open_inbox_form(c, "contact", 2).await?;
    let rows = find(c, "#lb-rows").await?.text().await?;
    ensure!(
        rows.contains("grace@example.org") && rows.contains("ada-nojs@example.org"),
        "rows: {rows}"
    );
    env.shot(c, "3a-admin-inbox").await;

    // Export: catch the blob the button hands to the download link.
    c.execute(
        "window.__csv = null; var o = URL.createObjectURL.bind(URL);\
         URL.createObjectURL = function (b) { b.text().then(function (t) { window.__csv = t; }); return o(b); };",
        vec![],
    )
    .await?;
    find(c, "#lb-export").await?.click().await?;
    until(c, "window.__csv").await?;
    let csv = c.execute("return window.__csv;", vec![]).await?;
    let csv = csv.as_str().unwrap_or_default();
    let header = csv.lines().next().unwrap_or_default();
    ensure!(
        header.contains("email") && header.contains("message"),
        "CSV header: {header:?}"
    );
    ensure!(
        csv.contains("grace@example.org") && csv.contains("ada-nojs@example.org"),
        "CSV: {csv}"
    );

    // Delete Ada's submission, accepting the confirmation.
    let ada = env
        .submissions("contact")?
        .into_iter()
        .find(|s| value_of(s, "email") == Some("ada-nojs@example.org"))
        .context("Ada's submission is gone already")?;
    find(c, &format!("#lb-rows tr[data-id='{}'] .lb-delete", ada.id))
        .await?
        .click()
        .await?;
    let start = Instant::now();
    while let Err(e) = c.accept_alert().await {
        ensure!(start.elapsed() < WAIT, "no confirmation dialog: {e}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    until(
        c,
        &format!(
            "!document.querySelector(\"#lb-rows tr[data-id='{}']\")",
            ada.id
        ),
    )
    .await?;
    env.shot(c, "3b-admin-deleted").await;
    let stored = env.submissions("contact")?;
    ensure!(
        stored.len() == 1 && stored.iter().all(|s| s.id != ada.id),
        "after delete: {stored:?}"
    );

    // Log out: the login form again, and the cookie no longer works.
    find(c, "#lb-logout").await?.click().await?;
    find(c, "#lb-login:not([hidden])").await?;
    let me = c
        .execute_async(
            "var done = arguments[arguments.length - 1];\
             fetch('/api/auth/me', { credentials: 'include' }).then(function (r) { done(r.status); });",
            vec![],
        )
        .await?;
    ensure!(me == json!(401), "GET /api/auth/me after logout: {me}");
    c.goto(&env.url("/admin/")).await?;
    find(c, "#lb-login:not([hidden])").await?;
    Ok(())
}

/// 4. Member-only form: a login box in place; a member logs in from the
///    page, the form is sent again with what was typed, and the record keeps
///    who sent it. Logging out brings the box back.
async fn member_form(env: &Env, c: &Client) -> anyhow::Result<()> {
    let (member, password) = ("mia", "member password 1");
    env.create_member(member, password)?;

    c.goto(&env.url("/members/")).await?;
    // The page asks /api/auth/me and, not logged in, shows the box at once.
    find(c, ".lb-login form input[name=username]").await?;
    type_into(c, "#m-note", "a note from mia").await?;
    submit(c, "members").await?;
    ensure!(
        env.submissions("members")?.is_empty(),
        "anonymous note stored"
    );
    env.shot(c, "4a-members-login-box").await;

    // A wrong password is said in the box; nothing is sent.
    type_into(c, ".lb-login input[name=username]", member).await?;
    type_into(c, ".lb-login input[name=password]", "wrong password").await?;
    find(c, ".lb-login button[type=submit]")
        .await?
        .click()
        .await?;
    until(
        c,
        "document.querySelector('.lb-login .lb-status').textContent.length > 0",
    )
    .await?;

    type_into(c, ".lb-login input[name=password]", password).await?;
    find(c, ".lb-login button[type=submit]")
        .await?
        .click()
        .await?;
    let status = find(c, "form[data-form=members] .lb-status[data-ok='1']")
        .await?
        .text()
        .await?;
    ensure!(status.contains("Saved for members"), "status: {status:?}");
    let login = find(c, ".lb-login").await?.text().await?;
    ensure!(login.contains("Logged in as mia"), "login box: {login:?}");
    env.shot(c, "4b-members-logged-in").await;
    let stored = env.submissions("members")?;
    ensure!(stored.len() == 1, "stored: {stored:?}");
    ensure!(value_of(&stored[0], "note") == Some("a note from mia"));
    ensure!(
        stored[0].user.as_deref() == Some(member),
        "user: {:?}",
        stored[0].user
    );

    // Still logged in on the next visit; logging out shows the box again.
    c.goto(&env.url("/members/")).await?;
    find(c, ".lb-login button[type=button]")
        .await?
        .click()
        .await?;
    find(c, ".lb-login form input[name=username]").await?;
    type_into(c, "#m-note", "after logout").await?;
    submit(c, "members").await?;
    find(c, ".lb-login form input[name=username]").await?;
    ensure!(
        env.submissions("members")?.len() == 1,
        "stored after logout"
    );
    Ok(())
}

/// 5. A stored script payload is shown as text and never runs.
async fn stored_payload(env: &Env, c: &Client) -> anyhow::Result<()> {
    c.goto(&env.url("/contact/")).await?;
    let answer = c
        .execute_async(
            "var done = arguments[arguments.length - 1];\
             fetch('/api/forms/contact', { method: 'POST',\
               headers: { Accept: 'application/json', 'Content-Type': 'application/json' },\
               body: JSON.stringify({ name: '<script>window.__pwned = 2<\\/script>',\
                 email: 'mallory@example.org', topic: 'other', consent: 'yes',\
                 message: '<img src=x onerror=\"window.__pwned = 1\"> and more text' }) })\
             .then(function (r) { done(r.status); }, function (e) { done(String(e)); });",
            vec![],
        )
        .await?;
    ensure!(answer == json!(201), "posting the payload: {answer}");

    admin_login(env, c).await?;
    open_inbox_form(c, "contact", 2).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rows = find(c, "#lb-rows").await?.text().await?;
    ensure!(
        rows.contains("<img src=x onerror=\"window.__pwned = 1\">")
            && rows.contains("<script>window.__pwned = 2</script>"),
        "payload not shown as text: {rows}"
    );
    let injected = c
        .execute(
            "return [typeof window.__pwned, document.querySelectorAll('#lb-rows img, #lb-rows script').length];",
            vec![],
        )
        .await?;
    ensure!(
        injected == json!(["undefined", 0]),
        "payload ran: {injected}"
    );
    env.shot(c, "5-payload-as-text").await;
    Ok(())
}

/// 6. Editing content reloads the open page; a broken build shows an overlay.
async fn live_reload(env: &Env, c: &Client) -> anyhow::Result<()> {
    let about = env.site.join("content/about.md");
    let original = std::fs::read_to_string(&about)?;
    c.goto(&env.url("/about/")).await?;
    let wait_listening = Instant::now();
    while env.server.live_clients() == 0 {
        ensure!(
            wait_listening.elapsed() < WAIT,
            "the page never connected for live reload"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let edited = format!("{original}\n\nLive reload marker 7f3a.\n");
    std::fs::write(&about, &edited)?;
    until(
        c,
        "document.body.innerText.includes('Live reload marker 7f3a')",
    )
    .await?;
    env.shot(c, "6a-live-reloaded").await;

    // A broken front matter: the last good page stays, with the error on top.
    std::fs::write(&about, "+++\ntitle = \n+++\n\nBroken.\n")?;
    until(
        c,
        "document.getElementById('letterbox-error-overlay') && \
         document.getElementById('letterbox-error-overlay').textContent.includes('about.md')",
    )
    .await?;
    ensure!(body_text(c).await?.contains("Live reload marker 7f3a"));
    env.shot(c, "6b-build-error-overlay").await;
    // A page loaded while the build fails shows the overlay too.
    c.goto(&env.url("/about/")).await?;
    find(c, "#letterbox-error-overlay").await?;

    std::fs::write(&about, edited.replace("7f3a", "8b4c"))?;
    until(
        c,
        "document.body.innerText.includes('Live reload marker 8b4c') && \
         !document.getElementById('letterbox-error-overlay')",
    )
    .await?;
    ensure!(env.server.build_error().is_none());
    env.shot(c, "6c-fixed").await;
    Ok(())
}

/// Step 7: the site on one origin, the API on another. The form posts
/// across origins, and the inbox keeps its bearer token in sessionStorage.
async fn other_origin(env: &Env, c: &Client) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let site_port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port();
    let mut api_options = ServeOptions::new(fixture_site(&dir.path().join("api"), &env.services)?);
    api_options.port = 0;
    api_options.quiet = true;
    api_options.watch = false;
    api_options.allowed_origins = vec![format!("http://127.0.0.1:{site_port}")];
    let api = start(api_options).await?;
    let mut site_options =
        ServeOptions::new(fixture_site(&dir.path().join("site"), &env.services)?);
    site_options.port = site_port;
    site_options.quiet = true;
    site_options.watch = false;
    site_options.api_url = Some(api.url.clone());
    let site = start(site_options).await?;
    let result = async {
        c.goto(&format!("{}/contact/", site.url)).await?;
        let action = find(c, "form[data-form=contact]")
            .await?
            .attr("action")
            .await?
            .unwrap_or_default();
        ensure!(
            action == format!("{}/api/forms/contact", api.url),
            "action {action}"
        );
        fill_contact(
            c,
            "Cross Origin",
            "cross@example.org",
            "Posted to another origin.",
        )
        .await?;
        submit(c, "contact").await?;
        until_path(c, "/contact/thanks/").await?;
        let db = api.database.clone().context("no API database")?;
        let store = SqliteStore::open(db).map_err(|e| anyhow!("{e}"))?;
        let count =
            futures::executor::block_on(store.count("contact")).map_err(|e| anyhow!("{e}"))?;
        ensure!(count == 1, "stored {count}");

        let (user, password) = api.dev_admin.clone().context("no dev admin")?;
        c.goto(&format!("{}/admin/", site.url)).await?;
        find(c, "#lb-login:not([hidden])").await?;
        type_into(c, "#lb-login-form input[name=username]", &user).await?;
        type_into(c, "#lb-login-form input[name=password]", &password).await?;
        find(c, "#lb-login-form button[type=submit]")
            .await?
            .click()
            .await?;
        find(c, "#lb-inbox:not([hidden])").await?;
        let storage = c
            .execute(
                "return [!!sessionStorage.getItem('letterbox_token'), localStorage.length];",
                vec![],
            )
            .await?;
        ensure!(storage == json!([true, 0]), "storage: {storage}");
        // Without any cookie the token alone keeps the inbox open.
        c.delete_all_cookies().await?;
        c.refresh().await?;
        find(c, "#lb-inbox:not([hidden])").await?;
        open_inbox_form(c, "contact", 1).await?;
        let rows = find(c, "#lb-rows").await?.text().await?;
        ensure!(rows.contains("cross@example.org"), "rows: {rows}");
        env.shot(c, "7-other-origin-inbox").await;
        Ok(())
    }
    .await;
    site.shutdown().await;
    api.shutdown().await;
    result
}

/// The receiver behind the feedback form: CAPTCHA `siteverify` as the
/// providers' test keys answer, and a webhook receiver that is down until
/// `hook_up` is set.
struct Services {
    receiver: Receiver,
    hook_up: Arc<AtomicBool>,
}

impl Services {
    fn start() -> Self {
        let receiver = Receiver::start();
        let hook_up = Arc::new(AtomicBool::new(false));
        let verify = siteverify();
        let up = Arc::clone(&hook_up);
        receiver.answer(move |r| match r.path.as_str() {
            "/siteverify" => verify(r),
            "/hook" if !up.load(Ordering::SeqCst) => Answer::Status(500, "down".into()),
            _ => Answer::Status(200, "{}".into()),
        });
        Self { receiver, hook_up }
    }
}

/// 8. A CAPTCHA form (the provider's script faked locally): a refused
///    token shows at the widget and resets it, the next post goes through;
///    in the inbox the submission goes to Spam and back, and the webhook
///    that failed waits in the Outbox until "Retry all now" delivers it.
async fn captcha_spam_and_outbox(env: &Env, c: &Client) -> anyhow::Result<()> {
    c.goto(&env.url("/feedback/")).await?;
    until(
        c,
        "document.querySelector('.cf-turnstile input[name=cf-turnstile-response]')",
    )
    .await?;
    ensure!(
        find(c, "form[data-form=feedback] .cf-turnstile + button")
            .await
            .is_ok(),
        "the widget stands right before the submit button"
    );
    c.execute(
        "document.querySelector('.cf-turnstile input').value = 'fail';",
        vec![],
    )
    .await?;
    type_into(c, "form[data-form=feedback] input[name=name]", "Ada").await?;
    type_into(
        c,
        "form[data-form=feedback] input[name=email]",
        "ada@example.org",
    )
    .await?;
    type_into(
        c,
        "form[data-form=feedback] textarea[name=message]",
        "A fine site.",
    )
    .await?;
    submit(c, "feedback").await?;
    until(
        c,
        "document.querySelector('form[data-form=feedback] .cf-turnstile + .lb-error')",
    )
    .await?;
    let error = find(c, "form[data-form=feedback] .cf-turnstile + .lb-error")
        .await?
        .text()
        .await?;
    ensure!(
        error.contains("could not be verified"),
        "CAPTCHA error says {error:?}"
    );
    until(c, "window.__resets === 1")
        .await
        .context("the widget was not reset")?;
    env.shot(c, "8-captcha-refused").await;
    submit(c, "feedback").await?;
    until(c, "(document.querySelector('form[data-form=feedback] .lb-status') || {}).textContent === 'Thanks!'").await?;
    let stored = env.submissions("feedback")?;
    ensure!(stored.len() == 1, "{} stored", stored.len());
    ensure!(
        stored[0]
            .values
            .0
            .iter()
            .all(|(n, _)| n != "cf-turnstile-response"),
        "the token was stored"
    );

    admin_login(env, c).await?;
    open_inbox_form(c, "feedback", 1).await?;
    find(c, "#lb-rows tr[data-id] .lb-move")
        .await?
        .click()
        .await?;
    until_rows(c, 0).await?;
    let label = find(c, "#lb-forms button[data-form-name=feedback]")
        .await?
        .text()
        .await?;
    ensure!(label.contains("1 spam"), "form list says {label:?}");
    find(c, "#lb-folder-spam").await?.click().await?;
    until_rows(c, 1).await?;
    ensure!(
        find(c, "#lb-title").await?.text().await?.contains("Spam"),
        "not the spam folder"
    );
    env.shot(c, "8-spam-folder").await;
    find(c, "#lb-rows tr[data-id] .lb-move")
        .await?
        .click()
        .await?;
    until_rows(c, 0).await?;
    find(c, "#lb-folder-inbox").await?.click().await?;
    until_rows(c, 1).await?;

    // The webhook failed for the post and again for "not spam".
    find(c, "#lb-outbox-open").await?.click().await?;
    until(
        c,
        "document.querySelectorAll('#lb-outbox-rows tr[data-id]').length === 2",
    )
    .await?;
    let outbox = find(c, "#lb-outbox").await?.text().await?;
    ensure!(
        outbox.contains("answered 500: down"),
        "outbox shows {outbox:?}"
    );
    env.shot(c, "8-outbox").await;
    env.services.hook_up.store(true, Ordering::SeqCst);
    find(c, "#lb-outbox-retry").await?.click().await?;
    until(
        c,
        "document.querySelectorAll('#lb-outbox-rows tr[data-id]').length === 0",
    )
    .await?;
    let message = find(c, "#lb-message").await?.text().await?;
    ensure!(message == "Retried 2, delivered 2.", "message {message:?}");
    let delivered = env.services.receiver.received_at("/hook");
    ensure!(delivered.len() >= 4, "{} webhook attempts", delivered.len());
    Ok(())
}

/// 9. Moderation: a guestbook entry waits as pending, an admin approves it
///    (the public list then has its public fields only), `letterbox pull`
///    brings it onto the page (serve rebuilds, live reload shows it), the
///    inbox finds it by search, opens it in the detail view and archives
///    it in bulk; a second entry is rejected and never published; erasure
///    from the Personal data panel removes the first everywhere, and the
///    next pull takes it off the page. The inbox at 1200 and 375 px.
async fn moderation_inbox(env: &Env, c: &Client) -> anyhow::Result<()> {
    c.set_window_size(1200, 900).await?;
    sign_guestbook(env, c, "Grace", "grace.hopper@example.org", "A long message that is far too wide for one table column, so the inbox truncates it and shows it whole in the detail view.").await?;

    admin_login(env, c).await?;
    let label = find(c, "#lb-forms button[data-form-name=guestbook]")
        .await?
        .text()
        .await?;
    ensure!(label.contains("(0, 1 pending)"), "form list says {label:?}");
    open_inbox_form(c, "guestbook", 0).await?;
    find(c, "#lb-folder-pending").await?.click().await?;
    until_rows(c, 1).await?;
    find(c, "#lb-rows tr[data-id] .lb-act")
        .await?
        .click()
        .await?; // Approve
    until_rows(c, 0).await?;
    let entries = published(c, "guestbook").await?;
    ensure!(entries.len() == 1, "published: {entries:?}");
    ensure!(
        entries[0]["fields"]["name"] == "Grace",
        "published: {entries:?}"
    );
    ensure!(
        entries[0]["fields"].get("email").is_none(),
        "an e-mail was published: {entries:?}"
    );
    ensure!(
        entries[0]["page"] == "/guestbook/",
        "published: {entries:?}"
    );

    // `letterbox pull` writes data/guestbook.json; serve rebuilds and the
    // open page reloads with the thread.
    c.goto(&env.url("/guestbook/")).await?;
    ensure!(
        c.execute("return !document.querySelector('.comments');", vec![])
            .await?
            == json!(true),
        "a thread before any pull"
    );
    pull(env).await?;
    until(
        c,
        "(document.querySelector('#comments') || {textContent: ''}).textContent.includes('Grace')",
    )
    .await?;
    let thread = find(c, "#comments .comment-body").await?.text().await?;
    ensure!(thread.contains("shows it whole"), "thread: {thread:?}");
    env.shot(c, "9a-comment-on-the-page").await;

    c.goto(&env.url("/admin/")).await?;
    find(c, "#lb-inbox:not([hidden])").await?;
    open_inbox_form(c, "guestbook", 1).await?;
    type_into(c, "#lb-q", "HOPPER@").await?;
    find(c, "#lb-search button[type=submit]")
        .await?
        .click()
        .await?;
    until(
        c,
        "document.getElementById('lb-search-note').textContent === '1 found in 1 read.'",
    )
    .await?;
    type_into(c, "#lb-q", "nobody").await?;
    find(c, "#lb-search button[type=submit]")
        .await?
        .click()
        .await?;
    until_rows(c, 0).await?;
    type_into(c, "#lb-q", "").await?;
    find(c, "#lb-search button[type=submit]")
        .await?
        .click()
        .await?;
    until_rows(c, 1).await?;
    // Not opened yet: new, with a badge, and not listed under Read.
    find(c, "#lb-rows tr.lb-new[data-id] .lb-new-mark").await?;
    let status = find(c, "#lb-status").await?;
    status.clone().select_by_value("read").await?;
    until_rows(c, 0).await?;
    status.clone().select_by_value("").await?;
    until_rows(c, 1).await?;
    env.shot(c, "9b-inbox-1200").await;
    // The detail view is reachable from the keyboard: focus a value, Enter.
    find(c, "#lb-rows tr[data-id] td.lb-val")
        .await?
        .send_keys("\u{E007}")
        .await?;
    until(c, "document.getElementById('lb-detail').open").await?;
    let full = find(c, "#lb-detail-list").await?.text().await?;
    ensure!(
        full.contains("shows it whole in the detail view."),
        "detail shows {full:?}"
    );
    env.shot(c, "9c-detail-1200").await;
    c.execute("document.getElementById('lb-detail').close();", vec![])
        .await?;
    // Opened, it is read: no badge; New lists nothing, Read lists it.
    until(
        c,
        "!document.querySelector('#lb-rows .lb-new-mark, #lb-rows tr.lb-new')",
    )
    .await?;
    let status = find(c, "#lb-status").await?;
    status.clone().select_by_value("new").await?;
    until_rows(c, 0).await?;
    status.clone().select_by_value("read").await?;
    until_rows(c, 1).await?;
    // Marked unread from the detail view, it is new again (on the server
    // too: the New filter lists it).
    find(c, "#lb-rows tr[data-id] td.lb-val")
        .await?
        .click()
        .await?;
    until(c, "document.getElementById('lb-detail').open").await?;
    find(c, "#lb-detail-unread").await?.click().await?;
    until(c, "!document.getElementById('lb-detail').open && !!document.querySelector('#lb-rows tr.lb-new .lb-new-mark')").await?;
    status.clone().select_by_value("").await?;
    until_rows(c, 1).await?;
    status.clone().select_by_value("read").await?;
    until_rows(c, 0).await?;
    status.select_by_value("").await?;
    until_rows(c, 1).await?;

    // A phone: each submission is a card (no sideways scrolling).
    c.set_window_size(375, 812).await?;
    c.execute(
        "document.getElementById('lb-title').scrollIntoView();",
        vec![],
    )
    .await?;
    env.shot(c, "9d-inbox-375").await;
    // Nothing wider than the screen: name what is, if anything.
    let wide = c
        .execute(
            "var w = document.documentElement.clientWidth; return Array.from(document.querySelectorAll('#lb-admin *')).filter(function (e) { return e.offsetParent && e.getBoundingClientRect().right > w + 1; }).slice(0, 5).map(function (e) { return e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right); });",
            vec![],
        )
        .await?;
    ensure!(
        wide.as_array().is_some_and(Vec::is_empty),
        "wider than 375px: {wide}"
    );
    find(c, "#lb-head input[type=checkbox]")
        .await?
        .click()
        .await?;
    find(c, "#lb-bulk .lb-bulk-archive").await?.click().await?;
    until_rows(c, 0).await?;
    find(c, "#lb-folder-archived").await?.click().await?;
    until_rows(c, 1).await?;
    env.shot(c, "9e-archived-375").await;
    c.set_window_size(1200, 900).await?;

    // A rejected entry is never published.
    sign_guestbook(
        env,
        c,
        "Mallory",
        "mallory@example.org",
        "Buy cheap watches now!",
    )
    .await?;
    c.goto(&env.url("/admin/")).await?;
    find(c, "#lb-inbox:not([hidden])").await?;
    open_inbox_form(c, "guestbook", 0).await?;
    find(c, "#lb-folder-pending").await?.click().await?;
    until_rows(c, 1).await?;
    find(c, "#lb-rows tr[data-id] .lb-act:nth-of-type(2)")
        .await?
        .click()
        .await?; // Reject
    until_rows(c, 0).await?;
    find(c, "#lb-folder-rejected").await?.click().await?;
    until_rows(c, 1).await?;
    ensure!(
        published(c, "guestbook").await?.is_empty(),
        "rejected or archived entries are not published"
    );

    // Erasure, from the inbox: every submission holding the address goes.
    find(c, "#lb-person-open").await?.click().await?;
    type_into(c, "#lb-person-email", "grace.hopper@example.org").await?;
    find(c, "#lb-person-find").await?.click().await?;
    until(c, "document.getElementById('lb-person-result').textContent === '1 submission(s) hold this address (forms: guestbook).'").await?;
    c.execute("window.confirm = function () { return true; };", vec![])
        .await?;
    find(c, "#lb-person-erase").await?.click().await?;
    until(
        c,
        "document.getElementById('lb-person-result').textContent === 'Erased 1 submission(s).'",
    )
    .await?;
    env.shot(c, "9f-erased").await;
    find(c, "#lb-person-find").await?.click().await?;
    until(c, "document.getElementById('lb-person-result').textContent === '0 submission(s) hold this address.'").await?;
    c.goto(&env.url("/guestbook/")).await?;
    find(c, "#comments").await?;
    pull(env).await?;
    until(c, "!document.querySelector('#comments')").await?;
    c.set_window_size(1100, 1400).await?;
    Ok(())
}

async fn sign_guestbook(
    env: &Env,
    c: &Client,
    name: &str,
    email: &str,
    message: &str,
) -> anyhow::Result<()> {
    c.goto(&env.url("/guestbook/")).await?;
    type_into(c, "form[data-form=guestbook] input[name=name]", name).await?;
    type_into(c, "form[data-form=guestbook] input[name=email]", email).await?;
    type_into(
        c,
        "form[data-form=guestbook] textarea[name=message]",
        message,
    )
    .await?;
    submit(c, "guestbook").await?;
    until(c, "(document.querySelector('form[data-form=guestbook] .lb-status') || {}).textContent === 'Thanks!'").await
}

/// A form's published entries, as the page's script would fetch them.
async fn published(c: &Client, form: &str) -> anyhow::Result<Vec<serde_json::Value>> {
    let body = c
        .execute_async(
            &format!("var done = arguments[0]; fetch('/api/forms/{form}/published', {{ cache: 'no-store' }}).then(function (r) {{ return r.json(); }}).then(done);"),
            vec![],
        )
        .await?;
    Ok(body["entries"].as_array().cloned().unwrap_or_default())
}

/// `letterbox pull` against the served site's own API.
async fn pull(env: &Env) -> anyhow::Result<()> {
    let mut options = letterbox::pull::PullOptions::new(&env.site);
    options.api_url = Some(env.server.url.clone());
    tokio::task::spawn_blocking(move || letterbox::pull::pull(&options)).await??;
    Ok(())
}

const FEEDBACK_PAGE: &str = r#"+++
title = "Feedback"
+++
<form data-form="feedback" data-captcha="turnstile" data-sitekey="1x00000000000000000000AA" data-success="Thanks!">
<label>Name <input name="name" required></label>
<label>E-mail <input name="email" type="email" required></label>
<label>Message <textarea name="message" required></textarea></label>
<button type="submit">Send</button>
</form>
"#;

/// Turnstile's script as far as the form script uses it: a token input in
/// each widget, and `reset`, which issues a new token.
const FAKE_TURNSTILE: &str = r#"window.__resets = 0;
window.turnstile = { reset: function (el) { window.__resets += 1; el.querySelector("input").value = "pass-" + window.__resets; } };
document.querySelectorAll(".cf-turnstile").forEach(function (el) {
  var input = document.createElement("input");
  input.type = "hidden"; input.name = "cf-turnstile-response"; input.value = "pass";
  el.appendChild(input);
});
"#;

// ------------------------------------------------------------------ driver

fn fixture_site(dir: &Path, services: &Services) -> anyhow::Result<PathBuf> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let site = dir.join("site");
    for name in ["content", "templates", "static"] {
        for entry in walkdir::WalkDir::new(repo.join(name)) {
            let entry = entry?;
            let rel = entry.path().strip_prefix(&repo)?;
            let to = site.join(rel);
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to)?;
            } else {
                std::fs::copy(entry.path(), &to)?;
            }
        }
    }
    std::fs::copy(repo.join("site.toml"), site.join("site.toml"))?;
    std::fs::write(site.join("content/members.md"), MEMBERS_PAGE)?;
    std::fs::write(site.join("content/feedback.md"), FEEDBACK_PAGE)?;
    std::fs::write(site.join("content/guestbook.md"), GUESTBOOK_PAGE)?;
    std::fs::write(site.join("static/fake-turnstile.js"), FAKE_TURNSTILE)?;
    let mut config = std::fs::read_to_string(site.join("site.toml"))?;
    config.push_str(&format!(
        "\n[forms.feedback]\ncaptcha_script = \"/fake-turnstile.js\"\n\n\
         [[forms.feedback.notify.webhook]]\nurl = \"{hook}\"\n\n\
         [forms.guestbook]\npublish = [\"name\", \"message\"]\n",
        hook = services.receiver.url("/hook")
    ));
    std::fs::write(site.join("site.toml"), config)?;
    Ok(site)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_journeys() {
    let Some((chromedriver, chromium)) = tools("browser tests") else {
        return;
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let services = Services::start();
    let site = fixture_site(dir.path(), &services).unwrap();
    let mut options = ServeOptions::new(&site);
    options.port = 0;
    options.quiet = true;
    // As `serve --send`, against the local stand-ins.
    options.services = letterbox_forms::config::Services {
        webhook_secret: Some("whsec_browser".into()),
        captcha_secret: Some("0x-browser".into()),
        captcha_verify_url: Some(services.receiver.url("/siteverify")),
        timeout: Duration::from_secs(2),
        dry_run: false,
        ..letterbox_forms::config::Services::default()
    };
    let server = start(options).await.unwrap();
    assert!(server.build_error().is_none(), "{:?}", server.build_error());
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let env = Env {
        browser: Browser::start(&chromedriver, chromium).unwrap(),
        services,
        server,
        site,
        shots,
    };

    type Step = for<'a> fn(
        &'a Env,
        &'a Client,
    ) -> std::pin::Pin<Box<dyn Future<Output = anyhow::Result<()>> + 'a>>;
    let steps: [(&str, bool, Step); 9] = [
        (
            "1 no JavaScript: post, 303, thank-you page",
            false,
            |e, c| Box::pin(no_javascript(e, c)),
        ),
        ("2 inline 422 errors, then success", true, |e, c| {
            Box::pin(inline_errors(e, c))
        }),
        ("3 admin inbox: list, CSV, delete", true, |e, c| {
            Box::pin(admin_inbox(e, c))
        }),
        ("4 member-only form", true, |e, c| {
            Box::pin(member_form(e, c))
        }),
        ("5 stored payload shown as text", true, |e, c| {
            Box::pin(stored_payload(e, c))
        }),
        ("6 live reload and error overlay", true, |e, c| {
            Box::pin(live_reload(e, c))
        }),
        ("7 API on another origin (bearer token)", true, |e, c| {
            Box::pin(other_origin(e, c))
        }),
        ("8 CAPTCHA, Spam folder and Outbox", true, |e, c| {
            Box::pin(captcha_spam_and_outbox(e, c))
        }),
        (
            "9 moderation, detail view, bulk, 1200 and 375 px",
            true,
            |e, c| Box::pin(moderation_inbox(e, c)),
        ),
    ];
    let mut failures = Vec::new();
    let steps_total = steps.len();
    for (name, javascript, step) in steps {
        let t = Instant::now();
        let result = match env.session(javascript).await {
            Ok(client) => {
                let result = step(&env, &client).await;
                if result.is_err() {
                    let slug: String = name.chars().take(1).collect();
                    env.shot(&client, &format!("{slug}-FAILED")).await;
                }
                let _ = client.close().await;
                result
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => println!("ok    step {name} ({} ms)", t.elapsed().as_millis()),
            Err(e) => {
                println!("FAIL  step {name}: {e:#}");
                failures.push(format!("step {name}: {e:#}"));
            }
        }
    }
    notice(&format!(
        "browser tests: {} of {} steps passed in {} s; screenshots in {}",
        steps_total - failures.len(),
        steps_total,
        started.elapsed().as_secs(),
        env.shots.display()
    ));
    let Env {
        server, browser, ..
    } = env;
    server.shutdown().await;
    drop(browser);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
