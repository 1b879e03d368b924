//! The built-in templates every site has (a site's own override them).

/// The built-in `robots.txt` template: allow everything, point at the
/// sitemap. A site overrides it with `templates/robots.txt` (rendered with
/// `config` and `sitemap_url`) or `static/robots.txt` (copied as is).
pub(crate) const ROBOTS_TEMPLATE: &str =
    "User-agent: *\nDisallow:\nAllow: /\nSitemap: {{ sitemap_url }}\n";

/// The built-in admin inbox template (`templates/admin.html` overrides it),
/// rendered to `admin/index.html`.
pub(crate) const ADMIN_TEMPLATE: &str = include_str!("../assets/admin.html");

/// Templates every site has, from `src/default_templates/`.
pub(crate) const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../default_templates/base.html")),
    (
        "index.html",
        include_str!("../default_templates/index.html"),
    ),
    (
        "section.html",
        include_str!("../default_templates/section.html"),
    ),
    ("page.html", include_str!("../default_templates/page.html")),
    ("404.html", include_str!("../default_templates/404.html")),
    (
        "taxonomy_list.html",
        include_str!("../default_templates/taxonomy_list.html"),
    ),
    (
        "taxonomy_single.html",
        include_str!("../default_templates/taxonomy_single.html"),
    ),
    // Partials of the built-in templates; `templates/letterbox/…` overrides them.
    (
        "letterbox/post-card.html",
        include_str!("../default_templates/letterbox/post-card.html"),
    ),
    (
        "letterbox/post-meta.html",
        include_str!("../default_templates/letterbox/post-meta.html"),
    ),
    (
        "letterbox/pagination.html",
        include_str!("../default_templates/letterbox/pagination.html"),
    ),
    // Not used by the built-in templates: a page template includes it to
    // show the approved comments that `letterbox pull` fetched.
    (
        "letterbox/comments.html",
        include_str!("../default_templates/letterbox/comments.html"),
    ),
    ("robots.txt", ROBOTS_TEMPLATE),
    ("admin.html", ADMIN_TEMPLATE),
    // Built-in shortcodes; `templates/shortcodes/` overrides them.
    (
        "shortcodes/youtube.html",
        include_str!("../default_templates/shortcodes/youtube.html"),
    ),
    (
        "shortcodes/figure.html",
        include_str!("../default_templates/shortcodes/figure.html"),
    ),
];
