//! The query planner of [`LabelIndex`](super::index::LabelIndex): turns a selector into postings
//! to intersect and postings to subtract, then runs them smallest first.
//!
//! - positive requirements give the ids that satisfy them: `=` / `==` the pair's posting, `in` the
//!   union of its pairs' postings, exists the key's posting, `>` / `<` the union of the postings of
//!   the key's values that parse as an int64 and compare strictly (found by walking the key's
//!   values, not the objects);
//! - negative requirements give the ids that fail them, to subtract: `!=` / `notin` the pairs'
//!   postings (objects without the key still match), `!key` the key's posting;
//! - the result starts from the smallest positive list (`scope` counts as one more), intersects
//!   the others in increasing size, then subtracts the negatives. With no positive requirement it
//!   starts from all ids (intersected with `scope`).

use std::ops::Deref;

use roaring::RoaringBitmap;

use super::index::LabelIndex;
use super::requirement::Operator;
use super::selector::Selector;

/// A posting borrowed from the index, or computed for this query.
pub(super) enum Posting<'a> {
    Borrowed(&'a RoaringBitmap),
    Owned(RoaringBitmap),
}

impl Deref for Posting<'_> {
    type Target = RoaringBitmap;
    fn deref(&self) -> &RoaringBitmap {
        match self {
            Posting::Borrowed(b) => b,
            Posting::Owned(b) => b,
        }
    }
}

/// What a selector needs from the index.
pub(super) struct Plan<'a> {
    /// Nothing can match (nothing(), or a positive requirement with an empty posting).
    empty: bool,
    positive: Vec<Posting<'a>>,
    negative: Vec<&'a RoaringBitmap>,
}

pub(super) fn plan<'a>(index: &'a LabelIndex, selector: &Selector) -> Plan<'a> {
    let mut plan = Plan {
        empty: selector.is_nothing(),
        positive: Vec::new(),
        negative: Vec::new(),
    };
    for r in selector.requirements() {
        if plan.empty {
            break;
        }
        let kp = index.key_postings(r.key());
        let value_posting = |v| kp.and_then(|kp| kp.values.get(v)).map(|vp| &vp.ids);
        match r.operator() {
            Operator::Equals | Operator::DoubleEquals | Operator::In => {
                let mut found = r.values().iter().filter_map(value_posting);
                let posting = match (found.next(), found.next()) {
                    (None, _) => None,
                    (Some(one), None) => Some(Posting::Borrowed(one)),
                    (Some(a), Some(b)) => {
                        let mut union = a | b;
                        for p in found {
                            union |= p;
                        }
                        Some(Posting::Owned(union))
                    }
                };
                match posting {
                    Some(p) => plan.positive.push(p),
                    None => plan.empty = true,
                }
            }
            Operator::Exists => match kp {
                Some(kp) => plan.positive.push(Posting::Borrowed(&kp.ids)),
                None => plan.empty = true,
            },
            Operator::GreaterThan | Operator::LessThan => {
                let mut union = RoaringBitmap::new();
                if let Some(kp) = kp {
                    for vp in kp.values.values() {
                        if vp.int.is_some_and(|n| r.compares(n)) {
                            union |= &vp.ids;
                        }
                    }
                }
                if union.is_empty() {
                    plan.empty = true;
                } else {
                    plan.positive.push(Posting::Owned(union));
                }
            }
            Operator::NotEquals | Operator::NotIn => {
                plan.negative.extend(r.values().iter().filter_map(value_posting));
            }
            Operator::DoesNotExist => {
                if let Some(kp) = kp {
                    plan.negative.push(&kp.ids);
                }
            }
        }
    }
    plan
}

impl Plan<'_> {
    /// The lists to intersect, smallest first: the positive postings and `scope`, or, when there
    /// is no positive requirement, all ids and `scope`.
    fn lists<'s>(
        &'s self,
        all: &'s RoaringBitmap,
        scope: Option<&'s RoaringBitmap>,
    ) -> Vec<&'s RoaringBitmap> {
        let mut lists: Vec<&RoaringBitmap> = self.positive.iter().map(|p| &**p).collect();
        if lists.is_empty() {
            lists.push(all);
        }
        lists.extend(scope);
        // Stable, by size: the order only affects speed, never the result.
        lists.sort_by_key(|b| b.len());
        lists
    }

    /// The ids matching the selector (within `scope`, if given).
    pub(super) fn run(&self, all: &RoaringBitmap, scope: Option<&RoaringBitmap>) -> RoaringBitmap {
        if self.empty {
            return RoaringBitmap::new();
        }
        let lists = self.lists(all, scope);
        let mut negatives = self.negative.iter();
        let mut result = match (lists.as_slice(), negatives.next()) {
            ([one], Some(neg)) => *one - *neg,
            ([one], None) => (*one).clone(),
            ([a, b, ..], neg) => {
                let mut r = *a & *b;
                for other in &lists[2..] {
                    if r.is_empty() {
                        return r;
                    }
                    r &= *other;
                }
                if let Some(neg) = neg {
                    r -= *neg;
                }
                r
            }
            ([], _) => unreachable!("lists always holds at least the positives or all ids"),
        };
        for neg in negatives {
            if result.is_empty() {
                break;
            }
            result -= *neg;
        }
        result
    }

    /// The number of matching ids, without materialising the result in the common shapes.
    pub(super) fn count(&self, all: &RoaringBitmap, scope: Option<&RoaringBitmap>) -> u64 {
        if self.empty {
            return 0;
        }
        let lists = self.lists(all, scope);
        match (lists.as_slice(), self.negative.as_slice()) {
            ([one], []) => one.len(),
            ([one], [neg]) => one.difference_len(neg),
            ([a, b], []) => a.intersection_len(b),
            _ => self.run(all, scope).len(),
        }
    }
}
