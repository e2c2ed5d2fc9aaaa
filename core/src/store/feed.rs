//! The change feed: every committed write, in resourceVersion order, read by
//! consumers through cursors (Kubernetes' watch). Entries every cursor has
//! passed are dropped.

use crate::api::{AnyObject, Kind};

/// A key of any kind: the kind plus the arena slot and generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    /// The kind.
    pub kind: Kind,
    /// The slot index in that kind's arena.
    pub index: u32,
    /// The slot's generation.
    pub generation: u32,
}

/// What happened to an object.
#[derive(Clone, Debug, PartialEq)]
pub enum ChangeOp {
    /// Created.
    Added,
    /// Changed (metadata, spec or status).
    Modified,
    /// Removed; the last state of the object.
    Deleted(Box<AnyObject>),
}

/// One committed write.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The store's resourceVersion after the write.
    pub resource_version: u64,
    /// The object.
    pub key: ObjectKey,
    /// What happened.
    pub op: ChangeOp,
}

/// A consumer's position in the feed.
#[derive(Debug, PartialEq, Eq)]
pub struct Cursor {
    id: usize,
}

/// The log of changes with its cursors.
#[derive(Default)]
pub struct Feed {
    /// Absolute position of `entries[0]`.
    base: u64,
    entries: Vec<Change>,
    /// Absolute position of each cursor (`u64::MAX` when released).
    cursors: Vec<u64>,
}

impl Feed {
    /// Appends a change.
    pub fn push(&mut self, change: Change) {
        if self.cursors.iter().all(|&c| c == u64::MAX) {
            // Nobody watches: keep nothing.
            self.base += 1;
            return;
        }
        self.entries.push(change);
    }

    /// A cursor positioned at the end (it sees future changes only).
    pub fn watch(&mut self) -> Cursor {
        let pos = self.base + self.entries.len() as u64;
        if let Some(id) = self.cursors.iter().position(|&c| c == u64::MAX) {
            self.cursors[id] = pos;
            return Cursor { id };
        }
        self.cursors.push(pos);
        Cursor {
            id: self.cursors.len() - 1,
        }
    }

    /// Releases a cursor.
    pub fn unwatch(&mut self, cursor: Cursor) {
        self.cursors[cursor.id] = u64::MAX;
        self.compact();
    }

    /// The changes the cursor has not seen yet.
    pub fn pending(&self, cursor: &Cursor) -> &[Change] {
        let start = (self.cursors[cursor.id] - self.base) as usize;
        &self.entries[start..]
    }

    /// Whether the cursor has unseen changes.
    pub fn has_pending(&self, cursor: &Cursor) -> bool {
        self.cursors[cursor.id] < self.base + self.entries.len() as u64
    }

    /// Marks the first `n` pending changes as seen.
    pub fn advance(&mut self, cursor: &Cursor, n: usize) {
        let pos = &mut self.cursors[cursor.id];
        *pos = (*pos + n as u64).min(self.base + self.entries.len() as u64);
        self.compact();
    }

    /// Marks everything as seen.
    pub fn ack_all(&mut self, cursor: &Cursor) {
        self.cursors[cursor.id] = self.base + self.entries.len() as u64;
        self.compact();
    }

    /// Number of entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entries are held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn compact(&mut self) {
        let min = self.cursors.iter().copied().min().unwrap_or(u64::MAX);
        let end = self.base + self.entries.len() as u64;
        let cut = min.min(end).saturating_sub(self.base) as usize;
        // Drop in bulk: only when the dead prefix is at least half the log.
        if cut > 0 && cut * 2 >= self.entries.len() {
            self.entries.drain(..cut);
            self.base += cut as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(rv: u64) -> Change {
        Change {
            resource_version: rv,
            key: ObjectKey {
                kind: Kind::Pod,
                index: 0,
                generation: 0,
            },
            op: ChangeOp::Added,
        }
    }

    #[test]
    fn cursors_see_changes_in_order_and_the_log_is_compacted() {
        let mut feed = Feed::default();
        feed.push(change(1)); // nobody watches: dropped
        let a = feed.watch();
        let b = feed.watch();
        feed.push(change(2));
        feed.push(change(3));
        assert_eq!(
            feed.pending(&a)
                .iter()
                .map(|c| c.resource_version)
                .collect::<Vec<_>>(),
            vec![2, 3]
        );
        feed.advance(&a, 1);
        assert_eq!(feed.pending(&a)[0].resource_version, 3);
        feed.ack_all(&a);
        assert!(!feed.has_pending(&a));
        assert_eq!(feed.pending(&b).len(), 2);
        feed.ack_all(&b);
        assert!(feed.is_empty());
        feed.unwatch(b);
        let c = feed.watch();
        feed.push(change(4));
        assert_eq!(feed.pending(&c).len(), 1);
    }
}
