//! A fixed-size bitset over node slots, and its linear twin (`Vec<bool>`) that tests compare
//! it with.

/// Bits `0..len`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Bitset {
    words: Vec<u64>,
    len: usize,
}

impl Bitset {
    /// `len` cleared bits.
    pub fn new(len: usize) -> Bitset {
        Bitset {
            words: vec![0; len.div_ceil(64)],
            len,
        }
    }

    /// Number of bits.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no bits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bit `i` (false beyond the end).
    #[inline]
    pub fn get(&self, i: usize) -> bool {
        i < self.len && self.words[i / 64] & (1 << (i % 64)) != 0
    }

    /// Sets bit `i` to `v`.
    #[inline]
    pub fn set(&mut self, i: usize, v: bool) {
        let (w, b) = (i / 64, i % 64);
        if v {
            self.words[w] |= 1 << b;
        } else {
            self.words[w] &= !(1 << b);
        }
    }

    /// Number of set bits.
    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// `self &= other` (same length).
    pub fn and_with(&mut self, other: &Bitset) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= b;
        }
    }

    /// `self |= other` (same length).
    pub fn or_with(&mut self, other: &Bitset) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }

    /// The set bits in increasing order.
    pub fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(wi, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let b = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(wi * 64 + b)
            })
        })
    }
}

/// The linear twin of [`Bitset`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinearBitset(pub Vec<bool>);

impl LinearBitset {
    /// Bit `i`.
    pub fn get(&self, i: usize) -> bool {
        self.0.get(i).copied().unwrap_or(false)
    }
    /// Number of set bits.
    pub fn count(&self) -> usize {
        self.0.iter().filter(|b| **b).count()
    }
    /// Set bits in order.
    pub fn ones(&self) -> Vec<usize> {
        (0..self.0.len()).filter(|i| self.0[*i]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn bitset_agrees_with_linear(bits in proptest::collection::vec(any::<bool>(), 0..300),
                                     other in proptest::collection::vec(any::<bool>(), 300)) {
            let mut b = Bitset::new(bits.len());
            let mut o = Bitset::new(bits.len());
            for (i, v) in bits.iter().enumerate() {
                b.set(i, *v);
                o.set(i, other[i]);
            }
            let lin = LinearBitset(bits.clone());
            prop_assert_eq!(b.count(), lin.count());
            prop_assert_eq!(b.ones().collect::<Vec<_>>(), lin.ones());
            for i in 0..bits.len() + 3 {
                prop_assert_eq!(b.get(i), lin.get(i));
            }
            let mut and = b.clone();
            and.and_with(&o);
            let mut or = b.clone();
            or.or_with(&o);
            for i in 0..bits.len() {
                prop_assert_eq!(and.get(i), bits[i] && other[i]);
                prop_assert_eq!(or.get(i), bits[i] || other[i]);
            }
        }
    }
}
