//! `[forms.<name>] retention_days`: Spin has no scheduler, so expired
//! submissions are deleted as a side effect of the requests that write or
//! list a form's submissions, a bounded number per folder each time.

use crate::folder::Folder;
use crate::schema::Form;
use crate::store::Store;

use super::context::Context;
use super::response::log_store_error;

/// The most submissions of one folder one request deletes.
const SWEEP_LIMIT: u32 = 25;

const DAY_MILLIS: u64 = 86_400_000;

/// Deletes up to [`SWEEP_LIMIT`] expired submissions in each of the
/// form's folders. A store failure is logged and otherwise ignored: the
/// request it rides on must not fail for it.
pub(super) async fn sweep<S: Store>(ctx: &Context<'_, S>, form: &Form) {
    let Some(days) = form.retention_days else {
        return;
    };
    let now = ctx.clock.now_millis();
    let before = now.saturating_sub(u64::from(days).saturating_mul(DAY_MILLIS));
    let mut deleted = 0;
    for folder in Folder::ALL {
        let name = folder.store_name(&form.name);
        match ctx.store.expire(&name, before, SWEEP_LIMIT).await {
            Ok(n) => deleted += n,
            Err(e) => log_store_error(&e),
        }
    }
    if deleted > 0 {
        eprintln!(
            "letterbox: retention: deleted {deleted} submission(s) of `{}` older than {days} days",
            form.name
        );
    }
}
