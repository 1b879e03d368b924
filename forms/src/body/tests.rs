#![allow(clippy::unwrap_used)]

use super::*;
use futures::executor::block_on;

const URLENC: Option<&str> = Some("application/x-www-form-urlencoded");
const JSON: Option<&str> = Some("application/json");
const BOUNDARY: &str = "----letterboxTestBoundary7MA4YWxkTrZu0gW";

fn parse(content_type: Option<&str>, body: &[u8]) -> Result<FormData, BodyError> {
    block_on(parse_body(content_type, body))
}

fn pairs(list: &[(&str, &str)]) -> FormData {
    FormData(
        list.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

fn multipart_ct() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// A multipart body of text parts, as a browser builds it.
fn multipart_body(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        body.extend_from_slice(
            format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(value.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn is_malformed(r: &Result<FormData, BodyError>) -> bool {
    matches!(r, Err(BodyError::Malformed(_)))
}

fn is_unsupported(r: &Result<FormData, BodyError>) -> bool {
    matches!(r, Err(BodyError::UnsupportedType(_)))
}

#[test]
fn content_types() {
    let ok: &[(&str, BodyType)] = &[
        ("application/x-www-form-urlencoded", BodyType::UrlEncoded),
        ("Application/X-WWW-Form-URLEncoded", BodyType::UrlEncoded),
        (
            "application/x-www-form-urlencoded;charset=UTF-8",
            BodyType::UrlEncoded,
        ),
        (
            "application/x-www-form-urlencoded ; charset=\"utf-8\"",
            BodyType::UrlEncoded,
        ),
        ("application/json", BodyType::Json),
        ("APPLICATION/JSON; charset=utf-8", BodyType::Json),
        ("application/json; foo=bar", BodyType::Json),
        ("multipart/form-data; boundary=x", BodyType::Multipart),
        ("Multipart/Form-Data; BOUNDARY=x", BodyType::Multipart),
    ];
    for (ct, want) in ok {
        assert_eq!(body_type(ct), Ok(*want), "{ct}");
    }
    for ct in [
        "text/plain",
        "application/xml",
        "",
        "application/json-patch+json",
        "multipart/mixed; boundary=x",
        "application/x-www-form-urlencoded; charset=iso-8859-1",
        "application/json; charset=utf-16",
    ] {
        assert!(
            matches!(body_type(ct), Err(BodyError::UnsupportedType(_))),
            "{ct}"
        );
    }
    assert!(is_unsupported(&parse(None, b"a=1")));
    assert!(is_unsupported(&parse(Some("text/plain"), b"a=1")));
}

#[test]
fn urlencoded_decodes_exactly() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("", &[]),
        ("a=1", &[("a", "1")]),
        ("b=2&a=1&b=3", &[("b", "2"), ("a", "1"), ("b", "3")]),
        ("msg=hello+world", &[("msg", "hello world")]),
        ("msg=1%2B1%3D2", &[("msg", "1+1=2")]),
        ("e=%C3%A9%F0%9F%98%80", &[("e", "é😀")]),
        ("t=a%0D%0Ab", &[("t", "a\r\nb")]),
        ("flag", &[("flag", "")]),
        ("a=&b=", &[("a", ""), ("b", "")]),
        ("a=1&&b=2&", &[("a", "1"), ("b", "2")]),
        ("a=b=c", &[("a", "b=c")]),
        ("%61=%62", &[("a", "b")]),
        ("x=%00", &[("x", "\0")]),
        ("x=%ef%bb%bf", &[("x", "\u{feff}")]),
    ];
    for (body, want) in cases {
        assert_eq!(parse(URLENC, body.as_bytes()), Ok(pairs(want)), "{body:?}");
    }
    // Raw (unencoded) UTF-8 bytes are accepted as they are.
    assert_eq!(parse(URLENC, "n=é".as_bytes()), Ok(pairs(&[("n", "é")])));
}

#[test]
fn urlencoded_rejects_broken_encoding() {
    for body in [
        &b"a=%zz"[..],
        b"a=%4",
        b"a=%",
        b"a=%%41",
        b"a=100%",
        b"%g0=1",
        b"a=%FF",
        b"a=%C3",
        b"a=%C3%28",
        b"a=%ED%A0%80", // an encoded UTF-16 surrogate
        b"a=\xff",
        b"ok=1&bad=%C0%AF",
    ] {
        let r = parse(URLENC, body);
        assert!(
            is_malformed(&r),
            "{:?}: {r:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn multipart_text_fields() {
    let body = multipart_body(&[
        ("name", "Ada"),
        ("tags", "a"),
        ("tags", "b"),
        ("msg", "line 1\r\nline 2"),
        ("e", ""),
    ]);
    let got = parse(Some(&multipart_ct()), &body);
    assert_eq!(
        got,
        Ok(pairs(&[
            ("name", "Ada"),
            ("tags", "a"),
            ("tags", "b"),
            ("msg", "line 1\r\nline 2"),
            ("e", "")
        ]))
    );
    // Content type matched case-insensitively, charset utf-8 allowed.
    let ct = format!("Multipart/Form-Data; charset=UTF-8; boundary={BOUNDARY}");
    assert_eq!(
        parse(Some(&ct), &multipart_body(&[("a", "1")])),
        Ok(pairs(&[("a", "1")]))
    );
    // An empty multipart body (just the closing boundary) is no fields.
    assert_eq!(
        parse(
            Some(&multipart_ct()),
            format!("--{BOUNDARY}--\r\n").as_bytes()
        ),
        Ok(FormData::default())
    );
}

#[test]
fn multipart_refuses_files_and_broken_bodies() {
    let file = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--{BOUNDARY}\r\n\
         Content-Disposition: form-data; name=\"cv\"; filename=\"cv.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--{BOUNDARY}--\r\n"
    );
    match parse(Some(&multipart_ct()), file.as_bytes()) {
        Err(BodyError::UnsupportedType(m)) => {
            assert!(m.contains("file uploads are not supported"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    // An empty file input is still a file part.
    let empty_file = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"cv\"; filename=\"\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n\r\n--{BOUNDARY}--\r\n"
    );
    assert!(is_unsupported(&parse(
        Some(&multipart_ct()),
        empty_file.as_bytes()
    )));

    let mut bad_utf8 =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n").into_bytes();
    bad_utf8.extend_from_slice(b"\xff\xfe\r\n");
    bad_utf8.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    assert!(is_malformed(&parse(Some(&multipart_ct()), &bad_utf8)));

    let full = multipart_body(&[("a", "1"), ("b", "2")]);
    let truncated = &full[..full.len() - 10];
    assert!(is_malformed(&parse(Some(&multipart_ct()), truncated)));
    assert!(
        is_malformed(&parse(Some("multipart/form-data"), &full)),
        "no boundary"
    );
    assert!(
        is_malformed(&parse(Some("multipart/form-data; boundary=other"), &full)),
        "wrong boundary"
    );
    assert!(is_malformed(&parse(
        Some(&multipart_ct()),
        b"just some text"
    )));
    let nameless =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{BOUNDARY}--\r\n");
    assert!(parse(Some(&multipart_ct()), nameless.as_bytes()).is_err());
}

#[test]
fn json_flat_objects() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("{}", &[]),
        (r#"{"b":"2","a":"1"}"#, &[("b", "2"), ("a", "1")]),
        (
            r#"{"tags":["x","y"],"n":"1"}"#,
            &[("tags", "x"), ("tags", "y"), ("n", "1")],
        ),
        (r#"{"tags":[]}"#, &[]),
        (
            r#" { "a" : "\u00e9\ud83d\ude00\r\n\"[{" } "#,
            &[("a", "é😀\r\n\"[{")],
        ),
        (r#"{"a":"1","a":"2"}"#, &[("a", "1"), ("a", "2")]),
        (r#"{"[[[":"]]]"}"#, &[("[[[", "]]]")]),
    ];
    for (body, want) in cases {
        assert_eq!(parse(JSON, body.as_bytes()), Ok(pairs(want)), "{body}");
    }
}

#[test]
fn json_rejects_other_shapes() {
    for body in [
        "",
        "[]",
        r#""a""#,
        "null",
        "42",
        r#"{"a":1}"#,
        r#"{"a":true}"#,
        r#"{"a":null}"#,
        r#"{"a":{"b":"c"}}"#,
        r#"{"a":["x",1]}"#,
        r#"{"a":[["x"]]}"#,
        r#"{"a":"1"} trailing"#,
        r#"{"a":"1",}"#,
        r#"{"a":"\ud800"}"#,
        "{'a':'1'}",
    ] {
        let r = parse(JSON, body.as_bytes());
        assert!(is_malformed(&r), "{body}: {r:?}");
    }
    assert!(is_malformed(&parse(JSON, b"{\"a\":\"\xff\"}")));
    match parse(JSON, br#"{"age":42}"#) {
        Err(BodyError::Malformed(m)) => assert!(
            m.contains("a string or an array of strings for “age”"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn json_deep_nesting_is_refused_before_parsing() {
    let deep = format!(
        "{{\"a\":{}{}}}",
        "[".repeat(1_000_000),
        "]".repeat(1_000_000)
    );
    match parse(JSON, deep.as_bytes()) {
        Err(BodyError::Malformed(m)) => assert!(m.contains("deeper nesting"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Without the guard serde_json would still fail cleanly: its recursion limit is 128.
    let raw: Result<serde_json::Value, _> = serde_json::from_slice("[".repeat(100_000).as_bytes());
    assert!(
        raw.unwrap_err()
            .to_string()
            .contains("recursion limit exceeded")
    );
}

#[test]
fn naughty_strings_round_trip() {
    for s in naughty_strings::BLNS {
        let expected = pairs(&[("text", s), (s, "name")]);

        let encoded = form_urlencoded::Serializer::new(String::new())
            .append_pair("text", s)
            .append_pair(s, "name")
            .finish();
        assert_eq!(
            parse(URLENC, encoded.as_bytes()),
            Ok(expected.clone()),
            "urlencoded {s:?}"
        );

        let json = serde_json::to_vec(&serde_json::json!({ "text": s })).unwrap();
        assert_eq!(parse(JSON, &json), Ok(pairs(&[("text", s)])), "json {s:?}");

        let body = multipart_body(&[("text", s)]);
        assert_eq!(
            parse(Some(&multipart_ct()), &body),
            Ok(pairs(&[("text", s)])),
            "multipart {s:?}"
        );
    }
}
