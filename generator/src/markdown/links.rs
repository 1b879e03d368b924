//! Links in Markdown: `@/page.md#anchor` and relative destinations
//! resolved to URLs, and the errors for the ones that cannot be.

use std::collections::HashMap;

use super::render::BrokenLink;
use crate::templates::{Lookup, Urls};

/// A broken link as `file:line: message` (`link.line` counts from the body).
pub(crate) fn link_error(source: &str, body_line: usize, link: &BrokenLink) -> anyhow::Error {
    crate::diagnostic::error(
        source,
        Some(link.line + body_line - 1),
        link.message.clone(),
    )
}

/// What shortcodes can look up: they run before the site model exists, so
/// `get_url` (base path, `@/` paths) works in them and `get_page` does not.
pub(crate) fn shortcode_lookup(urls: &Urls, content_paths: &HashMap<&str, &str>) -> Lookup {
    Lookup {
        urls: urls.clone(),
        paths: (content_paths.iter())
            .map(|(rel, path)| ((*rel).to_owned(), (*path).to_owned()))
            .collect(),
        ..Lookup::default()
    }
}

/// Rewrites a Markdown link destination: `@/blog/a.md#x` becomes that
/// page's URL, a root-relative `/x/` gets the base path, and in a page
/// bundle (`bundle` is the page's site path) a relative `pic.png` becomes
/// `/blog/a/pic.png`, so summaries shown elsewhere keep working.
pub(crate) fn resolve_link(
    dest: &str,
    bundle: Option<&str>,
    content_paths: &HashMap<&str, &str>,
    urls: &Urls,
) -> Result<Option<String>, String> {
    if let Some(target) = dest.strip_prefix("@/") {
        let (file, anchor) = target
            .split_once('#')
            .map_or((target, None), |(f, a)| (f, Some(a)));
        let path = content_paths.get(file).ok_or_else(|| {
            // `@/blog/post` for `@/blog/post.md`, `@/blog` for `@/blog/_index.md`.
            let near = [
                format!("{file}.md"),
                format!("{}/_index.md", file.trim_end_matches('/')),
                format!("{}/index.md", file.trim_end_matches('/')),
            ]
            .into_iter()
            .find(|f| content_paths.contains_key(f.as_str()));
            let hint = near.map_or_else(String::new, |f| {
                let anchor = anchor.map(|a| format!("#{a}")).unwrap_or_default();
                format!(" (did you mean `@/{f}{anchor}`?)")
            });
            format!("broken link `{dest}`: no page or section `content/{file}`{hint}")
        })?;
        let mut url = urls.url(path);
        if let Some(anchor) = anchor {
            url.push('#');
            url.push_str(anchor);
        }
        return Ok(Some(url));
    }
    let is_absolute = dest.contains(':') || dest.starts_with("//");
    if is_absolute || dest.starts_with('#') || dest.starts_with('?') || dest.is_empty() {
        return Ok(None);
    }
    if dest.starts_with('/') {
        let base = &urls.base_path;
        let prefixed = dest == base.as_str() || dest.starts_with(&format!("{base}/"));
        return Ok((!base.is_empty() && !prefixed).then(|| urls.url(dest)));
    }
    Ok(bundle.map(|page| urls.url(&format!("{page}{dest}"))))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn links() {
        let paths: HashMap<&str, &str> = [("blog/a.md", "/blog/a/")].into_iter().collect();
        let sub = Urls {
            base_path: "/docs".into(),
            origin: String::new(),
        };
        let root = Urls::default();
        let r = |d: &str, b: Option<&str>, u: &Urls| resolve_link(d, b, &paths, u);
        assert_eq!(
            r("@/blog/a.md", None, &sub),
            Ok(Some("/docs/blog/a/".into()))
        );
        assert_eq!(
            r("@/blog/a.md#h", None, &root),
            Ok(Some("/blog/a/#h".into()))
        );
        assert!(
            r("@/nope.md", None, &root)
                .unwrap_err()
                .contains("content/nope.md")
        );
        assert!(
            r("@/blog/a#h", None, &root)
                .unwrap_err()
                .ends_with("(did you mean `@/blog/a.md#h`?)"),
        );
        assert_eq!(r("/about/", None, &sub), Ok(Some("/docs/about/".into())));
        assert_eq!(r("/docs/about/", None, &sub), Ok(None));
        assert_eq!(r("/about/", None, &root), Ok(None));
        assert_eq!(
            r("pic.png", Some("/blog/b/"), &sub),
            Ok(Some("/docs/blog/b/pic.png".into()))
        );
        assert_eq!(r("pic.png", None, &sub), Ok(None));
        assert_eq!(r("https://x.org", Some("/b/"), &sub), Ok(None));
        assert_eq!(r("#top", Some("/b/"), &sub), Ok(None));
    }
}
