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

fn escape(out: &mut String, text: &str, apostrophe: bool) {
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
        out.push_str(&text[start..i]);
        out.push_str(replacement);
        start = i + 1;
    }
    out.push_str(&text[start..]);
}

#[cfg(test)]
mod tests {
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
}
