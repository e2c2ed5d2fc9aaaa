//! One kind's objects: the arena plus the (namespace, name) index.

use super::arena::{Arena, Key};
use crate::api::{Name, Object};
use crate::collections::FxMap;
use crate::intern::Symbol;

/// All objects of one kind.
pub struct Table<T> {
    pub(super) arena: Arena<T>,
    pub(super) by_name: FxMap<(Symbol, Name), u32>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            arena: Arena::default(),
            by_name: FxMap::default(),
        }
    }
}

impl<T: Object> Table<T> {
    /// The object at `key`.
    pub fn get(&self, key: Key<T>) -> Option<&T> {
        self.arena.get(key)
    }

    /// The key of `namespace/name`.
    pub fn lookup(&self, namespace: Symbol, name: &Name) -> Option<Key<T>> {
        let index = *self.by_name.get(&(namespace, *name))?;
        self.arena.key_at(index)
    }

    /// The live key of slot `index`.
    pub fn key_at(&self, index: u32) -> Option<Key<T>> {
        self.arena.key_at(index)
    }

    /// All objects in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (Key<T>, &T)> {
        self.arena.iter()
    }

    /// Number of objects.
    pub fn len(&self) -> usize {
        self.arena.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.arena.is_empty()
    }

    /// Number of slots (an upper bound of slot indices).
    pub fn capacity(&self) -> usize {
        self.arena.capacity()
    }

    pub(super) fn insert(&mut self, obj: T) -> Key<T> {
        let ns = obj.metadata().namespace;
        let name = obj.metadata().name;
        let key = self.arena.insert(obj);
        self.by_name.insert((ns, name), key.index());
        key
    }

    pub(super) fn remove(&mut self, key: Key<T>) -> Option<T> {
        let obj = self.arena.remove(key)?;
        self.by_name
            .remove(&(obj.metadata().namespace, obj.metadata().name));
        Some(obj)
    }

    /// Bytes held by the slots and the name index (not heap the objects own).
    pub fn table_bytes(&self) -> usize {
        // hashbrown: one control byte plus the entry per bucket.
        self.arena.slot_bytes() + self.by_name.capacity() * (std::mem::size_of::<((Symbol, Name), u32)>() + 1)
    }
}
