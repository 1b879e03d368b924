//! Keeping spam out beyond the honeypot: a CAPTCHA token verified with its
//! provider before anything is stored, and an optional content check whose
//! "spam" verdict files a submission in the form's spam folder.

pub mod akismet;
pub mod captcha;

/// What the handler knows of the client, for the content check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client<'a> {
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub referrer: Option<&'a str>,
}
