//! The CSV export of a form's submissions, with every cell a spreadsheet
//! could take for a formula neutralised.

use std::borrow::Cow;

use http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use http::{HeaderValue, Response, StatusCode};

use super::context::Context;
use super::response::log_store_error;
use crate::error::ApiError;
use crate::schema::Form;
use crate::store::{MAX_PAGE, Store, Submission};

/// How multi-values (checkboxes, multiple selects) are joined in a CSV cell.
pub(crate) const CSV_MULTI_SEPARATOR: &str = "; ";

/// The field names of `form` in manifest order, each once.
pub(super) fn field_names(form: &Form) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::with_capacity(form.fields.len());
    for field in &form.fields {
        if !names.contains(&field.name.as_str()) {
            names.push(&field.name);
        }
    }
    names
}

/// What a spreadsheet may take for the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];
/// What a spreadsheet may split one cell at (`;` in many locales, `,`,
/// tab), when it guesses the separator itself.
const SEGMENT_SEPARATORS: [char; 3] = [';', ',', '\t'];

/// OWASP's CSV injection defence, for every part a spreadsheet may make a
/// cell of: the cell itself and each segment after a `;`, `,` or tab. A
/// part whose first character after spaces is `=`, `+`, `-`, `@`, tab or
/// CR gets a `'` before it, so it stays text (`x;=cmd` → `x;'=cmd`).
pub(crate) fn neutralise_cell(cell: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut at_start = true;
    let mut changed = false;
    for c in cell.chars() {
        if at_start && c != ' ' {
            if FORMULA_STARTS.contains(&c) {
                out.push('\'');
                changed = true;
            }
            at_start = false;
        }
        out.push(c);
        if SEGMENT_SEPARATORS.contains(&c) {
            at_start = true;
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(cell)
    }
}

/// The CSV of `submissions` of `form`: a header `id, received_at, user`,
/// then the form's fields in manifest order; multi-values joined with
/// [`CSV_MULTI_SEPARATOR`]; every cell quoted (RFC 4180) and neutralised.
pub(crate) fn submissions_csv(
    form: &Form,
    submissions: &[Submission],
) -> Result<Vec<u8>, csv::Error> {
    let fields = field_names(form);
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    let mut header: Vec<Cow<'_, str>> = vec!["id".into(), "received_at".into(), "user".into()];
    header.extend(fields.iter().map(|f| neutralise_cell(f)));
    writer.write_record(header.iter().map(|c| c.as_bytes()))?;
    for s in submissions {
        let mut row: Vec<String> = vec![
            neutralise_cell(&s.id).into_owned(),
            neutralise_cell(&s.received_at).into_owned(),
            neutralise_cell(s.user.as_deref().unwrap_or("")).into_owned(),
        ];
        for name in &fields {
            let joined = s
                .values
                .values(name)
                .collect::<Vec<_>>()
                .join(CSV_MULTI_SEPARATOR);
            row.push(neutralise_cell(&joined).into_owned());
        }
        writer.write_record(&row)?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// A file name for `Content-Disposition`: the form name with anything but
/// ASCII letters, digits, `-`, `_` and `.` replaced by `_`.
fn csv_filename(form: &str) -> String {
    let safe: String = form
        .chars()
        .take(100)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}.csv", safe.trim_start_matches('.'))
}

/// Every submission of `form` stored under `folder` (the form's name, or
/// its spam folder) as one CSV file.
pub(super) async fn export_csv<S: Store>(
    ctx: &Context<'_, S>,
    form: &Form,
    folder: &str,
) -> Result<Response<Vec<u8>>, ApiError> {
    // Walk every page; the cursor keeps new arrivals from being seen twice.
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = ctx
            .store
            .list(folder, cursor.as_deref(), MAX_PAGE)
            .await
            .inspect_err(log_store_error)?;
        all.extend(page.items);
        match page.next_cursor {
            Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
            _ => break,
        }
    }
    let body = submissions_csv(form, &all).map_err(|e| {
        eprintln!("letterbox: CSV export of `{}` failed: {e}", form.name);
        ApiError::Misconfigured(format!("csv: {e}"))
    })?;
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::OK;
    let h = resp.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        csv_filename(folder)
    )) {
        h.insert(CONTENT_DISPOSITION, value);
    }
    Ok(resp)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_neutralised() {
        for bad in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise_cell(bad), format!("'{bad}"));
        }
        for fine in ["", "a=1", "1-2", "'=x", "été", "a; b, c", "x;'=y"] {
            assert_eq!(neutralise_cell(fine), fine);
        }
        // Issue 12, item 7: every segment a `;`-, `,`- or tab-separating
        // spreadsheet may split off, and after leading spaces.
        for (cell, want) in [
            ("x;=cmd|' /C calc'!A0", "x;'=cmd|' /C calc'!A0"),
            ("a,+1", "a,'+1"),
            ("a\t@x", "a\t'@x"),
            ("a\t\tx", "a\t'\tx"),
            ("red; =cmd", "red; '=cmd"),
            (" =x", " '=x"),
            ("=a;-b, @c", "'=a;'-b, '@c"),
            ("a;\r=x", "a;'\r=x"),
        ] {
            assert_eq!(neutralise_cell(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn every_csv_cell_is_quoted() {
        let form = Form {
            auth: crate::schema::AuthRequirement::None,
            honeypot: "_hp".into(),
            ..Form::new(
                "f",
                "p.md",
                vec![crate::schema::Field::new(
                    "a",
                    crate::schema::FieldKind::Text,
                )],
            )
        };
        let s = Submission {
            id: "id1".into(),
            form: "f".into(),
            values: crate::schema::FormData(vec![("a".into(), "x;=cmd|' /C calc'!A0".into())]),
            received_at: "2026-11-28T10:00:00.000Z".into(),
            user: None,
            read: false,
        };
        let csv = String::from_utf8(submissions_csv(&form, &[s]).unwrap()).unwrap();
        assert_eq!(
            csv,
            "\"id\",\"received_at\",\"user\",\"a\"\r\n\
             \"id1\",\"2026-11-28T10:00:00.000Z\",\"\",\"x;'=cmd|' /C calc'!A0\"\r\n"
        );
    }

    #[test]
    fn filenames() {
        assert_eq!(csv_filename("contact"), "contact.csv");
        assert_eq!(csv_filename("a\"b;c/d é"), "a_b_c_d__.csv");
        assert_eq!(csv_filename("..x"), "x.csv");
    }
}
