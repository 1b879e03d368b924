//! Template functions and filters (`get_page`, `get_section`,
//! `get_taxonomy`, `get_url`, `load_data`, `resize_image`,
//! `get_image_metadata`, `date`), and what a render looked up through them.

use super::lookup::Lookup;
use super::values::map;
use crate::images::{Images, OUTPUT_DIR, format_and_mime};
use std::cell::RefCell;
use std::sync::{Arc, RwLock};
use tera::{Kwargs, State, Tera};

/// The values a render looked up with `get_page`, `get_section` (whole
/// sections; `metadata_only` ones hold no pages) and `get_taxonomy`:
/// `serve` renders a file again when one of them changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Reads {
    pub pages: Vec<String>,
    pub sections: Vec<String>,
    pub taxonomies: Vec<String>,
    /// Processed images asked for with `resize_image` (file names).
    pub images: Vec<String>,
}

thread_local! {
    /// The reads of the render running on this thread, when recorded. A
    /// render runs on one thread from start to end, so the template
    /// functions can note their reads here.
    pub(super) static READS: RefCell<Option<Reads>> = const { RefCell::new(None) };
    /// The file being rendered on this thread (`content/blog/a.md`): image
    /// paths resolve beside it when it is a page bundle.
    pub(super) static RENDERING: RefCell<String> = const { RefCell::new(String::new()) };
}

fn record(note: impl FnOnce(&mut Reads)) {
    READS.with(|reads| {
        if let Some(reads) = reads.borrow_mut().as_mut() {
            note(reads);
        }
    });
}

fn current(lookup: &RwLock<Arc<Lookup>>) -> Arc<Lookup> {
    Arc::clone(
        &lookup
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    )
}

/// Registers `get_page`, `get_section` and `get_url`. Paths are relative
/// to `content/` (`blog/hello.md`, `blog/_index.md`); a leading `@/` is
/// accepted too.
pub(super) fn register_functions(tera: &mut Tera, lookup: &Arc<RwLock<Arc<Lookup>>>) {
    let l = Arc::clone(lookup);
    tera.register_function("get_page", move |kwargs: Kwargs, _: &State| {
        let path = kwargs.must_get::<&str>("path")?.trim_start_matches("@/");
        record(|reads| reads.pages.push(path.to_owned()));
        current(&l).pages.get(path).cloned().ok_or_else(|| {
            tera::Error::message(format!(
                "get_page: no page `{path}` (paths are relative to content/, e.g. `blog/hello.md`)"
            ))
        })
    });
    let l = Arc::clone(lookup);
    tera.register_function("get_section", move |kwargs: Kwargs, _: &State| {
        let path = kwargs.must_get::<&str>("path")?.trim_start_matches("@/");
        let lookup = current(&l);
        let sections = if kwargs.get::<bool>("metadata_only")?.unwrap_or(false) {
            &lookup.section_meta
        } else {
            record(|reads| reads.sections.push(path.to_owned()));
            &lookup.sections
        };
        sections.get(path).cloned().ok_or_else(|| {
            tera::Error::message(format!(
                "get_section: no section `{path}` (paths are relative to content/, e.g. `blog/_index.md`)"
            ))
        })
    });
    let l = Arc::clone(lookup);
    tera.register_function("get_url", move |kwargs: Kwargs, _: &State| {
        let path = kwargs.must_get::<&str>("path")?;
        let lookup = current(&l);
        if kwargs.get::<bool>("cachebust")?.unwrap_or(false) {
            return lookup.cachebust_url(path).map_err(tera::Error::message);
        }
        let lang = kwargs.get::<&str>("lang")?;
        lookup.url_for(path, lang).map_err(tera::Error::message)
    });
    let l = Arc::clone(lookup);
    tera.register_function("trans", move |kwargs: Kwargs, _: &State| {
        let key = kwargs.must_get::<&str>("key")?;
        let lang = kwargs.get::<&str>("lang")?;
        (current(&l).languages)
            .trans(key, lang)
            .map_err(tera::Error::message)
    });
    let l = Arc::clone(lookup);
    tera.register_function("get_taxonomy", move |kwargs: Kwargs, _: &State| {
        let kind = kwargs.must_get::<&str>("kind")?;
        let lang = kwargs.get::<&str>("lang")?;
        // By name only: an edit in any language's taxonomy of that name
        // renders the reader again (more than needed, never less).
        record(|reads| reads.taxonomies.push(kind.to_owned()));
        current(&l)
            .taxonomy(kind, lang)
            .map_err(tera::Error::message)
    });
    let l = Arc::clone(lookup);
    tera.register_function("get_taxonomy_url", move |kwargs: Kwargs, _: &State| {
        let kind = kwargs.must_get::<&str>("kind")?;
        let name = kwargs.must_get::<&str>("name")?;
        let lang = kwargs.get::<&str>("lang")?;
        current(&l)
            .taxonomy_url(kind, name, lang)
            .map_err(tera::Error::message)
    });
}

fn rendering() -> String {
    RENDERING.with(|r| r.borrow().clone())
}

/// A whole number argument (Tera hands computed ones over as floats).
fn size_arg(kwargs: &Kwargs, name: &str) -> tera::TeraResult<Option<u32>> {
    let Some(value) = kwargs.get::<tera::Value>(name)? else {
        return Ok(None);
    };
    let number = (value.as_u64().map(|n| n as f64))
        .or_else(|| value.as_number().map(|n| n.as_float()))
        .filter(|n| *n >= 0.0 && *n <= f64::from(u32::MAX))
        .ok_or_else(|| {
            tera::Error::message(format!(
                "resize_image: `{name}` must be a whole number of pixels, not {value}"
            ))
        })?;
    Ok(Some(number.round() as u32))
}

/// Registers `resize_image` and `get_image_metadata` (see `crate::images`).
pub(super) fn register_images(
    tera: &mut Tera,
    lookup: &Arc<RwLock<Arc<Lookup>>>,
    images: &Arc<Images>,
) {
    let l = Arc::clone(lookup);
    let i = Arc::clone(images);
    tera.register_function("resize_image", move |kwargs: Kwargs, _: &State| {
        let path = kwargs.must_get::<&str>("path")?;
        let size = (size_arg(&kwargs, "width")?, size_arg(&kwargs, "height")?);
        let op = kwargs.get::<&str>("op")?.unwrap_or("fill");
        let format = kwargs.get::<&str>("format")?.unwrap_or("auto");
        let quality = size_arg(&kwargs, "quality")?;
        let resized = i
            .resize(path, size, op, format, quality, &rendering())
            .map_err(|e| tera::Error::message(format!("resize_image: {e}")))?;
        record(|reads| reads.images.push(resized.name.clone()));
        let static_path = format!("{OUTPUT_DIR}/{}", resized.name);
        let url = current(&l).urls.url(&format!("/{static_path}"));
        Ok(map([
            ("url", tera::Value::from(url)),
            ("static_path", tera::Value::from(static_path)),
            ("width", tera::Value::from(resized.width)),
            ("height", tera::Value::from(resized.height)),
            ("orig_width", tera::Value::from(resized.orig_width)),
            ("orig_height", tera::Value::from(resized.orig_height)),
        ]))
    });
    let i = Arc::clone(images);
    tera.register_function("get_image_metadata", move |kwargs: Kwargs, _: &State| {
        let path = kwargs.must_get::<&str>("path")?;
        let source = (i.source(path, &rendering()))
            .map_err(|e| tera::Error::message(format!("get_image_metadata: {e}")))?;
        let (format, mime) = format_and_mime(&source);
        Ok(map([
            ("width", tera::Value::from(source.width)),
            ("height", tera::Value::from(source.height)),
            ("format", tera::Value::from(format)),
            ("mime", tera::Value::from(mime)),
        ]))
    });
}

/// `{{ page.date | date(format="%B %-d, %Y") }}`: formats a front-matter
/// date (`YYYY-MM-DD` or RFC 3339; the time is shown as written).
pub(super) fn date_filter(value: &str, kwargs: Kwargs, _: &State) -> tera::TeraResult<String> {
    let format = kwargs.get::<&str>("format")?.unwrap_or("%Y-%m-%d");
    let text = value.trim();
    let bad = || {
        tera::Error::message(format!(
            "date: `{text}` is not a date (YYYY-MM-DD or RFC 3339)"
        ))
    };
    // `strtime::format`, not `strftime(…).to_string()`: a bad format
    // (`%Q`) is an error to report, where `to_string` would panic.
    let bad_format = |e: jiff::Error| tera::Error::message(format!("date: format `{format}`: {e}"));
    let formatted = if text.len() >= 19 {
        let dt: jiff::civil::DateTime =
            text.get(..19).ok_or_else(bad)?.parse().map_err(|_| bad())?;
        jiff::fmt::strtime::format(format, dt).map_err(bad_format)?
    } else {
        let d: jiff::civil::Date = text.parse().map_err(|_| bad())?;
        jiff::fmt::strtime::format(format, d).map_err(bad_format)?
    };
    Ok(formatted)
}
