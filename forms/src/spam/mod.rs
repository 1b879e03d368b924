//! Keeping spam out beyond the honeypot: a CAPTCHA token verified with its
//! provider before anything is stored, and an optional content check whose
//! "spam" verdict files a submission in the form's spam folder.

pub mod akismet;
pub mod captcha;

/// The store's name for the spam folder of `form`: a name no form can have
/// (form names are letters, digits, `-` and `_`), so spam is stored, listed,
/// counted and deleted like a form of its own and never counts as the
/// form's.
pub fn spam_folder(form: &str) -> String {
    format!("{form}.spam")
}

/// What the handler knows of the client, for the content check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client<'a> {
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub referrer: Option<&'a str>,
}
