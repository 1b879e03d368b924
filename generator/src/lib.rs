//! Letterbox: a static site generator whose forms are their own backend schema.

pub mod forms;
