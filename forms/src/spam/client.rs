//! The client of a submission, as the spam checks see it.

/// What the handler knows of the client, for the content check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client<'a> {
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub referrer: Option<&'a str>,
}
