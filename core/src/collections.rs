//! Hash maps and sets with a fixed-state hasher.
//!
//! The standard library's default hasher is seeded per process, so iteration
//! order would differ from run to run. Every map in kubesim uses these aliases
//! instead; even so, no iteration order of a map may reach an outcome (sort
//! first), because the order still depends on insertion history.

/// A hash map with the fixed-state Fx hasher.
pub type FxMap<K, V> = hashbrown::HashMap<K, V, rustc_hash::FxBuildHasher>;

/// A hash set with the fixed-state Fx hasher.
pub type FxSet<K> = hashbrown::HashSet<K, rustc_hash::FxBuildHasher>;
