//! The key layout of [`KvStore`](super::KvStore): its keys, the ids that
//! name them, the hashed slots of the counters, and how values are encoded.
//!
//! Key layout 2 (values are JSON unless said otherwise):
//!
//! | key | value |
//! | --- | --- |
//! | `seq:<form>` | counter (atomic increment): the last sequence number given to a submission of the form |
//! | `del:<form>` | counter: the form's submissions deleted so far; the count is `seq - del` |
//! | `exp:<form>` | counter: the retention sweep's mark — sequence numbers up to it are deleted or were not yet expired when last seen (only forms with `retention_days`) |
//! | `s:<form>:<seq>` | a [`Submission`] (with `"read": true` once an admin read it); its id is a UUIDv7 whose last 62 bits are `<seq>` |
//! | `rl:<slot>` | `{"k": <client and bucket>, "win": <window>, "hits": <n>}`; 65,536 slots chosen by an HMAC keyed with `jwt_secret`, so counters never pile up whatever the names tried, and nobody can aim at another client's slot |
//! | `user:<username>` | a [`User`] |
//! | `users` | the user names, sorted |
//! | `q:<slot>` | `{"k": <quota key>, "win": <unix day>, "hits": <n>}`: the autoreply quotas, 65,536 slots chosen like `rl:` |
//! | `outbox` | the undelivered notifications, one JSON array of at most 500 entries (written only when a delivery fails; two failures at the same moment can lose one entry) |
//! | `meta:layout` | `2` |

use serde::{Deserialize, Serialize};

use super::base::{StoreError, Submission, User, is_valid_id};

pub fn submission_key(form: &str, seq: u64) -> String {
    format!("s:{form}:{seq}")
}

pub(super) fn seq_key(form: &str) -> String {
    format!("seq:{form}")
}

pub(super) fn deleted_key(form: &str) -> String {
    format!("del:{form}")
}

pub(super) fn expired_key(form: &str) -> String {
    format!("exp:{form}")
}

pub fn user_key(username: &str) -> String {
    format!("user:{username}")
}

pub(super) const USERS_KEY: &str = "users";
pub(super) const OUTBOX_KEY: &str = "outbox";
/// The most entries the `outbox` key holds; the oldest go first.
pub(super) const OUTBOX_CAP: usize = 500;
pub(super) const LAYOUT_KEY: &str = "meta:layout";
/// Rate-limit slots: enough that two clients rarely share one, few enough
/// that a flood of made-up names cannot grow the store.
pub(super) const RATE_SLOTS: u64 = 65_536;

/// Key read by `ping`; it need not exist.
pub const PING_KEY: &str = "meta:ping";

/// `id` with its last 62 bits replaced by `seq` (RFC 9562 allows a counter
/// there): still a UUIDv7, still time-ordered, and it names its key.
pub fn id_with_seq(id: &str, seq: u64) -> Option<String> {
    let uuid = uuid::Uuid::try_parse(id).ok()?;
    let mut bytes = *uuid.as_bytes();
    let tail = (0b10u64 << 62) | (seq & ((1 << 62) - 1));
    bytes[8..16].copy_from_slice(&tail.to_be_bytes());
    Some(uuid::Uuid::from_bytes(bytes).hyphenated().to_string())
}

/// The sequence number an id of this layout carries.
pub fn seq_of(id: &str) -> Option<u64> {
    if !is_valid_id(id) {
        return None;
    }
    let uuid = uuid::Uuid::try_parse(id).ok()?;
    let bytes = uuid.as_bytes();
    let tail = u64::from_be_bytes(bytes[8..16].try_into().ok()?);
    Some(tail & ((1 << 62) - 1)).filter(|seq| *seq > 0)
}

#[derive(Debug, Serialize)]
pub(super) struct RateValue {
    #[serde(default)]
    pub(super) k: String,
    pub(super) win: u64,
    pub(super) hits: u64,
}

/// The hits a stored [`RateValue`] holds for window `win`; `None` when it
/// holds another window or cannot be read. Read through a plain value: a
/// typed deserializer costs the size-bound component kilobytes.
pub(super) fn hits_in(bytes: &[u8], win: u64) -> Option<u64> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    (value["win"].as_u64()? == win).then(|| value["hits"].as_u64())?
}

/// Where a client's counter for a bucket lives.
pub(super) struct RateSlot {
    /// The store key, `rl:<slot>`.
    pub(super) key: String,
    /// The client and bucket it counts for (the value's `k`).
    pub(super) owner: String,
}

/// The slot of a client's counter for `bucket`: an HMAC keyed with the
/// store's secret, so nobody can pick a name whose counter lands on a
/// victim's slot (without a secret, a plain hash).
pub(super) fn rate_slot(secret: &[u8], addr: &str, bucket: &str) -> RateSlot {
    slot("rl", secret, format!("{addr}\u{0}{bucket}"))
}

/// The slot of `owner` among the 65,536 keys `<prefix>:<slot>`.
pub(super) fn slot(prefix: &str, secret: &[u8], owner: String) -> RateSlot {
    let mac = hmac_sha256::HMAC::mac(owner.as_bytes(), secret);
    let slot = u64::from(u16::from_be_bytes([mac[0], mac[1]])) % RATE_SLOTS;
    RateSlot {
        key: format!("{prefix}:{slot:04x}"),
        owner,
    }
}

pub(super) fn decode<T: for<'de> Deserialize<'de>>(
    key: &str,
    bytes: &[u8],
) -> Result<T, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::new(format!("corrupt value at {key}: {e}")))
}

pub(super) fn decode_submission(key: &str, bytes: &[u8]) -> Result<Submission, StoreError> {
    let value: serde_json::Value = decode(key, bytes)?;
    Submission::from_json(&value)
        .ok_or_else(|| StoreError::new(format!("corrupt value at {key}: not a submission")))
}

/// A [`User`] read through a plain value (see [`OutboxEntry::from_json`]).
pub(super) fn decode_user(key: &str, bytes: &[u8]) -> Result<User, StoreError> {
    let value: serde_json::Value = decode(key, bytes)?;
    let text = |name: &str| value[name].as_str().map(str::to_owned);
    match (text("username"), text("password_hash"), text("role")) {
        (Some(username), Some(password_hash), Some(role)) => Ok(User {
            username,
            password_hash,
            role,
        }),
        _ => Err(StoreError::new(format!(
            "corrupt value at {key}: not a user"
        ))),
    }
}

pub(super) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::new(format!("encode: {e}")))
}
