//! The selection tree: a segment tree over node positions whose leaves hold a node's total
//! score when the node is feasible for a pod class (or nothing), and whose inner nodes hold the
//! number of feasible leaves and the (best score, how many leaves have it) pair. It answers
//! kube-scheduler's sampled selection exactly in O(log N): the k-th feasible node after the
//! rotating start, the best score over a circular range, and the j-th node with that score.
//! [`LinearSelect`] is its linear twin.

/// Per-range aggregate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Agg {
    count: u32,
    max: i32,
    cnt: u32,
}

const EMPTY: Agg = Agg {
    count: 0,
    max: i32::MIN,
    cnt: 0,
};

fn leaf(v: Option<i32>) -> Agg {
    match v {
        Some(s) => Agg {
            count: 1,
            max: s,
            cnt: 1,
        },
        None => EMPTY,
    }
}

fn combine(a: Agg, b: Agg) -> Agg {
    let max = a.max.max(b.max);
    Agg {
        count: a.count + b.count,
        max,
        cnt: if a.max == max { a.cnt } else { 0 } + if b.max == max { b.cnt } else { 0 },
    }
}

/// The segment tree.
#[derive(Clone, Debug, Default)]
pub struct SelectTree {
    n: usize,
    size: usize,
    t: Vec<Agg>,
}

impl SelectTree {
    /// A tree over `values` (one per position).
    pub fn build(values: impl ExactSizeIterator<Item = Option<i32>>) -> SelectTree {
        let n = values.len();
        let size = n.next_power_of_two().max(1);
        let mut t = vec![EMPTY; 2 * size];
        for (i, v) in values.enumerate() {
            t[size + i] = leaf(v);
        }
        for i in (1..size).rev() {
            t[i] = combine(t[2 * i], t[2 * i + 1]);
        }
        SelectTree { n, size, t }
    }

    /// Number of positions.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether there are no positions.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The value at position `i`.
    pub fn get(&self, i: usize) -> Option<i32> {
        let a = self.t[self.size + i];
        (a.count == 1).then_some(a.max)
    }

    /// Calls `f(position, value)` for each feasible position of the circular range of `len`
    /// positions from `start`, in order (a linear walk over the leaves).
    pub fn for_each_in(&self, start: usize, len: usize, mut f: impl FnMut(usize, i32)) {
        let first = len.min(self.n - start);
        for (range, offset) in [(start..start + first, start), (0..len - first, 0)] {
            let leaves = &self.t[self.size + range.start..self.size + range.end];
            for (i, a) in leaves.iter().enumerate() {
                if a.count == 1 {
                    f(offset + i, a.max);
                }
            }
        }
    }

    /// Sets position `i`.
    pub fn set(&mut self, i: usize, v: Option<i32>) {
        let mut p = self.size + i;
        let new = leaf(v);
        if self.t[p] == new {
            return;
        }
        self.t[p] = new;
        while p > 1 {
            p /= 2;
            self.t[p] = combine(self.t[2 * p], self.t[2 * p + 1]);
        }
    }

    /// Feasible positions in total.
    pub fn count(&self) -> usize {
        self.t[1].count as usize
    }

    fn query(&self, l: usize, r: usize) -> Agg {
        let (mut l, mut r) = (l + self.size, r + self.size);
        let (mut left, mut right) = (EMPTY, EMPTY);
        while l < r {
            if l & 1 == 1 {
                left = combine(left, self.t[l]);
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                right = combine(self.t[r], right);
            }
            l /= 2;
            r /= 2;
        }
        combine(left, right)
    }

    /// Feasible positions in `l..r`.
    pub fn count_range(&self, l: usize, r: usize) -> usize {
        self.query(l, r).count as usize
    }

    /// The `k`-th (1-based) feasible position overall.
    fn kth(&self, mut k: u32) -> usize {
        let mut p = 1;
        while p < self.size {
            if self.t[2 * p].count >= k {
                p *= 2;
            } else {
                k -= self.t[2 * p].count;
                p = 2 * p + 1;
            }
        }
        p - self.size
    }

    /// The `k`-th (1-based) feasible position visiting `start, start+1, …` circularly.
    pub fn kth_from(&self, start: usize, k: usize) -> Option<usize> {
        if k == 0 || k > self.count() {
            return None;
        }
        let before = self.count_range(0, start);
        let after = self.count() - before;
        let k = k as u32;
        Some(if k as usize <= after {
            self.kth(before as u32 + k)
        } else {
            self.kth(k - after as u32)
        })
    }

    /// The best score over the circular range of `len` positions from `start`, and how many
    /// feasible positions have it.
    pub fn max_circular(&self, start: usize, len: usize) -> (i32, usize) {
        let a = self.circular(start, len);
        (a.max, a.cnt as usize)
    }

    fn circular(&self, start: usize, len: usize) -> Agg {
        let end = start + len;
        if end <= self.n {
            self.query(start, end)
        } else {
            combine(self.query(start, self.n), self.query(0, end - self.n))
        }
    }

    /// The `j`-th (0-based) position, in circular order from `start` within `len` positions,
    /// whose value is `target`.
    pub fn nth_with(&self, start: usize, len: usize, target: i32, j: usize) -> Option<usize> {
        let end = start + len;
        let mut j = j as u32;
        let parts = if end <= self.n {
            [(start, end), (0, 0)]
        } else {
            [(start, self.n), (0, end - self.n)]
        };
        for (l, r) in parts {
            if let Some(i) = self.find(1, 0, self.size, l, r, target, &mut j) {
                return Some(i);
            }
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    fn find(
        &self,
        p: usize,
        nl: usize,
        nr: usize,
        l: usize,
        r: usize,
        target: i32,
        j: &mut u32,
    ) -> Option<usize> {
        if r <= nl || nr <= l || l >= r {
            return None;
        }
        let a = self.t[p];
        if l <= nl && nr <= r {
            if a.max != target {
                return None;
            }
            if *j >= a.cnt {
                *j -= a.cnt;
                return None;
            }
            if p >= self.size {
                return Some(p - self.size);
            }
        }
        let mid = (nl + nr) / 2;
        self.find(2 * p, nl, mid, l, r, target, j)
            .or_else(|| self.find(2 * p + 1, mid, nr, l, r, target, j))
    }
}

/// The linear twin of [`SelectTree`].
#[derive(Clone, Debug, Default)]
pub struct LinearSelect(pub Vec<Option<i32>>);

impl LinearSelect {
    fn circ(&self, start: usize, len: usize) -> impl Iterator<Item = usize> + '_ {
        let n = self.0.len();
        (0..len).map(move |i| (start + i) % n)
    }

    /// See [`SelectTree::kth_from`].
    pub fn kth_from(&self, start: usize, k: usize) -> Option<usize> {
        if k == 0 {
            return None;
        }
        self.circ(start, self.0.len())
            .filter(|i| self.0[*i].is_some())
            .nth(k - 1)
    }

    /// See [`SelectTree::max_circular`].
    pub fn max_circular(&self, start: usize, len: usize) -> (i32, usize) {
        let vals: Vec<i32> = self.circ(start, len).filter_map(|i| self.0[i]).collect();
        let max = vals.iter().copied().max().unwrap_or(i32::MIN);
        (max, vals.iter().filter(|v| **v == max).count())
    }

    /// See [`SelectTree::nth_with`].
    pub fn nth_with(&self, start: usize, len: usize, target: i32, j: usize) -> Option<usize> {
        self.circ(start, len)
            .filter(|i| self.0[*i] == Some(target))
            .nth(j)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn tree_agrees_with_linear(
            init in proptest::collection::vec(proptest::option::of(0i32..6), 1..70),
            updates in proptest::collection::vec((0usize..70, proptest::option::of(0i32..6)), 0..20),
            start in 0usize..70, k in 0usize..80, len in 0usize..70, j in 0usize..10,
        ) {
            let mut tree = SelectTree::build(init.iter().copied());
            let mut lin = LinearSelect(init.clone());
            let n = init.len();
            for (i, v) in updates {
                let i = i % n;
                tree.set(i, v);
                lin.0[i] = v;
            }
            let start = start % n;
            let len = len % (n + 1);
            prop_assert_eq!(tree.count(), lin.0.iter().filter(|v| v.is_some()).count());
            prop_assert_eq!(tree.kth_from(start, k), lin.kth_from(start, k));
            let (m, c) = tree.max_circular(start, len);
            let (lm, lc) = lin.max_circular(start, len);
            prop_assert_eq!(c, lc);
            if c > 0 {
                prop_assert_eq!(m, lm);
                prop_assert_eq!(tree.nth_with(start, len, m, j % c), lin.nth_with(start, len, m, j % c));
            }
            for i in 0..n {
                prop_assert_eq!(tree.get(i), lin.0[i]);
            }
            let mut walked = Vec::new();
            tree.for_each_in(start, len, |p, v| walked.push((p, v)));
            let expected: Vec<(usize, i32)> = (0..len)
                .map(|i| (start + i) % n)
                .filter_map(|p| lin.0[p].map(|v| (p, v)))
                .collect();
            prop_assert_eq!(walked, expected);
        }
    }
}
