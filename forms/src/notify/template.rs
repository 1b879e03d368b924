//! Plain-text templates for notification e-mails: `{name}` is replaced by
//! the submitted value(s) of the field `name` (several joined with ", "),
//! `{form}`, `{id}`, `{received_at}` and `{page}` by what they say, and `{{`
//! / `}}` are literal braces. Deliberately not Tera: nothing a visitor sends
//! is ever evaluated, and the build checks every placeholder names a field.

use crate::schema::Form;
use crate::store::Submission;

/// Names a template may use besides the form's fields.
pub const BUILT_IN: &[&str] = &["form", "id", "received_at", "page"];

/// A template the build refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error(
        "`{{{name}}}` names no field of the form (fields: {fields}; also: form, id, received_at, page)"
    )]
    UnknownName { name: String, fields: String },
    #[error("an unclosed `{{` at byte {at} (write `{{{{` for a literal brace)")]
    Unclosed { at: usize },
    #[error("a lone `}}` at byte {at} (write `}}}}` for a literal brace)")]
    LoneClose { at: usize },
}

enum Piece<'a> {
    Text(&'a str),
    Name(&'a str),
}

fn pieces(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut out = Vec::new();
    let mut rest = template;
    let mut offset = 0;
    while let Some(i) = rest.find(['{', '}']) {
        out.push(Piece::Text(&rest[..i]));
        let brace = rest.as_bytes()[i];
        let after = &rest[i + 1..];
        if after.as_bytes().first() == Some(&brace) {
            out.push(Piece::Text(&rest[i..=i]));
            rest = &after[1..];
            offset += i + 2;
            continue;
        }
        if brace == b'}' {
            return Err(TemplateError::LoneClose { at: offset + i });
        }
        let end = after
            .find('}')
            .ok_or(TemplateError::Unclosed { at: offset + i })?;
        out.push(Piece::Name(after[..end].trim()));
        rest = &after[end + 1..];
        offset += i + end + 2;
    }
    out.push(Piece::Text(rest));
    Ok(out)
}

/// Checks that `template` parses and names only fields of `form` (or the
/// built-in names): run by the build, so the API never meets a bad one.
pub fn check(template: &str, form: &Form) -> Result<(), TemplateError> {
    for piece in pieces(template)? {
        if let Piece::Name(name) = piece
            && !BUILT_IN.contains(&name)
            && form.field(name).is_none()
        {
            let fields: Vec<&str> = form.fields.iter().map(|f| f.name.as_str()).collect();
            return Err(TemplateError::UnknownName {
                name: name.to_owned(),
                fields: fields.join(", "),
            });
        }
    }
    Ok(())
}

/// Fills `template` in with a stored submission. A template the build
/// would have refused renders its bad parts as written (never fails).
pub fn render(template: &str, form: &Form, submission: &Submission) -> String {
    let Ok(pieces) = pieces(template) else {
        return template.to_owned();
    };
    let mut out = String::with_capacity(template.len() + 64);
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Name("form") => out.push_str(&submission.form),
            Piece::Name("id") => out.push_str(&submission.id),
            Piece::Name("received_at") => out.push_str(&submission.received_at),
            Piece::Name("page") => out.push_str(&form.page),
            Piece::Name(name) => {
                let values: Vec<&str> = submission.values.values(name).collect();
                out.push_str(&values.join(", "));
            }
        }
    }
    out
}

/// The default body: one `name: value` line per field, in the form's
/// order, then the id and time.
pub fn default_body(form: &Form, submission: &Submission) -> String {
    let mut out = format!("New submission to the form \"{}\":\n\n", form.name);
    for field in &form.fields {
        let values: Vec<&str> = submission.values.values(&field.name).collect();
        if values.is_empty() {
            continue;
        }
        out.push_str(&field.name);
        out.push_str(": ");
        // Multi-line values stay readable: continuation lines indented.
        out.push_str(&values.join(", ").replace('\n', "\n  "));
        out.push('\n');
    }
    out.push_str(&format!(
        "\nid: {}\nreceived: {}\n",
        submission.id, submission.received_at
    ));
    out
}

/// A subject line: one line, control characters dropped, at most 200
/// characters (a visitor's value may end up in it).
pub fn one_line(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    trimmed.chars().take(200).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::schema::{Field, FieldKind, FormData};

    fn form() -> Form {
        Form::new(
            "contact",
            "content/contact.md",
            vec![
                Field::new("name", FieldKind::Text),
                Field::new("topic", FieldKind::Checkbox),
                Field::new("message", FieldKind::Textarea),
            ],
        )
    }

    fn submission() -> Submission {
        Submission {
            id: "019a0000-0000-7000-8000-000000000000".into(),
            form: "contact".into(),
            values: FormData(vec![
                ("name".into(), "Ada {id}".into()),
                ("topic".into(), "a".into()),
                ("topic".into(), "b".into()),
                ("message".into(), "line 1\nline 2".into()),
            ]),
            received_at: "2026-11-30T10:00:00.000Z".into(),
            user: None,
            read: false,
        }
    }

    #[test]
    fn placeholders_are_filled_and_values_are_never_evaluated() {
        let out = render(
            "{{{form}}} from {name}: {topic} ({ id })",
            &form(),
            &submission(),
        );
        assert_eq!(
            out,
            "{contact} from Ada {id}: a, b (019a0000-0000-7000-8000-000000000000)"
        );
    }

    #[test]
    fn the_build_check_names_the_bad_placeholder() {
        assert!(check("Hi {name} {page} {received_at}", &form()).is_ok());
        let err = check("Hi {nmae}", &form()).unwrap_err();
        assert!(err.to_string().contains("`{nmae}` names no field"), "{err}");
        assert!(err.to_string().contains("name, topic, message"), "{err}");
        assert_eq!(
            check("a {name", &form()),
            Err(TemplateError::Unclosed { at: 2 })
        );
        assert_eq!(
            check("a } b", &form()),
            Err(TemplateError::LoneClose { at: 2 })
        );
        assert!(check("{{ and }}", &form()).is_ok());
    }

    #[test]
    fn the_default_body_lists_fields_in_form_order() {
        let body = default_body(&form(), &submission());
        assert!(
            body.contains("name: Ada {id}\ntopic: a, b\nmessage: line 1\n  line 2\n"),
            "{body}"
        );
        assert!(
            body.contains("received: 2026-11-30T10:00:00.000Z"),
            "{body}"
        );
    }

    #[test]
    fn subjects_are_one_clean_line() {
        assert_eq!(one_line("Hi\r\nBcc: x@y\t z"), "Hi Bcc: x@y z");
        assert_eq!(one_line(&"é".repeat(300)).chars().count(), 200);
    }
}
