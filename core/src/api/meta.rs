//! Object metadata shared by every kind: names, uids, owner references,
//! labels and annotations, and the small value types that specs reuse.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use super::name::Name;
use super::time::Time;
use crate::intern::Symbol;
use crate::labels::Labels;

/// An object's unique id. Kubernetes uses random UUIDs; kubesim derives them
/// from the store's seed and a counter (a bijective mix, so they never
/// collide) and prints them in UUID form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uid(pub u64);

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-8000-000000000000",
            v >> 32,
            (v >> 16) & 0xffff,
            v & 0xffff
        )
    }
}

impl Uid {
    /// Parses the UUID form printed by `Display`; any other text (a real
    /// Kubernetes UUID in a manifest) is hashed to a stable id.
    pub fn parse(s: &str) -> Uid {
        let hex: String = s.chars().filter(|c| *c != '-').take(16).collect();
        if s.ends_with("-8000-000000000000")
            && hex.len() == 16
            && let Ok(v) = u64::from_str_radix(&hex, 16)
        {
            return Uid(v);
        }
        // FNV-1a: stable across runs and platforms.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in s.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Uid(h)
    }
}

impl Serialize for Uid {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Uid {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Ok(Uid::parse(&s))
    }
}

/// A reference from a dependent to its owner (`metadata.ownerReferences[]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerReference {
    /// The owner's apiVersion, such as `apps/v1`.
    pub api_version: Symbol,
    /// The owner's kind, such as `ReplicaSet`.
    pub kind: Symbol,
    /// The owner's name (same namespace as the dependent).
    pub name: Symbol,
    /// The owner's uid; a reference whose uid no longer exists is dangling.
    pub uid: Uid,
    /// Whether the owner is the managing controller (at most one per object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<bool>,
    /// Whether foreground deletion of the owner waits for this dependent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_owner_deletion: Option<bool>,
}

impl OwnerReference {
    /// Whether this reference marks the managing controller.
    pub fn is_controller(&self) -> bool {
        self.controller == Some(true)
    }
}

/// Annotations: string keys to string values, sorted by key, shared between
/// the pods of one template until one of them changes.
#[derive(Clone, Default, PartialEq, Eq)]
#[allow(clippy::type_complexity)]
pub struct Annotations(Option<Arc<Vec<(Symbol, Box<str>)>>>);

impl Annotations {
    /// No annotations.
    pub fn new() -> Annotations {
        Annotations(None)
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        let entries = self.0.as_ref()?;
        entries.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| &**v)
    }

    /// Sets `key` to `value` (copy-on-write).
    pub fn set(&mut self, key: &str, value: &str) {
        let entries = Arc::make_mut(self.0.get_or_insert_with(Default::default));
        let key = Symbol::intern(key);
        match entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value.into(),
            None => {
                entries.push((key, value.into()));
                entries.sort_by(|a, b| a.0.cmp_str(b.0));
            }
        }
    }

    /// Removes `key`; returns whether it was present.
    pub fn remove(&mut self, key: &str) -> bool {
        let Some(arc) = self.0.as_mut() else { return false };
        let Some(pos) = arc.iter().position(|(k, _)| k.as_str() == key) else {
            return false;
        };
        Arc::make_mut(arc).remove(pos);
        if arc.is_empty() {
            self.0 = None;
        }
        true
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0
            .iter()
            .flat_map(|v| v.iter().map(|(k, v)| (k.as_str(), &**v)))
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|v| v.is_empty())
    }

    /// Total bytes of keys and values (Kubernetes caps this at 256 KiB).
    pub fn total_size(&self) -> usize {
        self.iter().map(|(k, v)| k.len() + v.len()).sum()
    }
}

impl fmt::Debug for Annotations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Annotations {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Annotations {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map: std::collections::BTreeMap<String, ScalarString> = Deserialize::deserialize(deserializer)?;
        let mut out = Annotations::new();
        for (k, v) in map {
            out.set(&k, &v.0);
        }
        Ok(out)
    }
}

/// A string that YAML may have written as a number or boolean (`"2"` as `2`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalarString(pub String);

impl<'de> Deserialize<'de> for ScalarString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Symbol::deserialize(deserializer).map(|s| ScalarString(s.as_str().to_owned()))
    }
}

/// The metadata every object has (`metadata`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// Unique within the kind and namespace.
    #[serde(default, skip_serializing_if = "Name::is_empty")]
    pub name: Name,
    /// Prefix for a name the API server generates when `name` is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_name: Option<Symbol>,
    /// The namespace; empty for cluster-scoped kinds.
    #[serde(default, skip_serializing_if = "Symbol::is_empty")]
    pub namespace: Symbol,
    /// Assigned by the store on create.
    #[serde(default, skip_serializing_if = "is_zero_uid")]
    pub uid: Uid,
    /// The store's write counter at this object's last change.
    #[serde(default, skip_serializing_if = "is_zero_u64", with = "rv_string")]
    pub resource_version: u64,
    /// Incremented on every spec change (kinds with a spec).
    #[serde(default, skip_serializing_if = "is_zero_i64")]
    pub generation: i64,
    /// Set by the store on create.
    #[serde(default)]
    pub creation_timestamp: Time,
    /// Set when a graceful or foreground deletion starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<Time>,
    /// Identifying key/value pairs that selectors match.
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    /// Non-identifying key/value pairs.
    #[serde(default, skip_serializing_if = "Annotations::is_empty")]
    pub annotations: Annotations,
    /// Owners (at most one with `controller: true`).
    #[serde(default, skip_serializing_if = "SmallVec::is_empty")]
    pub owner_references: SmallVec<[OwnerReference; 1]>,
    /// Finalizers that block removal (`foregroundDeletion`, `orphan`, ...).
    #[serde(default, skip_serializing_if = "Finalizers::is_empty")]
    pub finalizers: Finalizers,
}

/// Finalizers: almost always none, so they cost one pointer per object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[allow(clippy::box_collection)] // one pointer per object instead of three: almost none have finalizers
pub struct Finalizers(Option<Box<Vec<Symbol>>>);

impl Finalizers {
    /// Adds a finalizer.
    pub fn push(&mut self, f: Symbol) {
        self.0.get_or_insert_with(Default::default).push(f);
    }

    /// Keeps the finalizers for which `keep` is true.
    pub fn retain(&mut self, keep: impl FnMut(&Symbol) -> bool) {
        if let Some(v) = &mut self.0 {
            v.retain(keep);
            if v.is_empty() {
                self.0 = None;
            }
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The finalizers, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Symbol> {
        self.0.iter().flat_map(|v| v.iter())
    }

    /// Number of finalizers.
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |v| v.len())
    }

    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.0.as_ref().map_or(0, |v| 24 + v.capacity() * 4)
    }
}

impl FromIterator<Symbol> for Finalizers {
    fn from_iter<I: IntoIterator<Item = Symbol>>(iter: I) -> Self {
        let v: Vec<Symbol> = iter.into_iter().collect();
        Finalizers(if v.is_empty() { None } else { Some(Box::new(v)) })
    }
}

impl Serialize for Finalizers {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Finalizers {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let v: Vec<Symbol> = Deserialize::deserialize(deserializer)?;
        Ok(v.into_iter().collect())
    }
}

fn is_zero_uid(u: &Uid) -> bool {
    u.0 == 0
}
fn is_zero_u64(v: &u64) -> bool {
    *v == 0
}
fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}

/// resourceVersion is a string in Kubernetes' JSON.
mod rv_string {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = super::ScalarString::deserialize(d)?;
        Ok(s.0.parse().unwrap_or(0))
    }
}

impl ObjectMeta {
    /// Metadata with a name and namespace.
    pub fn named(namespace: &str, name: &str) -> ObjectMeta {
        ObjectMeta {
            name: Name::new(name),
            namespace: Symbol::intern(namespace),
            ..ObjectMeta::default()
        }
    }

    /// The controller owner reference, if any.
    pub fn controller_ref(&self) -> Option<&OwnerReference> {
        self.owner_references.iter().find(|r| r.is_controller())
    }

    /// Whether deletion has started.
    pub fn is_deleting(&self) -> bool {
        self.deletion_timestamp.is_some()
    }

    /// Whether `finalizer` is present.
    pub fn has_finalizer(&self, finalizer: &str) -> bool {
        self.finalizers.iter().any(|f| f.as_str() == finalizer)
    }
}

/// A reference to another object (`ObjectReference`, as in `targetRef`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference {
    /// The kind.
    #[serde(default, skip_serializing_if = "Symbol::is_empty")]
    pub kind: Symbol,
    /// The namespace.
    #[serde(default, skip_serializing_if = "Symbol::is_empty")]
    pub namespace: Symbol,
    /// The name.
    #[serde(default)]
    pub name: Name,
    /// The uid.
    #[serde(default, skip_serializing_if = "is_zero_uid")]
    pub uid: Uid,
    /// The apiVersion.
    #[serde(default, skip_serializing_if = "Symbol::is_empty")]
    pub api_version: Symbol,
}

/// An integer or a string such as `25%` (Kubernetes' `IntOrString`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntOrString {
    /// A plain number.
    Int(i32),
    /// A string: a percentage (`"25%"`) or a name (a named port).
    String(Symbol),
}

impl IntOrString {
    /// Resolves an absolute number or a percentage of `total`, rounding up or
    /// down (apimachinery `intstr.GetScaledValueFromIntOrPercent`). A string
    /// that is not a percentage is an error.
    pub fn scaled_value(&self, total: i32, round_up: bool) -> Result<i32, String> {
        match self {
            IntOrString::Int(v) => Ok(*v),
            IntOrString::String(s) => {
                let text = s.as_str();
                let pct: i64 = text
                    .strip_suffix('%')
                    .and_then(|p| p.parse().ok())
                    .ok_or_else(|| format!("invalid value for IntOrString: invalid type: string is not a percentage: {text:?}"))?;
                let product = pct * i64::from(total);
                let v = if round_up {
                    (product + 99).div_euclid(100)
                } else {
                    product.div_euclid(100)
                };
                Ok(v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
            }
        }
    }

    /// The percentage, when this is a `"N%"` string.
    pub fn percent(&self) -> Option<i64> {
        match self {
            IntOrString::String(s) => s.as_str().strip_suffix('%')?.parse().ok(),
            IntOrString::Int(_) => None,
        }
    }
}

impl fmt::Display for IntOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrString::Int(v) => write!(f, "{v}"),
            IntOrString::String(s) => f.write_str(s.as_str()),
        }
    }
}

impl Serialize for IntOrString {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            IntOrString::Int(v) => serializer.serialize_i32(*v),
            IntOrString::String(s) => serializer.serialize_str(s.as_str()),
        }
    }
}

impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = IntOrString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<IntOrString, E> {
                i32::try_from(v)
                    .map(IntOrString::Int)
                    .map_err(|_| E::custom(format!("{v} is out of range for int32")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<IntOrString, E> {
                i32::try_from(v)
                    .map(IntOrString::Int)
                    .map_err(|_| E::custom(format!("{v} is out of range for int32")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IntOrString, E> {
                Ok(IntOrString::String(Symbol::intern(v)))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A condition's status: `True`, `False` or `Unknown`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConditionStatus {
    /// The condition holds.
    True,
    /// The condition does not hold.
    False,
    /// Not known (the default).
    #[default]
    Unknown,
}

impl ConditionStatus {
    /// `True` for true, `False` for false.
    pub fn from_bool(b: bool) -> ConditionStatus {
        if b {
            ConditionStatus::True
        } else {
            ConditionStatus::False
        }
    }
}

/// A generic status condition, as Deployments, Jobs and Nodes carry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// The condition type, such as `Progressing` or `Ready`.
    #[serde(rename = "type")]
    pub type_: Symbol,
    /// Whether it holds.
    pub status: ConditionStatus,
    /// When the status last changed.
    #[serde(default)]
    pub last_transition_time: Time,
    /// When the condition was last updated (Deployments) or probed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<Time>,
    /// A machine-readable reason, such as `NewReplicaSetAvailable`.
    #[serde(default, skip_serializing_if = "Symbol::is_empty")]
    pub reason: Symbol,
    /// A human-readable message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// Finds the condition of `type_` in a list.
pub fn find_condition<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_.as_str() == type_)
}

/// Sets a condition in a list, keeping `last_transition_time` when the status
/// does not change (Kubernetes' `SetCondition` helpers).
pub fn set_condition(conditions: &mut Vec<Condition>, mut new: Condition) {
    match conditions.iter_mut().find(|c| c.type_ == new.type_) {
        Some(old) => {
            if old.status == new.status {
                new.last_transition_time = old.last_transition_time;
            }
            *old = new;
        }
        None => conditions.push(new),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_or_string_scales_percentages() {
        let p = IntOrString::String(Symbol::intern("25%"));
        assert_eq!(p.scaled_value(4, true), Ok(1));
        assert_eq!(p.scaled_value(5, true), Ok(2));
        assert_eq!(p.scaled_value(5, false), Ok(1));
        assert_eq!(IntOrString::Int(3).scaled_value(10, false), Ok(3));
        assert!(
            IntOrString::String(Symbol::intern("abc"))
                .scaled_value(4, true)
                .is_err()
        );
    }

    #[test]
    fn uid_prints_and_parses_back() {
        let u = Uid(0x0123_4567_89ab_cdef);
        assert_eq!(Uid::parse(&u.to_string()), u);
        assert_eq!(
            Uid::parse("5f3b0a2e-0000-4000-a000-1234"),
            Uid::parse("5f3b0a2e-0000-4000-a000-1234")
        );
    }

    #[test]
    fn annotations_are_sorted_and_copy_on_write() {
        let mut a = Annotations::new();
        a.set("b", "2");
        a.set("a", "1");
        let shared = a.clone();
        a.set("a", "changed");
        assert_eq!(shared.get("a"), Some("1"));
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![("a", "changed"), ("b", "2")]);
        assert!(a.remove("a"));
        assert!(!a.remove("a"));
    }
}
