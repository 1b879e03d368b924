//! A page's Markdown rendered with its shortcodes expanded.

use super::expand::{CLOSE, Expander, OPEN, ShortcodeError, may_have_shortcodes};
use crate::config::MarkdownConfig;
use crate::markdown::render::{BrokenLink, Heading, LinkResolver, Rendered, render_with_links};
use crate::templates::Templates;
use serde_json::{Map, Value as Json};

/// Renders a page's or section's Markdown with its shortcodes
/// (`templates/shortcodes/<name>.html`) expanded. Shortcode errors come back
/// with the broken links, lines relative to `body`; `source` names the
/// file for template errors.
// Long: the shortcode template call (argument checks, rendering, errors
// at their line) is a closure over the templates, handed to the expander.
pub(crate) fn render_markdown(
    templates: &Templates,
    body: &str,
    source: &str,
    config: &MarkdownConfig,
    links: &LinkResolver<'_>,
) -> (Rendered, Vec<BrokenLink>) {
    if !may_have_shortcodes(body) {
        return render_with_links(body, config, links);
    }
    let images = std::cell::RefCell::new(Vec::new());
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
        let (result, reads) = templates.render_recording(&template, &context, source);
        images.borrow_mut().extend(reads.images);
        result
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
        let (rendered, broken) = render_with_links(text, config, links);
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
            let (mut rendered, broken) = render_with_links(&expanded.markdown, config, links);
            rendered.html = expanded.fill(&rendered.html);
            rendered.summary = rendered.summary.map(|s| expanded.fill(&s));
            strip_placeholders(&mut rendered.toc);
            rendered.images = images.take();
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
pub(super) fn strip_placeholders(toc: &mut [Heading]) {
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
