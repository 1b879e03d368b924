//! Form schema and manifest: what a page declared, as the backend reads it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Bumped whenever the manifest's shape changes incompatibly; the backend
/// refuses a manifest of another version instead of misreading it.
pub const MANIFEST_VERSION: u32 = 4;

/// The value a moderated form's page adds with its own path (a hidden
/// input the build writes), so approved entries can be shown on the page
/// they were posted from. Not a field of the form: the API takes it out
/// before validation and keeps it (a site path, at most 300 characters).
pub const PAGE_FIELD: &str = "_page";

/// Every form of a site, keyed by form name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub version: u32,
    pub forms: BTreeMap<String, Form>,
}

/// Why a manifest file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("the form manifest is not valid JSON of a manifest: {0}")]
    Syntax(String),
    #[error(
        "the form manifest has version {found} but this API reads version {MANIFEST_VERSION}; \
         build the site with the same Letterbox version as the API component"
    )]
    Version { found: u32 },
}

impl Manifest {
    /// Parses a manifest as `letterbox build` writes it, refusing another
    /// version instead of misreading it.
    pub fn from_json(json: &str) -> Result<Self, ManifestError> {
        // The version is read on its own first, so that a manifest of
        // another version is named as such rather than as a syntax error.
        #[derive(Deserialize)]
        struct Versioned {
            version: u32,
        }
        let versioned: Versioned = serde_json::from_slice(json.as_bytes())
            .map_err(|e| ManifestError::Syntax(e.to_string()))?;
        if versioned.version != MANIFEST_VERSION {
            return Err(ManifestError::Version {
                found: versioned.version,
            });
        }
        serde_json::from_slice(json.as_bytes()).map_err(|e| ManifestError::Syntax(e.to_string()))
    }

    /// SHA-256 (hex) of the manifest's compact JSON: the same for the same
    /// forms whoever computes it (`letterbox build`, `serve`, the component),
    /// so `/api/health` shows which site's forms an API serves.
    pub fn digest(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hmac_sha256::Hash::hash(&json)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl Default for Manifest {
    fn default() -> Self {
        Self {
            version: MANIFEST_VERSION,
            forms: BTreeMap::new(),
        }
    }
}

/// One form, as declared by `<form data-form="name">` in a page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    pub name: String,
    /// Source file of the page that declared the form (for messages), e.g.
    /// `content/contact.md`.
    pub page: String,
    /// Where a browser goes after a successful plain POST: a site path such
    /// as `/contact/thanks/`. `None` means "back to the page, with
    /// `?sent=1`"; the handler resolves it against `site_url`'s origin only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<String>,
    #[serde(default)]
    pub auth: AuthRequirement,
    /// Name of the hidden anti-spam field; a submission that fills it is
    /// answered as a success and dropped.
    pub honeypot: String,
    /// Fields in document order (also the CSV column order).
    pub fields: Vec<Field>,
    /// Who hears of a stored submission (`[forms.<name>.notify]`).
    #[serde(default, skip_serializing_if = "Notify::is_empty")]
    pub notify: Notify,
    /// The CAPTCHA the page shows (`data-captcha` and `data-sitekey`); the
    /// API verifies its token before storing anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captcha: Option<Captcha>,
    /// A content check that files submissions it judges spam in the spam
    /// folder (`[forms.<name>] spam_check = "akismet"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spam_check: Option<SpamCheck>,
    /// The fields that may be shown publicly (`[forms.<name>] publish`):
    /// a form with any is moderated — its submissions wait in the pending
    /// folder until an admin approves them, and only then are these fields
    /// of them served by `GET /api/forms/<name>/published`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub publish: Vec<String>,
    /// Submissions older than this many days are deleted, in every folder
    /// (`[forms.<name>] retention_days`), as a bounded side effect of
    /// submissions and listings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    /// The language of the page that declared the form (on a site with
    /// `[languages]`): validation messages are in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Validation messages in that language: English message (`{}` for
    /// each value) → translation, from the built-in catalogue and the
    /// site's own `[languages.<code>.form_messages]`.
    /// As a flat list `[english, translation, english, translation, …]`
    /// (a list of strings costs the component no new deserializer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<String>,
}

impl Form {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// A form named `name`, declared in `page`, with these fields and
    /// nothing else: no redirect, login, notifications, CAPTCHA, spam
    /// check, moderation, retention or language; honeypot `_gotcha`.
    /// Fixtures name what they set and take the rest from here
    /// (`Form { auth, ..Form::new(…) }`).
    pub fn new(name: impl Into<String>, page: impl Into<String>, fields: Vec<Field>) -> Self {
        Self {
            name: name.into(),
            page: page.into(),
            redirect: None,
            auth: AuthRequirement::None,
            honeypot: "_gotcha".into(),
            fields,
            notify: Notify::default(),
            captcha: None,
            spam_check: None,
            publish: Vec::new(),
            retention_days: None,
            lang: None,
            messages: Vec::new(),
        }
    }

    /// Whether submissions wait for an admin's approval.
    pub fn is_moderated(&self) -> bool {
        !self.publish.is_empty()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthRequirement {
    /// Anyone may submit.
    #[default]
    None,
    /// Only a logged-in user (a valid JWT) may submit; the record keeps `sub`.
    Required,
}

/// One named control. Radio buttons and checkboxes sharing a name are one
/// field whose `options` are their values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: String,
    pub kind: FieldKind,
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Lengths count UTF-16 code units, as HTML's `minlength`/`maxlength` do
    /// (an emoji outside the BMP counts 2; a textarea's CRLF counts 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minlength: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maxlength: Option<u32>,
    /// ECMAScript pattern exactly as written in the page; anchored to the
    /// whole value when checked, as browsers do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// `pattern` translated at build time into an anchored expression that
    /// matches the same values in linear time (`regex-lite` syntax); this is
    /// what the API matches with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear_pattern: Option<String>,
    /// `min`, `max` and `step` as written; their meaning depends on `kind`
    /// (a number, a date, a time...). `step` may be `any`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Allowed values of a select, radio group or checkbox group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// More than one value allowed (`<select multiple>`, a checkbox group,
    /// `<input type="email" multiple>`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub multiple: bool,
}

impl Field {
    /// A field of `kind` with no constraints.
    pub fn new(name: impl Into<String>, kind: FieldKind) -> Self {
        Self {
            name: name.into(),
            kind,
            required: false,
            minlength: None,
            maxlength: None,
            pattern: None,
            linear_pattern: None,
            min: None,
            max: None,
            step: None,
            options: Vec::new(),
            multiple: false,
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The kinds of control a form can hold, named as in HTML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldKind {
    Text,
    Search,
    Email,
    Url,
    Tel,
    Password,
    Number,
    Range,
    Date,
    DatetimeLocal,
    Time,
    Month,
    Week,
    Color,
    Textarea,
    Select,
    Radio,
    Checkbox,
    Hidden,
}

impl FieldKind {
    /// The kind for an `<input type=...>` value, as browsers read it: an
    /// unknown or missing type is a text input.
    pub fn from_input_type(input_type: Option<&str>) -> Self {
        match input_type.map(str::to_ascii_lowercase).as_deref() {
            Some("search") => Self::Search,
            Some("email") => Self::Email,
            Some("url") => Self::Url,
            Some("tel") => Self::Tel,
            Some("password") => Self::Password,
            Some("number") => Self::Number,
            Some("range") => Self::Range,
            Some("date") => Self::Date,
            Some("datetime-local") => Self::DatetimeLocal,
            Some("time") => Self::Time,
            Some("month") => Self::Month,
            Some("week") => Self::Week,
            Some("color") => Self::Color,
            Some("radio") => Self::Radio,
            Some("checkbox") => Self::Checkbox,
            Some("hidden") => Self::Hidden,
            _ => Self::Text,
        }
    }
}

/// A submission's values in the order they were sent: a name repeats for a
/// multi-valued field. Values are exactly the UTF-8 text received.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Values grouped by field name, in order of first appearance.
    pub fn grouped(&self) -> Vec<(&str, Vec<&str>)> {
        let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
        for (name, value) in &self.0 {
            match groups.iter_mut().find(|(n, _)| n == name) {
                Some((_, values)) => values.push(value),
                None => groups.push((name, vec![value])),
            }
        }
        groups
    }
}

/// Notifications of one form, compiled from `[forms.<name>.notify]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notify {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<Webhook>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailNotice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoreply: Option<Autoreply>,
}

impl Notify {
    pub fn is_empty(&self) -> bool {
        self.webhooks.is_empty() && self.email.is_none() && self.autoreply.is_none()
    }
}

/// A POST of every stored submission to `url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub url: String,
    #[serde(default)]
    pub format: WebhookFormat,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// The stored record as JSON, signed (`X-Letterbox-Signature`).
    #[default]
    Json,
    /// `{"text": ...}` for a Slack incoming webhook.
    Slack,
    /// `{"content": ...}` for a Discord webhook.
    Discord,
}

/// An e-mail to the site's owner per stored submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailNotice {
    pub to: Vec<String>,
    pub from: String,
    /// A plain template (`{field}` placeholders, see `notify::template`).
    pub subject: String,
    /// `None`: every field, one per line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// A `type=email` field whose value becomes the e-mail's Reply-To.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to_field: Option<String>,
}

/// A confirmation e-mail to the submitter, at the address in `field` (a
/// required `type=email` field; checked at build time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Autoreply {
    pub field: String,
    pub from: String,
    pub subject: String,
    pub body: String,
}

/// A CAPTCHA widget in the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Captcha {
    pub provider: CaptchaProvider,
    pub sitekey: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaptchaProvider {
    Turnstile,
    Hcaptcha,
    Recaptcha,
}

impl CaptchaProvider {
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "turnstile" => Some(Self::Turnstile),
            "hcaptcha" => Some(Self::Hcaptcha),
            "recaptcha" => Some(Self::Recaptcha),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Turnstile => "turnstile",
            Self::Hcaptcha => "hcaptcha",
            Self::Recaptcha => "recaptcha",
        }
    }

    /// The field the provider's widget adds to the form with its token.
    pub fn response_field(self) -> &'static str {
        match self {
            Self::Turnstile => "cf-turnstile-response",
            Self::Hcaptcha => "h-captcha-response",
            Self::Recaptcha => "g-recaptcha-response",
        }
    }

    /// The widget's script, as the provider documents it.
    pub fn default_script_url(self) -> &'static str {
        match self {
            Self::Turnstile => "https://challenges.cloudflare.com/turnstile/v0/api.js",
            Self::Hcaptcha => "https://js.hcaptcha.com/1/api.js",
            Self::Recaptcha => "https://www.google.com/recaptcha/api.js",
        }
    }

    /// The element the script turns into a widget.
    pub fn widget_class(self) -> &'static str {
        match self {
            Self::Turnstile => "cf-turnstile",
            Self::Hcaptcha => "h-captcha",
            Self::Recaptcha => "g-recaptcha",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpamCheck {
    /// Akismet's `comment-check`.
    Akismet,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trips_through_json() {
        let mut field = Field::new("email", FieldKind::Email);
        field.required = true;
        field.maxlength = Some(200);
        let form = Form {
            redirect: Some("/contact/thanks/".into()),
            notify: Notify {
                webhooks: vec![Webhook {
                    url: "https://hooks.example.org/x".into(),
                    format: WebhookFormat::Slack,
                }],
                email: None,
                autoreply: None,
            },
            captcha: Some(Captcha {
                provider: CaptchaProvider::Turnstile,
                sitekey: "1x00000000000000000000AA".into(),
            }),
            spam_check: Some(SpamCheck::Akismet),
            publish: vec!["email".into()],
            retention_days: Some(90),
            ..Form::new(
                "contact",
                "content/contact.md",
                vec![field, Field::new("topic", FieldKind::DatetimeLocal)],
            )
        };
        let mut manifest = Manifest::default();
        manifest.forms.insert(form.name.clone(), form);
        let json = serde_json::to_string(&manifest).expect("serialize");
        assert!(json.contains(r#""kind":"datetime-local""#), "{json}");
        let back: Manifest = serde_json::from_slice(json.as_bytes()).expect("deserialize");
        assert_eq!(back, manifest);
    }

    #[test]
    fn from_json_names_the_version_it_refuses() {
        let ok = Manifest::from_json(r#"{"version":4,"forms":{}}"#).unwrap();
        assert_eq!(ok, Manifest::default());
        assert_eq!(
            Manifest::from_json(r#"{"version":999,"forms":{"x":1}}"#),
            Err(ManifestError::Version { found: 999 })
        );
        assert!(matches!(
            Manifest::from_json("not json"),
            Err(ManifestError::Syntax(_))
        ));
        assert!(matches!(
            Manifest::from_json(r#"{"version":4,"forms":{},"extra":1}"#),
            Err(ManifestError::Syntax(_))
        ));
    }

    #[test]
    fn digest_depends_on_the_forms_only() {
        let empty = Manifest::default();
        assert_eq!(empty.digest().len(), 64);
        assert_eq!(empty.digest(), Manifest::default().digest());
        let mut one = Manifest::default();
        one.forms.insert(
            "contact".into(),
            Form::new(
                "contact",
                "content/contact.md",
                vec![Field::new("email", FieldKind::Email)],
            ),
        );
        assert_ne!(one.digest(), empty.digest());
    }

    #[test]
    fn unknown_input_types_are_text() {
        assert_eq!(FieldKind::from_input_type(Some("EMAIL")), FieldKind::Email);
        assert_eq!(FieldKind::from_input_type(Some("bogus")), FieldKind::Text);
        assert_eq!(FieldKind::from_input_type(None), FieldKind::Text);
    }

    #[test]
    fn grouped_keeps_first_appearance_order() {
        let data = FormData(vec![
            ("b".into(), "1".into()),
            ("a".into(), "2".into()),
            ("b".into(), "3".into()),
        ]);
        assert_eq!(
            data.grouped(),
            vec![("b", vec!["1", "3"]), ("a", vec!["2"])]
        );
    }
}
