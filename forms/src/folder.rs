//! Where a form's submissions are filed. Each folder is stored as a form
//! of its own (`contact`, `contact.pending`, `contact.spam`, …: names no
//! form can have, since form names are letters, digits, `-` and `_`), so
//! every store lists, counts, pages and deletes them alike, and only the
//! inbox counts as the form's.

/// A folder of a form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Folder {
    /// The form's submissions; for a moderated form, the approved (public)
    /// ones.
    #[default]
    Inbox,
    /// A moderated form's submissions awaiting approval.
    Pending,
    /// What the content check (or an admin) judged spam.
    Spam,
    /// Set aside by an admin.
    Archived,
    /// A moderated form's entries an admin turned down.
    Rejected,
}

impl Folder {
    pub const ALL: [Folder; 5] = [
        Self::Inbox,
        Self::Pending,
        Self::Spam,
        Self::Archived,
        Self::Rejected,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Inbox => "inbox",
            Self::Pending => "pending",
            Self::Spam => "spam",
            Self::Archived => "archived",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The store's name for this folder of `form`.
    pub fn store_name(self, form: &str) -> String {
        match self {
            Self::Inbox => form.to_owned(),
            other => format!("{form}.{}", other.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_never_clash_with_a_form() {
        for folder in Folder::ALL {
            assert_eq!(Folder::parse(folder.name()), Some(folder));
        }
        assert_eq!(Folder::Inbox.store_name("contact"), "contact");
        assert_eq!(Folder::Spam.store_name("contact"), "contact.spam");
        assert_eq!(Folder::parse("trash"), None);
    }
}
