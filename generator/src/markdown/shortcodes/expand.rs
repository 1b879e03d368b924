//! Calls replaced by placeholders before the Markdown is parsed, and the
//! placeholders by the templates' output afterwards.

use super::parse::{escaped, find_end, parse_call};
use pulldown_cmark::{Event, Options, Parser, Tag};
use serde_json::{Map, Value as Json};
use std::collections::HashMap;
use std::ops::Range;

/// Marks the start and end of a placeholder (Unicode private use area).
pub(super) const OPEN: char = '\u{E000}';
pub(super) const CLOSE: char = '\u{E001}';
/// Private-use code point of digit 0 inside placeholders.
const DIGIT_ZERO: u32 = 0xE010;

/// A shortcode problem, with its 1-based line in the Markdown given to
/// [`Expander::expand`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ShortcodeError {
    pub line: usize,
    pub message: String,
}

/// Whether a text may hold shortcodes; pages without `{{` or `{%` skip the
/// shortcode pass entirely.
pub(crate) fn may_have_shortcodes(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// Renders one call: name, arguments, the body's HTML (body shortcodes),
/// and `nth` (this shortcode's 1-based call count in the document).
pub(crate) type RenderCall<'a> =
    dyn Fn(&str, &Map<String, Json>, Option<&str>, usize) -> Result<String, String> + 'a;

/// Renders a body's Markdown (placeholders already in) to HTML; errors'
/// lines are relative to the body.
pub(crate) type RenderBody<'a> = dyn Fn(&str) -> Result<String, Vec<ShortcodeError>> + 'a;

/// Expands the shortcodes of one document.
pub(crate) struct Expander<'a> {
    pub render: &'a RenderCall<'a>,
    pub markdown: &'a RenderBody<'a>,
}

/// Markdown with placeholders and what they stand for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Expanded {
    pub markdown: String,
    pub outputs: Vec<String>,
}

impl Expanded {
    /// The HTML rendered from [`Expanded::markdown`] with every placeholder
    /// replaced by its output.
    pub(crate) fn fill(&self, html: &str) -> String {
        fill(html, &self.outputs)
    }
}

/// Replaces placeholders by outputs; `<p>placeholder</p>` as a whole.
pub(crate) fn fill(html: &str, outputs: &[String]) -> String {
    if outputs.is_empty() {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len_utf8()..];
        let Some(end) = after.find(CLOSE) else { break };
        let Some(output) = placeholder_index(&after[..end]).and_then(|i| outputs.get(i)) else {
            out.push_str(&rest[..start + OPEN.len_utf8()]);
            rest = after;
            continue;
        };
        let before = &rest[..start];
        let tail = &after[end + CLOSE.len_utf8()..];
        // Alone in a paragraph: the output replaces the paragraph.
        let (before, tail) = match (before.strip_suffix("<p>"), tail.strip_prefix("</p>")) {
            (Some(before), Some(tail)) => (before, tail),
            _ => (before, tail),
        };
        out.push_str(before);
        out.push_str(output);
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// `OPEN`, the index in private-use digits (so a placeholder leaves no
/// letters or digits in heading ids or word counts), `CLOSE`.
pub(super) fn placeholder(index: usize) -> String {
    let digits: String = index
        .to_string()
        .chars()
        .filter_map(|d| d.to_digit(10))
        .filter_map(|d| char::from_u32(DIGIT_ZERO + d))
        .collect();
    format!("{OPEN}{digits}{CLOSE}")
}

/// The index of a placeholder's private-use digits.
pub(super) fn placeholder_index(digits: &str) -> Option<usize> {
    let mut index: usize = 0;
    for c in digits.chars() {
        let d = (c as u32).checked_sub(DIGIT_ZERO).filter(|d| *d < 10)?;
        index = index.checked_mul(10)?.checked_add(d as usize)?;
    }
    (!digits.is_empty()).then_some(index)
}

fn line_at(text: &str, pos: usize) -> usize {
    text[..pos].matches('\n').count() + 1
}

/// Byte ranges of code blocks and inline code spans.
fn code_ranges(text: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_)) | Event::Code(_) => ranges.push(range),
            _ => {}
        }
    }
    ranges
}

impl Expander<'_> {
    /// Replaces every shortcode call of `text` by a placeholder and renders
    /// it. All errors are returned, each with its line in `text`.
    // Long: one scan of the text, with the open body calls on a stack.
    pub(crate) fn expand(&self, text: &str) -> Result<Expanded, Vec<ShortcodeError>> {
        let mut expanded = Expanded::default();
        if !may_have_shortcodes(text) {
            expanded.markdown = text.to_owned();
            return Ok(expanded);
        }
        let code = code_ranges(text);
        let in_code = |pos: usize| code.iter().find(|r| r.contains(&pos)).map(|r| r.end);
        let mut errors = Vec::new();
        let mut counts: HashMap<String, usize> = HashMap::new();
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut i = 0;
        while let Some(found) = text[i..].find('{') {
            let pos = i + found;
            if let Some(end) = in_code(pos) {
                i = end.max(pos + 1);
                continue;
            }
            // `{{/* youtube(id="x") */}}` writes the call itself as text.
            if let Some((literal, after)) = escaped(text, pos) {
                out.push_str(&text[copied..pos]);
                out.push_str(&literal);
                copied = after;
                i = after;
                continue;
            }
            let call = match parse_call(text, pos) {
                Ok(Some(call)) => call,
                Ok(None) => {
                    i = pos + 1;
                    continue;
                }
                Err(message) => {
                    errors.push(ShortcodeError {
                        line: line_at(text, pos),
                        message,
                    });
                    i = pos + 2;
                    continue;
                }
            };
            let line = line_at(text, pos);
            if call.end {
                errors.push(ShortcodeError {
                    line,
                    message: "`{% end %}` without a shortcode to close".into(),
                });
                i = call.after;
                continue;
            }
            let nth = {
                let n = counts.entry(call.name.clone()).or_default();
                *n += 1;
                *n
            };
            let (body_html, next) = if call.body {
                let Some((body_end, after_end)) = find_end(text, call.after, &in_code) else {
                    errors.push(ShortcodeError {
                        line,
                        message: format!(
                            "shortcode `{}` opened with `{{% … %}}` is never closed by `{{% end %}}`",
                            call.name
                        ),
                    });
                    break;
                };
                let body = &text[call.after..body_end];
                let body_line = line_at(text, call.after);
                match self.render_body(body) {
                    Ok(html) => (Some(html), after_end),
                    Err(e) => {
                        errors.extend(e.into_iter().map(|e| ShortcodeError {
                            line: e.line + body_line - 1,
                            message: e.message,
                        }));
                        i = after_end;
                        continue;
                    }
                }
            } else {
                (None, call.after)
            };
            match (self.render)(&call.name, &call.args, body_html.as_deref(), nth) {
                Ok(html) => {
                    out.push_str(&text[copied..pos]);
                    out.push_str(&placeholder(expanded.outputs.len()));
                    expanded.outputs.push(html);
                    // A call standing on its own lines keeps its line count,
                    // so later lines (and their errors) keep their numbers.
                    let alone = (pos == 0 || text[..pos].ends_with('\n'))
                        && (next == text.len() || text[next..].starts_with('\n'));
                    if alone {
                        let lines = text[pos..next].matches('\n').count();
                        out.extend(std::iter::repeat_n('\n', lines));
                    }
                    copied = next;
                }
                Err(message) => errors.push(ShortcodeError { line, message }),
            }
            i = next;
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        out.push_str(&text[copied..]);
        expanded.markdown = out;
        Ok(expanded)
    }

    /// A body: its own shortcodes expanded, rendered as Markdown, filled.
    fn render_body(&self, body: &str) -> Result<String, Vec<ShortcodeError>> {
        let expanded = self.expand(body)?;
        let html = (self.markdown)(&expanded.markdown)?;
        Ok(expanded.fill(&html))
    }
}
