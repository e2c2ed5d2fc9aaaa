//! The label index and the reverse selector index against their linear
//! twins, under arbitrary puts, relabels, removes and queries over small
//! key and value spaces (so selectors and label sets often meet).

use std::collections::BTreeMap;

use arbitrary::{Arbitrary, Unstructured};
use roaring::RoaringBitmap;

use super::{decode, pick};
use crate::labels::index::{LabelIndex, LinearLabelIndex};
use crate::labels::reverse::{LinearReverseIndex, ReverseIndex};
use crate::labels::{Labels, Operator, Requirement, Selector};

const KEYS: &[&str] = &["app", "tier", "env", "a/b", "in"];
const VALUES: &[&str] = &["", "x", "y", "1", "10", "01", "notin"];
const OPS: &[Operator] = &[
    Operator::Equals,
    Operator::DoubleEquals,
    Operator::NotEquals,
    Operator::In,
    Operator::NotIn,
    Operator::Exists,
    Operator::DoesNotExist,
    Operator::GreaterThan,
    Operator::LessThan,
];

/// One step of the `label_index` target.
#[derive(Clone, Debug)]
pub enum IndexOp {
    /// Index (or re-label) object `id`.
    Put(u32, Labels),
    /// Drop object `id`.
    Remove(u32),
    /// Compare a query (within a scope of ids) with the scan.
    Query(Selector, Vec<u32>),
    /// Register (or replace) selector `id` in the reverse index.
    PutSelector(u32, Selector),
    /// Drop selector `id`.
    RemoveSelector(u32),
    /// Compare the selectors matching a label set with the scan.
    Match(Labels),
}

/// The input of the `label_index` target.
#[derive(Clone, Debug)]
pub struct LabelIndexOps(pub Vec<IndexOp>);

fn labels(u: &mut Unstructured<'_>) -> arbitrary::Result<Labels> {
    let n = u.int_in_range(0..=4)?;
    let mut pairs = Vec::with_capacity(n);
    for _ in 0..n {
        pairs.push((pick(u, KEYS)?, pick(u, VALUES)?));
    }
    Ok(pairs.into_iter().collect())
}

fn selector(u: &mut Unstructured<'_>) -> arbitrary::Result<Selector> {
    if u.ratio(1, 16)? {
        return Ok(Selector::nothing());
    }
    let n = u.int_in_range(0..=3)?;
    let mut reqs = Vec::with_capacity(n);
    for _ in 0..n {
        let (key, op) = (pick(u, KEYS)?, pick(u, OPS)?);
        let a = pick(u, VALUES)?;
        let values: Vec<&str> = match op {
            Operator::In | Operator::NotIn => vec![a, pick(u, VALUES)?],
            Operator::Exists | Operator::DoesNotExist => vec![],
            Operator::GreaterThan | Operator::LessThan => vec![pick(u, &["0", "1", "10", "01"])?],
            _ => vec![a],
        };
        if let Ok(r) = Requirement::new(key, op, &values) {
            reqs.push(r);
        }
    }
    Ok(Selector::from_requirements(reqs))
}

impl<'a> Arbitrary<'a> for IndexOp {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let id = |u: &mut Unstructured<'a>| u.int_in_range(0..=40u32);
        Ok(match u.int_in_range(0..=9u8)? {
            0..=2 => IndexOp::Put(id(u)?, labels(u)?),
            3 => IndexOp::Remove(id(u)?),
            4..=5 => {
                let n = u.int_in_range(0..=8)?;
                let scope = (0..n).map(|_| id(u)).collect::<arbitrary::Result<_>>()?;
                IndexOp::Query(selector(u)?, scope)
            }
            6 => IndexOp::PutSelector(id(u)?, selector(u)?),
            7 => IndexOp::RemoveSelector(id(u)?),
            _ => IndexOp::Match(labels(u)?),
        })
    }
}

impl<'a> Arbitrary<'a> for LabelIndexOps {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let mut ops = Vec::new();
        while !u.is_empty() && ops.len() < 200 {
            ops.push(IndexOp::arbitrary(u)?);
        }
        Ok(LabelIndexOps(ops))
    }
}

/// Applies the operations to both indexes and their twins; every query
/// must agree with the scan.
pub fn label_index(data: &[u8]) {
    let Some(LabelIndexOps(ops)) = decode::<LabelIndexOps>(data) else {
        return;
    };
    let (mut index, mut linear) = (LabelIndex::new(), LinearLabelIndex::new());
    let (mut reverse, mut linear_reverse) = (ReverseIndex::new(), LinearReverseIndex::new());
    let mut current: BTreeMap<u32, Labels> = BTreeMap::new();
    let mut selectors: BTreeMap<u32, Selector> = BTreeMap::new();
    for (i, op) in ops.iter().enumerate() {
        match op {
            IndexOp::Put(id, l) => match current.insert(*id, l.clone()) {
                Some(old) => {
                    index.update(*id, &old, l);
                    linear.update(*id, &old, l);
                }
                None => {
                    index.insert(*id, l);
                    linear.insert(*id, l);
                }
            },
            IndexOp::Remove(id) => {
                if let Some(old) = current.remove(id) {
                    index.remove(*id, &old);
                    linear.remove(*id, &old);
                }
            }
            IndexOp::Query(s, scope) => {
                let want = linear.query(s);
                assert_eq!(index.query(s), want, "op #{i}: query {s:?} after {ops:?}");
                assert_eq!(index.count(s), want.len(), "op #{i}: count {s:?}");
                let scope: RoaringBitmap = scope.iter().copied().collect();
                assert_eq!(
                    index.query_within(s, &scope),
                    linear.query_within(s, &scope),
                    "op #{i}: query {s:?} within {scope:?} after {ops:?}"
                );
            }
            IndexOp::PutSelector(id, s) => {
                if selectors.insert(*id, s.clone()).is_some() {
                    reverse.remove(*id);
                    linear_reverse.remove(*id);
                }
                reverse.insert(*id, s.clone());
                linear_reverse.insert(*id, s.clone());
            }
            IndexOp::RemoveSelector(id) => {
                if selectors.remove(id).is_some() {
                    reverse.remove(*id);
                    linear_reverse.remove(*id);
                }
            }
            IndexOp::Match(l) => {
                assert_eq!(
                    reverse.matching(l),
                    linear_reverse.matching(l),
                    "op #{i}: selectors matching {l:?} after {ops:?}"
                );
            }
        }
        assert_eq!(index.len(), linear.len(), "op #{i}: sizes differ");
        assert_eq!(
            reverse.len(),
            linear_reverse.len(),
            "op #{i}: reverse sizes differ"
        );
    }
}
