//! The handler for a typical contact submission against `MemoryStore`:
//! `cargo bench -p letterbox-forms --bench handler`.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use divan::Bencher;
use http::Request;
use letterbox_forms::handler::{Context, FixedClock, handle};
use letterbox_forms::store::MemoryStore;
use letterbox_forms::{Config, Field, FieldKind, Form, Manifest};

fn main() {
    divan::main();
}

fn setup() -> (Config, Manifest) {
    let config = Config::from_lookup(|name| match name {
        "jwt_secret" => Some("0123456789abcdef0123456789abcdef".into()),
        "site_url" => Some("https://site.example".into()),
        "rate_limit_per_minute" => Some("0".into()),
        _ => None,
    })
    .unwrap();
    let mut email = Field::new("email", FieldKind::Email);
    email.required = true;
    email.maxlength = Some(200);
    let mut name = Field::new("name", FieldKind::Text);
    name.maxlength = Some(100);
    let mut message = Field::new("message", FieldKind::Textarea);
    message.required = true;
    message.minlength = Some(10);
    message.maxlength = Some(5000);
    let form = Form {
        redirect: Some("/contact/thanks/".into()),
        ..Form::new("contact", "content/contact.md", vec![name, email, message])
    };
    let mut manifest = Manifest::default();
    manifest.forms.insert(form.name.clone(), form);
    (config, manifest)
}

const BODY: &str = "name=Ada+Lovelace&email=ada%40example.org&message=Hello%21+I+would+like+to+know+more+about+your+analytical+engine.+Best%2C+Ada&_gotcha=";

#[divan::bench]
fn contact_submission_urlencoded(bencher: Bencher) {
    let (config, manifest) = setup();
    let store = MemoryStore::new();
    let clock = FixedClock(1_795_860_000_000);
    let ctx = Context {
        config: &config,
        manifest: &manifest,
        store: &store,
        clock: &clock,
        outbound: &letterbox_forms::outbound::NoOutbound,
    };
    bencher.bench_local(|| {
        let req = Request::post("/api/forms/contact")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("spin-client-addr", "203.0.113.7:5555")
            .header("referer", "https://site.example/contact/")
            .body(Bytes::from_static(BODY.as_bytes()))
            .unwrap();
        let resp = futures::executor::block_on(handle(req, &ctx));
        assert_eq!(resp.status(), 303);
        resp
    });
}
