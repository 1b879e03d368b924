//! Validation of a submission against its form, as browsers validate.
//!
//! Lengths (`minlength`, `maxlength`, [`DEFAULT_MAX_LENGTH`]) are counted as
//! browsers count them: in UTF-16 code units of the value, with a
//! textarea's CRLF counted as one line break (the textarea's API value).
//! The hard cap [`MAX_VALUE_CHARS`] counts Unicode scalar values.

mod html;
#[cfg(feature = "build")]
mod nested;
mod pattern;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use html::Decimal;

use crate::schema::{Field, FieldKind, Form, FormData};

/// At most this many (name, value) pairs in one submission, whatever the form.
pub const MAX_VALUES: usize = 200;
/// No value may be longer than this many characters (Unicode scalar
/// values), even where the form's `maxlength` is larger.
pub const MAX_VALUE_CHARS: usize = 100_000;
/// The length cap (as browsers count length) of a field without `maxlength`.
pub const DEFAULT_MAX_LENGTH: usize = 10_000;
/// Field names quoted in messages are cut to this many characters.
const NAME_IN_MESSAGE: usize = 64;

/// One broken rule of one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name (or the offending name, for an unknown field).
    pub field: String,
    /// Machine-readable rule: `required`, `minlength`, `maxlength`, `pattern`,
    /// `type`, `min`, `max`, `step`, `option`, `multiple`, `unknown`, `limit`.
    pub rule: &'static str,
    /// A sentence a visitor can act on.
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: &str, rule: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            rule,
            message: message.into(),
        }
    }
}

/// Checks `data` against `form`. The honeypot field is the handler's business
/// and is accepted here (empty or not).
pub fn validate(form: &Form, data: &FormData) -> Result<(), Vec<FieldError>> {
    if let Some((name, _)) = data.0.get(MAX_VALUES) {
        return Err(vec![FieldError::new(
            &shorten(name),
            "limit",
            format!("Too many values: a submission may hold at most {MAX_VALUES}."),
        )]);
    }
    let mut errors = Vec::new();
    for (name, _) in data.grouped() {
        if form.field(name).is_none() && name != form.honeypot {
            let shown = shorten(name);
            errors.push(FieldError::new(
                &shown,
                "unknown",
                format!("This form has no field named “{shown}”."),
            ));
        }
    }
    for field in &form.fields {
        let values: Vec<&str> = data.values(&field.name).collect();
        check_field(field, &values, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Checks a form definition itself (for the generator, at build time): every
/// `pattern` compiles as an ECMAScript regular expression, `min`/`max`/`step`
/// parse for the field's kind, lengths are consistent. Returns one message per
/// problem, each naming the field.
#[cfg(feature = "build")]
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
#[cfg(feature = "build")]
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
#[cfg(feature = "build")]
fn compile_pattern(pattern: &str) -> Result<regress::Regex, regress::Error> {
    regress::Regex::with_flags(pattern, "v")?;
    regress::Regex::with_flags(&format!("^(?:{pattern})$"), "v")
}

/// Translates every field's `pattern` for linear-time matching (see
/// [`pattern`]), for the generator after [`check_form`] passed. A pattern
/// that cannot be matched in linear time is a problem naming its field.
#[cfg(feature = "build")]
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

/// A field's translated pattern, compiled once per process (a Spin instance
/// serves up to 128 requests): patterns come from the manifest, never from a
/// request, so the cache holds at most the site's patterns. `None` for one
/// that does not compile (the build refuses those).
fn cached_pattern(linear: &str) -> Option<Arc<regex_lite::Regex>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Arc<regex_lite::Regex>>>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Ok(cache) = cache.lock()
        && let Some(compiled) = cache.get(linear)
    {
        return compiled.clone();
    }
    let compiled = pattern::compile(linear).ok().map(Arc::new);
    if let Ok(mut cache) = cache.lock() {
        cache.insert(linear.to_owned(), compiled.clone());
    }
    compiled
}

fn shorten(name: &str) -> String {
    match name.char_indices().nth(NAME_IN_MESSAGE) {
        Some((at, _)) => format!("{}…", name.get(..at).unwrap_or_default()),
        None => name.to_owned(),
    }
}

#[cfg(feature = "build")]
fn kind_noun(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Select => "select",
        FieldKind::Radio => "radio group",
        _ => "field",
    }
}

/// Text-like kinds: the ones `minlength`, `maxlength` apply to.
fn has_length(kind: FieldKind) -> bool {
    use FieldKind::*;
    matches!(
        kind,
        Text | Search | Email | Url | Tel | Password | Textarea
    )
}

/// Kinds `pattern` applies to (not textarea, as in HTML).
fn has_pattern(kind: FieldKind) -> bool {
    use FieldKind::*;
    matches!(kind, Text | Search | Email | Url | Tel | Password)
}

/// Single-line inputs: a browser strips line breaks from their values.
fn is_single_line(kind: FieldKind) -> bool {
    has_pattern(kind)
}

/// The length browsers measure: UTF-16 code units of the API value (for a
/// textarea, line breaks CRLF / CR count as one).
fn html_length(kind: FieldKind, value: &str) -> usize {
    let units: usize = value.chars().map(char::len_utf16).sum();
    if kind == FieldKind::Textarea {
        units - value.matches("\r\n").count()
    } else {
        units
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

fn check_field(field: &Field, values: &[&str], errors: &mut Vec<FieldError>) {
    let name = field.name.as_str();
    let repeatable =
        field.multiple && matches!(field.kind, FieldKind::Select | FieldKind::Checkbox);
    if values.len() > 1 && !repeatable {
        errors.push(FieldError::new(
            name,
            "multiple",
            format!(
                "Only one value is allowed for this field (received {}).",
                values.len()
            ),
        ));
        return;
    }
    if field.required && values.iter().all(|v| v.is_empty()) {
        let message = match field.kind {
            FieldKind::Checkbox if field.options.len() <= 1 => {
                "Please tick this box if you want to proceed."
            }
            FieldKind::Checkbox => "Please tick at least one of these boxes.",
            FieldKind::Radio => "Please select one of these options.",
            FieldKind::Select => "Please select an item in the list.",
            _ => "Please fill in this field.",
        };
        errors.push(FieldError::new(name, "required", message));
        return;
    }
    let pattern = field
        .linear_pattern
        .as_deref()
        .filter(|_| has_pattern(field.kind))
        .and_then(cached_pattern);
    for value in values.iter().filter(|v| !v.is_empty()) {
        check_value(field, value, pattern.as_deref(), errors);
    }
}

fn check_value(
    field: &Field,
    value: &str,
    pattern: Option<&regex_lite::Regex>,
    errors: &mut Vec<FieldError>,
) {
    let name = field.name.as_str();
    let kind = field.kind;
    let chars = value.chars().count();
    if chars > MAX_VALUE_CHARS {
        errors.push(FieldError::new(
            name,
            "limit",
            format!("This value is too long: at most {MAX_VALUE_CHARS} characters are accepted (you entered {chars})."),
        ));
        return;
    }
    let length = html_length(kind, value);
    let max = field
        .maxlength
        .filter(|_| has_length(kind))
        .map(|m| m as usize);
    // Too long: nothing else is checked, so a pattern never runs on a value
    // longer than the field allows.
    match max {
        Some(max) if length > max => {
            let limit = plural(max, "character", "characters");
            let message = format!("Please enter at most {limit} (you entered {length}).");
            errors.push(FieldError::new(name, "maxlength", message));
            return;
        }
        None if length > DEFAULT_MAX_LENGTH => {
            let message = format!(
                "This value is too long: at most {DEFAULT_MAX_LENGTH} characters are accepted \
                 (you entered {length})."
            );
            errors.push(FieldError::new(name, "limit", message));
            return;
        }
        _ => {}
    }
    if let Some(min) = field
        .minlength
        .filter(|_| has_length(kind))
        .map(|m| m as usize)
        && length < min
    {
        errors.push(FieldError::new(
            name,
            "minlength",
            format!(
                "Please enter at least {} (you entered {length}).",
                plural(min, "character", "characters")
            ),
        ));
    }
    if is_single_line(kind) && value.contains(['\r', '\n']) {
        errors.push(FieldError::new(
            name,
            "type",
            "This field cannot contain line breaks.",
        ));
        return;
    }
    match kind {
        FieldKind::Email => check_email(field, value, pattern, errors),
        FieldKind::Url => {
            if url::Url::parse(value).is_err() {
                errors.push(FieldError::new(
                    name,
                    "type",
                    "Please enter a URL, like https://example.com/.",
                ));
            } else {
                check_pattern(name, value, pattern, errors);
            }
        }
        FieldKind::Text | FieldKind::Search | FieldKind::Tel | FieldKind::Password => {
            check_pattern(name, value, pattern, errors);
        }
        FieldKind::Textarea | FieldKind::Hidden => {}
        FieldKind::Color => {
            if !html::is_simple_color(value) {
                errors.push(FieldError::new(
                    name,
                    "type",
                    "Please enter a colour as #rrggbb, like #1a2b3c.",
                ));
            }
        }
        FieldKind::Select | FieldKind::Radio | FieldKind::Checkbox => {
            let allowed = if kind == FieldKind::Checkbox && field.options.is_empty() {
                value == "on"
            } else {
                field.options.iter().any(|o| o == value)
            };
            if !allowed {
                errors.push(FieldError::new(
                    name,
                    "option",
                    "Please choose one of the options offered.",
                ));
            }
        }
        FieldKind::Number | FieldKind::Range => check_number(field, value, errors),
        FieldKind::Date
        | FieldKind::Month
        | FieldKind::Week
        | FieldKind::Time
        | FieldKind::DatetimeLocal => {
            if let Some(t) = Temporal::of(kind) {
                check_temporal(field, t, value, errors);
            }
        }
    }
}

fn check_pattern(
    name: &str,
    value: &str,
    pattern: Option<&regex_lite::Regex>,
    errors: &mut Vec<FieldError>,
) {
    if let Some(re) = pattern
        && !re.is_match(value)
    {
        errors.push(FieldError::new(
            name,
            "pattern",
            "Please match the requested format.",
        ));
    }
}

fn check_email(
    field: &Field,
    value: &str,
    pattern: Option<&regex_lite::Regex>,
    errors: &mut Vec<FieldError>,
) {
    let name = field.name.as_str();
    if field.multiple {
        let tokens: Vec<&str> = value.split(',').map(html::trim_ascii_whitespace).collect();
        if let Some(bad) = tokens.iter().find(|t| !html::is_valid_email(t)) {
            let message = if bad.is_empty() {
                "Please enter a comma-separated list of e-mail addresses (one of them is empty)."
                    .to_owned()
            } else {
                format!(
                    "Please enter a comma-separated list of e-mail addresses (“{}” is not one).",
                    shorten(bad)
                )
            };
            errors.push(FieldError::new(name, "type", message));
            return;
        }
        if let Some(re) = pattern
            && tokens.iter().any(|t| !re.is_match(t))
        {
            errors.push(FieldError::new(
                name,
                "pattern",
                "Please match the requested format for each address.",
            ));
        }
    } else if !html::is_valid_email(value) {
        errors.push(FieldError::new(
            name,
            "type",
            "Please enter an e-mail address, like name@example.com.",
        ));
    } else {
        check_pattern(name, value, pattern, errors);
    }
}

/// A number as both a double (what browsers compare with) and, where it
/// fits, an exact decimal (for step checks without float error).
#[derive(Debug, Clone, Copy)]
struct Num {
    float: f64,
    exact: Option<Decimal>,
}

impl Num {
    fn parse(s: &str) -> Option<Self> {
        Some(Self {
            float: html::parse_float(s)?,
            exact: Decimal::parse(s),
        })
    }

    fn int(i: i64) -> Self {
        #[allow(clippy::cast_precision_loss)]
        let float = i as f64;
        Self {
            float,
            exact: Some(Decimal::from_int(i)),
        }
    }

    fn cmp(&self, other: &Self) -> Ordering {
        if let (Some(a), Some(b)) = (self.exact, other.exact)
            && let Some(o) = a.cmp_exact(b)
        {
            return o;
        }
        self.float
            .partial_cmp(&other.float)
            .unwrap_or(Ordering::Equal)
    }

    /// `None` when `self` is on a step; otherwise the nearest valid values
    /// below and above, where exactly computable.
    /// `tolerant`: Chromium's allowance for number and range inputs (see
    /// [`Decimal::step_mismatch`]).
    fn step_mismatch(
        &self,
        base: &Self,
        step: &Self,
        tolerant: bool,
    ) -> Option<Option<(Decimal, Decimal)>> {
        if let (Some(v), Some(b), Some(s)) = (self.exact, base.exact, step.exact)
            && let Ok(result) = Decimal::step_mismatch(v, b, s, tolerant)
        {
            return result.map(Some);
        }
        let n = (self.float - base.float) / step.float;
        if !n.is_finite() || (tolerant && n.abs() > 2f64.powi(53)) {
            return None;
        }
        let allowed = if tolerant {
            2f64.powi(-24)
        } else {
            1e-9 * n.abs().max(1.0)
        };
        ((n - n.round()).abs() > allowed).then_some(None)
    }
}

/// The step of a field: `None` for `any`; the kind's default when the
/// attribute is missing or invalid (as HTML says).
fn step_of(field: &Field, default: &str) -> Option<Num> {
    match field.step.as_deref() {
        Some(s) if s.eq_ignore_ascii_case("any") => None,
        Some(s) => Num::parse(s)
            .filter(|n| n.float > 0.0)
            .or_else(|| Num::parse(default)),
        None => Num::parse(default),
    }
}

fn check_number(field: &Field, value: &str, errors: &mut Vec<FieldError>) {
    let name = field.name.as_str();
    let Some(v) = Num::parse(value) else {
        errors.push(FieldError::new(
            name,
            "type",
            "Please enter a number, like 42, -1.5 or 1e3.",
        ));
        return;
    };
    let range = field.kind == FieldKind::Range;
    let min = field
        .min
        .as_deref()
        .and_then(Num::parse)
        .or_else(|| range.then(|| Num::int(0)));
    let mut max = field
        .max
        .as_deref()
        .and_then(Num::parse)
        .or_else(|| range.then(|| Num::int(100)));
    // A range's maximum is never below its minimum (HTML).
    if range
        && let (Some(lo), Some(hi)) = (min, max)
        && hi.cmp(&lo) == Ordering::Less
    {
        max = Some(lo);
    }
    let min_text = |m: &Num| field.min.clone().unwrap_or_else(|| m.float.to_string());
    let max_text = |m: &Num| field.max.clone().unwrap_or_else(|| m.float.to_string());
    if let Some(m) = &min
        && v.cmp(m) == Ordering::Less
    {
        errors.push(FieldError::new(
            name,
            "min",
            format!("Please enter a number no less than {}.", min_text(m)),
        ));
        return;
    }
    if let Some(m) = &max
        && v.cmp(m) == Ordering::Greater
    {
        errors.push(FieldError::new(
            name,
            "max",
            format!("Please enter a number no greater than {}.", max_text(m)),
        ));
        return;
    }
    let Some(step) = step_of(field, "1") else {
        return;
    };
    let base = min.unwrap_or_else(|| Num::int(0));
    if let Some(nearest) = v.step_mismatch(&base, &step, true) {
        let message = match nearest {
            Some((lo, hi))
                if max.is_some_and(|m| {
                    Num {
                        float: 0.0,
                        exact: Some(hi),
                    }
                    .cmp(&m)
                        == Ordering::Greater
                }) =>
            {
                format!("Please enter a valid value. The nearest valid value is {lo}.")
            }
            Some((lo, hi)) => format!(
                "Please enter a valid value. The two nearest valid values are {lo} and {hi}."
            ),
            None => "Please enter a valid value: it does not fit the field's step.".to_owned(),
        };
        errors.push(FieldError::new(name, "step", message));
    }
}

/// Kinds with `min`, `max` and `step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg(feature = "build")]
enum Bounded {
    Number,
    Temporal(Temporal),
}

#[cfg(feature = "build")]
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

/// Date and time kinds, with their units as in HTML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Temporal {
    Date,
    Month,
    Week,
    Time,
    DatetimeLocal,
}

impl Temporal {
    fn of(kind: FieldKind) -> Option<Self> {
        match kind {
            FieldKind::Date => Some(Self::Date),
            FieldKind::Month => Some(Self::Month),
            FieldKind::Week => Some(Self::Week),
            FieldKind::Time => Some(Self::Time),
            FieldKind::DatetimeLocal => Some(Self::DatetimeLocal),
            _ => None,
        }
    }

    /// The value in the kind's unit: ms since the epoch (date, week,
    /// datetime-local), ms since midnight (time), months since 1970-01.
    fn parse(self, s: &str) -> Option<i64> {
        match self {
            Self::Date => html::parse_date(s).map(|d| d * html::MS_PER_DAY),
            Self::Month => html::parse_month(s),
            Self::Week => html::parse_week(s),
            Self::Time => html::parse_time(s),
            Self::DatetimeLocal => html::parse_datetime_local(s),
        }
    }

    fn format(self, v: i64) -> Option<String> {
        match self {
            Self::Date => Some(html::format_date(v.div_euclid(html::MS_PER_DAY))),
            Self::Month => Some(html::format_month(v)),
            Self::Week => None,
            Self::Time => Some(html::format_time(v)),
            Self::DatetimeLocal => Some(html::format_datetime_local(v)),
        }
    }

    /// HTML's step scale factor and default step.
    fn step_scale(self) -> (i64, &'static str) {
        match self {
            Self::Date => (html::MS_PER_DAY, "1"),
            Self::Month => (1, "1"),
            Self::Week => (7 * html::MS_PER_DAY, "1"),
            Self::Time | Self::DatetimeLocal => (1000, "60"),
        }
    }

    /// HTML's default step base (1970-W01 starts on Monday 1969-12-29).
    fn default_base(self) -> i64 {
        if self == Self::Week { -259_200_000 } else { 0 }
    }

    #[cfg(feature = "build")]
    fn noun(self) -> &'static str {
        match self {
            Self::Date => "date (YYYY-MM-DD)",
            Self::Month => "month (YYYY-MM)",
            Self::Week => "week (YYYY-Www)",
            Self::Time => "time (HH:MM)",
            Self::DatetimeLocal => "date and time (YYYY-MM-DDTHH:MM)",
        }
    }

    fn type_message(self) -> &'static str {
        match self {
            Self::Date => "Please enter a valid date as YYYY-MM-DD, like 2026-11-28.",
            Self::Month => "Please enter a month as YYYY-MM, like 2026-11.",
            Self::Week => "Please enter a week as YYYY-Www, like 2026-W48.",
            Self::Time => "Please enter a time as HH:MM, like 14:30.",
            Self::DatetimeLocal => {
                "Please enter a date and time as YYYY-MM-DDTHH:MM, like 2026-11-28T14:30."
            }
        }
    }
}

fn check_temporal(field: &Field, kind: Temporal, value: &str, errors: &mut Vec<FieldError>) {
    let name = field.name.as_str();
    let Some(v) = kind.parse(value) else {
        errors.push(FieldError::new(name, "type", kind.type_message()));
        return;
    };
    let min = field
        .min
        .as_deref()
        .and_then(|s| kind.parse(s).map(|m| (s, m)));
    let max = field
        .max
        .as_deref()
        .and_then(|s| kind.parse(s).map(|m| (s, m)));
    match (min, max) {
        // A time range may wrap past midnight (min 22:00, max 06:00).
        (Some((lo_s, lo)), Some((hi_s, hi))) if kind == Temporal::Time && lo > hi => {
            if v < lo && v > hi {
                errors.push(FieldError::new(
                    name,
                    "min",
                    format!("Please enter a time between {lo_s} and {hi_s} (across midnight)."),
                ));
                return;
            }
        }
        _ => {
            if let Some((s, m)) = min
                && v < m
            {
                errors.push(FieldError::new(
                    name,
                    "min",
                    format!("Please enter a value no earlier than {s}."),
                ));
                return;
            }
            if let Some((s, m)) = max
                && v > m
            {
                errors.push(FieldError::new(
                    name,
                    "max",
                    format!("Please enter a value no later than {s}."),
                ));
                return;
            }
        }
    }
    let (scale, default) = kind.step_scale();
    let Some(step) = step_of(field, default) else {
        return;
    };
    let step = match step
        .exact
        .and_then(|s| s.checked_mul(Decimal::from_int(scale)))
    {
        Some(exact) => Num {
            float: step.float * scale as f64,
            exact: Some(exact),
        },
        None => Num {
            float: step.float * scale as f64,
            exact: None,
        },
    };
    let base = Num::int(min.map_or(kind.default_base(), |(_, m)| m));
    if let Some(nearest) = Num::int(v).step_mismatch(&base, &step, false) {
        let pair = nearest
            .and_then(|(lo, hi)| Some((kind.format(lo.to_i64()?)?, kind.format(hi.to_i64()?)?)));
        let message = match pair {
            Some((lo, hi)) => format!(
                "Please enter a valid value. The two nearest valid values are {lo} and {hi}."
            ),
            None => "Please enter a valid value: it does not fit the field's step.".to_owned(),
        };
        errors.push(FieldError::new(name, "step", message));
    }
}
