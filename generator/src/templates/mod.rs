//! Templates: Tera set up once per build (built-in defaults overridden by
//! `templates/`), the values pages and sections expose to templates, and
//! the functions `get_page`, `get_section`, `get_url` and `load_data`.

mod builtin;
pub(crate) mod data;
mod engine;
mod functions;
mod lookup;
mod values;

pub(crate) use engine::Templates;
pub(crate) use functions::Reads;
pub(crate) use lookup::{Languages, Lookup, Urls};
pub(crate) use values::{html, map, opt};

#[cfg(test)]
mod tests;
