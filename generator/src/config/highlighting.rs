//! Highlighting themes: the built-in syntect themes `highlight_theme` may
//! name, and the stylesheet written for the configured one. (The Markdown
//! stage's code highlighting uses the class names set here.)

use std::sync::OnceLock;

use syntect::highlighting::ThemeSet;
use syntect::html::ClassStyle;

/// The class prefix of highlighted tokens.
pub(crate) const CLASS_PREFIX: &str = "z-";
/// The stylesheet written into the output when highlighting is on.
pub(crate) const THEME_CSS: &str = "syntax-theme.css";
/// The theme used when `highlight_theme` is not set.
pub(crate) const DEFAULT_THEME: &str = "InspiredGitHub";

const STYLE: ClassStyle = ClassStyle::SpacedPrefixed {
    prefix: CLASS_PREFIX,
};

fn themes() -> &'static ThemeSet {
    static SET: OnceLock<ThemeSet> = OnceLock::new();
    SET.get_or_init(ThemeSet::load_defaults)
}

/// Names of the built-in themes.
pub(crate) fn theme_names() -> Vec<&'static str> {
    themes().themes.keys().map(String::as_str).collect()
}

/// The stylesheet for theme `name`, plus the rules for line numbers and
/// highlighted lines. Unknown theme: an error listing the known ones.
pub(crate) fn theme_css(name: &str) -> Result<String, String> {
    let theme = themes().themes.get(name).ok_or_else(|| {
        format!(
            "unknown highlight_theme `{name}`; built-in themes: {}",
            theme_names().join(", ")
        )
    })?;
    let mut css = syntect::html::css_for_theme_with_class_style(theme, STYLE)
        .map_err(|e| format!("highlight_theme `{name}`: {e}"))?;
    let rgba = |c: syntect::highlighting::Color| (c.r, c.g, c.b, c.a);
    let background = theme
        .settings
        .background
        .map(rgba)
        .unwrap_or((255, 255, 255, 255));
    // Some themes' line highlight is all but the background itself
    // (InspiredGitHub: #f5f5f5 on white); such a one gets a visible tint.
    let hl = theme
        .settings
        .line_highlight
        .map(rgba)
        .filter(|&c| contrast(c, background) >= 0.06)
        .map_or_else(
            || {
                if luminance(background) > 0.5 {
                    "rgba(255, 213, 0, 0.25)".to_owned()
                } else {
                    "rgba(255, 255, 255, 0.12)".to_owned()
                }
            },
            |(r, g, b, a)| format!("rgba({r}, {g}, {b}, {:.2})", f32::from(a) / 255.0),
        );
    css.push_str(&format!(
        "\npre.z-code .line {{ display: inline-block; min-width: 100%; }}\n\
         pre.z-code .line.hl {{ background: {hl}; box-shadow: inset 3px 0 0 rgba(212, 161, 6, 0.9); }}\n\
         pre.z-code .ln {{ display: inline-block; min-width: 2.5em; margin-right: 1em; \
         padding-right: 0.75em; border-right: 1px solid; text-align: right; opacity: 0.55; \
         user-select: none; -webkit-user-select: none; }}\n"
    ));
    Ok(css)
}

/// Relative luminance (0 black … 1 white) of an sRGB colour, roughly.
fn luminance((r, g, b, _): (u8, u8, u8, u8)) -> f32 {
    (0.2126 * f32::from(r) + 0.7152 * f32::from(g) + 0.0722 * f32::from(b)) / 255.0
}

/// How far apart two colours' luminances are, the first's alpha applied.
fn contrast(color: (u8, u8, u8, u8), background: (u8, u8, u8, u8)) -> f32 {
    (luminance(color) - luminance(background)).abs() * f32::from(color.3) / 255.0
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn theme_css_for_known_and_unknown_themes() {
        let css = theme_css(DEFAULT_THEME).unwrap();
        assert!(css.contains(".z-"), "{css}");
        assert!(css.contains(".line.hl"), "{css}");
        // InspiredGitHub's own highlight (#f5f5f5 on white) cannot be seen:
        // hl_lines get a visible tint and a bar instead.
        assert!(
            css.contains("pre.z-code .line.hl { background: rgba(255, 213, 0, 0.25); box-shadow: inset 3px 0 0"),
            "{css}"
        );
        // Line numbers: a separated gutter, not selected with the code.
        assert!(
            css.contains("border-right: 1px solid") && css.contains("user-select: none"),
            "{css}"
        );
        assert!(theme_css("nope").unwrap_err().contains("base16-ocean.dark"));
    }
}
