//! A controller's work queue: keys in first-in order, each at most once,
//! each with the time it becomes due (client-go's delaying workqueue).

use std::collections::VecDeque;

use crate::api::Time;
use crate::collections::FxSet;
use crate::store::ObjectKey;

/// Keys waiting for a sync.
#[derive(Default)]
pub struct WorkQueue {
    items: VecDeque<(Time, ObjectKey)>,
    queued: FxSet<ObjectKey>,
}

impl WorkQueue {
    /// Adds `key`, due at `at`, unless it is already queued. Due times must
    /// not decrease between calls (a constant delay after a monotonic clock).
    pub fn add(&mut self, key: ObjectKey, at: Time) {
        if self.queued.insert(key) {
            let at = self.items.back().map_or(at, |(last, _)| at.max(*last));
            self.items.push_back((at, key));
        }
    }

    /// The next key due at or before `now`.
    pub fn pop_due(&mut self, now: Time) -> Option<ObjectKey> {
        match self.items.front() {
            Some((t, _)) if *t <= now => {
                let (_, key) = self.items.pop_front()?;
                self.queued.remove(&key);
                Some(key)
            }
            _ => None,
        }
    }

    /// When the first key becomes due.
    pub fn next_time(&self) -> Option<Time> {
        self.items.front().map(|(t, _)| *t)
    }

    /// Number of queued keys.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Kind;

    fn key(i: u32) -> ObjectKey {
        ObjectKey {
            kind: Kind::Pod,
            index: i,
            generation: 0,
        }
    }

    #[test]
    fn dedups_and_respects_due_times() {
        let mut q = WorkQueue::default();
        q.add(key(1), Time(10));
        q.add(key(2), Time(10));
        q.add(key(1), Time(20));
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop_due(Time(5)), None);
        assert_eq!(q.pop_due(Time(10)), Some(key(1)));
        q.add(key(1), Time(30));
        assert_eq!(q.pop_due(Time(10)), Some(key(2)));
        assert_eq!(q.next_time(), Some(Time(30)));
    }
}
