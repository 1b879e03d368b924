#![allow(clippy::unwrap_used)]

use super::html;
use super::rules::NAME_IN_MESSAGE;
use super::*;
use crate::schema::{Field, FieldKind, Form, FormData};

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
fn email_is_the_html_definition() {
    let f = field(FieldKind::Email, |_| {});
    table(
        &f,
        &[
            ("a@b", ""),
            ("name@example.com", ""),
            ("first.last+tag@sub.example.co.uk", ""),
            ("!#$%&'*+/=?^_`{|}~-@x.y", ""),
            ("a.@b.c", ""), // HTML's definition allows dots anywhere in the local part
            ("a@b-c.d", ""),
            ("a@-b.c", "type"),
            ("a@b-.c", "type"),
            ("a@b..c", "type"),
            ("a@b.c.", "type"),
            ("@b.c", "type"),
            ("a@", "type"),
            ("a", "type"),
            ("a@b@c", "type"),
            ("a b@c", "type"),
            ("\"a\"@b.c", "type"),
            ("ü@b.c", "type"),
            ("a@bü.c", "type"),
            ("a@[127.0.0.1]", "type"),
            (" a@b.c", "type"),
            ("a@b.c\n", "type"),
        ],
    );
    let label63 = format!("a@{}.c", "x".repeat(63));
    let label64 = format!("a@{}.c", "x".repeat(64));
    table(&f, &[(&label63, ""), (&label64, "type")]);
    let multi = field(FieldKind::Email, |f| f.multiple = true);
    table(
        &multi,
        &[
            ("a@b.c", ""),
            ("a@b.c,d@e.f", ""),
            ("a@b.c , d@e.f", ""),
            ("a@b.c,", "type"),
            ("a@b.c,,d@e.f", "type"),
            ("a@b.c,nope", "type"),
        ],
    );
    // A repeated email field is still one value, even with `multiple`.
    assert_eq!(rules(&multi, &["a@b.c", "d@e.f"]), vec!["multiple"]);
    let pat = field(FieldKind::Email, |f| {
        f.multiple = true;
        f.pattern = Some(".+@example\\.com".into());
    });
    table(
        &pat,
        &[
            ("a@example.com,b@example.com", ""),
            ("a@example.com,b@other.com", "pattern"),
        ],
    );
}

#[test]
fn url_is_absolute() {
    let f = field(FieldKind::Url, |_| {});
    table(
        &f,
        &[
            ("https://example.com/", ""),
            ("http://localhost:8080/a?b#c", ""),
            ("mailto:a@b.c", ""),
            ("https://münchen.de/", ""),
            ("http://bücher.例え.jp/ä?q=ü", ""),
            ("https://xn--mnchen-3ya.de/", ""),
            ("münchen.de", "type"),
            ("https://mün chen.de/", "type"),
            ("example.com", "type"),
            ("/relative/path", "type"),
            ("http://", "type"),
            ("https://exa mple.com/", "type"),
        ],
    );
}

#[test]
fn number_syntax_range_and_step() {
    let f = field(FieldKind::Number, |_| {});
    let any = field(FieldKind::Number, |f| f.step = Some("any".into()));
    for good in [
        "0", "-5", "1e3", "1E-3", "1.5e+2", "-0", "007", "-2.5E2", "0.0001", ".5", "-.5", ".5e1",
    ] {
        assert_eq!(rules(&any, &[good]), Vec::<&str>::new(), "{good:?}");
    }
    for bad in [
        "+1", ".", "-.", ".e1", "1.", "1e", "e3", "1e3.5", " 1", "1 ", "0x10", "NaN", "Infinity",
        "1,5", "--1", "1e400", "٣",
    ] {
        assert_eq!(rules(&f, &[bad]), vec!["type"], "{bad:?}");
    }
    let ranged = field(FieldKind::Number, |f| {
        f.min = Some("-10".into());
        f.max = Some("1e2".into());
    });
    table(
        &ranged,
        &[
            ("-10", ""),
            ("-11", "min"),
            ("100", ""),
            ("100.5", "max"),
            ("1e2", ""),
            ("1.01e2", "max"),
        ],
    );
    // Step base is min: min 1, step 2 → 1, 3, 5...
    let odd = field(FieldKind::Number, |f| {
        f.min = Some("1".into());
        f.step = Some("2".into());
    });
    table(&odd, &[("1", ""), ("3", ""), ("4", "step"), ("0", "min")]);
    // Default step is 1 (base 0): decimals need step="any" or a finer step.
    table(&f, &[("1.5", "step"), ("-3", "")]);
    table(&any, &[("1.2345", ""), ("-0.1", "")]);
    // 0.1 steps are exact, no floating-point surprises.
    let tenth = field(FieldKind::Number, |f| f.step = Some("0.1".into()));
    table(
        &tenth,
        &[
            ("0.3", ""),
            ("0.7", ""),
            ("-0.3", ""),
            ("1.1", ""),
            ("123456.7", ""),
            ("0.35", "step"),
            ("3e-1", ""),
        ],
    );
    let cents = field(FieldKind::Number, |f| {
        f.min = Some("0.01".into());
        f.step = Some("0.01".into());
    });
    table(&cents, &[("0.01", ""), ("19.99", ""), ("0.015", "step")]);
    let err = validate(&form(vec![tenth]), &data(&[("f", "0.35")])).unwrap_err();
    assert_eq!(
        err[0].message,
        "Please enter a valid value. The two nearest valid values are 0.3 and 0.4."
    );
    // An invalid step attribute falls back to the default step of 1.
    let broken = field(FieldKind::Number, |f| f.step = Some("zero".into()));
    table(&broken, &[("2", ""), ("2.5", "step")]);
}

/// Issue 12, item 11: what Chromium accepts in a number or range input, the
/// API accepts — `.5` is a valid floating-point number, and step checks
/// allow what IEEE doubles cannot tell from a step (Chromium's step / 2^24).
#[test]
fn numbers_agree_with_chromium() {
    let half = field(FieldKind::Number, |f| f.step = Some("0.5".into()));
    let tenth = field(FieldKind::Number, |f| f.step = Some("0.1".into()));
    table(
        &half,
        &[
            (".5", ""),
            ("-.5", ""),
            ("9.9999999999999999", ""),
            ("10.000000000000001", ""),
            ("9.9", "step"),
            ("9.99999", "step"),
            (".", "type"),
            ("1.", "type"),
        ],
    );
    table(
        &tenth,
        &[
            ("0.30000000000000004", ""),
            ("0.1", ""),
            ("0.35", "step"),
            ("0.3000001", "step"),
        ],
    );
    // Far from the base, every value fits (Chromium: more than step × 2^53).
    let unit = field(FieldKind::Number, |_| {});
    table(&unit, &[("1e20", ""), ("12345.5", "step")]);
    let range = field(FieldKind::Range, |f| f.step = Some("0.1".into()));
    table(
        &range,
        &[("0.30000000000000004", ""), (".7", ""), ("0.75", "step")],
    );
    // `.5` parses as an attribute value too.
    let min = field(FieldKind::Number, |f| {
        f.min = Some(".5".into());
        f.step = Some("any".into());
    });
    table(&min, &[("0.5", ""), ("0.4", "min")]);
    assert!(check_form(&form(vec![min])).is_ok());
    // Dates and times keep exact integer steps.
    let secs = field(FieldKind::Time, |f| f.step = Some("1".into()));
    table(&secs, &[("14:30:15", ""), ("14:30:15.001", "step")]);
}

#[test]
fn range_has_default_bounds() {
    let f = field(FieldKind::Range, |_| {});
    table(
        &f,
        &[
            ("0", ""),
            ("50", ""),
            ("100", ""),
            ("101", "max"),
            ("-1", "min"),
            ("2.5", "step"),
            ("x", "type"),
        ],
    );
    let high = field(FieldKind::Range, |f| f.min = Some("200".into()));
    table(&high, &[("200", ""), ("201", "max"), ("199", "min")]);
}

#[test]
fn dates_with_leap_days_and_ranges() {
    let f = field(FieldKind::Date, |_| {});
    table(
        &f,
        &[
            ("2026-11-28", ""),
            ("2024-02-29", ""),
            ("2000-02-29", ""),
            ("2026-02-29", "type"),
            ("1900-02-29", "type"),
            ("2026-04-31", "type"),
            ("2026-13-01", "type"),
            ("2026-00-10", "type"),
            ("2026-1-01", "type"),
            ("26-01-01", "type"),
            ("0000-01-01", "type"),
            ("12345-01-01", ""),
            ("2026-01-01T00:00", "type"),
            ("2026/01/01", "type"),
        ],
    );
    let ranged = field(FieldKind::Date, |f| {
        f.min = Some("2026-01-01".into());
        f.max = Some("2026-12-31".into());
        f.step = Some("7".into());
    });
    table(
        &ranged,
        &[
            ("2026-01-01", ""),
            ("2026-01-08", ""),
            ("2026-01-09", "step"),
            ("2025-12-25", "min"),
            ("2027-01-07", "max"),
        ],
    );
    let err = validate(&form(vec![ranged]), &data(&[("f", "2026-01-09")])).unwrap_err();
    assert_eq!(
        err[0].message,
        "Please enter a valid value. The two nearest valid values are 2026-01-08 and 2026-01-15."
    );
}

#[test]
fn times_and_datetimes() {
    let t = field(FieldKind::Time, |_| {});
    table(
        &t,
        &[
            ("00:00", ""),
            ("23:59", ""),
            ("14:30:00", ""),
            ("14:30:15", "step"), // default step is 60 seconds
            ("24:00", "type"),
            ("12:60", "type"),
            ("12:30:60", "type"),
            ("1:30", "type"),
            ("12:30:00.1234", "type"),
            ("12:30:", "type"),
        ],
    );
    let secs = field(FieldKind::Time, |f| f.step = Some("0.001".into()));
    table(&secs, &[("14:30:15.123", ""), ("14:30:15.5", "")]);
    let night = field(FieldKind::Time, |f| {
        f.min = Some("22:00".into());
        f.max = Some("06:00".into());
    });
    table(&night, &[("23:00", ""), ("05:00", ""), ("12:00", "min")]);
    let quarter = field(FieldKind::Time, |f| f.step = Some("900".into()));
    table(&quarter, &[("09:15", ""), ("09:20", "step")]);
    let dt = field(FieldKind::DatetimeLocal, |f| {
        f.min = Some("2026-11-28T09:00".into())
    });
    table(
        &dt,
        &[
            ("2026-11-28T09:00", ""),
            ("2026-11-28 10:30", ""),
            ("2026-11-28T08:59", "min"),
            ("2026-11-28T09:00:30", "step"),
            ("2026-11-28", "type"),
            ("2026-02-30T10:00", "type"),
        ],
    );
}

#[test]
fn months_and_weeks() {
    let m = field(FieldKind::Month, |f| {
        f.min = Some("2026-01".into());
        f.step = Some("3".into());
    });
    table(
        &m,
        &[
            ("2026-01", ""),
            ("2026-04", ""),
            ("2026-05", "step"),
            ("2025-12", "min"),
            ("2026-13", "type"),
            ("2026-1", "type"),
        ],
    );
    let w = field(FieldKind::Week, |_| {});
    table(
        &w,
        &[
            ("2026-W01", ""),
            ("2026-W53", ""), // 2026 starts on a Thursday: 53 ISO weeks
            ("2025-W53", "type"),
            ("2020-W53", ""), // leap year starting on a Wednesday
            ("2026-W00", "type"),
            ("2026-W5", "type"),
            ("2026W05", "type"),
        ],
    );
    let fortnight = field(FieldKind::Week, |f| {
        f.min = Some("2026-W02".into());
        f.max = Some("2026-W10".into());
        f.step = Some("2".into());
    });
    table(
        &fortnight,
        &[
            ("2026-W02", ""),
            ("2026-W04", ""),
            ("2026-W03", "step"),
            ("2026-W01", "min"),
            ("2026-W12", "max"),
        ],
    );
}

#[test]
fn colours() {
    let f = field(FieldKind::Color, |_| {});
    table(
        &f,
        &[
            ("#000000", ""),
            ("#1a2B3c", ""),
            ("#fff", "type"),
            ("000000", "type"),
            ("#gggggg", "type"),
            ("red", "type"),
        ],
    );
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
fn decimal_helpers() {
    use html::Decimal;
    let d = |s| Decimal::parse(s).unwrap();
    assert_eq!(d("1.50").to_string(), "1.5");
    assert_eq!(d("-12.5e-2").to_string(), "-0.125");
    assert_eq!(d("1e3").to_string(), "1000");
    assert_eq!(d("0.000").to_string(), "0");
    assert!(Decimal::parse("1.").is_none());
    assert!(Decimal::parse(&"9".repeat(50)).is_none());
    assert_eq!(
        Decimal::step_mismatch(d("0.3"), d("0"), d("0.1"), false),
        Ok(None)
    );
    assert_eq!(
        Decimal::step_mismatch(d("-0.35"), d("0"), d("0.1"), false),
        Ok(Some(html::Nearest {
            below: d("-0.4"),
            above: d("-0.3")
        }))
    );
    assert_eq!(
        html::format_time(html::parse_time("07:05:09.5").unwrap()),
        "07:05:09.500"
    );
    for days in [-800_000, -1, 0, 59, 20_000, 3_000_000] {
        let date = crate::text::civil_from_days(days);
        assert_eq!(
            crate::text::days_from_civil(date.year, date.month, date.day),
            days
        );
    }
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
