//! Patterns that make a backtracking matcher (browsers, and this API before
//! it matched in linear time) take exponential time, against crafted values
//! as long as a text field accepts (10,000 characters without maxlength):
//! each must validate in well under 10 ms.
//! `cargo bench -p letterbox-forms --bench patterns`
#![allow(clippy::unwrap_used)]

use divan::Bencher;
use letterbox_forms::validate::{compile_patterns, validate};
use letterbox_forms::{Field, FieldKind, Form, FormData};

fn main() {
    divan::main();
}

/// (pattern, crafted value): the value nearly matches, then fails at the end.
const ADVERSARIAL: &[(&str, &str)] = &[
    (r"(?:\w|\d)+", "1"),
    (r"(\w+\s?)+", "a"),
    (r"(a+)+", "a"),
    (r"(a|aa)+", "a"),
    (r"(.*a){12}", "a"),
    (r"([\p{L}\s]+)*", "é"),
    (r"(x+x+)+y", "x"),
    // The largest automaton of its kind the build lets through without a
    // maxlength (24 states x 10,000 characters, within pattern::BUDGET);
    // `(.*a){50}` needs maxlength="3000" or less.
    // Bounded: no match is longer than 200 characters.
    (r"[a-z ]{2,200}", "a"),
];

fn form(pattern: &str) -> Form {
    let mut field = Field::new("f", FieldKind::Text);
    field.pattern = Some(pattern.into());
    let mut form = Form::new("f", "content/f.md", vec![field]);
    compile_patterns(&mut form).unwrap();
    form
}

#[divan::bench(args = ADVERSARIAL.iter().map(|(p, _)| *p), consts = [30, 1_000, 9_999])]
fn crafted_value<const LEN: usize>(bencher: Bencher, pattern: &str) {
    let unit = ADVERSARIAL.iter().find(|(p, _)| *p == pattern).unwrap().1;
    let form = form(pattern);
    let data = FormData(vec![("f".into(), format!("{}!", unit.repeat(LEN)))]);
    bencher.bench_local(|| validate(&form, &data).unwrap_err());
}
