//! The TTL-after-finished controller
//! (`pkg/controller/ttlafterfinished/ttlafterfinished_controller.go`):
//! a finished Job with `ttlSecondsAfterFinished` is deleted, with
//! Foreground propagation (its pods first), once the time of its `Complete`
//! or `Failed` condition plus the TTL is not after now; until then the
//! controller wakes at the expiry.

use super::job::{finish_condition, is_finished};
use super::{Controller, Ctx};
use crate::api::{Job, Kind};
use crate::store::{Change, ChangeOp, DeleteOptions, ObjectKey, Propagation, Store, typed_key};

const NAME: &str = "ttl-after-finished-controller";

/// The TTL-after-finished controller.
#[derive(Default)]
pub struct TtlAfterFinishedController;

/// `needsCleanup`: finished, with a TTL, and not being deleted.
fn needs_cleanup(job: &Job) -> bool {
    job.metadata.deletion_timestamp.is_none()
        && job.spec.ttl_seconds_after_finished.is_some()
        && is_finished(job)
}

impl Controller for TtlAfterFinishedController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn observe(&mut self, store: &Store, change: &Change, enqueue: &mut dyn FnMut(ObjectKey)) {
        if change.key.kind != Kind::Job || matches!(change.op, ChangeOp::Deleted(_)) {
            return;
        }
        if typed_key::<Job>(change.key)
            .and_then(|k| store.get(k))
            .is_some_and(needs_cleanup)
        {
            enqueue(change.key);
        }
    }

    fn sync(&mut self, ctx: &mut Ctx<'_>, key: ObjectKey) {
        let Some(job_key) = typed_key::<Job>(key) else {
            return;
        };
        let Some(job) = ctx.store.get(job_key) else { return };
        if !needs_cleanup(job) {
            return;
        }
        let (Some(finished), Some(ttl)) = (finish_condition(job), job.spec.ttl_seconds_after_finished) else {
            return;
        };
        let expire = finished.last_transition_time.plus_secs(i64::from(ttl));
        let remaining = expire.since(ctx.now);
        if remaining > 0 {
            ctx.requeue_after(key, remaining);
            return;
        }
        let _ = ctx
            .store
            .delete(job_key, DeleteOptions::propagation(Propagation::Foreground));
    }
}
