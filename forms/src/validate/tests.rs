#![allow(clippy::unwrap_used)]

use super::html;
use super::rules::NAME_IN_MESSAGE;
use super::*;
use crate::schema::{Field, FieldKind, Form, FormData};

/// One test per input type (email, url, number, range, dates and times,
/// colour): its syntax and its bounds, as browsers check them.
mod types;

fn form(fields: Vec<Field>) -> Form {
    Form::new("t", "content/t.md", fields)
}

/// A field as the build leaves it: its pattern translated for the API.
fn field(kind: FieldKind, setup: impl FnOnce(&mut Field)) -> Field {
    let mut f = Field::new("f", kind);
    setup(&mut f);
    f.linear_pattern = f
        .pattern
        .as_deref()
        .and_then(|p| super::pattern::linear_pattern(p).ok())
        .map(|linear| linear.regex);
    f
}

fn data(pairs: &[(&str, &str)]) -> FormData {
    FormData(
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

/// The rules broken when field `f` (as built) receives `values`.
fn rules(f: &Field, values: &[&str]) -> Vec<&'static str> {
    let pairs: Vec<(&str, &str)> = values.iter().map(|v| ("f", *v)).collect();
    match validate(&form(vec![f.clone()]), &data(&pairs)) {
        Ok(()) => vec![],
        Err(errors) => errors.iter().map(|e| e.rule).collect(),
    }
}

/// Runs a table of (value, expected rule or "" for valid) against one field.
#[track_caller]
fn table(f: &Field, cases: &[(&str, &str)]) {
    for (value, expected) in cases {
        let got = rules(f, &[value]);
        let want: Vec<&str> = if expected.is_empty() {
            vec![]
        } else {
            vec![*expected]
        };
        assert_eq!(got, want, "{:?} field {:?} with value {value:?}", f.kind, f);
    }
}

#[test]
fn required() {
    use FieldKind::*;
    for kind in [
        Text, Email, Url, Number, Date, Textarea, Select, Radio, Checkbox, Color, Time,
    ] {
        let f = field(kind, |f| {
            f.required = true;
            f.options = vec!["a".into()];
        });
        assert_eq!(rules(&f, &[]), vec!["required"], "{kind:?} missing");
        assert_eq!(rules(&f, &[""]), vec!["required"], "{kind:?} empty");
        let opt = field(kind, |f| f.options = vec!["a".into()]);
        assert_eq!(
            rules(&opt, &[]),
            Vec::<&str>::new(),
            "{kind:?} optional missing"
        );
        assert_eq!(
            rules(&opt, &[""]),
            Vec::<&str>::new(),
            "{kind:?} optional empty"
        );
    }
    let err = validate(
        &form(vec![field(FieldKind::Text, |f| f.required = true)]),
        &data(&[]),
    )
    .unwrap_err();
    assert_eq!(err[0].field, "f");
    assert_eq!(err[0].message, "Please fill in this field.");
}

#[test]
fn lengths_count_like_browsers() {
    let f = field(FieldKind::Text, |f| {
        f.minlength = Some(3);
        f.maxlength = Some(5);
    });
    table(
        &f,
        &[
            ("ab", "minlength"),
            ("abc", ""),
            ("abcde", ""),
            ("abcdef", "maxlength"),
            // Not bytes: 5 two-byte characters are 5 long.
            ("ééééé", ""),
            // Combining characters count separately: e + U+0301 is 2.
            ("e\u{301}e\u{301}", ""),
            ("e\u{301}e\u{301}e\u{301}", "maxlength"),
            // Astral characters (emoji) are two UTF-16 code units, as in browsers.
            ("😀", "minlength"),
            ("😀a", ""),
            ("😀😀", ""),
            ("😀😀😀", "maxlength"),
            // A ZWJ family: 👨‍👩‍👧 is 3 emoji + 2 joiners = 8 code units.
            ("👨\u{200d}👩\u{200d}👧", "maxlength"),
        ],
    );
    let err = validate(&form(vec![f]), &data(&[("f", "ab")])).unwrap_err();
    assert_eq!(
        err[0].message,
        "Please enter at least 3 characters (you entered 2)."
    );
}

#[test]
fn textarea_counts_crlf_as_one_line_break() {
    let f = field(FieldKind::Textarea, |f| {
        f.minlength = Some(3);
        f.maxlength = Some(3);
    });
    table(
        &f,
        &[
            ("a\r\nb", ""),
            ("a\nb", ""),
            ("a\r\n\r\nb", "maxlength"),
            ("abc", ""),
            ("ab", "minlength"),
        ],
    );
    // Line breaks are fine in a textarea, not in a text input.
    assert_eq!(
        rules(&field(FieldKind::Textarea, |_| {}), &["x\r\ny"]),
        Vec::<&str>::new()
    );
    assert_eq!(
        rules(&field(FieldKind::Text, |_| {}), &["x\r\ny"]),
        vec!["type"]
    );
}

#[test]
fn default_and_hard_length_caps() {
    let long = "x".repeat(DEFAULT_MAX_LENGTH + 1);
    let edge = "x".repeat(DEFAULT_MAX_LENGTH);
    let plain = field(FieldKind::Textarea, |_| {});
    assert_eq!(rules(&plain, &[&edge]), Vec::<&str>::new());
    assert_eq!(rules(&plain, &[&long]), vec!["limit"]);
    // Kinds without maxlength get the default cap too.
    assert_eq!(
        rules(&field(FieldKind::Hidden, |_| {}), &[&long]),
        vec!["limit"]
    );
    // A larger maxlength raises the cap, up to the hard limit.
    let big = field(FieldKind::Textarea, |f| f.maxlength = Some(1_000_000));
    assert_eq!(rules(&big, &[&long]), Vec::<&str>::new());
    let huge = "y".repeat(MAX_VALUE_CHARS + 1);
    assert_eq!(rules(&big, &[&huge]), vec!["limit"]);
}

#[test]
fn too_many_values() {
    let f = field(FieldKind::Checkbox, |f| {
        f.multiple = true;
        f.options = vec!["a".into()];
    });
    let ok: Vec<(&str, &str)> = vec![("f", "a"); MAX_VALUES];
    assert!(validate(&form(vec![f.clone()]), &data(&ok)).is_ok());
    let too_many: Vec<(&str, &str)> = vec![("f", "a"); MAX_VALUES + 1];
    let err = validate(&form(vec![f]), &data(&too_many)).unwrap_err();
    assert_eq!(err.len(), 1);
    assert_eq!(err[0].rule, "limit");
}

#[test]
fn pattern_is_anchored_ecmascript_unicode() {
    let f = field(FieldKind::Text, |f| f.pattern = Some("[a-z]{3}".into()));
    table(
        &f,
        &[
            ("abc", ""),
            ("abcd", "pattern"),
            ("xabc", "pattern"),
            ("ABC", "pattern"),
            ("", ""),
        ],
    );
    // Alternation is anchored as a whole: ^(?:a|b)$, not ^a|b$.
    let alt = field(FieldKind::Text, |f| f.pattern = Some("a|b".into()));
    table(
        &alt,
        &[("a", ""), ("b", ""), ("ab", "pattern"), ("xb", "pattern")],
    );
    // Unicode mode: `.` matches an astral character as one, \p{...} works.
    let dot = field(FieldKind::Text, |f| f.pattern = Some(".".into()));
    table(&dot, &[("😀", ""), ("é", "")]);
    let letters = field(FieldKind::Text, |f| f.pattern = Some(r"\p{L}+".into()));
    table(&letters, &[("Grüße", ""), ("abc1", "pattern")]);
    // Lookahead and backreferences need backtracking, which a crafted value
    // can make exponential: the build refuses them, naming the field.
    for (pattern, what) in [
        (r"(?=.*\d).{4,}", "lookahead"),
        (r"(a+)-\1", "backreference"),
    ] {
        let mut risky = form(vec![field(FieldKind::Password, |f| {
            f.pattern = Some(pattern.into())
        })]);
        let problems = compile_patterns(&mut risky).unwrap_err();
        assert!(
            problems[0].contains("field “f”") && problems[0].contains(what),
            "{problems:?}"
        );
        assert_eq!(risky.fields[0].linear_pattern, None);
    }
    // A pattern whose automaton is large must come with a maxlength that
    // keeps checking it within the time budget; the error says which.
    let mut wide = form(vec![field(FieldKind::Text, |f| {
        f.pattern = Some("(?:.*a){50}".into())
    })]);
    let problems = compile_patterns(&mut wide).unwrap_err();
    assert!(problems[0].contains("maxlength=\"3000\""), "{problems:?}");
    wide.fields[0].maxlength = Some(3000);
    compile_patterns(&mut wide).unwrap();
    assert!(wide.fields[0].linear_pattern.is_some());
    // Pattern does not apply to a textarea (as in HTML).
    let ta = field(FieldKind::Textarea, |f| f.pattern = Some("x".into()));
    table(&ta, &[("y", "")]);
    // A too-long value is not matched against the pattern at all.
    let capped = field(FieldKind::Text, |f| {
        f.maxlength = Some(3);
        f.pattern = Some("b+".into());
    });
    assert_eq!(rules(&capped, &["aaaa"]), vec!["maxlength"]);
    assert_eq!(rules(&capped, &["aaa"]), vec!["pattern"]);
}

#[test]
fn check_form_reports_bad_patterns_and_attributes() {
    let good = form(vec![
        field(FieldKind::Text, |f| f.pattern = Some(r"[a-z]+\d?".into())),
        Field {
            name: "d".into(),
            min: Some("2026-01-01".into()),
            ..Field::new("d", FieldKind::Date)
        },
    ]);
    assert_eq!(check_form(&good), Ok(()));
    for (bad, needle) in [
        (
            field(FieldKind::Text, |f| f.pattern = Some("(".into())),
            "pattern",
        ),
        (
            field(FieldKind::Text, |f| f.pattern = Some("a)|(b".into())),
            "pattern",
        ),
        // Invalid in `v` mode (an unescaped `-` in a class), as browsers compile it.
        (
            field(FieldKind::Text, |f| f.pattern = Some("[a-z-]+".into())),
            "pattern",
        ),
        (
            field(FieldKind::Text, |f| f.pattern = Some("\\".into())),
            "pattern",
        ),
        (
            field(FieldKind::Number, |f| f.min = Some("abc".into())),
            "min",
        ),
        (
            field(FieldKind::Number, |f| f.step = Some("0".into())),
            "step",
        ),
        (
            field(FieldKind::Number, |f| f.step = Some("-1".into())),
            "step",
        ),
        (
            field(FieldKind::Date, |f| f.max = Some("2026-02-30".into())),
            "max",
        ),
        (
            field(FieldKind::Time, |f| f.min = Some("25:00".into())),
            "min",
        ),
        (
            field(FieldKind::Number, |f| {
                f.min = Some("10".into());
                f.max = Some("1".into());
            }),
            "greater",
        ),
        (
            field(FieldKind::Text, |f| {
                f.minlength = Some(10);
                f.maxlength = Some(1);
            }),
            "minlength",
        ),
        (field(FieldKind::Select, |_| {}), "no options"),
        (Field::new("_gotcha", FieldKind::Text), "honeypot"),
    ] {
        let problems = check_form(&form(vec![bad.clone()])).unwrap_err();
        assert_eq!(problems.len(), 1, "{bad:?}: {problems:?}");
        assert!(problems[0].contains(needle), "{bad:?}: {problems:?}");
        assert!(
            problems[0].contains(&format!("“{}”", bad.name)),
            "{problems:?}"
        );
    }
    // A wrapping time range is allowed; `any` is a valid step.
    let ok = field(FieldKind::Time, |f| {
        f.min = Some("22:00".into());
        f.max = Some("06:00".into());
        f.step = Some("any".into());
    });
    assert_eq!(check_form(&form(vec![ok])), Ok(()));
    let dup = form(vec![
        Field::new("a", FieldKind::Text),
        Field::new("a", FieldKind::Email),
    ]);
    assert!(check_form(&dup).is_err());
}

#[test]
fn options_and_multiplicity() {
    let select = field(FieldKind::Select, |f| {
        f.options = vec!["a".into(), "b".into()]
    });
    table(
        &select,
        &[
            ("a", ""),
            ("b", ""),
            ("c", "option"),
            ("A", "option"),
            ("a ", "option"),
        ],
    );
    assert_eq!(rules(&select, &["a", "b"]), vec!["multiple"]);
    let multi = field(FieldKind::Select, |f| {
        f.options = vec!["a".into(), "b".into()];
        f.multiple = true;
    });
    assert_eq!(rules(&multi, &["a", "b"]), Vec::<&str>::new());
    assert_eq!(rules(&multi, &["a", "x"]), vec!["option"]);
    let radio = field(FieldKind::Radio, |f| {
        f.options = vec!["yes".into(), "no".into()];
        f.multiple = true; // ignored: a radio group has one value
    });
    table(&radio, &[("yes", ""), ("maybe", "option")]);
    assert_eq!(rules(&radio, &["yes", "no"]), vec!["multiple"]);
    let boxes = field(FieldKind::Checkbox, |f| {
        f.options = vec!["x".into(), "y".into()];
        f.multiple = true;
    });
    assert_eq!(rules(&boxes, &["x", "y"]), Vec::<&str>::new());
    assert_eq!(rules(&boxes, &["z"]), vec!["option"]);
    let single = field(FieldKind::Checkbox, |_| {});
    table(&single, &[("on", ""), ("yes", "option")]);
    assert_eq!(rules(&single, &["on", "on"]), vec!["multiple"]);
    // A repeated single-value field is an error.
    assert_eq!(
        rules(&field(FieldKind::Text, |_| {}), &["a", "b"]),
        vec!["multiple"]
    );
}

#[test]
fn unknown_fields_and_honeypot() {
    let f = form(vec![Field::new("name", FieldKind::Text)]);
    assert!(validate(&f, &data(&[("name", "x"), ("_gotcha", "spam")])).is_ok());
    assert!(
        validate(
            &f,
            &data(&[("name", "x"), ("_gotcha", ""), ("_gotcha", "")])
        )
        .is_ok()
    );
    let err = validate(
        &f,
        &data(&[("name", "x"), ("admin", "1"), ("admin", "2"), ("", "z")]),
    )
    .unwrap_err();
    let got: Vec<(&str, &str)> = err.iter().map(|e| (e.field.as_str(), e.rule)).collect();
    assert_eq!(got, vec![("admin", "unknown"), ("", "unknown")]);
    let long = "n".repeat(1000);
    let err = validate(&f, &data(&[(&long, "v")])).unwrap_err();
    assert!(err[0].field.chars().count() <= NAME_IN_MESSAGE + 1);
}

#[test]
fn all_errors_are_reported_with_field_rule_and_message() {
    let f = form(vec![
        field(FieldKind::Email, |f| {
            f.name = "email".into();
            f.required = true;
        }),
        field(FieldKind::Textarea, |f| {
            f.name = "message".into();
            f.minlength = Some(10);
        }),
        field(FieldKind::Number, |f| {
            f.name = "age".into();
            f.min = Some("18".into());
        }),
    ]);
    let err = validate(&f, &data(&[("message", "hi!"), ("age", "12")])).unwrap_err();
    let got: Vec<(&str, &str, &str)> = err
        .iter()
        .map(|e| (e.field.as_str(), e.rule, e.message.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("email", "required", "Please fill in this field."),
            (
                "message",
                "minlength",
                "Please enter at least 10 characters (you entered 3)."
            ),
            ("age", "min", "Please enter a number no less than 18."),
        ]
    );
}

#[test]
fn naughty_strings_never_panic() {
    let kinds = [
        FieldKind::Text,
        FieldKind::Email,
        FieldKind::Url,
        FieldKind::Number,
        FieldKind::Date,
        FieldKind::Time,
        FieldKind::DatetimeLocal,
        FieldKind::Week,
        FieldKind::Month,
        FieldKind::Color,
        FieldKind::Textarea,
        FieldKind::Select,
    ];
    let mut accepted_text = 0;
    for s in naughty_strings::BLNS {
        for kind in kinds {
            let f = field(kind, |f| {
                f.pattern = Some(r"[\p{L}\p{N} ]*".into());
                f.maxlength = Some(50);
                f.min = Some("1".into());
                f.options = vec!["a".into()];
                f.multiple = kind == FieldKind::Email;
            });
            let _ = validate(&form(vec![f]), &data(&[("f", s)]));
        }
        // Every naughty string is a valid name too: unknown, not a panic.
        let named = validate(&form(vec![]), &data(&[(s, "x")]));
        assert!(named.is_err() || *s == "_gotcha");
        if rules(&field(FieldKind::Textarea, |_| {}), &[s]).is_empty() {
            accepted_text += 1;
        }
    }
    // An unconstrained textarea takes every one of them.
    assert_eq!(accepted_text, naughty_strings::BLNS.len());
}

#[test]
fn pattern_warnings_name_fields_with_nested_repetition() {
    let risky = field(FieldKind::Text, |f| f.pattern = Some(r"(\w+\s?)+".into()));
    let safe = Field {
        pattern: Some(r"\w+(?: \w+)*".into()),
        ..Field::new("safe", FieldKind::Text)
    };
    let warnings = pattern_warnings(&form(vec![risky.clone(), safe]));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains(&format!("field “{}”", risky.name)));
    assert!(warnings[0].contains("exponential time"));
}
