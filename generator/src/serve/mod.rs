//! `letterbox serve`: builds the site, serves the output folder on
//! 127.0.0.1 with the clean URLs a CDN gives, rebuilds on changes and
//! reloads open pages over a websocket, and answers `/api/...` in-process
//! with the `letterbox-forms` handler over a SQLite file.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let mut options = letterbox::serve::ServeOptions::new("site");
//! options.port = 0; // any free port
//! let server = letterbox::serve::start(options).await?;
//! println!("serving on http://{}", server.addr);
//! server.shutdown().await;
//! # Ok(()) }
//! ```

mod api;
mod builder;
pub mod cli;
mod files;
pub mod incremental;
mod livereload;
mod options;
mod server;
mod shared;

pub use api::api_database;
pub use options::{AdminUser, DEFAULT_PORT, ServeOptions};
pub use server::{ServerHandle, start};
