//! HTML microsyntaxes the validator needs: floating-point numbers, dates,
//! times, weeks, months, colours and e-mail addresses, read exactly as the
//! HTML standard defines their valid forms.

use crate::text::{CivilDate, civil_from_days, days_from_civil, days_in_month, is_leap_year};

/// Milliseconds in a day.
pub(crate) const MS_PER_DAY: i64 = 86_400_000;
/// The latest year a browser's date controls accept (ECMAScript's last date).
const MAX_YEAR: i64 = 275_760;

/// A "valid floating-point number" (HTML 2.3.4.3): an optional `-`; one or
/// both of one or more digits and (`.` and one or more digits), in that
/// order; optionally `e`/`E`, an optional `+`/`-` and one or more digits.
/// So `.5` and `-.5` are valid (as browsers accept them); a leading `+`,
/// `1.` and a lone `.` are not.
pub(crate) fn is_valid_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    let int = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    } else if !int {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// The number a valid floating-point number stands for, if it is finite.
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    if !is_valid_float(s) {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// The values on a step nearest to a value that is not: the one below and
/// the one above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Nearest {
    pub(crate) below: Decimal,
    pub(crate) above: Decimal,
}

/// An exact decimal `mant × 10^exp`, used so that `step` checks such as
/// `0.3` against a step of `0.1` are exact instead of floating-point guesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal {
    mant: i128,
    exp: i32,
}

impl Decimal {
    pub(crate) fn from_int(i: i64) -> Self {
        Self {
            mant: i128::from(i),
            exp: 0,
        }
    }

    /// Parses a valid floating-point number exactly; `None` when it is not
    /// one or does not fit (more than 38 significant digits, huge exponent).
    pub(crate) fn parse(s: &str) -> Option<Self> {
        if !is_valid_float(s) {
            return None;
        }
        let (negative, rest) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s),
        };
        let (number, exponent) = match rest.find(['e', 'E']) {
            Some(at) => (rest.get(..at)?, rest.get(at + 1..)?.parse::<i32>().ok()?),
            None => (rest, 0),
        };
        let (int, frac) = number.split_once('.').unwrap_or((number, ""));
        let digits = format!("{int}{frac}");
        let digits = digits.trim_start_matches('0');
        if digits.len() > 38 || exponent.unsigned_abs() > 400 {
            return None;
        }
        let mant: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().ok()?
        };
        let frac_len = i32::try_from(frac.len()).ok()?;
        let mant = if negative { -mant } else { mant };
        Some(
            Self {
                mant,
                exp: exponent.checked_sub(frac_len)?,
            }
            .normalized(),
        )
    }

    fn normalized(mut self) -> Self {
        if self.mant == 0 {
            return Self { mant: 0, exp: 0 };
        }
        while self.mant % 10 == 0 {
            self.mant /= 10;
            self.exp += 1;
        }
        self
    }

    /// The mantissa of `self` rescaled to exponent `e` (`e <= self.exp`).
    fn scaled(self, e: i32) -> Option<i128> {
        let shift = u32::try_from(self.exp.checked_sub(e)?).ok()?;
        self.mant.checked_mul(10i128.checked_pow(shift)?)
    }

    /// Both mantissas at the smaller exponent, if that fits.
    fn align(a: Self, b: Self) -> Option<(i128, i128, i32)> {
        let e = a.exp.min(b.exp);
        Some((a.scaled(e)?, b.scaled(e)?, e))
    }

    pub(crate) fn checked_mul(self, other: Self) -> Option<Self> {
        Some(
            Self {
                mant: self.mant.checked_mul(other.mant)?,
                exp: self.exp.checked_add(other.exp)?,
            }
            .normalized(),
        )
    }

    pub(crate) fn cmp_exact(self, other: Self) -> Option<std::cmp::Ordering> {
        let (a, b, _) = Self::align(self, other)?;
        Some(a.cmp(&b))
    }

    /// `None` if `value` is `base + n × step` for an integer `n`; otherwise
    /// the two nearest such values below and above. `Err(())` when the
    /// numbers do not fit for an exact answer.
    ///
    /// `tolerant` follows Chromium's step check for number and range inputs
    /// (`StepRange::StepMismatch`), which is what users meet: a value within
    /// `step / 2^24` of a step is on it (so `9.9999999999999999` fits a step
    /// of 0.5 and `0.30000000000000004` one of 0.1, as typed into the
    /// browser), and a value more than `step × 2^53` from the base always
    /// fits (doubles cannot tell the steps apart there). Dates and times
    /// (integer steps) are exact.
    #[allow(clippy::result_unit_err)]
    pub(crate) fn step_mismatch(
        value: Self,
        base: Self,
        step: Self,
        tolerant: bool,
    ) -> Result<Option<Nearest>, ()> {
        let e = value.exp.min(base.exp).min(step.exp);
        let v = value.scaled(e).ok_or(())?;
        let b = base.scaled(e).ok_or(())?;
        let s = step.scaled(e).ok_or(())?;
        if s <= 0 {
            return Err(());
        }
        let d = v.checked_sub(b).ok_or(())?;
        let r = d.rem_euclid(s);
        if r == 0 {
            return Ok(None);
        }
        if tolerant {
            if s.checked_mul(1 << 53)
                .is_some_and(|far| d.unsigned_abs() > far.unsigned_abs())
            {
                return Ok(None);
            }
            // The distance to the nearest step, against step / 2^24.
            if r.min(s - r)
                .checked_mul(1 << 24)
                .is_some_and(|off| off <= s)
            {
                return Ok(None);
            }
        }
        let lower = v.checked_sub(r).ok_or(())?;
        let upper = lower.checked_add(s).ok_or(())?;
        Ok(Some(Nearest {
            below: Self {
                mant: lower,
                exp: e,
            }
            .normalized(),
            above: Self {
                mant: upper,
                exp: e,
            }
            .normalized(),
        }))
    }

    /// The value as an integer, if it is one and fits.
    pub(crate) fn to_i64(self) -> Option<i64> {
        let n = if self.exp >= 0 {
            self.mant
                .checked_mul(10i128.checked_pow(u32::try_from(self.exp).ok()?)?)?
        } else {
            let d = 10i128.checked_pow(self.exp.unsigned_abs())?;
            if self.mant % d != 0 {
                return None;
            }
            self.mant / d
        };
        i64::try_from(n).ok()
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.mant < 0 { "-" } else { "" };
        let digits = self.mant.unsigned_abs().to_string();
        if self.exp >= 0 {
            if self.exp > 30 {
                return write!(f, "{sign}{digits}e{}", self.exp);
            }
            let zeros = "0".repeat(usize::try_from(self.exp).unwrap_or(0));
            return write!(f, "{sign}{digits}{zeros}");
        }
        let frac_len = usize::try_from(self.exp.unsigned_abs()).unwrap_or(usize::MAX);
        if frac_len > 60 {
            return write!(f, "{sign}{digits}e{}", self.exp);
        }
        let padded = if digits.len() <= frac_len {
            format!("{}{digits}", "0".repeat(frac_len + 1 - digits.len()))
        } else {
            digits
        };
        let split = padded.len() - frac_len;
        let (int, frac) = padded.split_at(split);
        write!(f, "{sign}{int}.{frac}")
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Exactly `n` ASCII digits as a number.
fn fixed_digits(s: &str, n: usize) -> Option<u32> {
    if s.len() == n && all_digits(s) {
        s.parse().ok()
    } else {
        None
    }
}

/// Monday = 0 ... Sunday = 6.
fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7)
}

/// A year of four or more digits, greater than zero (and within what
/// browsers' date controls reach).
fn parse_year(s: &str) -> Option<i64> {
    if s.len() < 4 || s.len() > 6 || !all_digits(s) {
        return None;
    }
    let y: i64 = s.parse().ok()?;
    (1..=MAX_YEAR).contains(&y).then_some(y)
}

/// `YYYY-MM-DD`, a real calendar date. Returns days since 1970-01-01.
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    let mut parts = s.rsplitn(3, '-');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    let year = parse_year(y)?;
    let month = fixed_digits(m, 2)?;
    let day = fixed_digits(d, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// `YYYY-MM`. Returns months since 1970-01.
pub(crate) fn parse_month(s: &str) -> Option<i64> {
    let (y, m) = s.rsplit_once('-')?;
    let year = parse_year(y)?;
    let month = fixed_digits(m, 2)?;
    (1..=12)
        .contains(&month)
        .then(|| (year - 1970) * 12 + i64::from(month) - 1)
}

/// Day number of the Monday of ISO week 1 of `year`.
fn week_one_monday(year: i64) -> i64 {
    let jan4 = days_from_civil(year, 1, 4);
    jan4 - weekday(jan4)
}

fn weeks_in_year(year: i64) -> u32 {
    let jan1 = weekday(days_from_civil(year, 1, 1));
    if jan1 == 3 || (jan1 == 2 && is_leap_year(year)) {
        53
    } else {
        52
    }
}

/// `YYYY-Www`. Returns milliseconds since the epoch of that week's Monday.
pub(crate) fn parse_week(s: &str) -> Option<i64> {
    let (y, w) = s.rsplit_once("-W")?;
    let year = parse_year(y)?;
    let week = fixed_digits(w, 2)?;
    if week < 1 || week > weeks_in_year(year) {
        return None;
    }
    Some((week_one_monday(year) + 7 * (i64::from(week) - 1)) * MS_PER_DAY)
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.s` (one to three fraction digits).
/// Returns milliseconds since midnight.
pub(crate) fn parse_time(s: &str) -> Option<i64> {
    let mut parts = s.splitn(3, ':');
    let hours = fixed_digits(parts.next()?, 2)?;
    let minutes = fixed_digits(parts.next()?, 2)?;
    let mut ms = 0i64;
    if let Some(sec) = parts.next() {
        let (whole, frac) = match sec.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (sec, None),
        };
        let seconds = fixed_digits(whole, 2)?;
        if seconds > 59 {
            return None;
        }
        ms += i64::from(seconds) * 1000;
        if let Some(f) = frac {
            if f.is_empty() || f.len() > 3 || !all_digits(f) {
                return None;
            }
            let padded = format!("{f:0<3}");
            ms += padded.parse::<i64>().ok()?;
        }
    }
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some(i64::from(hours) * 3_600_000 + i64::from(minutes) * 60_000 + ms)
}

/// A date, `T` or a space, a time. Returns milliseconds since the epoch.
pub(crate) fn parse_datetime_local(s: &str) -> Option<i64> {
    let (d, t) = s.split_once(['T', ' '])?;
    Some(parse_date(d)? * MS_PER_DAY + parse_time(t)?)
}

pub(crate) fn format_date(days: i64) -> String {
    let CivilDate { year, month, day } = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

pub(crate) fn format_month(months: i64) -> String {
    let y = 1970 + months.div_euclid(12);
    let m = months.rem_euclid(12) + 1;
    format!("{y:04}-{m:02}")
}

pub(crate) fn format_time(ms: i64) -> String {
    let ms = ms.rem_euclid(MS_PER_DAY);
    let (h, m, s, frac) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    match (s, frac) {
        (0, 0) => format!("{h:02}:{m:02}"),
        (_, 0) => format!("{h:02}:{m:02}:{s:02}"),
        _ => format!("{h:02}:{m:02}:{s:02}.{frac:03}"),
    }
}

pub(crate) fn format_datetime_local(ms: i64) -> String {
    format!(
        "{}T{}",
        format_date(ms.div_euclid(MS_PER_DAY)),
        format_time(ms)
    )
}

/// `#rrggbb`, hex digits in either case (a "valid simple colour").
pub(crate) fn is_simple_color(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s.bytes().skip(1).all(|b| b.is_ascii_hexdigit())
}

/// A "valid e-mail address" exactly as the HTML standard defines it:
/// `1*( atext / "." ) "@" label *( "." label )`, a label being 1 to 63
/// letters, digits or hyphens that neither starts nor ends with a hyphen.
pub(crate) fn is_valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&b));
    local_ok
        && domain.split('.').all(|label| {
            let b = label.as_bytes();
            (1..=63).contains(&b.len())
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
                && b.first() != Some(&b'-')
                && b.last() != Some(&b'-')
        })
}

/// ASCII whitespace as HTML defines it: tab, LF, FF, CR, space.
pub(crate) fn trim_ascii_whitespace(s: &str) -> &str {
    s.trim_matches(['\t', '\n', '\x0C', '\r', ' '])
}
