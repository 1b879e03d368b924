//! HTML escaping.

/// `text` with `&`, `<`, `>`, `"` and `'` replaced by `&amp;`, `&lt;`,
/// `&gt;`, `&quot;` and `&#39;`; every other character is kept as it is.
/// Safe for HTML text and for attribute values in either kind of quotes.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_html_into(&mut out, text);
    out
}

/// [`escape_html`], appended to `out`.
pub fn escape_html_into(out: &mut String, text: &str) {
    escape(out, text, true);
}

/// Like [`escape_html_into`] but keeps `'` as it is: only `&`, `<`, `>` and
/// `"` are replaced. Safe for HTML text and double-quoted attribute values
/// only (never single-quoted ones).
pub fn escape_html_double_quoted_into(out: &mut String, text: &str) {
    escape(out, text, false);
}

/// [`escape_html`], written to `out`: the generator's template engine
/// escapes with it (its own escaper writes byte by byte through `dyn
/// Write`, 3% of a 10,000-page build; this writes whole runs).
pub fn escape_html_to(text: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut result = Ok(());
    escape_runs(text, true, |piece| {
        if result.is_ok() {
            result = out.write_all(piece.as_bytes());
        }
    });
    result
}

fn escape(out: &mut String, text: &str, apostrophe: bool) {
    escape_runs(text, apostrophe, |piece| out.push_str(piece));
}

/// Hands `emit` the escaped text piece by piece: runs of `text` that need
/// no escaping and the entities between them.
fn escape_runs(text: &str, apostrophe: bool, mut emit: impl FnMut(&str)) {
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        let replacement = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' if apostrophe => "&#39;",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both slices end on char boundaries.
        if start < i {
            emit(&text[start..i]);
        }
        emit(replacement);
        start = i + 1;
    }
    if start < text.len() {
        emit(&text[start..]);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_five_characters() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_html("été ✓"), "été ✓");
        let mut out = String::from("x");
        escape_html_double_quoted_into(&mut out, r#"<'"&>"#);
        assert_eq!(out, "x&lt;'&quot;&amp;&gt;");
    }

    #[test]
    fn written_as_it_is_pushed() {
        for text in ["", "plain", r#"<a href="x">'&'</a>"#, "été & ✓>", "&&"] {
            let mut written = Vec::new();
            escape_html_to(text, &mut written).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), escape_html(text));
        }
    }
}
