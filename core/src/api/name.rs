//! Object names, stored compactly.
//!
//! Most names are interned ([`Symbol`]). Names that the system generates
//! (`generateName` plus five random characters, as every controller-created pod
//! has) keep the interned base and the five characters inline, so a million pods
//! do not intern a million strings. Equality and hashing are by text, so a
//! generated name and an equal plain name collide as they must.

use std::fmt;
use std::hash::{Hash, Hasher};

use crate::intern::Symbol;

/// The alphabet of generated name suffixes (apimachinery `util/rand`): no
/// vowels, no confusable characters.
pub const SUFFIX_ALPHABET: &[u8; 27] = b"bcdfghjklmnpqrstvwxz2456789";

/// Length of a generated suffix.
pub const SUFFIX_LEN: usize = 5;

/// An object name: an interned base plus an optional generated suffix.
#[derive(Clone, Copy)]
pub struct Name {
    base: Symbol,
    suffix: [u8; SUFFIX_LEN],
}

impl Name {
    /// A plain name.
    pub fn new(s: &str) -> Name {
        Name {
            base: Symbol::intern(s),
            suffix: [0; SUFFIX_LEN],
        }
    }

    /// A plain name from a symbol.
    pub fn from_symbol(base: Symbol) -> Name {
        Name {
            base,
            suffix: [0; SUFFIX_LEN],
        }
    }

    /// A generated name: `base` (the generateName, already truncated) plus the
    /// suffix picked from [`SUFFIX_ALPHABET`] by `index_of` (each call returns
    /// an index below 27).
    pub fn generated(base: Symbol, mut index_of: impl FnMut() -> usize) -> Name {
        let mut suffix = [0u8; SUFFIX_LEN];
        for c in &mut suffix {
            *c = SUFFIX_ALPHABET[index_of() % SUFFIX_ALPHABET.len()];
        }
        Name { base, suffix }
    }

    /// A name equal to `s` without interning anything new, for lookups:
    /// `None` when no object can have that name (neither the whole text nor
    /// its base before a five-character suffix was ever interned).
    pub fn lookup(s: &str) -> Option<Name> {
        if let Some(sym) = Symbol::lookup(s) {
            return Some(Name::from_symbol(sym));
        }
        let split = s.len().checked_sub(SUFFIX_LEN)?;
        let (base, suffix) = (s.get(..split)?, s.get(split..)?.as_bytes());
        let base = Symbol::lookup(base)?;
        let mut chars = [0u8; SUFFIX_LEN];
        chars.copy_from_slice(suffix);
        if chars[0] == 0 {
            return None;
        }
        Some(Name { base, suffix: chars })
    }

    /// The empty name (an object that has none yet).
    pub fn empty() -> Name {
        Name::from_symbol(Symbol::EMPTY)
    }

    /// Whether the name is empty.
    pub fn is_empty(&self) -> bool {
        self.base.is_empty() && self.suffix[0] == 0
    }

    /// The interned base (the whole name when it is not generated).
    pub fn base(&self) -> Symbol {
        self.base
    }

    /// The generated suffix, if any.
    pub fn suffix(&self) -> Option<&str> {
        if self.suffix[0] == 0 {
            None
        } else {
            std::str::from_utf8(&self.suffix).ok()
        }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.base.as_str().len() + if self.suffix[0] == 0 { 0 } else { SUFFIX_LEN }
    }

    /// Writes the text into `buf`, returning the used part (names are at most
    /// 253 bytes after validation; longer ones are compared through `to_string`).
    fn text<'a>(&self, buf: &'a mut [u8; 512]) -> Option<&'a [u8]> {
        let base = self.base.as_str().as_bytes();
        let n = self.len();
        if n > buf.len() {
            return None;
        }
        buf[..base.len()].copy_from_slice(base);
        if self.suffix[0] != 0 {
            buf[base.len()..n].copy_from_slice(&self.suffix);
        }
        Some(&buf[..n])
    }

    /// The whole name as one interned symbol (interns generated names; use
    /// for names that are referenced by others, such as owners).
    pub fn to_symbol(&self) -> Symbol {
        if self.suffix[0] == 0 {
            self.base
        } else {
            Symbol::intern(&self.to_string())
        }
    }

    /// The name as an owned string.
    pub fn as_string(&self) -> String {
        self.to_string()
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        if self.base == other.base && self.suffix == other.suffix {
            return true;
        }
        if self.suffix[0] == 0 && other.suffix[0] == 0 {
            return false; // distinct symbols are distinct strings
        }
        if self.len() != other.len() {
            return false;
        }
        self.to_string() == other.to_string()
    }
}

impl Eq for Name {}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut buf = [0u8; 512];
        match self.text(&mut buf) {
            Some(bytes) => state.write(bytes),
            None => state.write(self.to_string().as_bytes()),
        }
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    /// By text, byte order.
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        if self == other {
            return std::cmp::Ordering::Equal;
        }
        self.to_string().cmp(&other.to_string())
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.base.as_str())?;
        if let Some(s) = self.suffix() {
            f.write_str(s)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string())
    }
}

impl Default for Name {
    fn default() -> Name {
        Name::empty()
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name::new(s)
    }
}

impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Symbol::deserialize(deserializer).map(Name::from_symbol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;

    fn hash(n: &Name) -> u64 {
        let mut h = DefaultHasher::new();
        n.hash(&mut h);
        h.finish()
    }

    #[test]
    fn generated_and_plain_names_compare_by_text() {
        let mut i = 0;
        let generated = Name::generated(Symbol::intern("web-"), || {
            i += 1;
            i - 1
        });
        assert_eq!(generated.to_string(), "web-bcdfg");
        let plain = Name::new("web-bcdfg");
        assert_eq!(generated, plain);
        assert_eq!(hash(&generated), hash(&plain));
        assert_ne!(generated, Name::new("web-bcdfh"));
        assert_eq!(generated.len(), 9);
        assert!(Name::new("a") < Name::new("b"));
    }
}
