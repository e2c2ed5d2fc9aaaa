//! Resource lists (`requests`, `limits`, `allocatable`, quota `hard`) as
//! integers.
//!
//! Every quantity is stored as an `i64` in its resource's canonical unit:
//! milli-units for CPU-like names (`cpu`, `requests.cpu`, `limits.cpu`), whole
//! units (`Quantity::value`, rounded up) for everything else, exactly the
//! numbers the scheduler and quota compare (kube-scheduler's `framework.Resource`
//! holds `MilliCPU` and `Memory` as int64 the same way). Printing turns them
//! back into canonical quantities; the original suffix (`1G` versus `953Mi`)
//! is not kept.

use std::fmt;

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use crate::intern::Symbol;
use crate::quantity::{Format, Quantity};

/// Whether `name` is counted in milli-units (CPU) rather than whole units.
pub fn is_milli_resource(name: &str) -> bool {
    name == "cpu" || name.ends_with(".cpu")
}

/// Whether `name` prints in binary SI when it divides evenly (memory-like).
fn is_byte_resource(name: &str) -> bool {
    name.contains("memory") || name.contains("storage") || name.starts_with("hugepages-")
}

/// Converts a quantity to the canonical integer of resource `name`.
pub fn quantity_to_units(name: &str, q: &Quantity) -> i64 {
    if is_milli_resource(name) {
        q.milli_value()
    } else {
        q.value()
    }
}

/// Converts the canonical integer of resource `name` back to a quantity.
pub fn units_to_quantity(name: &str, v: i64) -> Quantity {
    if is_milli_resource(name) {
        Quantity::from_milli(v, Format::DecimalSI)
    } else if is_byte_resource(name) && v != 0 && v % 1024 == 0 {
        Quantity::from_value(v, Format::BinarySI)
    } else {
        Quantity::from_value(v, Format::DecimalSI)
    }
}

/// Resource name to amount, in canonical units, sorted by name.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ResourceList(SmallVec<[(Symbol, i64); 2]>);

impl ResourceList {
    /// An empty list.
    pub fn new() -> ResourceList {
        ResourceList(SmallVec::new())
    }

    /// A list of CPU (milli) and memory (bytes), the common case.
    pub fn cpu_memory(milli_cpu: i64, memory_bytes: i64) -> ResourceList {
        let mut r = ResourceList::new();
        r.set(Symbol::CPU, milli_cpu);
        r.set(Symbol::MEMORY, memory_bytes);
        r
    }

    /// Parses `{name: quantity}` pairs, e.g. `[("cpu", "100m"), ("memory", "1Gi")]`.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<ResourceList, String> {
        let mut r = ResourceList::new();
        for (name, q) in pairs {
            let quantity: Quantity = q.parse().map_err(|e| format!("{name}: {e}"))?;
            r.set(Symbol::intern(name), quantity_to_units(name, &quantity));
        }
        Ok(r)
    }

    /// The amount of `name`, if listed.
    pub fn get(&self, name: Symbol) -> Option<i64> {
        self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }

    /// The amount of `name`, or 0.
    pub fn get_or_zero(&self, name: Symbol) -> i64 {
        self.get(name).unwrap_or(0)
    }

    /// Milli-CPU, or 0.
    pub fn cpu(&self) -> i64 {
        self.get_or_zero(Symbol::CPU)
    }

    /// Memory bytes, or 0.
    pub fn memory(&self) -> i64 {
        self.get_or_zero(Symbol::MEMORY)
    }

    /// Sets `name` to `value`.
    pub fn set(&mut self, name: Symbol, value: i64) {
        match self.0.iter_mut().find(|(k, _)| *k == name) {
            Some(entry) => entry.1 = value,
            None => {
                let pos = self
                    .0
                    .iter()
                    .position(|(k, _)| k.cmp_str(name).is_gt())
                    .unwrap_or(self.0.len());
                self.0.insert(pos, (name, value));
            }
        }
    }

    /// Removes `name`.
    pub fn remove(&mut self, name: Symbol) {
        self.0.retain(|(k, _)| *k != name);
    }

    /// Whether `name` is listed.
    pub fn contains(&self, name: Symbol) -> bool {
        self.get(name).is_some()
    }

    /// Entries in name order.
    pub fn iter(&self) -> impl Iterator<Item = (Symbol, i64)> + '_ {
        self.0.iter().copied()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds every entry of `other` (saturating).
    pub fn add(&mut self, other: &ResourceList) {
        for (k, v) in other.iter() {
            let cur = self.get_or_zero(k);
            self.set(k, cur.saturating_add(v));
        }
    }

    /// For every entry of `other`, keeps the larger value.
    pub fn max_with(&mut self, other: &ResourceList) {
        for (k, v) in other.iter() {
            if self.get(k).is_none_or(|cur| v > cur) {
                self.set(k, v);
            }
        }
    }
}

impl fmt::Debug for ResourceList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.iter()
                    .map(|(k, v)| (k.as_str(), units_to_quantity(k.as_str(), v).to_string())),
            )
            .finish()
    }
}

impl Serialize for ResourceList {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(
            self.iter()
                .map(|(k, v)| (k.as_str(), units_to_quantity(k.as_str(), v))),
        )
    }
}

impl<'de> Deserialize<'de> for ResourceList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map: std::collections::BTreeMap<String, Quantity> = Deserialize::deserialize(deserializer)?;
        let mut r = ResourceList::new();
        for (name, q) in map {
            r.set(Symbol::intern(&name), quantity_to_units(&name, &q));
        }
        Ok(r)
    }
}

/// A container's `resources`: requests and limits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRequirements {
    /// What the scheduler reserves.
    #[serde(default, skip_serializing_if = "ResourceList::is_empty")]
    pub requests: ResourceList,
    /// The most the container may use.
    #[serde(default, skip_serializing_if = "ResourceList::is_empty")]
    pub limits: ResourceList,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_is_milli_and_memory_is_bytes() {
        let r = ResourceList::parse([("cpu", "100m"), ("memory", "1Gi"), ("nvidia.com/gpu", "2")]).unwrap();
        assert_eq!(r.cpu(), 100);
        assert_eq!(r.memory(), 1 << 30);
        assert_eq!(r.get(Symbol::NVIDIA_GPU), Some(2));
        let names: Vec<&str> = r.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, vec!["cpu", "memory", "nvidia.com/gpu"]);
        assert!(ResourceList::parse([("cpu", "lots")]).is_err());
    }

    #[test]
    fn add_and_max() {
        let mut a = ResourceList::cpu_memory(100, 10);
        a.add(&ResourceList::cpu_memory(50, 5));
        assert_eq!((a.cpu(), a.memory()), (150, 15));
        a.max_with(&ResourceList::cpu_memory(500, 1));
        assert_eq!((a.cpu(), a.memory()), (500, 15));
    }
}
