//! A generational arena: objects of one kind in a dense vector, addressed by
//! typed keys (slot index + generation), so a key to a deleted object is
//! detected instead of dangling, and slot indices are dense `u32`s that the
//! label index can store in bitmaps.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// A typed key: `Key<Pod>` cannot be used to look up a Node.
pub struct Key<T> {
    index: u32,
    generation: u32,
    _kind: PhantomData<fn() -> T>,
}

impl<T> Key<T> {
    /// The key of slot `index` at `generation`.
    pub const fn new(index: u32, generation: u32) -> Key<T> {
        Key {
            index,
            generation,
            _kind: PhantomData,
        }
    }

    /// The dense slot index.
    pub const fn index(self) -> u32 {
        self.index
    }

    /// The slot's generation when the key was issued.
    pub const fn generation(self) -> u32 {
        self.generation
    }
}

impl<T> Clone for Key<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Key<T> {}
impl<T> PartialEq for Key<T> {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index && self.generation == other.generation
    }
}
impl<T> Eq for Key<T> {}
impl<T> PartialOrd for Key<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Key<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.index, self.generation).cmp(&(other.index, other.generation))
    }
}
impl<T> Hash for Key<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(u64::from(self.index) | (u64::from(self.generation) << 32));
    }
}
impl<T> fmt::Debug for Key<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}v{}", self.index, self.generation)
    }
}

struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

/// Objects of one kind. Freed slots are reused last-in first-out, which is
/// deterministic for a given sequence of operations.
pub struct Arena<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    len: usize,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Arena {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Arena<T> {
    /// Stores `value`, returning its key.
    pub fn insert(&mut self, value: T) -> Key<T> {
        self.len += 1;
        if let Some(index) = self.free.pop() {
            let slot = &mut self.slots[index as usize];
            debug_assert!(slot.value.is_none());
            slot.generation = slot.generation.wrapping_add(1);
            slot.value = Some(value);
            return Key::new(index, slot.generation);
        }
        let index = u32::try_from(self.slots.len()).expect("fewer than 2^32 objects of one kind");
        self.slots.push(Slot {
            generation: 0,
            value: Some(value),
        });
        Key::new(index, 0)
    }

    /// The object at `key`, unless it was removed.
    pub fn get(&self, key: Key<T>) -> Option<&T> {
        let slot = self.slots.get(key.index as usize)?;
        if slot.generation == key.generation {
            slot.value.as_ref()
        } else {
            None
        }
    }

    /// The object at `key`, mutably.
    pub fn get_mut(&mut self, key: Key<T>) -> Option<&mut T> {
        let slot = self.slots.get_mut(key.index as usize)?;
        if slot.generation == key.generation {
            slot.value.as_mut()
        } else {
            None
        }
    }

    /// The live key of slot `index`, if occupied.
    pub fn key_at(&self, index: u32) -> Option<Key<T>> {
        let slot = self.slots.get(index as usize)?;
        slot.value.as_ref().map(|_| Key::new(index, slot.generation))
    }

    /// Removes and returns the object at `key`.
    pub fn remove(&mut self, key: Key<T>) -> Option<T> {
        let slot = self.slots.get_mut(key.index as usize)?;
        if slot.generation != key.generation {
            return None;
        }
        let value = slot.value.take()?;
        self.free.push(key.index);
        self.len -= 1;
        Some(value)
    }

    /// Number of live objects.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Live objects in slot order (deterministic).
    pub fn iter(&self) -> impl Iterator<Item = (Key<T>, &T)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.value.as_ref().map(|v| (Key::new(i as u32, s.generation), v)))
    }

    /// Number of slots, live or free (slot indices are below this).
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Bytes of the slot vector (not what the objects point to).
    pub fn slot_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot<T>>() + self.free.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_keys_are_detected() {
        let mut a: Arena<&str> = Arena::default();
        let k1 = a.insert("one");
        let k2 = a.insert("two");
        assert_eq!(a.remove(k1), Some("one"));
        assert_eq!(a.get(k1), None);
        let k3 = a.insert("three");
        assert_eq!(k3.index(), k1.index());
        assert_ne!(k3, k1);
        assert_eq!(a.get(k1), None);
        assert_eq!(a.get(k3), Some(&"three"));
        assert_eq!(a.key_at(k2.index()), Some(k2));
        assert_eq!(
            a.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
            vec!["three", "two"]
        );
        assert_eq!(a.len(), 2);
    }
}
