#![allow(clippy::unwrap_used)]
use super::expand::*;
use super::render::*;
use crate::markdown::Heading;
use serde_json::{Map, Value as Json};

fn expand(text: &str) -> Result<String, Vec<ShortcodeError>> {
    let render = |name: &str, args: &Map<String, Json>, body: Option<&str>, nth: usize| {
        if name == "bad" {
            return Err("template error".to_owned());
        }
        Ok(format!(
            "[{name}#{nth} {}{}]",
            Json::Object(args.clone()),
            body.map(|b| format!(" body={b}")).unwrap_or_default()
        ))
    };
    let markdown = |md: &str| Ok(format!("<md>{md}</md>"));
    let expander = Expander {
        render: &render,
        markdown: &markdown,
    };
    let expanded = expander.expand(text)?;
    Ok(expanded.fill(&expanded.markdown))
}

#[test]
fn arguments() {
    assert_eq!(
        expand(r#"a {{ yt(id="x\"y", n=-3, f=1.5, ok=true, no=false, l=[1, 'b', [true]]) }} b"#)
            .unwrap(),
        r#"a [yt#1 {"f":1.5,"id":"x\"y","l":[1,"b",[true]],"n":-3,"no":false,"ok":true}] b"#
    );
    assert_eq!(expand("{{ x() }}{{ x() }}").unwrap(), "[x#1 {}][x#2 {}]");
}

#[test]
fn not_shortcodes_are_left_alone() {
    let text = "{{ page.title }} {% if x %} {{ }} { x } {";
    assert_eq!(expand(text).unwrap(), text);
    let code = "`{{ x() }}`\n\n```\n{% y() %}\n```\n\n    {{ z() }}\n";
    assert_eq!(expand(code).unwrap(), code);
}

#[test]
fn escaped_calls_are_text() {
    assert_eq!(
        expand(r#"Write {{/* youtube(id="x") */}} or {%/* note() */%}."#).unwrap(),
        r#"Write {{ youtube(id="x") }} or {% note() %}."#
    );
}

#[test]
fn bodies_nest() {
    assert_eq!(
        expand("{% a() %}x {{ b() }} {% c(k=1) %}y{% end %}{% end %}").unwrap(),
        r#"[a#1 {} body=<md>x [b#1 {}] [c#1 {"k":1} body=<md>y</md>]</md>]"#
    );
}

#[test]
fn errors_have_lines() {
    let lines = |text: &str| -> Vec<(usize, String)> {
        expand(text)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.line, e.message))
            .collect()
    };
    let e = lines("a\n{{ x(id=abc) }}");
    assert_eq!(e[0].0, 2);
    assert!(e[0].1.contains("`abc` is not a value"), "{e:?}");
    let e = lines("a\n\n{% x() %}\nbody");
    assert_eq!(e[0].0, 3);
    assert!(e[0].1.contains("never closed"), "{e:?}");
    let e = lines("{{ x(a=1 b=2) }}");
    assert!(e[0].1.contains("expected `,` or `)`"), "{e:?}");
    let e = lines("{{ x(a='1) }}");
    assert!(e[0].1.contains("never closed"), "{e:?}");
    let e = lines("ok\n{% end %}");
    assert_eq!(e[0].0, 2);
    let e = lines("{% a() %}\n\n{{ bad() }}\n{% end %}");
    assert_eq!(e, vec![(3, "template error".to_owned())]);
}

#[test]
fn toc_titles_lose_placeholders() {
    let mut toc = vec![Heading {
        level: 2,
        id: "watch".into(),
        title: format!("Watch {}", placeholder(3)),
        children: vec![Heading {
            level: 3,
            id: "x".into(),
            title: format!("{} X", placeholder(0)),
            children: Vec::new(),
        }],
    }];
    strip_placeholders(&mut toc);
    assert_eq!(toc[0].title, "Watch");
    assert_eq!(toc[0].children[0].title, "X");
}

#[test]
fn placeholders_round_trip_without_ascii() {
    for i in [0, 7, 10, 123] {
        let p = placeholder(i);
        assert!(!p.chars().any(|c| c.is_ascii()), "{p:?}");
        let inner = p.trim_start_matches(OPEN).trim_end_matches(CLOSE);
        assert_eq!(placeholder_index(inner), Some(i));
    }
    assert_eq!(placeholder_index("12"), None);
}

#[test]
fn fill_replaces_whole_paragraphs() {
    let outputs = vec!["<div>x</div>".to_owned(), "<b>y</b>".to_owned()];
    let html = format!("<p>{}</p>\n<p>a {} b</p>", placeholder(0), placeholder(1));
    assert_eq!(fill(&html, &outputs), "<div>x</div>\n<p>a <b>y</b> b</p>");
}
