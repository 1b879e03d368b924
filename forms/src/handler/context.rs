//! What a request is handled with: the configuration, the manifest, the
//! store and the clock.

use std::future::Future;
use std::pin::Pin;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::Config;
use crate::outbound::Outbound;
use crate::schema::Manifest;

/// What time it is, in unix milliseconds.
pub trait Clock {
    fn now_millis(&self) -> u64;

    /// Waits this long (the slow-down of failed logins for a user name
    /// under attack). The default blocks the thread, which suits `letterbox
    /// serve` (it runs the handler on a blocking thread); the Spin component
    /// waits asynchronously, since one instance serves up to 16 requests at
    /// once.
    fn sleep_millis(&self, millis: u64) -> Pin<Box<dyn Future<Output = ()> + '_>> {
        std::thread::sleep(std::time::Duration::from_millis(millis));
        Box::pin(std::future::ready(()))
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that stands still (tests).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn now_millis(&self) -> u64 {
        self.0
    }

    /// Does not wait.
    fn sleep_millis(&self, _millis: u64) -> Pin<Box<dyn Future<Output = ()> + '_>> {
        Box::pin(std::future::ready(()))
    }
}

/// Everything a request is handled with.
pub struct Context<'a, S> {
    pub config: &'a Config,
    pub manifest: &'a Manifest,
    pub store: &'a S,
    pub clock: &'a dyn Clock,
    /// Sends notifications and asks CAPTCHA and spam services.
    pub outbound: &'a dyn Outbound,
}
