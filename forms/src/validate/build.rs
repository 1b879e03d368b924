//! Checks of a form definition at build time (for the generator): its
//! patterns, bounds and options, and the translation of its patterns for
//! linear-time matching.

use std::cmp::Ordering;

use super::html;
use super::nested;
use super::number::Num;
use super::pattern;
use super::rules::{DEFAULT_MAX_LENGTH, has_length};
use super::temporal::Temporal;
use crate::schema::{FieldKind, Form};

/// Checks a form definition itself (for the generator, at build time): every
/// `pattern` compiles as an ECMAScript regular expression, `min`/`max`/`step`
/// parse for the field's kind, lengths are consistent. Returns one message per
/// problem, each naming the field.
pub fn check_form(form: &Form) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    for (i, field) in form.fields.iter().enumerate() {
        let name = &field.name;
        if name.is_empty() {
            problems.push(format!("form “{}”: a field has an empty name", form.name));
        }
        if form.fields.iter().take(i).any(|f| f.name == *name) {
            problems.push(format!(
                "field “{name}”: declared more than once with different constraints"
            ));
        }
        if *name == form.honeypot {
            problems.push(format!(
                "field “{name}”: has the same name as the form's honeypot field"
            ));
        }
        if let Some(pattern) = &field.pattern
            && let Err(e) = compile_pattern(pattern)
        {
            problems.push(format!(
                "field “{name}”: pattern “{pattern}” is not a valid ECMAScript regular expression \
                 with the `v` flag, as browsers compile it ({e}); browsers ignore such a pattern \
                 (in `v` mode, `( ) [ ] {{ }} / - \\ |` must be escaped inside a character class)"
            ));
        }
        if let (Some(min), Some(max)) = (field.minlength, field.maxlength)
            && min > max
        {
            problems.push(format!(
                "field “{name}”: minlength {min} is greater than maxlength {max}"
            ));
        }
        let bounded = Temporal::of(field.kind).map(Bounded::Temporal).or_else(|| {
            matches!(field.kind, FieldKind::Number | FieldKind::Range).then_some(Bounded::Number)
        });
        if let Some(bounded) = bounded {
            let min = field.min.as_deref().map(|s| (s, bounded.parse(s)));
            let max = field.max.as_deref().map(|s| (s, bounded.parse(s)));
            for (attr, parsed) in [("min", min), ("max", max)] {
                if let Some((text, None)) = parsed {
                    problems.push(format!(
                        "field “{name}”: {attr} “{text}” is not a valid {}",
                        bounded.noun()
                    ));
                }
            }
            if let (Some((lo_text, Some(lo))), Some((hi_text, Some(hi)))) = (min, max)
                && lo.cmp(&hi) == Ordering::Greater
                && bounded != Bounded::Temporal(Temporal::Time)
            {
                problems.push(format!(
                    "field “{name}”: min “{lo_text}” is greater than max “{hi_text}”"
                ));
            }
            if let Some(step) = &field.step
                && !step.eq_ignore_ascii_case("any")
                && !html::parse_float(step).is_some_and(|s| s > 0.0)
            {
                problems.push(format!(
                    "field “{name}”: step “{step}” is neither `any` nor a number greater than 0"
                ));
            }
        }
        if matches!(field.kind, FieldKind::Select | FieldKind::Radio) && field.options.is_empty() {
            problems.push(format!(
                "field “{name}”: a {} with no options can never be valid",
                kind_noun(field.kind)
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Warnings about a form definition that are no errors: patterns that a
/// crafted value can make a browser's backtracking matcher spend exponential
/// time on (see [`nested::has_nested_repetition`]); the API matches in linear
/// time, so only the visitor's own tab can hang. One message per field.
pub fn pattern_warnings(form: &Form) -> Vec<String> {
    (form.fields.iter())
        .filter_map(|field| {
            let pattern = field.pattern.as_deref()?;
            nested::has_nested_repetition(pattern).then(|| {
                format!(
                    "field “{}”: pattern “{pattern}” repeats a group that itself repeats; a \
                     crafted value can make browsers take exponential time to check it (the API \
                     checks in linear time; rewrite it so that each character can match one way, e.g. \
                     `\\w+(?: \\w+)*` instead of `(\\w+ ?)+`)",
                    field.name
                )
            })
        })
        .collect()
}

/// Compiles a page's `pattern` as browsers do: the attribute alone must be a
/// valid `v`-flag expression, and is then anchored as `^(?:pattern)$`.
fn compile_pattern(pattern: &str) -> Result<regress::Regex, regress::Error> {
    regress::Regex::with_flags(pattern, "v")?;
    regress::Regex::with_flags(&format!("^(?:{pattern})$"), "v")
}

/// Translates every field's `pattern` for linear-time matching (see
/// [`pattern`]), for the generator after [`check_form`] passed. A pattern
/// that cannot be matched in linear time is a problem naming its field.
pub fn compile_patterns(form: &mut Form) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    for field in &mut form.fields {
        field.linear_pattern = None;
        let Some(source) = field.pattern.as_deref() else {
            continue;
        };
        let longest = field
            .maxlength
            .filter(|_| has_length(field.kind))
            .map_or(DEFAULT_MAX_LENGTH as u64, u64::from);
        match pattern::linear_pattern(source) {
            Ok(linear) if linear.cost(longest) > pattern::BUDGET => {
                let fits = pattern::BUDGET / linear.states;
                problems.push(format!(
                    "field “{}”: pattern “{source}” can take too long to check on a value of \
                     {longest} characters ({} automaton states per character); give the field \
                     maxlength=\"{fits}\" or less, or use smaller repetition counts",
                    field.name, linear.states
                ));
            }
            Ok(linear) => field.linear_pattern = Some(linear.regex),
            Err(e) => problems.push(format!("field “{}”: pattern “{source}”: {e}", field.name)),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn kind_noun(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Select => "select",
        FieldKind::Radio => "radio group",
        _ => "field",
    }
}

/// Kinds with `min`, `max` and `step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bounded {
    Number,
    Temporal(Temporal),
}

impl Bounded {
    fn parse(self, s: &str) -> Option<Num> {
        match self {
            Self::Number => Num::parse(s),
            Self::Temporal(t) => t.parse(s).map(Num::int),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Self::Number => "number (like 42, -1.5 or 1e3)",
            Self::Temporal(t) => t.noun(),
        }
    }
}
