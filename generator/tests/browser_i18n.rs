//! A multilingual site's forms in headless Chromium: the French page's form,
//! rejected by the API, shows the API's French messages and the script's
//! French status line, then thanks in French (and the English page's form
//! answers in English), against `letterbox serve` started in-process on a
//! copy of `fixtures/multilingual`.
//!
//! Needs `chromedriver` and `chromium`; without them the test prints a
//! notice and passes, unless `LETTERBOX_REQUIRE_BROWSER=1` (see
//! `common/browser.rs`).
// Needs `serve` (as browser.rs, whose [[test]] entry says so).
#![cfg(feature = "serve")]
#![allow(clippy::unwrap_used)]

use anyhow::{Context as _, ensure};
use fantoccini::{Client, Locator};
use letterbox::serve::{ServeOptions, ServerHandle, start};
use serde_json::json;

mod common;
use common::browser::{Browser, find, notice, tools, type_into, until};

/// Posts `email` and `message` through the page's form with the browser's
/// own checks off (so the API judges), and returns the inline errors the
/// form script shows, by field name, and its status line.
async fn rejected(
    c: &Client,
    server: &ServerHandle,
    path: &str,
    form: &str,
    email: &str,
    message: &str,
) -> anyhow::Result<(Vec<(String, String)>, String)> {
    c.goto(&format!("{}{path}", server.url)).await?;
    let selector = format!("form[data-form={form}]");
    find(c, &format!("{selector}[action='/api/forms/{form}']")).await?;
    find(c, "script[src='/letterbox-forms.js']").await?;
    c.execute(
        &format!("document.querySelector('{selector}').noValidate = true;"),
        vec![],
    )
    .await?;
    type_into(c, &format!("{selector} input[name=email]"), email).await?;
    type_into(c, &format!("{selector} textarea[name=message]"), message).await?;
    find(c, &format!("{selector} button"))
        .await?
        .click()
        .await?;
    until(c, "document.querySelectorAll('.lb-error').length === 2").await?;
    let mut errors = Vec::new();
    for error in c.find_all(Locator::Css(".lb-error")).await? {
        let id = error.attr("id").await?.unwrap_or_default();
        let field = (id.rsplit('-').next()).unwrap_or_default().to_owned();
        errors.push((field, error.text().await?));
    }
    let status = find(c, ".lb-status[data-ok='0']").await?.text().await?;
    ensure!(
        c.current_url().await?.path() == path,
        "left {path} on an error"
    );
    let invalid = c
        .execute(
            &format!(
                "return Array.from(document.querySelectorAll('{selector} [aria-invalid=true]'), f => f.name);"
            ),
            vec![],
        )
        .await?;
    ensure!(
        invalid == json!(["email", "message"]),
        "aria-invalid on {invalid}"
    );
    Ok((errors, status))
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    (list.iter())
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

async fn french_and_english(c: &Client, server: &ServerHandle) -> anyhow::Result<()> {
    let html_lang = |c: &Client| {
        let c = c.clone();
        async move {
            c.execute("return document.documentElement.lang;", vec![])
                .await
                .context("reading <html lang>")
        }
    };
    let (errors, status) = rejected(
        c,
        server,
        "/fr/contact/",
        "contact-fr",
        "pas-une-adresse",
        "court",
    )
    .await?;
    ensure!(html_lang(c).await? == json!("fr"));
    ensure!(
        errors
            == pairs(&[
                (
                    "email",
                    "Veuillez saisir une adresse e-mail, comme nom@exemple.fr."
                ),
                // The site's own French text (site.toml), with the values.
                (
                    "message",
                    "Encore un effort : au moins 10 caractères (vous en avez 5)."
                ),
            ]),
        "French page: {errors:?}"
    );
    ensure!(
        status == "Veuillez corriger les champs signalés.",
        "French status: {status:?}"
    );
    // Corrected, the post is accepted and thanked for in French.
    type_into(
        c,
        "form[data-form=contact-fr] input[name=email]",
        "ada@example.org",
    )
    .await?;
    type_into(
        c,
        "form[data-form=contact-fr] textarea[name=message]",
        "Un message assez long.",
    )
    .await?;
    find(c, "form[data-form=contact-fr] button")
        .await?
        .click()
        .await?;
    let thanks = find(c, ".lb-status[data-ok='1']").await?.text().await?;
    ensure!(
        thanks == "Merci ! Votre envoi a bien été reçu.",
        "French thanks: {thanks:?}"
    );
    ensure!(
        c.find_all(Locator::Css(".lb-error")).await?.is_empty(),
        "errors left after the accepted post"
    );
    // The script's other lines are French too: a server out of reach, and
    // too many posts (an answer as the API gives it, with Retry-After).
    for (fake, said) in [
        (
            "return Promise.reject(new TypeError('Failed to fetch'));",
            "Le serveur est injoignable. Votre saisie est conservée ; veuillez réessayer.",
        ),
        (
            "return Promise.resolve(new Response('{\"error\":\"rate_limited\",\"message\":\"Trop d’envois.\"}', \
             {status: 429, headers: {'Content-Type': 'application/json', 'Retry-After': '17'}}));",
            "Trop d’envois. Veuillez réessayer dans 17 secondes.",
        ),
    ] {
        c.execute(
            &format!("window.__fetch = window.__fetch || window.fetch; window.fetch = function () {{ {fake} }};"),
            vec![],
        )
        .await?;
        find(c, "form[data-form=contact-fr] button")
            .await?
            .click()
            .await?;
        until(
            c,
            &format!(
                "(document.querySelector(\".lb-status[data-ok='0']\") || {{}}).textContent === {}",
                json!(said)
            ),
        )
        .await?;
    }
    c.execute("window.fetch = window.__fetch;", vec![]).await?;

    let (errors, status) =
        rejected(c, server, "/contact/", "contact", "not-an-address", "short").await?;
    ensure!(html_lang(c).await? == json!("en"));
    ensure!(
        errors
            == pairs(&[
                (
                    "email",
                    "Please enter an e-mail address, like name@example.com."
                ),
                (
                    "message",
                    "Please enter at least 10 characters (you entered 5)."
                ),
            ]),
        "English page: {errors:?}"
    );
    ensure!(
        status == "Please correct the highlighted fields.",
        "English status: {status:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_french_form_rejected_by_the_api_shows_french_messages() {
    let Some((chromedriver, chromium)) = tools("multilingual browser test") else {
        return;
    };
    let site = common::site("multilingual");
    let mut options = ServeOptions::new(site.path());
    options.port = 0;
    options.quiet = true;
    options.watch = false;
    let server = start(options).await.unwrap();
    assert!(server.build_error().is_none(), "{:?}", server.build_error());
    let browser = Browser::start(&chromedriver, chromium).unwrap();
    let client = browser.session(true).await.unwrap();
    let result = french_and_english(&client, &server).await;
    let _ = client.close().await;
    server.shutdown().await;
    drop(browser);
    if result.is_ok() {
        notice("multilingual browser test: French and English form messages shown");
    }
    result.unwrap();
}
