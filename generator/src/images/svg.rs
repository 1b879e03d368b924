//! The size of an SVG image: its root element's `width` and `height` (in
//! pixels or without a unit), else its `viewBox`.

/// (width, height) rounded to whole pixels, or why there is none.
pub(crate) fn size(text: &str) -> Result<(u32, u32), String> {
    let start = text
        .find("<svg")
        .ok_or("no <svg> element: not an SVG image")?;
    let rest = &text[start + 4..];
    let tag = &rest[..rest.find('>').ok_or("the <svg> tag is not closed")?];
    let pixels = |name: &str| attribute(tag, name).and_then(|v| length(&v));
    let view_box = attribute(tag, "viewBox").and_then(|v| {
        let numbers: Vec<f64> = (v.split([' ', ',']).filter(|s| !s.is_empty()))
            .filter_map(|n| n.parse().ok())
            .collect();
        match numbers.as_slice() {
            [_, _, w, h] if *w > 0.0 && *h > 0.0 => Some((*w, *h)),
            _ => None,
        }
    });
    let (width, height) = match (pixels("width"), pixels("height"), view_box) {
        (Some(w), Some(h), _) => (w, h),
        // One side given: the other from the viewBox's aspect ratio.
        (Some(w), None, Some((vw, vh))) => (w, w * vh / vw),
        (None, Some(h), Some((vw, vh))) => (h * vw / vh, h),
        (_, _, Some(size)) => size,
        _ => return Err("the <svg> element has neither width and height nor a viewBox".into()),
    };
    Ok((
        (width.round() as u32).max(1),
        (height.round() as u32).max(1),
    ))
}

/// The value of attribute `name` in a tag's text, quotes removed.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let mut at = 0;
    while let Some(found) = tag[at..].find(name) {
        let begin = at + found;
        at = begin + name.len();
        let before = tag[..begin].chars().next_back();
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        let after = tag[at..].trim_start();
        let Some(after) = after.strip_prefix('=') else {
            continue;
        };
        let after = after.trim_start();
        let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let value = &after[1..];
        return value.find(quote).map(|end| value[..end].to_owned());
    }
    None
}

/// `120`, `120px`, `120.5` in pixels; other units (`%`, `em`) are none.
fn length(value: &str) -> Option<f64> {
    let value = value.trim();
    let number = value.strip_suffix("px").unwrap_or(value).trim();
    number.parse::<f64>().ok().filter(|n| *n > 0.0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::size;

    #[test]
    fn sizes_from_attributes_or_view_box() {
        let svg = |attrs: &str| format!("<?xml version=\"1.0\"?><svg {attrs}><g/></svg>");
        assert_eq!(size(&svg(r#"width="120" height="80px""#)), Ok((120, 80)));
        assert_eq!(size(&svg(r#"viewBox="0 0 300 150""#)), Ok((300, 150)));
        assert_eq!(
            size(&svg(r#"width="100%" viewBox="0,0,64,32""#)),
            Ok((64, 32))
        );
        assert_eq!(
            size(&svg(r#"width="200" viewBox="0 0 400 100""#)),
            Ok((200, 50))
        );
        assert_eq!(
            size(&svg(r#"stroke-width="3" viewBox="0 0 10 20""#)),
            Ok((10, 20))
        );
        assert!(size(&svg(r#"class="x""#)).unwrap_err().contains("viewBox"));
        assert!(size("hello").unwrap_err().contains("not an SVG"));
    }
}
