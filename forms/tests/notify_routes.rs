//! Notifications, the outbox, CAPTCHA and the spam folder through the
//! handler, with every outbound request answered by a recording fake.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::*;
use http::{Method, Request, Response, StatusCode};
use letterbox_forms::notify::webhook;
use letterbox_forms::outbound::{OutboundError, RecordingOutbound};
use letterbox_forms::store::Store;
use letterbox_forms::{
    Autoreply, Captcha, CaptchaProvider, Config, EmailNotice, Manifest, SpamCheck, Webhook,
    WebhookFormat,
};
use serde_json::{Value, json};

const HOOK: &str = "http://127.0.0.1:9/hook";
const MAIL: &str = "http://127.0.0.1:9/emails";
const VERIFY: &str = "http://127.0.0.1:9/siteverify";
const AKISMET: &str = "http://127.0.0.1:9/comment-check";

store_tests!(
    a_stored_submission_is_announced_once_and_rejected_ones_never,
    a_failed_delivery_waits_in_the_outbox_and_a_later_post_retries_it,
    captcha_pass_fail_duplicate_and_outage,
    spam_is_filed_apart_and_not_spam_announces_it,
    autoreplies_stop_at_the_daily_quota,
    a_form_autoreplies_at_most_its_daily_quota_whatever_the_addresses,
    the_outbox_can_be_listed_retried_and_discarded,
    serve_without_send_sends_nothing_and_skips_the_captcha,
);

/// The common manifest, its `contact` form announced everywhere, with a
/// CAPTCHA and Akismet when asked.
fn site(captcha: bool, akismet: bool) -> Manifest {
    let mut m = manifest();
    let form = m.forms.get_mut("contact").unwrap();
    form.notify.webhooks = vec![Webhook {
        url: HOOK.into(),
        format: WebhookFormat::Json,
    }];
    form.notify.email = Some(EmailNotice {
        to: vec!["owner@example.org".into()],
        from: "forms@example.org".into(),
        subject: "New message from {email}".into(),
        body: None,
        reply_to_field: Some("email".into()),
    });
    form.notify.autoreply = Some(Autoreply {
        field: "email".into(),
        from: "forms@example.org".into(),
        subject: "Thanks".into(),
        body: "We got it.".into(),
    });
    if captcha {
        form.captcha = Some(Captcha {
            provider: CaptchaProvider::Turnstile,
            sitekey: "1x00000000000000000000AA".into(),
        });
    }
    if akismet {
        form.spam_check = Some(SpamCheck::Akismet);
    }
    m
}

fn services_config(extra: &[(&str, &str)]) -> Config {
    let mut vars: Vec<(&str, &str)> = vec![
        ("admin_username", "root"),
        ("admin_password_hash", admin_hash()),
        ("webhook_secret", "whsec_test"),
        ("email_api_url", MAIL),
        ("email_api_key", "re_test"),
        ("captcha_secret", "0x-secret"),
        ("captcha_verify_url", VERIFY),
        ("akismet_key", "ak_test"),
        ("akismet_url", AKISMET),
    ];
    vars.extend_from_slice(extra);
    config(&vars)
}

struct Setup<S> {
    store: S,
    config: Config,
    manifest: Manifest,
    fake: RecordingOutbound,
}

impl<S: Store> Setup<S> {
    fn new(store: S, manifest: Manifest) -> Self {
        Self {
            store,
            config: services_config(&[]),
            manifest,
            fake: RecordingOutbound::new(),
        }
    }

    fn call(&self, now: u64, req: Request<Bytes>) -> Response<Vec<u8>> {
        call_with(
            &self.store,
            &self.config,
            &self.manifest,
            &self.fake,
            now,
            req,
        )
    }

    fn post(&self, now: u64, body: &str) -> Response<Vec<u8>> {
        let mut req = form_post("/api/forms/contact", body);
        req.headers_mut()
            .insert("accept", "application/json".parse().unwrap());
        self.call(now, req)
    }

    fn token(&self) -> String {
        let req = Request::post("/api/auth/login")
            .header("content-type", "application/json")
            .header("spin-client-addr", "198.51.100.1:1")
            .body(Bytes::from(
                json!({"username": "root", "password": ADMIN_PASSWORD}).to_string(),
            ))
            .unwrap();
        let resp = self.call(NOW, req);
        assert_eq!(resp.status(), StatusCode::OK);
        body_json(&resp)["token"].as_str().unwrap().to_owned()
    }

    fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Response<Vec<u8>> {
        let token = self.token();
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Bytes::from(body.map(|b| b.to_string()).unwrap_or_default()))
            .unwrap();
        self.call(NOW, req)
    }
}

const GOOD: &str = "email=ada%40example.org&message=Hello+there&topics=a";

fn a_stored_submission_is_announced_once_and_rejected_ones_never<S: Store>(store: S) {
    let s = Setup::new(store, site(false, false));
    let resp = s.post(NOW, GOOD);
    assert_eq!(resp.status(), StatusCode::CREATED);
    let id = body_json(&resp)["id"].as_str().unwrap().to_owned();

    let hooks = s.fake.sent_to(HOOK);
    assert_eq!(hooks.len(), 1);
    let signature = hooks[0].header(webhook::SIGNATURE_HEADER).unwrap();
    assert!(webhook::verify(
        b"whsec_test",
        signature,
        &hooks[0].body,
        NOW / 1000
    ));
    let payload: Value = serde_json::from_slice(&hooks[0].body).unwrap();
    assert_eq!(payload["submission"]["id"], id.as_str());
    assert_eq!(
        payload["submission"]["values"][0],
        json!(["email", "ada@example.org"])
    );

    let mails = s.fake.sent_to(MAIL);
    assert_eq!(mails.len(), 2, "the owner's notice and the autoreply");
    let notice: Value = serde_json::from_slice(&mails[0].body).unwrap();
    assert_eq!(notice["subject"], "New message from ada@example.org");
    assert_eq!(notice["reply_to"], "ada@example.org");
    let reply: Value = serde_json::from_slice(&mails[1].body).unwrap();
    assert_eq!(reply["to"], json!(["ada@example.org"]));

    // A rejected post, a filled honeypot: stored nothing, sent nothing.
    s.fake.clear();
    assert_eq!(
        s.post(NOW, "email=nope&message=x").status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        s.post(NOW, &format!("{GOOD}&_gotcha=bot")).status(),
        StatusCode::CREATED
    );
    assert!(s.fake.sent().is_empty(), "{:?}", s.fake.sent());
    assert_eq!(stored(&s.store, "contact").len(), 1);
}

fn a_failed_delivery_waits_in_the_outbox_and_a_later_post_retries_it<S: Store>(store: S) {
    let s = Setup::new(store, site(false, false));
    s.fake.answer_with(HOOK, 502, "bad gateway");
    assert_eq!(s.post(NOW, GOOD).status(), StatusCode::CREATED);
    assert_eq!(
        stored(&s.store, "contact").len(),
        1,
        "stored whatever the receiver says"
    );
    let outbox = block(s.store.outbox_list(10));
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].last_error, "answered 502: bad gateway");
    let first = outbox[0].clone();

    // The receiver is back; a post a minute later retries the entry.
    s.fake.answer_with(HOOK, 200, "ok");
    s.fake.clear();
    let later = NOW + 61_000;
    assert_eq!(
        s.post(
            later,
            "email=bob%40example.org&message=Hello+again&topics=a"
        )
        .status(),
        StatusCode::CREATED
    );
    let hooks = s.fake.sent_to(HOOK);
    assert_eq!(hooks.len(), 2, "its own webhook and the retried one");
    assert!(
        hooks
            .iter()
            .any(|h| h.header(webhook::DELIVERY_HEADER) == Some(first.id.as_str()))
    );
    assert!(block(s.store.outbox_list(10)).is_empty());
}

fn captcha_pass_fail_duplicate_and_outage<S: Store>(store: S) {
    let s = Setup::new(store, site(true, false));
    let with_token = |t: &str| format!("{GOOD}&cf-turnstile-response={t}");
    s.fake.answer_with(VERIFY, 200, r#"{"success":true}"#);
    assert_eq!(
        s.post(NOW, &with_token("tok-1")).status(),
        StatusCode::CREATED
    );
    let verify = &s.fake.sent_to(VERIFY)[0];
    let body = String::from_utf8(verify.body.clone()).unwrap();
    assert_eq!(body, "secret=0x-secret&response=tok-1&remoteip=203.0.113.7");
    let kept = stored(&s.store, "contact");
    assert!(
        kept[0]
            .values
            .0
            .iter()
            .all(|(n, _)| n != "cf-turnstile-response"),
        "the token is never stored"
    );

    let problems = |resp: &Response<Vec<u8>>| body_json(resp)["fields"]["captcha"].clone();
    s.fake.answer_with(
        VERIFY,
        200,
        r#"{"success":false,"error-codes":["invalid-input-response"]}"#,
    );
    let refused = s.post(NOW, &with_token("bad"));
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problems(&refused)[0]
            .as_str()
            .unwrap()
            .contains("could not be verified")
    );
    s.fake.answer_with(
        VERIFY,
        200,
        r#"{"success":false,"error-codes":["timeout-or-duplicate"]}"#,
    );
    let duplicate = s.post(NOW, &with_token("tok-1"));
    assert_eq!(duplicate.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problems(&duplicate)[0]
            .as_str()
            .unwrap()
            .contains("expired or was already used")
    );
    let missing = s.post(NOW, GOOD);
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problems(&missing), json!(["Please complete the CAPTCHA."]));

    s.fake
        .answer(VERIFY, Err(OutboundError::Timeout(Duration::from_secs(3))));
    let down = s.post(NOW, &with_token("tok-2"));
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body_json(&down)["error"], "captcha_unavailable");
    assert_eq!(
        stored(&s.store, "contact").len(),
        1,
        "nothing more was stored"
    );
    assert_eq!(s.fake.sent_to(HOOK).len(), 1, "nor announced");

    // Invalid fields are reported without spending the token.
    let before = s.fake.sent_to(VERIFY).len();
    assert_eq!(
        s.post(NOW, "email=nope&message=x&cf-turnstile-response=t")
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(s.fake.sent_to(VERIFY).len(), before);
}

fn spam_is_filed_apart_and_not_spam_announces_it<S: Store>(store: S) {
    let s = Setup::new(store, site(false, true));
    s.fake.answer_with(AKISMET, 200, "true");
    let resp = s.post(NOW, GOOD);
    assert_eq!(resp.status(), StatusCode::CREATED, "answered like any post");
    assert!(s.fake.sent_to(HOOK).is_empty() && s.fake.sent_to(MAIL).is_empty());
    assert!(stored(&s.store, "contact").is_empty());

    let forms = body_json(&s.admin(Method::GET, "/api/forms", None));
    let contact = forms["forms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "contact")
        .unwrap()
        .clone();
    assert_eq!(
        (contact["count"].clone(), contact["spam"].clone()),
        (json!(0), json!(1))
    );
    let spam = body_json(&s.admin(
        Method::GET,
        "/api/forms/contact/submissions?folder=spam",
        None,
    ));
    let id = spam["submissions"][0]["id"].as_str().unwrap().to_owned();

    // Not spam: filed back, and announced now.
    let back = s.admin(
        Method::POST,
        &format!("/api/forms/contact/submissions/{id}/not-spam"),
        None,
    );
    assert_eq!(back.status(), StatusCode::OK);
    let moved = body_json(&back);
    assert_eq!(moved["sent"], 2, "{moved}");
    assert_eq!(s.fake.sent_to(HOOK).len(), 1);
    let inbox = stored(&s.store, "contact");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].id, moved["id"].as_str().unwrap());
    assert_eq!(inbox[0].values, spam_values(&spam));

    // And by hand into spam again; the old id is gone from where it was.
    let new_id = moved["id"].as_str().unwrap();
    let path = format!("/api/forms/contact/submissions/{new_id}/spam");
    assert_eq!(s.admin(Method::POST, &path, None).status(), StatusCode::OK);
    assert_eq!(
        s.admin(Method::POST, &path, None).status(),
        StatusCode::NOT_FOUND
    );
    assert!(stored(&s.store, "contact").is_empty());
    let csv = s.admin(
        Method::GET,
        "/api/forms/contact/submissions?folder=spam&format=csv",
        None,
    );
    assert!(String::from_utf8_lossy(csv.body()).contains("ada@example.org"));

    // Akismet down: kept as not spam.
    s.fake
        .answer(AKISMET, Err(OutboundError::Failed("refused".into())));
    assert_eq!(s.post(NOW, GOOD).status(), StatusCode::CREATED);
    assert_eq!(stored(&s.store, "contact").len(), 1);
}

fn spam_values(list: &Value) -> letterbox_forms::FormData {
    let pairs = list["submissions"][0]["values"].as_array().unwrap();
    letterbox_forms::FormData(
        pairs
            .iter()
            .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
            .collect(),
    )
}

fn autoreplies_stop_at_the_daily_quota<S: Store>(store: S) {
    let s = Setup::new(store, site(false, false));
    let replies = |s: &Setup<S>| {
        s.fake
            .sent_to(MAIL)
            .iter()
            .filter(|m| {
                let body: Value = serde_json::from_slice(&m.body).unwrap();
                body["subject"] == "Thanks"
            })
            .count()
    };
    for _ in 0..3 {
        assert_eq!(s.post(NOW, GOOD).status(), StatusCode::CREATED);
    }
    assert_eq!(replies(&s), 2, "two a day per address");
    assert_eq!(
        s.fake.sent_to(HOOK).len(),
        3,
        "the owner hears of every one"
    );
    // The next day, again.
    assert_eq!(s.post(NOW + 86_400_000, GOOD).status(), StatusCode::CREATED);
    assert_eq!(replies(&s), 3);
}

/// A flood from made-up addresses (each under its own quota) still stops
/// at the form's: the form cannot relay mail to a list of strangers.
fn a_form_autoreplies_at_most_its_daily_quota_whatever_the_addresses<S: Store>(store: S) {
    let mut s = Setup::new(store, site(false, false));
    s.config = services_config(&[
        ("autoreply_per_address_per_day", "5"),
        ("autoreply_per_form_per_day", "3"),
    ]);
    let replied_to = |s: &Setup<S>| -> Vec<String> {
        (s.fake.sent_to(MAIL).iter())
            .map(|m| serde_json::from_slice::<Value>(&m.body).unwrap())
            .filter(|body| body["subject"] == "Thanks")
            .map(|body| body["to"][0].as_str().unwrap().to_owned())
            .collect()
    };
    for i in 0..5 {
        let body = format!("email=victim{i}%40example.org&message=Hello+there&topics=a");
        assert_eq!(s.post(NOW, &body).status(), StatusCode::CREATED);
    }
    assert_eq!(
        replied_to(&s),
        [
            "victim0@example.org",
            "victim1@example.org",
            "victim2@example.org"
        ],
        "three a day for the form, the first three"
    );
    assert_eq!(s.fake.sent_to(HOOK).len(), 5, "the owner hears of all");
    // The next day it starts again.
    assert_eq!(
        s.post(
            NOW + 86_400_000,
            "email=late%40example.org&message=Hello+there&topics=a"
        )
        .status(),
        StatusCode::CREATED
    );
    assert_eq!(replied_to(&s).len(), 4);
}

fn the_outbox_can_be_listed_retried_and_discarded<S: Store>(store: S) {
    let s = Setup::new(store, site(false, false));
    s.fake.answer_with(HOOK, 500, "down");
    s.fake.answer_with(MAIL, 500, "down");
    assert_eq!(s.post(NOW, GOOD).status(), StatusCode::CREATED);
    let list = body_json(&s.admin(Method::GET, "/api/outbox", None));
    let entries = list["entries"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 3);
    let hook = entries.iter().find(|e| e["kind"] == "webhook").unwrap();
    assert_eq!(hook["to"], "127.0.0.1");
    assert_eq!(hook["attempts"], 1);
    let reply = entries.iter().find(|e| e["kind"] == "autoreply").unwrap();
    assert_eq!(reply["to"], "ada@example.org");

    s.fake.answer_with(HOOK, 204, "");
    let one = s.admin(
        Method::POST,
        "/api/outbox/retry",
        Some(json!({"ids": [hook["id"]]})),
    );
    assert_eq!(body_json(&one), json!({"attempted": 1, "delivered": 1}));
    let all = s.admin(Method::POST, "/api/outbox/retry", None);
    assert_eq!(body_json(&all), json!({"attempted": 2, "delivered": 0}));
    let left = body_json(&s.admin(Method::GET, "/api/outbox", None));
    assert_eq!(left["entries"][0]["attempts"], 2);
    let id = left["entries"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        s.admin(Method::DELETE, &format!("/api/outbox/{id}"), None)
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.admin(Method::DELETE, &format!("/api/outbox/{id}"), None)
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        body_json(&s.admin(Method::GET, "/api/outbox", None))["entries"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Admins only.
    let anonymous = s.call(NOW, Request::get("/api/outbox").body(Bytes::new()).unwrap());
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

fn serve_without_send_sends_nothing_and_skips_the_captcha<S: Store>(store: S) {
    let mut s = Setup::new(store, site(true, true));
    s.config = services_config(&[]);
    s.config.services.dry_run = true;
    assert_eq!(s.post(NOW, GOOD).status(), StatusCode::CREATED);
    assert!(s.fake.sent().is_empty());
    let outbox = block(s.store.outbox_list(10));
    assert_eq!(outbox.len(), 3);
    assert!(
        outbox
            .iter()
            .all(|e| e.last_error == letterbox_forms::notify::NOT_SENT)
    );
}

fn block<T>(f: impl std::future::Future<Output = Result<T, letterbox_forms::StoreError>>) -> T {
    futures::executor::block_on(f).unwrap()
}
