//! Interned strings: label keys and values, namespaces, node names, images.
//!
//! A [`Symbol`] is a 4-byte handle to a string that lives for the whole process.
//! Interning makes labels and names cheap to store, copy, compare and hash, which
//! is what lets the store hold a million pods in a few hundred bytes each.
//!
//! The interner is global (shared by every simulation in the process) so that
//! types such as `Labels` can be built from plain strings without a context
//! argument. Symbol *numbers* depend on the order in which strings were first
//! seen, which can differ between runs and threads; nothing that reaches an
//! outcome may depend on them. Order-sensitive code compares [`Symbol::as_str`]
//! (see [`Symbol::cmp_str`]); symbol equality is always exact.

use std::cell::RefCell;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::{LazyLock, RwLock};

use crate::collections::FxMap;

/// A handle to an interned string. Equal strings always have equal symbols.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Symbol(NonZeroU32);

struct Interner {
    ids: FxMap<&'static str, Symbol>,
    strings: Vec<&'static str>,
}

/// Strings interned at start-up, in this order, so that their symbols are
/// constants (see the associated constants on [`Symbol`]).
const WELL_KNOWN: &[&str] = &[
    "",
    "cpu",
    "memory",
    "ephemeral-storage",
    "pods",
    "nvidia.com/gpu",
    "default",
    "pod-template-hash",
    "kubernetes.io/hostname",
    "topology.kubernetes.io/zone",
    "kube-system",
];

impl Symbol {
    /// The empty string.
    pub const EMPTY: Symbol = Symbol::well_known(0);
    /// `cpu` (quantities of it are stored in milli-CPU).
    pub const CPU: Symbol = Symbol::well_known(1);
    /// `memory` (bytes).
    pub const MEMORY: Symbol = Symbol::well_known(2);
    /// `ephemeral-storage` (bytes).
    pub const EPHEMERAL_STORAGE: Symbol = Symbol::well_known(3);
    /// `pods` (a count).
    pub const PODS: Symbol = Symbol::well_known(4);
    /// `nvidia.com/gpu`, the extended resource of GPU nodes.
    pub const NVIDIA_GPU: Symbol = Symbol::well_known(5);
    /// `default`, the default namespace.
    pub const DEFAULT: Symbol = Symbol::well_known(6);
    /// `pod-template-hash`, the label a Deployment puts on its ReplicaSets' pods.
    pub const POD_TEMPLATE_HASH: Symbol = Symbol::well_known(7);
    /// `kubernetes.io/hostname`, the node label naming the node.
    pub const HOSTNAME: Symbol = Symbol::well_known(8);
    /// `topology.kubernetes.io/zone`, the node label naming its zone.
    pub const ZONE: Symbol = Symbol::well_known(9);
    /// `kube-system`, the namespace of system components.
    pub const KUBE_SYSTEM: Symbol = Symbol::well_known(10);

    const fn well_known(index: u32) -> Symbol {
        match NonZeroU32::new(index + 1) {
            Some(n) => Symbol(n),
            None => panic!("symbol index overflow"),
        }
    }

    /// Interns `s`, returning the symbol that every equal string shares.
    pub fn intern(s: &str) -> Symbol {
        if let Some(sym) = INTERNER.read().expect("interner lock").ids.get(s) {
            return *sym;
        }
        let mut interner = INTERNER.write().expect("interner lock");
        if let Some(sym) = interner.ids.get(s) {
            return *sym;
        }
        let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
        interner.push(leaked)
    }

    /// The symbol of `s` if it was ever interned, without interning it.
    pub fn lookup(s: &str) -> Option<Symbol> {
        INTERNER.read().expect("interner lock").ids.get(s).copied()
    }

    /// The interned string.
    pub fn as_str(self) -> &'static str {
        let i = self.index();
        // Strings are interned rarely and read constantly: each thread reads
        // its own copy of the table and takes the lock only to catch up.
        LOCAL_STRINGS.with(|local| {
            if let Some(s) = local.borrow().get(i) {
                return *s;
            }
            let global = INTERNER.read().expect("interner lock");
            let mut local = local.borrow_mut();
            let have = local.len();
            local.extend_from_slice(&global.strings[have..]);
            local[i]
        })
    }

    /// Whether this is the empty string.
    pub fn is_empty(&self) -> bool {
        *self == Symbol::EMPTY
    }

    /// Compares the strings (byte order), not the symbol numbers. Use this
    /// wherever an order can reach an outcome or an output.
    pub fn cmp_str(self, other: Symbol) -> std::cmp::Ordering {
        if self == other {
            std::cmp::Ordering::Equal
        } else {
            self.as_str().cmp(other.as_str())
        }
    }

    /// A dense index (0-based), for side tables keyed by symbol.
    pub fn index(self) -> usize {
        (self.0.get() - 1) as usize
    }
}

impl Interner {
    fn push(&mut self, s: &'static str) -> Symbol {
        let next = u32::try_from(self.strings.len() + 1).expect("fewer than 2^32 symbols");
        let sym = Symbol(NonZeroU32::new(next).expect("non-zero"));
        self.strings.push(s);
        self.ids.insert(s, sym);
        sym
    }
}

thread_local! {
    /// This thread's copy of a prefix of `INTERNER.strings` (which only grows).
    static LOCAL_STRINGS: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

static INTERNER: LazyLock<RwLock<Interner>> = LazyLock::new(|| {
    let mut interner = Interner {
        ids: FxMap::default(),
        strings: Vec::new(),
    };
    for s in WELL_KNOWN {
        interner.push(s);
    }
    RwLock::new(interner)
});

impl Default for Symbol {
    fn default() -> Self {
        Symbol::EMPTY
    }
}

impl From<&str> for Symbol {
    fn from(s: &str) -> Self {
        Symbol::intern(s)
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl serde::Serialize for Symbol {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Symbol {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Symbol;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Symbol, E> {
                Ok(Symbol::intern(v))
            }
            // YAML users write `version: 2` or `enabled: true` for label values;
            // Kubernetes rejects non-strings, but a clear error beats a type error
            // deep in serde, so accept scalars and let validation judge them.
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Symbol, E> {
                Ok(Symbol::intern(&v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Symbol, E> {
                Ok(Symbol::intern(&v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Symbol, E> {
                Ok(Symbol::intern(&v.to_string()))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Symbol, E> {
                Ok(Symbol::intern(if v { "true" } else { "false" }))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_share_a_symbol() {
        let a = Symbol::intern("app");
        let b = Symbol::intern(&String::from("app"));
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "app");
        assert_ne!(a, Symbol::intern("tier"));
    }

    #[test]
    fn well_known_symbols_are_their_strings() {
        for (i, s) in WELL_KNOWN.iter().enumerate() {
            assert_eq!(Symbol::intern(s).index(), i);
        }
        assert_eq!(Symbol::CPU.as_str(), "cpu");
        assert_eq!(Symbol::ZONE.as_str(), "topology.kubernetes.io/zone");
    }

    #[test]
    fn cmp_str_orders_by_text_not_by_number() {
        let z = Symbol::intern("zzz-first-interned");
        let a = Symbol::intern("aaa-second-interned");
        assert_eq!(a.cmp_str(z), std::cmp::Ordering::Less);
    }
}
