//! The template stage's model: which files a build renders from templates
//! ([`Job`]s) and the template values they draw from (pages, sections,
//! taxonomies, pagers), built once per build and shared between jobs.
//!
//! `serve` keeps the model between rebuilds: after a body-only edit,
//! [`Model::update_bodies`] refreshes the values that hold the edited
//! pages and names the jobs whose context or lookups held them, so only
//! those are rendered again.

pub(crate) mod extras;
mod jobs;
mod plan;
mod render;
mod state;
mod values;

pub(crate) use jobs::{Job, JobKind, JobOutput};
pub(crate) use state::{Model, SiteParts};
pub(crate) use values::BodyValues;

#[cfg(test)]
mod tests;
