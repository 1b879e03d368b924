//! What can be wrong with the Spin variables; shared by the core settings
//! (`mod.rs`) and the outbound services (`services.rs`).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("variable `{0}` is required but not set")]
    Missing(&'static str),
    #[error("variable `{name}` is invalid: {message}")]
    Invalid { name: &'static str, message: String },
}

/// A [`ConfigError::Invalid`] naming the variable.
pub(super) fn invalid(name: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name,
        message: message.into(),
    }
}
