//! Keeping spam out beyond the honeypot: a CAPTCHA token verified with its
//! provider before anything is stored, and an optional content check whose
//! "spam" verdict files a submission in the form's spam folder.

pub mod akismet;
pub mod captcha;
mod client;

pub use client::Client;
