//! Shortcodes: Tera templates in `templates/shortcodes/` called from
//! Markdown, Zola style — inline `{{ youtube(id="abc") }}` and with a body
//! `{% note(kind="warning") %}Markdown **body**{% end %}` (the body is
//! rendered as Markdown and passed to the template as `body`).
//!
//! Calls are replaced by placeholders before the Markdown is parsed and the
//! placeholders by the templates' output afterwards, so that output passes
//! through untouched (a placeholder alone in a paragraph replaces the whole
//! paragraph). Calls inside fenced or indented code blocks and inline code
//! are left as they are. Arguments are strings (`"…"` or `'…'`), numbers,
//! booleans and arrays of those.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag};
use serde_json::{Map, Value as Json};

use crate::config::MarkdownConfig;
use crate::markdown::{self, BrokenLink, LinkResolver, Rendered};
use crate::templates::Templates;

/// Marks the start and end of a placeholder (Unicode private use area).
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';
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

/// Renders a page's or section's Markdown with its shortcodes
/// (`templates/shortcodes/<name>.html`) expanded. Shortcode errors come back
/// with the broken links, lines relative to `body`; `source` names the
/// file for template errors.
pub(crate) fn render_markdown(
    templates: &Templates,
    body: &str,
    source: &str,
    config: &MarkdownConfig,
    links: &LinkResolver<'_>,
) -> (Rendered, Vec<BrokenLink>) {
    if !may_have_shortcodes(body) {
        return markdown::render_with_links(body, config, links);
    }
    let render = |name: &str, args: &Map<String, Json>, body: Option<&str>, nth: usize| {
        let template = format!("shortcodes/{name}.html");
        if !templates.contains(&template) {
            return Err(format!(
                "unknown shortcode `{name}` (no templates/shortcodes/{name}.html)"
            ));
        }
        // The arguments are the template's variables, bar what every
        // shortcode gets: an unknown one is a typo, not something to ignore.
        let takes: Vec<String> = (templates.variables(&template).into_iter())
            .filter(|v| !["nth", "body", "loop", "config"].contains(&v.as_str()))
            .collect();
        let list = || match takes.as_slice() {
            [] => format!("`{name}` takes no arguments"),
            _ => format!("`{name}` takes {}", takes.join(", ")),
        };
        let unknown: Vec<&str> = (args.keys())
            .map(String::as_str)
            .filter(|a| !takes.iter().any(|t| t == a))
            .collect();
        if !unknown.is_empty() {
            let plural = if unknown.len() == 1 { "" } else { "s" };
            return Err(format!(
                "shortcode `{name}` has no argument{plural} `{}`; {}",
                unknown.join("`, `"),
                list()
            ));
        }
        let mut context = tera::Context::new();
        for (key, value) in args {
            context.insert_value(key.clone(), tera::Value::from_serializable(value));
        }
        if let Some(body) = body {
            context.insert_value("body", crate::templates::html(body));
        }
        context.insert("nth", &nth);
        templates
            .render(&template, &context, source)
            // The template file's final newline is no part of the output.
            .map(|html| html.trim_end_matches(['\n', '\r']).to_owned())
            .map_err(|e| {
                let Some(located) = e.downcast_ref::<crate::diagnostic::Diagnostic>() else {
                    return format!("shortcode `{name}`: {e:#}");
                };
                // The call is the place to fix; the template's excerpt
                // (often one long line) is left out, its place kept.
                // What the error points at, when it is an argument not
                // given (Tera may call it "undefined" in a type error).
                let at = (located.line.zip(located.column))
                    .and_then(|(l, c)| templates.word_at(&located.file, l, c));
                let missing = (takes.iter())
                    .filter(|t| !args.contains_key(t.as_str()))
                    .find(|t| {
                        at.as_deref() == Some(t.as_str())
                            || located.message.contains(&format!("`{t}` is not defined"))
                    });
                let what = match missing {
                    Some(arg) => format!("argument `{arg}` is missing; {}", list()),
                    None => located.message.clone(),
                };
                format!("shortcode `{name}`: {what} (at {})", located.place())
            })
    };
    let body_markdown = |text: &str| -> Result<String, Vec<ShortcodeError>> {
        let (rendered, broken) = markdown::render_with_links(text, config, links);
        if broken.is_empty() {
            Ok(rendered.html)
        } else {
            Err(broken
                .into_iter()
                .map(|b| ShortcodeError {
                    line: b.line,
                    message: b.message,
                })
                .collect())
        }
    };
    let expander = Expander {
        render: &render,
        markdown: &body_markdown,
    };
    match expander.expand(body) {
        Ok(expanded) => {
            let (mut rendered, broken) =
                markdown::render_with_links(&expanded.markdown, config, links);
            rendered.html = expanded.fill(&rendered.html);
            rendered.summary = rendered.summary.map(|s| expanded.fill(&s));
            strip_placeholders(&mut rendered.toc);
            (rendered, broken)
        }
        Err(errors) => (
            Rendered::default(),
            errors
                .into_iter()
                .map(|e| BrokenLink {
                    line: e.line,
                    message: e.message,
                })
                .collect(),
        ),
    }
}

/// Table-of-contents titles are plain text: a shortcode in a heading
/// leaves no trace there.
fn strip_placeholders(toc: &mut [markdown::Heading]) {
    for heading in toc {
        while let Some(start) = heading.title.find(OPEN) {
            let end = heading.title[start..]
                .find(CLOSE)
                .map_or(heading.title.len(), |e| start + e + CLOSE.len_utf8());
            heading.title.replace_range(start..end, "");
        }
        heading.title = heading.title.trim().to_owned();
        strip_placeholders(&mut heading.children);
    }
}

/// `OPEN`, the index in private-use digits (so a placeholder leaves no
/// letters or digits in heading ids or word counts), `CLOSE`.
fn placeholder(index: usize) -> String {
    let digits: String = index
        .to_string()
        .chars()
        .filter_map(|d| d.to_digit(10))
        .filter_map(|d| char::from_u32(DIGIT_ZERO + d))
        .collect();
    format!("{OPEN}{digits}{CLOSE}")
}

/// The index of a placeholder's private-use digits.
fn placeholder_index(digits: &str) -> Option<usize> {
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

/// One parsed `{{ name(…) }}`, `{% name(…) %}` or `{% end %}`.
#[derive(Debug)]
struct Call {
    name: String,
    args: Map<String, Json>,
    /// `{% … %}`: opens a body.
    body: bool,
    /// `{% end %}`.
    end: bool,
    /// Byte offset just after the call.
    after: usize,
}

impl Expander<'_> {
    /// Replaces every shortcode call of `text` by a placeholder and renders
    /// it. All errors are returned, each with its line in `text`.
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

/// An escaped call at `pos`: `{{/* … */}}` or `{%/* … */%}` gives the
/// text `{{ … }}` or `{% … %}` and the offset after the escape.
fn escaped(text: &str, pos: usize) -> Option<(String, usize)> {
    let rest = &text[pos..];
    let (open, close) = if rest.starts_with("{{/*") {
        ("{{", "*/}}")
    } else if rest.starts_with("{%/*") {
        ("{%", "*/%}")
    } else {
        return None;
    };
    let end = rest.find(close)?;
    let inner = &rest[4..end];
    let shut = if open == "{{" { "}}" } else { "%}" };
    Some((format!("{open}{inner}{shut}"), pos + end + close.len()))
}

/// The `{% end %}` closing a body that starts at `from`: (start of the
/// `{% end %}`, offset after it). Nested body shortcodes are skipped.
fn find_end(
    text: &str,
    from: usize,
    in_code: &dyn Fn(usize) -> Option<usize>,
) -> Option<(usize, usize)> {
    let mut depth = 1;
    let mut i = from;
    while let Some(found) = text[i..].find("{%") {
        let pos = i + found;
        if let Some(end) = in_code(pos) {
            i = end.max(pos + 1);
            continue;
        }
        match parse_call(text, pos) {
            Ok(Some(call)) if call.end => {
                depth -= 1;
                if depth == 0 {
                    return Some((pos, call.after));
                }
                i = call.after;
            }
            Ok(Some(call)) if call.body => {
                depth += 1;
                i = call.after;
            }
            _ => i = pos + 2,
        }
    }
    None
}

/// Parses the call starting at `pos` (at a `{`). `Ok(None)`: not a
/// shortcode (no `{{`/`{%` followed by `name(`), left as text.
fn parse_call(text: &str, pos: usize) -> Result<Option<Call>, String> {
    let rest = &text[pos..];
    let body = if rest.starts_with("{{") {
        false
    } else if rest.starts_with("{%") {
        true
    } else {
        return Ok(None);
    };
    let close = if body { "%}" } else { "}}" };
    let mut p = Cursor { text, pos: pos + 2 };
    p.skip_ws();
    let Some(name) = p.ident() else {
        return Ok(None);
    };
    p.skip_ws();
    if body && name == "end" && p.eat(close) {
        return Ok(Some(Call {
            name,
            args: Map::new(),
            body: false,
            end: true,
            after: p.pos,
        }));
    }
    if !p.eat("(") {
        return Ok(None);
    }
    let mut args = Map::new();
    loop {
        p.skip_ws();
        if p.eat(")") {
            break;
        }
        let Some(key) = p.ident() else {
            return Err(format!(
                "shortcode `{name}`: expected an argument name or `)`, found {}",
                p.found()
            ));
        };
        p.skip_ws();
        if !p.eat("=") {
            return Err(format!(
                "shortcode `{name}`: expected `=` after argument `{key}`, found {}",
                p.found()
            ));
        }
        p.skip_ws();
        let value = p
            .value()
            .map_err(|e| format!("shortcode `{name}`, argument `{key}`: {e}"))?;
        if args.insert(key.clone(), value).is_some() {
            return Err(format!("shortcode `{name}`: argument `{key}` given twice"));
        }
        p.skip_ws();
        if p.eat(")") {
            break;
        }
        if !p.eat(",") {
            return Err(format!(
                "shortcode `{name}`: expected `,` or `)` after argument `{key}`, found {}",
                p.found()
            ));
        }
    }
    p.skip_ws();
    if !p.eat(close) {
        return Err(format!(
            "shortcode `{name}`: expected `{close}` after the arguments, found {}",
            p.found()
        ));
    }
    Ok(Some(Call {
        name,
        args,
        body,
        end: false,
        after: p.pos,
    }))
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl Cursor<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the file".into(),
            Some(c) => format!("`{c}`"),
        }
    }

    fn ident(&mut self) -> Option<String> {
        let rest = self.rest();
        let first = rest.chars().next()?;
        if !(first.is_ascii_alphabetic() || first == '_') {
            return None;
        }
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let word = rest[..len].to_owned();
        self.pos += len;
        Some(word)
    }

    fn value(&mut self) -> Result<Json, String> {
        match self.peek() {
            Some(q @ ('"' | '\'')) => self.string(q).map(Json::String),
            Some('[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.eat("]") {
                        break;
                    }
                    items.push(self.value()?);
                    self.skip_ws();
                    if self.eat("]") {
                        break;
                    }
                    if !self.eat(",") {
                        return Err(format!(
                            "expected `,` or `]` in the array, found {}",
                            self.found()
                        ));
                    }
                }
                Ok(Json::Array(items))
            }
            Some(c) if c == '-' || c == '+' || c.is_ascii_digit() => self.number(),
            Some(_) => {
                if let Some(word) = self.ident() {
                    match word.as_str() {
                        "true" => return Ok(Json::Bool(true)),
                        "false" => return Ok(Json::Bool(false)),
                        _ => {
                            return Err(format!(
                                "`{word}` is not a value (strings need quotes; values are strings, numbers, true, false and arrays)"
                            ));
                        }
                    }
                }
                Err(format!("expected a value, found {}", self.found()))
            }
            None => Err("expected a value, found the end of the file".into()),
        }
    }

    fn string(&mut self, quote: char) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                c if c == quote => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, c)) => out.push(c),
                    None => break,
                },
                c => out.push(c),
            }
        }
        Err(format!("string starting with {quote} is never closed"))
    }

    fn number(&mut self) -> Result<Json, String> {
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|&(i, c)| {
                !(c.is_ascii_digit()
                    || c == '.'
                    || c == 'e'
                    || c == 'E'
                    || ((c == '-' || c == '+') && (i == 0 || rest[..i].ends_with(['e', 'E']))))
            })
            .map_or(rest.len(), |(i, _)| i);
        let text = rest[..len].to_owned();
        let text = text.as_str();
        let value = if let Ok(n) = text.parse::<i64>() {
            Json::from(n)
        } else if let Some(n) = text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            Json::Number(n)
        } else {
            return Err(format!("`{text}` is not a number"));
        };
        self.pos += len;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn expand(text: &str) -> Result<String, Vec<ShortcodeError>> {
        let render = |name: &str, args: &Map<String, Json>, body: Option<&str>, nth: usize| {
            if name == "bad" {
                return Err("template error".to_owned());
            }
            Ok(format!(
                "[{name}#{nth} {}{}]",
                Json::Object(args.clone()),
                body.map(|b| format!(" body={b}")).unwrap_or_default()
            ))
        };
        let markdown = |md: &str| Ok(format!("<md>{md}</md>"));
        let expander = Expander {
            render: &render,
            markdown: &markdown,
        };
        let expanded = expander.expand(text)?;
        Ok(expanded.fill(&expanded.markdown))
    }

    #[test]
    fn arguments() {
        assert_eq!(
            expand(
                r#"a {{ yt(id="x\"y", n=-3, f=1.5, ok=true, no=false, l=[1, 'b', [true]]) }} b"#
            )
            .unwrap(),
            r#"a [yt#1 {"f":1.5,"id":"x\"y","l":[1,"b",[true]],"n":-3,"no":false,"ok":true}] b"#
        );
        assert_eq!(expand("{{ x() }}{{ x() }}").unwrap(), "[x#1 {}][x#2 {}]");
    }

    #[test]
    fn not_shortcodes_are_left_alone() {
        let text = "{{ page.title }} {% if x %} {{ }} { x } {";
        assert_eq!(expand(text).unwrap(), text);
        let code = "`{{ x() }}`\n\n```\n{% y() %}\n```\n\n    {{ z() }}\n";
        assert_eq!(expand(code).unwrap(), code);
    }

    #[test]
    fn escaped_calls_are_text() {
        assert_eq!(
            expand(r#"Write {{/* youtube(id="x") */}} or {%/* note() */%}."#).unwrap(),
            r#"Write {{ youtube(id="x") }} or {% note() %}."#
        );
    }

    #[test]
    fn bodies_nest() {
        assert_eq!(
            expand("{% a() %}x {{ b() }} {% c(k=1) %}y{% end %}{% end %}").unwrap(),
            r#"[a#1 {} body=<md>x [b#1 {}] [c#1 {"k":1} body=<md>y</md>]</md>]"#
        );
    }

    #[test]
    fn errors_have_lines() {
        let lines = |text: &str| -> Vec<(usize, String)> {
            expand(text)
                .unwrap_err()
                .into_iter()
                .map(|e| (e.line, e.message))
                .collect()
        };
        let e = lines("a\n{{ x(id=abc) }}");
        assert_eq!(e[0].0, 2);
        assert!(e[0].1.contains("`abc` is not a value"), "{e:?}");
        let e = lines("a\n\n{% x() %}\nbody");
        assert_eq!(e[0].0, 3);
        assert!(e[0].1.contains("never closed"), "{e:?}");
        let e = lines("{{ x(a=1 b=2) }}");
        assert!(e[0].1.contains("expected `,` or `)`"), "{e:?}");
        let e = lines("{{ x(a='1) }}");
        assert!(e[0].1.contains("never closed"), "{e:?}");
        let e = lines("ok\n{% end %}");
        assert_eq!(e[0].0, 2);
        let e = lines("{% a() %}\n\n{{ bad() }}\n{% end %}");
        assert_eq!(e, vec![(3, "template error".to_owned())]);
    }

    #[test]
    fn toc_titles_lose_placeholders() {
        let mut toc = vec![markdown::Heading {
            level: 2,
            id: "watch".into(),
            title: format!("Watch {}", placeholder(3)),
            children: vec![markdown::Heading {
                level: 3,
                id: "x".into(),
                title: format!("{} X", placeholder(0)),
                children: Vec::new(),
            }],
        }];
        strip_placeholders(&mut toc);
        assert_eq!(toc[0].title, "Watch");
        assert_eq!(toc[0].children[0].title, "X");
    }

    #[test]
    fn placeholders_round_trip_without_ascii() {
        for i in [0, 7, 10, 123] {
            let p = placeholder(i);
            assert!(!p.chars().any(|c| c.is_ascii()), "{p:?}");
            let inner = p.trim_start_matches(OPEN).trim_end_matches(CLOSE);
            assert_eq!(placeholder_index(inner), Some(i));
        }
        assert_eq!(placeholder_index("12"), None);
    }

    #[test]
    fn fill_replaces_whole_paragraphs() {
        let outputs = vec!["<div>x</div>".to_owned(), "<b>y</b>".to_owned()];
        let html = format!("<p>{}</p>\n<p>a {} b</p>", placeholder(0), placeholder(1));
        assert_eq!(fill(&html, &outputs), "<div>x</div>\n<p>a <b>y</b> b</p>");
    }
}
