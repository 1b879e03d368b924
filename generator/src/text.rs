//! Text helpers shared by the stages: line numbers, slugs, dates, XML
//! escaping.

/// 1-based line of byte offset `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Turns text into a URL-safe slug: ASCII, lower case, words joined by `-`.
pub(crate) fn slugify(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut out = String::with_capacity(ascii.len());
    let mut dash = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

/// A parsed front-matter date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Date {
    /// Normalised text: `YYYY-MM-DD` for a date, RFC 3339 for a date-time.
    pub text: String,
    /// Seconds since the Unix epoch (a bare date counts as midnight UTC),
    /// used for sorting.
    pub timestamp: i64,
}

impl Date {
    /// Parses RFC 3339 (`2024-05-01T10:00:00+02:00`), a date-time without
    /// offset (taken as UTC) or a bare date (`2024-05-01`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Ok(ts) = text.parse::<jiff::Timestamp>() {
            return Ok(Self {
                text: text.to_owned(),
                timestamp: ts.as_second(),
            });
        }
        if text.len() > 10
            && let Ok(dt) = text.parse::<jiff::civil::DateTime>()
        {
            let ts = dt
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .map_err(|e| e.to_string())?;
            return Ok(Self {
                text: text.to_owned(),
                timestamp: ts.timestamp().as_second(),
            });
        }
        if let Ok(date) = text.parse::<jiff::civil::Date>() {
            let ts = date
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .map_err(|e| e.to_string())?;
            return Ok(Self {
                text: date.to_string(),
                timestamp: ts.timestamp().as_second(),
            });
        }
        if let Some(why) = impossible_day(text) {
            return Err(format!("`{text}` is not a date: {why}"));
        }
        Err(format!(
            "`{text}` is not a date: use YYYY-MM-DD or RFC 3339 (2024-05-01T10:00:00Z)"
        ))
    }
}

/// Why a text shaped like `YYYY-MM-DD…` is no date: a month or a day that
/// does not exist (`2026-02-30`). `None` when the shape is something else.
fn impossible_day(text: &str) -> Option<String> {
    let head = text.get(..10)?;
    let bytes = head.as_bytes();
    let shaped = bytes.iter().enumerate().all(|(i, b)| match i {
        4 | 7 => *b == b'-',
        _ => b.is_ascii_digit(),
    });
    if !shaped {
        return None;
    }
    let year: i16 = head.get(..4)?.parse().ok()?;
    let month: i8 = head.get(5..7)?.parse().ok()?;
    let day: i8 = head.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&month) {
        return Some(format!("there is no month {month} (months are 01 to 12)"));
    }
    let first = jiff::civil::Date::new(year, month, 1).ok()?;
    let days = first.days_in_month();
    if day < 1 || day > days {
        let name = first.strftime("%B %Y");
        return Some(format!("day {day} does not exist: {name} has {days} days"));
    }
    None
}

/// RFC 3339 in UTC: `2024-05-01T00:00:00Z`.
pub(crate) fn rfc3339(timestamp: i64) -> String {
    jiff::Timestamp::from_second(timestamp)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_string()
}

/// RFC 2822 in UTC: `Wed, 01 May 2024 00:00:00 +0000`.
pub(crate) fn rfc2822(timestamp: i64) -> String {
    jiff::Timestamp::from_second(timestamp)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%a, %d %b %Y %H:%M:%S +0000")
        .to_string()
}

/// Escapes text for XML content and attributes, dropping characters XML
/// 1.0 does not allow.
pub(crate) fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}
