//! The handler end to end, against every store.
#![allow(clippy::unwrap_used)]

mod common;

use bytes::Bytes;
use common::*;
use http::{Method, Request, StatusCode};
use letterbox_forms::FormData;
use letterbox_forms::store::Store;

fn pairs(p: &[(&str, &str)]) -> FormData {
    FormData(
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
    )
}

store_tests!(
    urlencoded_browser_post_is_stored_and_redirected,
    multipart_post_is_stored,
    json_post_is_stored_and_answered_201,
    hostile_bodies_get_their_4xx_and_store_nothing,
    honeypot_is_answered_as_success_and_dropped,
    validation_failure_for_browser_is_escaped_html,
    rate_limit_per_address_form_and_window,
    routes_and_methods,
    cors,
    open_redirects_are_refused,
    login_required_forms_answer_401,
    paging_visits_every_record_once_while_new_ones_arrive,
    users_round_trip,
    every_answer_carries_the_security_headers,
    ipv6_clients_are_limited_by_their_64,
);

fn urlencoded_browser_post_is_stored_and_redirected<S: Store>(store: S) {
    let c = config(&[]);
    let body = "email=a%40b.example&message=Hello+there%2C+%C3%A9t%C3%A9+%F0%9F%98%80&topics=a&topics=c&_gotcha=";
    let resp = call(&store, &c, NOW, form_post("/api/forms/contact", body));
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        String::from_utf8_lossy(resp.body())
    );
    assert_eq!(
        resp.headers()["location"],
        "https://site.example/contact/thanks/"
    );
    let rows = stored(&store, "contact");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].values,
        pairs(&[
            ("email", "a@b.example"),
            ("message", "Hello there, été 😀"),
            ("topics", "a"),
            ("topics", "c")
        ])
    );
    assert_eq!(rows[0].form, "contact");
    assert_eq!(rows[0].received_at, "2026-11-28T10:00:00.000Z");
    assert_eq!(rows[0].user, None);
}

fn multipart_post_is_stored<S: Store>(store: S) {
    let c = config(&[]);
    let body = "--XyZ\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nm@p.example\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nline one\r\nline two \u{1F600}\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"topics\"\r\n\r\nb\r\n--XyZ--\r\n";
    let req = raw_post(
        "/api/forms/contact",
        Some("multipart/form-data; boundary=XyZ"),
        true,
        body.into(),
    );
    let resp = call(&store, &c, NOW, req);
    assert_eq!(
        resp.status(),
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    let id = body_json(&resp)["id"].as_str().unwrap().to_owned();
    let rows = stored(&store, "contact");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, id);
    assert_eq!(
        rows[0].values,
        pairs(&[
            ("email", "m@p.example"),
            ("message", "line one\r\nline two \u{1F600}"),
            ("topics", "b")
        ])
    );
}

fn json_post_is_stored_and_answered_201<S: Store>(store: S) {
    let c = config(&[]);
    let resp = call(
        &store,
        &c,
        NOW,
        json_post(
            "/api/forms/contact",
            r#"{"email":"j@s.example","message":"ten chars!!","topics":["c","a"]}"#,
        ),
    );
    assert_eq!(
        resp.status(),
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let id = body_json(&resp)["id"].as_str().unwrap().to_owned();
    let rows = stored(&store, "contact");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, id);
    assert_eq!(
        rows[0].values,
        pairs(&[
            ("email", "j@s.example"),
            ("message", "ten chars!!"),
            ("topics", "c"),
            ("topics", "a")
        ])
    );
    assert_eq!(
        futures::executor::block_on(store.count("contact")).unwrap(),
        1
    );
}

fn hostile_bodies_get_their_4xx_and_store_nothing<S: Store>(store: S) {
    let c = config(&[("max_body_bytes", "2048")]);
    let form = Some("application/x-www-form-urlencoded");
    let json = Some("application/json");
    let ok_msg = "message=long+enough+text";
    let cases: Vec<(&str, Option<&str>, Vec<u8>, u16)> = vec![
        ("broken percent-encoding", form, format!("email=a%4@b.example&{ok_msg}").into(), 400),
        ("percent-encoded invalid UTF-8", form, format!("email=a%FF%FE@b.example&{ok_msg}").into(), 400),
        ("raw invalid UTF-8", form, [b"email=a".as_slice(), &[0xC3, 0x28], b"@b.example&message=long+enough+text"].concat(), 400),
        ("JSON not an object", json, br#"["email","a@b.example"]"#.to_vec(), 400),
        ("JSON nested object", json, br#"{"email":{"x":"a@b.example"},"message":"long enough text"}"#.to_vec(), 400),
        ("JSON deeply nested", json, format!("{}{}", "[".repeat(1000), "]".repeat(1000)).into_bytes(), 400),
        ("JSON number", json, br#"{"email":1,"message":"long enough text"}"#.to_vec(), 400),
        ("JSON broken", json, br#"{"email":"a@b.example","#.to_vec(), 400),
        ("repeated single-value field", form, format!("email=a%40b.example&email=c%40d.example&{ok_msg}").into(), 422),
        ("missing required field", form, b"email=a%40b.example".to_vec(), 422),
        ("unknown field", form, format!("email=a%40b.example&{ok_msg}&admin=1").into(), 422),
        ("over-long value", form, format!("email={}%40b.example&{ok_msg}", "a".repeat(200)).into(), 422),
        ("value not in options", form, format!("email=a%40b.example&{ok_msg}&topics=z").into(), 422),
        ("bad email", form, format!("email=not-an-email&{ok_msg}").into(), 422),
        ("body over the limit", form, format!("email=a%40b.example&message={}", "x".repeat(3000)).into(), 413),
        ("wrong content type", Some("text/plain"), format!("email=a%40b.example&{ok_msg}").into(), 415),
        ("missing content type", None, format!("email=a%40b.example&{ok_msg}").into(), 415),
        ("file upload", Some("multipart/form-data; boundary=b"), b"--b\r\nContent-Disposition: form-data; name=\"email\"; filename=\"x.txt\"\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n".to_vec(), 415),
    ];
    for (what, ct, body, status) in cases {
        for accept_json in [true, false] {
            let resp = call(
                &store,
                &c,
                NOW,
                raw_post("/api/forms/contact", ct, accept_json, body.clone()),
            );
            assert_eq!(
                resp.status().as_u16(),
                status,
                "{what} (json: {accept_json}): {}",
                String::from_utf8_lossy(resp.body())
            );
            // A JSON body is a script's: it gets JSON whatever it accepts.
            if accept_json || ct == json {
                let b = body_json(&resp);
                assert!(
                    b["error"].is_string() && b["message"].is_string(),
                    "{what}: {b}"
                );
                if status == 422 {
                    assert!(b["fields"].is_object(), "{what}: {b}");
                }
            } else {
                assert!(
                    resp.headers()["content-type"]
                        .to_str()
                        .unwrap()
                        .starts_with("text/html"),
                    "{what}"
                );
            }
        }
    }
    let resp = call(
        &store,
        &c,
        NOW,
        json_post("/api/forms/nope", r#"{"a":"b"}"#),
    );
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(body_json(&resp)["error"], "not_found");
    assert_eq!(total(&store), 0);
}

fn honeypot_is_answered_as_success_and_dropped<S: Store>(store: S) {
    let c = config(&[]);
    let body = "email=a%40b.example&message=long+enough+text&_gotcha=buy+pills";
    let resp = call(&store, &c, NOW, form_post("/api/forms/contact", body));
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        resp.headers()["location"],
        "https://site.example/contact/thanks/"
    );
    let resp = call(
        &store,
        &c,
        NOW,
        json_post(
            "/api/forms/contact",
            r#"{"email":"a@b.example","message":"long enough text","_gotcha":"x"}"#,
        ),
    );
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert!(body_json(&resp)["id"].is_string());
    assert_eq!(total(&store), 0);
    // An empty honeypot is accepted and not stored as a value.
    let resp = call(
        &store,
        &c,
        NOW,
        form_post(
            "/api/forms/contact",
            "email=a%40b.example&message=long+enough+text&_gotcha=",
        ),
    );
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        stored(&store, "contact")[0].values,
        pairs(&[("email", "a@b.example"), ("message", "long enough text")])
    );
}

fn validation_failure_for_browser_is_escaped_html<S: Store>(store: S) {
    let c = config(&[]);
    let req = Request::post("/api/forms/contact")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("referer", "https://site.example/contact/?x=\"><script>")
        .body(Bytes::from_static(
            b"email=%3Cscript%3Ealert(1)%3C%2Fscript%3E&message=short",
        ))
        .unwrap();
    let resp = call(&store, &c, NOW, req);
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = String::from_utf8(resp.body().clone()).unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("<li><strong>email</strong>"), "{html}");
    assert!(html.contains("<li><strong>message</strong>"), "{html}");
    assert!(
        html.contains(r#"<a href="https://site.example/contact/">"#),
        "{html}"
    );
    // A foreign Referer is not linked.
    let req = Request::post("/api/forms/contact")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("referer", "https://evil.example/")
        .body(Bytes::from_static(b"email=x"))
        .unwrap();
    let html = String::from_utf8(call(&store, &c, NOW, req).body().clone()).unwrap();
    assert!(!html.contains("evil.example"), "{html}");
    assert!(
        html.contains(r#"<a href="https://site.example/">"#),
        "{html}"
    );
    assert_eq!(total(&store), 0);
}

fn rate_limit_per_address_form_and_window<S: Store>(store: S) {
    let c = config(&[("rate_limit_per_minute", "2")]);
    let send = |addr: &str, now: u64| {
        let req = Request::post("/api/forms/free")
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .header("spin-client-addr", addr)
            .body(Bytes::from_static(br#"{"text":"hi"}"#))
            .unwrap();
        call(&store, &c, now, req)
    };
    let t = NOW + 15_000; // 15 s into a minute
    assert_eq!(send("198.51.100.1:1000", t).status(), StatusCode::CREATED);
    assert_eq!(send("198.51.100.1:1001", t).status(), StatusCode::CREATED);
    let limited = send("198.51.100.1:1002", t);
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["retry-after"], "45");
    assert_eq!(body_json(&limited)["error"], "rate_limited");
    // Another address is not affected.
    assert_eq!(send("[2001:db8::1]:1000", t).status(), StatusCode::CREATED);
    // The next window starts again.
    assert_eq!(
        send("198.51.100.1:1003", NOW + 60_000).status(),
        StatusCode::CREATED
    );
    assert_eq!(stored(&store, "free").len(), 4);
}

fn routes_and_methods<S: Store>(store: S) {
    let c = config(&[]);
    let resp = call(
        &store,
        &c,
        NOW,
        Request::get("/api/forms/contact")
            .body(Bytes::new())
            .unwrap(),
    );
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.headers()["allow"], "POST, OPTIONS");
    assert_eq!(body_json(&resp)["error"], "method_not_allowed");
    for method in [Method::PUT, Method::DELETE, Method::PATCH] {
        let resp = call(
            &store,
            &c,
            NOW,
            Request::builder()
                .method(method)
                .uri("/api/forms/contact")
                .body(Bytes::new())
                .unwrap(),
        );
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
    for path in [
        "/api/nope",
        "/api",
        "/api/forms/contact/extra",
        "/elsewhere",
    ] {
        let resp = call(
            &store,
            &c,
            NOW,
            Request::get(path).body(Bytes::new()).unwrap(),
        );
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body_json(&resp)["error"], "not_found");
    }
    let resp = call(
        &store,
        &c,
        NOW,
        Request::get("/api/health").body(Bytes::new()).unwrap(),
    );
    assert_eq!(resp.status(), StatusCode::OK);
    let health = body_json(&resp);
    assert_eq!(health["status"], "ok");
    // The API names the forms it serves, and the manifest's digest, so an
    // operator can tell which build of the site it validates against.
    let manifest = common::manifest();
    assert_eq!(health["manifest"]["sha256"], manifest.digest());
    let names: Vec<&str> = manifest.forms.keys().map(String::as_str).collect();
    assert_eq!(health["manifest"]["forms"], serde_json::json!(names));
}

fn cors<S: Store>(store: S) {
    let c = config(&[]);
    let preflight = |origin: &str| {
        call(
            &store,
            &c,
            NOW,
            Request::options("/api/forms/contact")
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type")
                .body(Bytes::new())
                .unwrap(),
        )
    };
    let ok = preflight("http://localhost:3000");
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    assert_eq!(ok.headers()["access-control-allow-credentials"], "true");
    assert!(
        ok.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert!(
        ok.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_lowercase()
            .contains("content-type")
    );
    assert!(ok.headers().contains_key("access-control-max-age"));
    assert_eq!(ok.headers()["vary"], "Origin");
    for bad in [
        "https://evil.example",
        "http://localhost:3001",
        "https://site.example.evil.example",
        "null",
    ] {
        let resp = preflight(bad);
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{bad}");
        assert!(
            !resp.headers().contains_key("access-control-allow-origin"),
            "{bad}"
        );
        assert_eq!(resp.headers()["vary"], "Origin");
    }
    // A script on an allowed origin gets the grant; one elsewhere is refused.
    let with_origin = |origin: &str| {
        let mut req = json_post("/api/forms/free", r#"{"text":"x"}"#);
        req.headers_mut().insert("origin", origin.parse().unwrap());
        call(&store, &c, NOW, req)
    };
    let resp = with_origin("https://site.example");
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "https://site.example"
    );
    assert_eq!(resp.headers()["vary"], "Origin");
    let resp = with_origin("https://evil.example");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(!resp.headers().contains_key("access-control-allow-origin"));
    assert_eq!(stored(&store, "free").len(), 1);
}

fn open_redirects_are_refused<S: Store>(store: S) {
    let c = config(&[]);
    let post_with_referer = |form: &str, referer: Option<&str>| {
        let mut b = Request::post(format!("/api/forms/{form}"))
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(r) = referer {
            b = b.header("referer", r);
        }
        call(
            &store,
            &c,
            NOW,
            b.body(Bytes::from_static(b"text=hi")).unwrap(),
        )
    };
    // The manifest's `//evil.example/x` is ignored.
    let resp = post_with_referer("evil", None);
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "https://site.example/");
    // Without a redirect: back to the page (same origin only) with ?sent=1.
    let resp = post_with_referer("free", Some("https://site.example/free/?a=b#top"));
    assert_eq!(
        resp.headers()["location"],
        "https://site.example/free/?sent=1"
    );
    for evil in [
        "https://evil.example/free/",
        "//evil.example/",
        "https://site.example@evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
    ] {
        let resp = post_with_referer("free", Some(evil));
        assert_eq!(
            resp.headers()["location"],
            "https://site.example/",
            "{evil}"
        );
    }
}

fn login_required_forms_answer_401<S: Store>(store: S) {
    let c = config(&[]);
    let resp = call(
        &store,
        &c,
        NOW,
        json_post("/api/forms/members", r#"{"text":"x"}"#),
    );
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(total(&store), 0);
}

fn paging_visits_every_record_once_while_new_ones_arrive<S: Store>(store: S) {
    use futures::executor::block_on;
    let c = config(&[]);
    for i in 0..20 {
        let resp = call(
            &store,
            &c,
            NOW + i,
            json_post("/api/forms/free", &format!(r#"{{"text":"{i}"}}"#)),
        );
        assert_eq!(resp.status(), StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut extra = 0;
    loop {
        let page = block_on(store.list("free", cursor.as_deref(), 6)).unwrap();
        seen.extend(page.items.iter().map(|s| s.values.0[0].1.clone()));
        // New submissions arrive between pages.
        extra += 1;
        call(
            &store,
            &c,
            NOW + 100 + extra,
            json_post("/api/forms/free", r#"{"text":"new"}"#),
        );
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let expected: Vec<String> = (0..20).rev().map(|i| i.to_string()).collect();
    assert_eq!(seen, expected);
    assert_eq!(block_on(store.count("free")).unwrap(), 20 + extra);
    // Delete one; it is gone from the list and the count.
    let victim = stored(&store, "free")[3].id.clone();
    assert!(block_on(store.delete("free", &victim)).unwrap());
    assert!(!block_on(store.delete("free", &victim)).unwrap());
    assert!(!block_on(store.delete("contact", &stored(&store, "free")[0].id)).unwrap());
    assert_eq!(block_on(store.count("free")).unwrap(), 19 + extra);
    assert!(stored(&store, "free").iter().all(|s| s.id != victim));
    assert_eq!(
        block_on(store.list("free", None, 0)).unwrap().items.len(),
        1
    );
}

fn users_round_trip<S: Store>(store: S) {
    use futures::executor::block_on;
    use letterbox_forms::User;
    assert_eq!(block_on(store.get_user("ann")).unwrap(), None);
    let ann = User {
        username: "ann".into(),
        password_hash: "$argon2id$v=19$x".into(),
        role: "admin".into(),
    };
    block_on(store.put_user(&ann)).unwrap();
    assert_eq!(block_on(store.get_user("ann")).unwrap(), Some(ann.clone()));
    let ann2 = User {
        role: "user".into(),
        ..ann
    };
    block_on(store.put_user(&ann2)).unwrap();
    assert_eq!(block_on(store.get_user("ann")).unwrap(), Some(ann2));
    block_on(store.ping()).unwrap();
}

/// Issue 12, item 8: nosniff, no referrer and a locked-down CSP on every
/// answer (JSON, HTML error page, redirect, preflight, 404, 405).
fn every_answer_carries_the_security_headers<S: Store>(store: S) {
    let c = config(&[]);
    let browser_error = Request::post("/api/forms/contact")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Bytes::from_static(b"email=x"))
        .unwrap();
    let requests = vec![
        browser_error,
        form_post("/api/forms/free", "text=hi"),
        json_post("/api/forms/free", r#"{"text":"hi"}"#),
        Request::get("/api/health").body(Bytes::new()).unwrap(),
        Request::get("/api/nothing").body(Bytes::new()).unwrap(),
        Request::get("/api/forms/free").body(Bytes::new()).unwrap(),
        Request::options("/api/forms/free")
            .header("origin", "https://site.example")
            .header("access-control-request-method", "POST")
            .body(Bytes::new())
            .unwrap(),
    ];
    for req in requests {
        let what = format!("{} {}", req.method(), req.uri());
        let resp = call(&store, &c, NOW, req);
        let h = resp.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{what}");
        assert_eq!(
            h["content-security-policy"], "default-src 'none'; frame-ancestors 'none'",
            "{what}"
        );
    }
    let early = letterbox_forms::handler::error_response(
        &letterbox_forms::ApiError::Misconfigured("x".into()),
        None,
        None,
    );
    assert_eq!(early.headers()["x-content-type-options"], "nosniff");
    assert_eq!(early.headers()["referrer-policy"], "no-referrer");
}

/// Issue 12, item 4: an IPv6 client is one client for its whole /64 (the
/// `ipv6_prefix_len`), so rotating addresses inside it gets no new limit.
fn ipv6_clients_are_limited_by_their_64<S: Store>(store: S) {
    let send = |c: &letterbox_forms::Config, addr: &str| {
        let req = Request::post("/api/forms/free")
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .header("spin-client-addr", addr)
            .body(Bytes::from_static(br#"{"text":"hi"}"#))
            .unwrap();
        call(&store, c, NOW, req).status()
    };
    let c = config(&[("rate_limit_per_minute", "2")]);
    assert_eq!(send(&c, "[2001:db8:1:2::1]:1"), StatusCode::CREATED);
    assert_eq!(send(&c, "[2001:db8:1:2:aaaa::7]:1"), StatusCode::CREATED);
    assert_eq!(
        send(&c, "[2001:db8:1:2:ffff:ffff:ffff:ffff]:1"),
        StatusCode::TOO_MANY_REQUESTS
    );
    // The neighbouring /64 is another client.
    assert_eq!(send(&c, "[2001:db8:1:3::1]:1"), StatusCode::CREATED);
    // A configured /48 groups the two /64s.
    let wide = config(&[("rate_limit_per_minute", "2"), ("ipv6_prefix_len", "48")]);
    assert_eq!(send(&wide, "[2001:db8:5:1::1]:1"), StatusCode::CREATED);
    assert_eq!(send(&wide, "[2001:db8:5:2::1]:1"), StatusCode::CREATED);
    assert_eq!(
        send(&wide, "[2001:db8:5:3::1]:1"),
        StatusCode::TOO_MANY_REQUESTS
    );
    // IPv4 (also IPv4-mapped IPv6) stays one address each.
    assert_eq!(send(&c, "[::ffff:198.51.100.20]:1"), StatusCode::CREATED);
    assert_eq!(send(&c, "198.51.100.20:2"), StatusCode::CREATED);
    assert_eq!(send(&c, "198.51.100.20:3"), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(send(&c, "198.51.100.21:3"), StatusCode::CREATED);
}
