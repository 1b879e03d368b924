//! Syntax highlighting of fenced code at build time with syntect (Oniguruma
//! regex engine). The grammars are loaded once per process ([`syntaxes`])
//! and shared by the rayon workers; the output uses CSS classes (`z-…`), and
//! [`crate::config::highlighting::theme_css`] writes the matching stylesheet
//! for the configured theme.
//!
//! Fence options follow Zola: ```` ```rust,linenos,hl_lines=2 4-5 ````.
//!
//! Parsing a line is where the time goes, and code blocks repeat lines (a
//! closing brace, a blank line, the same imports on many pages): each
//! parsed line is kept in its worker thread's [`LineCache`] for the rest of
//! the process, so `serve` rebuilds reuse it too. (Per thread: with the
//! Oniguruma engine a parser state may not cross threads.)

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::rc::Rc;
use std::sync::OnceLock;

// `'` stays as it is (as in all highlighted HTML so far); every attribute
// written here is double-quoted.
use letterbox_forms::text::escape_html_double_quoted_into;
use syntect::parsing::{BasicScopeStackOp, ParseState, Scope, ScopeStack, ScopeStackOp, SyntaxSet};

use crate::config::highlighting::CLASS_PREFIX;

/// The grammars, loaded on first use.
pub(crate) fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// The scope operations of one parsed line, as syntect returns them.
type LineOps = Rc<[(usize, ScopeStackOp)]>;

/// Lines already parsed: the same text parsed from the same parser state
/// gives the same operations and the same next state (syntect's parser
/// reads nothing else), so a hit replays it exactly. The state names its
/// grammar, so one cache serves every language.
#[derive(Debug, Default)]
pub(crate) struct LineCache {
    lines: HashMap<Box<str>, Vec<ParsedLine>>,
    entries: usize,
}

#[derive(Debug)]
struct ParsedLine {
    before: ParseState,
    after: ParseState,
    ops: LineOps,
}

impl LineCache {
    /// Past this many parsed lines the cache starts over, so a site with
    /// millions of distinct lines (or a long `serve`) stays bounded.
    const MAX_ENTRIES: usize = 200_000;
    /// Longer lines are parsed every time: rare, and costly to keep.
    const MAX_LINE: usize = 512;
    /// States kept per line text (a line seen inside and outside a comment).
    const MAX_STATES: usize = 8;

    fn get(&self, line: &str, state: &ParseState) -> Option<(ParseState, LineOps)> {
        let parsed = self.lines.get(line)?.iter().find(|p| p.before == *state)?;
        Some((parsed.after.clone(), parsed.ops.clone()))
    }

    fn insert(&mut self, line: &str, before: ParseState, after: ParseState, ops: LineOps) {
        if line.len() > Self::MAX_LINE {
            return;
        }
        if self.entries >= Self::MAX_ENTRIES {
            self.lines.clear();
            self.entries = 0;
        }
        let states = self.lines.entry(line.into()).or_default();
        if states.len() < Self::MAX_STATES {
            states.push(ParsedLine { before, after, ops });
            self.entries += 1;
        }
    }
}

/// Parses `line` from `state` (which moves past it), through `cache`
/// when there is one. `None` on a grammar error, as syntect reports it.
fn parse_line(
    state: &mut ParseState,
    line: &str,
    set: &SyntaxSet,
    cache: Option<&RefCell<LineCache>>,
) -> Option<LineOps> {
    let Some(cache) = cache else {
        return state.parse_line(line, set).ok().map(LineOps::from);
    };
    if let Some((after, ops)) = cache.borrow().get(line, state) {
        *state = after;
        return Some(ops);
    }
    let before = state.clone();
    let ops = LineOps::from(state.parse_line(line, set).ok()?);
    (cache.borrow_mut()).insert(line, before, state.clone(), ops.clone());
    Some(ops)
}

/// Options from a fence's info string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fence {
    pub lang: Option<String>,
    pub linenos: bool,
    /// 1-based, inclusive ranges.
    pub hl_lines: Vec<(usize, usize)>,
}

impl Fence {
    /// Parses `rust,linenos,hl_lines=1 3-5`. Unknown options are ignored.
    pub(crate) fn parse(info: &str) -> Self {
        let mut fence = Fence::default();
        for (i, part) in info.split(',').map(str::trim).enumerate() {
            if part.is_empty() {
                continue;
            }
            if part == "linenos" {
                fence.linenos = true;
            } else if let Some(lines) = part.strip_prefix("hl_lines=") {
                for range in lines.split_whitespace() {
                    let (a, b) = range.split_once('-').unwrap_or((range, range));
                    if let (Ok(a), Ok(b)) = (a.trim().parse(), b.trim().parse()) {
                        fence.hl_lines.push((a, b));
                    }
                }
            } else if i == 0 && !part.contains('=') {
                fence.lang = Some(part.to_owned());
            }
        }
        fence
    }

    fn highlighted(&self, line: usize) -> bool {
        self.hl_lines.iter().any(|&(a, b)| a <= line && line <= b)
    }
}

thread_local! {
    /// `Scope` → `<span class="z-source z-rust">`; building it takes
    /// syntect's global scope-repository lock, so each worker caches what it
    /// has seen.
    static OPEN_TAGS: RefCell<HashMap<Scope, Box<str>>> = RefCell::new(HashMap::new());
    /// This worker's parsed lines.
    static LINES: RefCell<LineCache> = RefCell::default();
}

/// Empties this thread's cache of parsed lines (a build calls it on
/// every worker once its Markdown stage is done; `serve` keeps them).
pub(crate) fn clear_line_cache() {
    LINES.with(|lines| {
        // Borrowed only while a line is looked up or kept: never across a
        // wait, but a miss would only cost parsing again.
        if let Ok(mut lines) = lines.try_borrow_mut() {
            *lines = LineCache::default();
        }
    });
}

fn open_span(out: &mut String, scope: Scope) {
    OPEN_TAGS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let tag = cache.entry(scope).or_insert_with(|| {
            let mut tag = String::from("<span class=\"");
            for (i, atom) in scope.build_string().split('.').enumerate() {
                if i > 0 {
                    tag.push(' ');
                }
                tag.push_str(CLASS_PREFIX);
                tag.push_str(atom);
            }
            tag.push_str("\">");
            tag.into_boxed_str()
        });
        out.push_str(tag);
    });
}

/// The spans of one line: scopes are pushed and popped as syntect reports
/// them, but a span is only written once text goes into it, so scopes that
/// hold no text on this line leave no empty `<span></span>` behind.
struct LineSpans {
    scopes: Vec<Scope>,
    /// How many of `scopes` (from the bottom) have their `<span>` written.
    opened: usize,
}

impl LineSpans {
    fn start(&mut self, open: &[Scope]) {
        self.scopes.clear();
        self.scopes.extend_from_slice(open);
        self.opened = 0;
    }

    fn push(&mut self, scope: Scope) {
        self.scopes.push(scope);
    }

    fn pop(&mut self, out: &mut String) {
        if self.scopes.pop().is_some() && self.opened > self.scopes.len() {
            out.push_str("</span>");
            self.opened -= 1;
        }
    }

    fn text(&mut self, out: &mut String, text: &str) {
        if text.is_empty() {
            return;
        }
        for &scope in &self.scopes[self.opened..] {
            open_span(out, scope);
        }
        self.opened = self.scopes.len();
        escape_html_double_quoted_into(out, text);
    }

    fn close_all(&mut self, out: &mut String) {
        for _ in 0..self.opened {
            out.push_str("</span>");
        }
        self.opened = 0;
    }
}

/// Renders a fenced code block: highlighted when the language is known,
/// escaped plain text otherwise (never an error).
pub(crate) fn render_block(code: &str, info: &str) -> String {
    LINES.with(|cache| render_block_with(code, info, Some(cache)))
}

/// [`render_block`], with parsed lines looked up in and added to `cache`.
fn render_block_with(code: &str, info: &str, cache: Option<&RefCell<LineCache>>) -> String {
    let fence = Fence::parse(info);
    let set = syntaxes();
    let syntax = fence
        .lang
        .as_deref()
        .and_then(|l| set.find_syntax_by_token(l));
    let lang_attr = fence.lang.as_deref().unwrap_or("");
    let mut out = String::with_capacity(code.len() * 3 + 64);
    out.push_str("<pre class=\"z-code\"");
    if !lang_attr.is_empty() {
        out.push_str(" data-lang=\"");
        escape_html_double_quoted_into(&mut out, lang_attr);
        out.push('"');
    }
    out.push_str("><code");
    if !lang_attr.is_empty() {
        out.push_str(" class=\"language-");
        escape_html_double_quoted_into(&mut out, lang_attr);
        out.push('"');
    }
    out.push('>');
    let wrap = fence.linenos || !fence.hl_lines.is_empty();
    let mut state = syntax.map(ParseState::new);
    let mut stack = ScopeStack::new();
    let mut spans = LineSpans {
        scopes: Vec::new(),
        opened: 0,
    };
    for (n, line) in code.split_inclusive('\n').enumerate() {
        let n = n + 1;
        if wrap {
            out.push_str(if fence.highlighted(n) {
                "<span class=\"line hl\">"
            } else {
                "<span class=\"line\">"
            });
            if fence.linenos {
                let _ = write!(out, "<span class=\"ln\" aria-hidden=\"true\">{n}</span>");
            }
        }
        let ops = (state.as_mut()).and_then(|s| parse_line(s, line, set, cache));
        match ops {
            Some(ops) => {
                // Re-open the scopes still open from earlier lines, so that
                // each line's spans are balanced.
                spans.start(stack.as_slice());
                // The line's newline is written after its spans (and its
                // `.line` wrapper) are closed: a scope that ends after the
                // newline (a `//` comment) must not take it in, or the next
                // line would start inside this one's wrapper.
                let (text, newline) = match line.strip_suffix('\n') {
                    Some(t) => (t, true),
                    None => (line, false),
                };
                let mut at = 0;
                for (i, op) in ops.iter() {
                    let i = (*i).min(text.len());
                    if i > at {
                        spans.text(&mut out, &text[at..i]);
                        at = i;
                    }
                    let applied = stack.apply_with_hook(op, |basic, _| match basic {
                        BasicScopeStackOp::Push(scope) => spans.push(scope),
                        BasicScopeStackOp::Pop => spans.pop(&mut out),
                    });
                    if applied.is_err() {
                        break;
                    }
                }
                spans.text(&mut out, &text[at..]);
                spans.close_all(&mut out);
                if wrap {
                    out.push_str("</span>");
                }
                if newline {
                    out.push('\n');
                }
            }
            None => {
                // Unknown language (or a grammar error): plain text.
                let (text, newline) = match line.strip_suffix('\n') {
                    Some(t) => (t, true),
                    None => (line, false),
                };
                escape_html_double_quoted_into(&mut out, text);
                if wrap {
                    out.push_str("</span>");
                }
                if newline {
                    out.push('\n');
                }
            }
        }
    }
    out.push_str("</code></pre>\n");
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn fence_options() {
        let f = Fence::parse("rust,linenos,hl_lines=1 3-5");
        assert_eq!(f.lang.as_deref(), Some("rust"));
        assert!(f.linenos);
        assert_eq!(f.hl_lines, [(1, 1), (3, 5)]);
        assert!(f.highlighted(4) && !f.highlighted(2));
        assert_eq!(Fence::parse("").lang, None);
        assert_eq!(Fence::parse("hl_lines=2").lang, None);
    }

    #[test]
    fn highlights_with_classes_and_balanced_lines() {
        let html = render_block(
            "fn main() {\n    /* a\n  b */ let x = \"<s>\";\n}\n",
            "rust,linenos,hl_lines=2",
        );
        assert!(
            html.starts_with(
                "<pre class=\"z-code\" data-lang=\"rust\"><code class=\"language-rust\">"
            ),
            "{html}"
        );
        assert!(html.contains("z-keyword"), "{html}");
        assert!(!html.contains("style="), "{html}");
        assert!(html.contains("&lt;s&gt;"), "{html}");
        for (i, line) in html.lines().take(4).enumerate() {
            assert_eq!(
                line.matches("<span").count(),
                line.matches("</span>").count(),
                "line {i}: {line}"
            );
            assert!(
                line.contains(&format!(
                    "<span class=\"ln\" aria-hidden=\"true\">{}</span>",
                    i + 1
                )),
                "{line}"
            );
        }
        assert!(
            html.lines()
                .nth(1)
                .unwrap()
                .contains("<span class=\"line hl\">"),
            "{html}"
        );
    }

    #[test]
    fn a_line_comment_keeps_its_newline_outside_the_line_wrapper() {
        let html = render_block("// done\n}\n", "rust,linenos,hl_lines=1");
        let lines: Vec<&str> = html.lines().collect();
        assert!(lines[0].ends_with("done</span></span></span>"), "{html}");
        assert!(
            lines[1].starts_with("<span class=\"line\"><span class=\"ln\""),
            "{html}"
        );
    }

    #[test]
    fn no_empty_spans_and_text_is_kept() {
        let code = "fn main() {\n\n    /* a\n\n  b */ let x = \"<s>\" & 1;\n}\n";
        let html = render_block(code, "rust");
        let body = html
            .strip_prefix("<pre class=\"z-code\" data-lang=\"rust\"><code class=\"language-rust\">")
            .and_then(|b| b.strip_suffix("</code></pre>\n"))
            .unwrap();
        assert!(!body.contains("\"></span>"), "{html}");
        let mut text = String::new();
        let mut in_tag = false;
        for c in body.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        let mut escaped = String::new();
        escape_html_double_quoted_into(&mut escaped, code);
        assert_eq!(text, escaped);
    }

    #[test]
    fn cached_lines_render_as_parsed_ones() {
        // The same line text inside and outside a comment, twice over, in
        // two languages: every hit must match its own state.
        let rust = "let x = 1;\n/* a\nlet x = 1;\n*/\nlet x = 1;\n";
        let python = "x = 1\n\"\"\"\nx = 1\n\"\"\"\nx = 1\n";
        let cache = RefCell::default();
        for (code, info) in [(rust, "rust,linenos"), (python, "python"), (rust, "rust")] {
            let plain = render_block_with(code, info, None);
            assert_eq!(render_block_with(code, info, Some(&cache)), plain);
            assert_eq!(render_block_with(code, info, Some(&cache)), plain);
        }
        let cache = cache.into_inner();
        assert_eq!(cache.lines["let x = 1;\n"].len(), 3, "{cache:?}");
    }

    #[test]
    fn unknown_language_is_escaped_plain_text() {
        let html = render_block("a < b\n", "nosuchlang");
        assert_eq!(
            html,
            "<pre class=\"z-code\" data-lang=\"nosuchlang\"><code class=\"language-nosuchlang\">a &lt; b\n</code></pre>\n"
        );
    }
}
