//! `sitemap.xml` (every page, section, taxonomy list and term, with the
//! last modification when known) and the default `robots.txt`.

use std::fmt::Write as _;

use crate::text::{escape_xml, rfc3339};

/// One `<url>` of the sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub permalink: String,
    /// Seconds since the epoch of the last change, if known.
    pub lastmod: Option<i64>,
    /// The same page in every language, itself included, as
    /// `(language code, permalink)`: none on a site in one language.
    pub alternates: Vec<(String, String)>,
}

/// The sitemap document (sitemaps.org 0.9). Entries are written in the
/// order given.
pub(crate) fn sitemap(entries: &[Entry]) -> String {
    let mut out = String::with_capacity(128 + entries.len() * 96);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"");
    if entries.iter().any(|e| !e.alternates.is_empty()) {
        out.push_str(" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\"");
    }
    out.push_str(">\n");
    for e in entries {
        let _ = write!(
            out,
            "  <url>\n    <loc>{}</loc>\n",
            escape_xml(&e.permalink)
        );
        if let Some(ts) = e.lastmod {
            let _ = writeln!(out, "    <lastmod>{}</lastmod>", rfc3339(ts));
        }
        for (lang, href) in &e.alternates {
            let _ = writeln!(
                out,
                "    <xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                escape_xml(lang),
                escape_xml(href)
            );
        }
        out.push_str("  </url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_lastmod() {
        let s = sitemap(&[
            Entry {
                permalink: "https://x.org/a?b&c".into(),
                lastmod: Some(0),
                alternates: Vec::new(),
            },
            Entry {
                permalink: "https://x.org/".into(),
                lastmod: None,
                alternates: Vec::new(),
            },
        ]);
        assert!(!s.contains("xmlns:xhtml"), "{s}");
        assert!(s.contains("<loc>https://x.org/a?b&amp;c</loc>"), "{s}");
        assert_eq!(s.matches("<lastmod>").count(), 1, "{s}");
        assert!(s.contains("<lastmod>1970-01-01T00:00:00Z</lastmod>"), "{s}");
    }

    #[test]
    fn alternates_are_xhtml_links() {
        let s = sitemap(&[Entry {
            permalink: "https://x.org/a/".into(),
            lastmod: None,
            alternates: vec![
                ("en".into(), "https://x.org/a/".into()),
                ("fr".into(), "https://x.org/fr/a/".into()),
            ],
        }]);
        assert!(
            s.contains("xmlns:xhtml=\"http://www.w3.org/1999/xhtml\""),
            "{s}"
        );
        assert!(
            s.contains(
                "<xhtml:link rel=\"alternate\" hreflang=\"fr\" href=\"https://x.org/fr/a/\"/>"
            ),
            "{s}"
        );
    }
}
