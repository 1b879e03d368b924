//! Markdown to HTML with pulldown-cmark: heading ids and anchors, a table of
//! contents, and the summary before `<!-- more -->`.

use std::collections::HashMap;

use pulldown_cmark::{
    CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html,
};
use serde::Serialize;

use crate::config::MarkdownConfig;
use crate::text::slugify;

/// The marker that ends a page's summary.
pub(crate) const MORE_MARKER: &str = "<!-- more -->";

/// One heading in the table of contents, with the headings nested under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Heading {
    pub level: u8,
    pub id: String,
    /// Plain text of the heading.
    pub title: String,
    pub children: Vec<Heading>,
}

/// A rendered document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Rendered {
    pub html: String,
    pub toc: Vec<Heading>,
    /// HTML of what comes before `<!-- more -->`, if the marker is there.
    pub summary: Option<String>,
    pub word_count: usize,
    /// Every heading id of the document, for `#anchor` checks.
    pub ids: HeadingIds,
    /// Processed images its shortcodes asked for (`resize_image`).
    pub images: Vec<String>,
}

fn options(config: &MarkdownConfig) -> Options {
    let mut o = Options::ENABLE_HEADING_ATTRIBUTES;
    o.set(Options::ENABLE_TABLES, config.tables);
    o.set(Options::ENABLE_FOOTNOTES, config.footnotes);
    o.set(Options::ENABLE_STRIKETHROUGH, config.strikethrough);
    o.set(Options::ENABLE_TASKLISTS, config.tasklists);
    o.set(Options::ENABLE_SMART_PUNCTUATION, config.smart_punctuation);
    o
}

/// Rewrites a link or image destination: `Ok(Some(new))` replaces it,
/// `Ok(None)` keeps it, `Err(why)` reports a broken link.
pub(crate) type LinkResolver<'a> = dyn Fn(&str) -> Result<Option<String>, String> + Sync + 'a;

/// A link the resolver refused, with its 1-based line in the Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BrokenLink {
    pub line: usize,
    pub message: String,
}

/// Renders Markdown to HTML. Raw HTML passes through untouched.
#[cfg(test)]
pub(crate) fn render(markdown: &str, config: &MarkdownConfig) -> Rendered {
    render_with_links(markdown, config, &|_| Ok(None)).0
}

/// Renders Markdown to HTML (raw HTML passes through untouched), with every link and image destination passed through
/// `links`. Returns the links it refused.
pub(crate) fn render_with_links(
    markdown: &str,
    config: &MarkdownConfig,
    links: &LinkResolver<'_>,
) -> (Rendered, Vec<BrokenLink>) {
    let mut broken = Vec::new();
    let (html, toc, word_count) = render_part(markdown, config, links, &mut broken);
    let mut ids = HeadingIds::default();
    collect_ids(&toc, &mut ids);
    let summary = find_more_marker(markdown)
        .map(|pos| render_part(&markdown[..pos], config, links, &mut Vec::new()).0);
    (
        Rendered {
            html,
            toc,
            summary,
            word_count,
            ids,
            images: Vec::new(),
        },
        broken,
    )
}

/// `text.split_whitespace().count()`. It runs over every word of every
/// page, so ASCII text (nearly all of it) is counted without a branch per
/// byte: a word starts at each non-space byte that follows a space or the
/// start (twice as fast as a loop that tracks "in a word").
fn count_words(text: &str) -> usize {
    if !text.is_ascii() {
        return text.split_whitespace().count();
    }
    let bytes = text.as_bytes();
    // `char::is_whitespace` for ASCII: space and \t \n \x0B \x0C \r.
    let space = |b: u8| (b == b' ') | (b.wrapping_sub(b'\t') < 5);
    let first = bytes.first().is_some_and(|&b| !space(b));
    let next = bytes.get(1..).unwrap_or_default();
    usize::from(first)
        + (bytes.iter().zip(next))
            .filter(|&(&a, &b)| space(a) & !space(b))
            .count()
}

/// Every heading id of a document, for `#anchor` checks: kept as one
/// string, a line per id (an id never holds a line break), so a page's
/// ids are one allocation rather than one per heading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct HeadingIds(String);

impl HeadingIds {
    fn push(&mut self, id: &str) {
        if !self.0.is_empty() {
            self.0.push('\n');
        }
        self.0.push_str(id);
    }

    /// Whether `id` is one of the ids.
    pub(crate) fn contains(&self, id: &str) -> bool {
        !self.0.is_empty() && self.0.split('\n').any(|i| i == id)
    }
}

fn collect_ids(toc: &[Heading], ids: &mut HeadingIds) {
    for h in toc {
        ids.push(&h.id);
        collect_ids(&h.children, ids);
    }
}

/// Replaces each fenced code block's events by its highlighted HTML.
fn highlight_code_blocks(events: &mut Vec<Event<'_>>) {
    let fenced =
        |e: &Event<'_>| matches!(e, Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))));
    if !events.iter().any(fenced) {
        return; // most pages: nothing to move
    }
    let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len());
    let mut block: Option<(String, String)> = None; // (info, code)
    for event in events.drain(..) {
        match (&mut block, event) {
            (None, Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))) => {
                block = Some((info.to_string(), String::new()));
            }
            (Some((_, code)), Event::Text(t)) => code.push_str(&t),
            (Some((info, code)), Event::End(TagEnd::CodeBlock)) => {
                out.push(Event::Html(CowStr::from(super::highlight::render_block(
                    code, info,
                ))));
                block = None;
            }
            (Some(_), _) => {}
            (None, event) => out.push(event),
        }
    }
    *events = out;
}

/// Byte offset of a `<!-- more -->` marker standing on its own line.
fn find_more_marker(markdown: &str) -> Option<usize> {
    let mut offset = 0;
    for line in markdown.split_inclusive('\n') {
        if line.trim() == MORE_MARKER {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

fn level_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn render_part(
    markdown: &str,
    config: &MarkdownConfig,
    links: &LinkResolver<'_>,
    broken: &mut Vec<BrokenLink>,
) -> (String, Vec<Heading>, usize) {
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut word_count = 0;
    for (mut event, range) in Parser::new_ext(markdown, options(config)).into_offset_iter() {
        match &mut event {
            Event::Text(t) => word_count += count_words(t),
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                match links(dest_url) {
                    Ok(Some(new)) => *dest_url = CowStr::from(new),
                    Ok(None) => {}
                    Err(message) => broken.push(BrokenLink {
                        line: crate::text::line_of(markdown, range.start),
                        message,
                    }),
                }
            }
            _ => {}
        }
        events.push(event);
    }

    // Heading ids: `{#custom}` wins, otherwise the slugified text; made
    // unique within the page by a `-1`, `-2`… suffix.
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut flat: Vec<(u8, String, String)> = Vec::new();
    let mut anchors: Vec<(usize, String)> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, id, .. }) = &events[i] {
            let level = *level;
            let custom = id.as_ref().map(|s| s.to_string());
            let mut text = String::new();
            let mut j = i + 1;
            while j < events.len() {
                match &events[j] {
                    Event::End(TagEnd::Heading(_)) => break,
                    Event::Text(t) | Event::Code(t) => text.push_str(t),
                    _ => {}
                }
                j += 1;
            }
            let base = custom.unwrap_or_else(|| {
                let s = slugify(&text);
                if s.is_empty() {
                    "section".to_owned()
                } else {
                    s
                }
            });
            let mut unique = base.clone();
            while let Some(n) = used.get_mut(&unique) {
                *n += 1;
                unique = format!("{base}-{n}");
            }
            used.insert(unique.clone(), 0);
            if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
                *id = Some(CowStr::from(unique.clone()));
            }
            flat.push((level_number(level), unique.clone(), text.trim().to_owned()));
            anchors.push((j, unique));
            i = j;
        }
        i += 1;
    }
    if config.heading_anchors {
        // Insert from the back so earlier indices stay valid.
        for (end, id) in anchors.into_iter().rev() {
            let link = format!(
                " <a class=\"heading-anchor\" href=\"#{id}\" aria-label=\"Link to this section\">#</a>"
            );
            events.insert(end, Event::InlineHtml(CowStr::from(link)));
        }
    }
    if config.highlight_code {
        highlight_code_blocks(&mut events);
    }
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    (out, nest(flat), word_count)
}

/// Nests a flat list of headings by level.
fn nest(flat: Vec<(u8, String, String)>) -> Vec<Heading> {
    let mut root: Vec<Heading> = Vec::new();
    for (level, id, title) in flat {
        let heading = Heading {
            level,
            id,
            title,
            children: Vec::new(),
        };
        let mut list = &mut root;
        loop {
            let descend = matches!(list.last(), Some(last) if last.level < level);
            if !descend {
                break;
            }
            list = &mut list.last_mut().expect("checked non-empty above").children;
        }
        list.push(heading);
    }
    root
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn md(text: &str) -> Rendered {
        render(text, &MarkdownConfig::default())
    }

    #[test]
    fn words_are_counted_as_split_whitespace_counts_them() {
        for text in [
            "",
            "   ",
            "one",
            " two  words ",
            "tab\tvt\x0bff\x0ccr\rnl\n",
            "fil\u{1c}sep x",
            "nbsp\u{a0}ideo\u{3000}nel\u{85}end",
            "déjà vu — café\u{2003}naïve",
        ] {
            assert_eq!(
                count_words(text),
                text.split_whitespace().count(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn heading_ids_are_slugified_unique_and_custom() {
        let r = md("# Hello World\n\n## Hello World\n\n## Other {#mine}\n");
        assert!(r.html.contains("<h1 id=\"hello-world\">Hello World <a class=\"heading-anchor\" href=\"#hello-world\""), "{}", r.html);
        assert!(r.html.contains("<h2 id=\"hello-world-1\">"), "{}", r.html);
        assert!(r.html.contains("<h2 id=\"mine\">Other"), "{}", r.html);
        assert_eq!(r.toc.len(), 1);
        assert_eq!(r.toc[0].children.len(), 2);
        assert_eq!(r.toc[0].children[1].id, "mine");
        assert_eq!(r.toc[0].children[1].title, "Other");
    }

    #[test]
    fn anchors_can_be_turned_off() {
        let config = MarkdownConfig {
            heading_anchors: false,
            ..MarkdownConfig::default()
        };
        let r = render("## A\n", &config);
        assert_eq!(r.html, "<h2 id=\"a\">A</h2>\n");
    }

    #[test]
    fn toc_nesting_handles_skipped_levels() {
        let r = md("### deep\n## two\n#### four\n## two b\n");
        let levels: Vec<_> = r.toc.iter().map(|h| (h.level, h.children.len())).collect();
        assert_eq!(levels, [(3, 0), (2, 1), (2, 0)]);
    }

    #[test]
    fn extensions() {
        let r = md(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~\n\n- [x] done\n\nNote[^1].\n\n[^1]: The note.\n\n\"quoted\" -- dash\n",
        );
        assert!(r.html.contains("<table>"), "{}", r.html);
        assert!(r.html.contains("<del>gone</del>"), "{}", r.html);
        assert!(r.html.contains("type=\"checkbox\""), "{}", r.html);
        assert!(r.html.contains("footnote-definition"), "{}", r.html);
        assert!(r.html.contains("“quoted” – dash"), "{}", r.html);
        let plain = render(
            "\"q\"",
            &MarkdownConfig {
                smart_punctuation: false,
                ..MarkdownConfig::default()
            },
        );
        assert!(plain.html.contains("<p>\"q\"</p>"), "{}", plain.html);
    }

    #[test]
    fn raw_html_passes_through() {
        let r = md(
            "<form data-form=\"contact\" method=\"post\">\n<input name=\"a\" required>\n</form>\n",
        );
        assert!(
            r.html
                .contains("<form data-form=\"contact\" method=\"post\">"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<input name=\"a\" required>"), "{}", r.html);
    }

    #[test]
    fn summary_before_more_marker() {
        let r = md("First *para*.\n\n<!-- more -->\n\nRest.\n");
        assert_eq!(r.summary.as_deref(), Some("<p>First <em>para</em>.</p>\n"));
        assert!(r.html.contains("Rest."));
        assert_eq!(md("No marker.\n").summary, None);
    }

    #[test]
    fn links_are_resolved_and_broken_ones_reported_with_line() {
        let resolver = |dest: &str| -> Result<Option<String>, String> {
            match dest {
                "@/a.md" => Ok(Some("/x/a/".to_owned())),
                d if d.starts_with("@/") => Err(format!("no page `{d}`")),
                _ => Ok(None),
            }
        };
        let (r, broken) = render_with_links(
            "[a](@/a.md) [b](https://b.org)\n\n![i](@/missing.md)\n",
            &MarkdownConfig::default(),
            &resolver,
        );
        assert!(r.html.contains("<a href=\"/x/a/\">a</a>"), "{}", r.html);
        assert!(
            r.html.contains("<a href=\"https://b.org\">b</a>"),
            "{}",
            r.html
        );
        assert_eq!(
            broken,
            [BrokenLink {
                line: 3,
                message: "no page `@/missing.md`".into()
            }]
        );
    }

    #[test]
    fn fenced_code_is_highlighted_when_on() {
        let text = "## T\n\n```rust,hl_lines=1\nlet x = 1;\n```\n\n    indented <code>\n";
        let on = MarkdownConfig {
            highlight_code: true,
            ..MarkdownConfig::default()
        };
        let r = render(text, &on);
        assert!(
            r.html.contains("<pre class=\"z-code\" data-lang=\"rust\">"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<span class=\"line hl\">"), "{}", r.html);
        assert!(
            r.html.contains("<pre><code>indented &lt;code&gt;"),
            "{}",
            r.html
        );
        assert!(r.ids.contains("t") && !r.ids.contains(""), "{:?}", r.ids);
        let off = md(text);
        assert!(!off.html.contains("z-code"), "{}", off.html);
    }

    #[test]
    fn counts_words() {
        assert_eq!(md("one two\n\nthree *four*").word_count, 4);
    }
}
