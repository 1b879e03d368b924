//! Each input type's syntax and bounds, as browsers check them.

#![allow(clippy::unwrap_used)]

use super::*;

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
