//! Property tests: the indexes agree with their linear twins on random objects, selectors and
//! operation sequences; printing a selector parses back to it; parsing never panics.

use std::collections::BTreeMap;

use proptest::prelude::*;
use roaring::RoaringBitmap;

use super::index::{LabelIndex, LinearLabelIndex};
use super::reverse::{LinearReverseIndex, ReverseIndex};
use super::{Labels, Operator, Requirement, Selector};

const KEYS: &[&str] = &["app", "tier", "env", "zone", "version", "a/b", "in"];
const VALUES: &[&str] = &["", "x", "y", "1", "2", "10", "01", "notin"];
const INTS: &[&str] = &["0", "1", "2", "10", "01"];
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

fn labels() -> impl Strategy<Value = Labels> {
    prop::collection::vec((prop::sample::select(KEYS), prop::sample::select(VALUES)), 0..5)
        .prop_map(|pairs| pairs.into_iter().collect())
}

fn requirement() -> impl Strategy<Value = Requirement> {
    (
        prop::sample::select(KEYS),
        prop::sample::select(OPS),
        prop::sample::subsequence(VALUES, 1..4),
        prop::sample::select(INTS),
    )
        .prop_map(|(key, op, values, int)| {
            let values: Vec<&str> = match op {
                Operator::In | Operator::NotIn => values,
                Operator::Equals | Operator::DoubleEquals | Operator::NotEquals => vec![values[0]],
                Operator::Exists | Operator::DoesNotExist => vec![],
                Operator::GreaterThan | Operator::LessThan => vec![int],
            };
            Requirement::new(key, op, &values).expect("generated requirements are valid")
        })
}

fn selector() -> impl Strategy<Value = Selector> {
    prop_oneof![
        1 => Just(Selector::nothing()),
        12 => prop::collection::vec(requirement(), 0..4).prop_map(Selector::from_requirements),
    ]
}

#[derive(Clone, Debug)]
enum IndexOp {
    Put(u32, Labels),
    Remove(u32),
    Query(Selector, Vec<u32>),
}

fn index_op() -> impl Strategy<Value = IndexOp> {
    prop_oneof![
        4 => (0u32..40, labels()).prop_map(|(id, l)| IndexOp::Put(id, l)),
        1 => (0u32..40).prop_map(IndexOp::Remove),
        2 => (selector(), prop::collection::vec(0u32..48, 0..20)).prop_map(|(s, scope)| IndexOp::Query(s, scope)),
    ]
}

#[derive(Clone, Debug)]
enum ReverseOp {
    Put(u32, Selector),
    Remove(u32),
    Check(Labels),
}

fn reverse_op() -> impl Strategy<Value = ReverseOp> {
    prop_oneof![
        3 => (0u32..25, selector()).prop_map(|(id, s)| ReverseOp::Put(id, s)),
        1 => (0u32..25).prop_map(ReverseOp::Remove),
        3 => labels().prop_map(ReverseOp::Check),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn label_index_equals_linear_scan(ops in prop::collection::vec(index_op(), 1..60)) {
        let mut index = LabelIndex::new();
        let mut linear = LinearLabelIndex::new();
        let mut current: BTreeMap<u32, Labels> = BTreeMap::new();
        for op in ops {
            match op {
                IndexOp::Put(id, labels) => {
                    match current.insert(id, labels.clone()) {
                        Some(old) => {
                            index.update(id, &old, &labels);
                            linear.update(id, &old, &labels);
                        }
                        None => {
                            index.insert(id, &labels);
                            linear.insert(id, &labels);
                        }
                    }
                }
                IndexOp::Remove(id) => {
                    if let Some(old) = current.remove(&id) {
                        index.remove(id, &old);
                        linear.remove(id, &old);
                    }
                }
                IndexOp::Query(selector, scope) => {
                    let want = linear.query(&selector);
                    prop_assert_eq!(&index.query(&selector), &want, "{:?}", selector);
                    prop_assert_eq!(index.count(&selector), want.len());
                    prop_assert_eq!(linear.count(&selector), want.len());
                    let scope: RoaringBitmap = scope.into_iter().collect();
                    prop_assert_eq!(
                        index.query_within(&selector, &scope),
                        linear.query_within(&selector, &scope),
                        "{:?} within {:?}", selector, scope
                    );
                    // The reference itself: the definition of matching.
                    let direct: RoaringBitmap =
                        current.iter().filter(|(_, l)| selector.matches(l)).map(|(&id, _)| id).collect();
                    prop_assert_eq!(want, direct);
                }
            }
            prop_assert_eq!(index.len(), current.len() as u64);
        }
    }

    #[test]
    fn reverse_index_equals_testing_each_selector(ops in prop::collection::vec(reverse_op(), 1..60)) {
        let mut index = ReverseIndex::new();
        let mut linear = LinearReverseIndex::new();
        for op in ops {
            match op {
                ReverseOp::Put(id, selector) => {
                    index.insert(id, selector.clone());
                    linear.insert(id, selector);
                }
                ReverseOp::Remove(id) => {
                    index.remove(id);
                    linear.remove(id);
                }
                ReverseOp::Check(labels) => {
                    prop_assert_eq!(index.matching(&labels), linear.matching(&labels), "{:?}", labels);
                }
            }
            prop_assert_eq!(index.len(), linear.len());
        }
    }

    #[test]
    fn printed_selectors_parse_back(selector in selector()) {
        prop_assume!(!selector.is_nothing());
        let text = selector.to_string();
        let parsed = Selector::parse(&text);
        prop_assert_eq!(parsed.as_ref(), Ok(&selector), "{}", text);
    }

    #[test]
    fn parsing_never_panics(s in "[a-z0-9 =!(),<>\t\\-_./\u{0}]{0,40}") {
        if let Ok(sel) = Selector::parse(&s) {
            // Whatever parses prints canonically and parses back to the same selector.
            prop_assert_eq!(Selector::parse(&sel.to_string()), Ok(sel));
        }
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(s in "\\PC{0,40}") {
        let _ = Selector::parse(&s);
        let _ = Labels::parse(&s);
    }

    #[test]
    fn whitespace_between_tokens_is_ignored(selector in selector()) {
        prop_assume!(!selector.is_nothing());
        let text = selector.to_string();
        let spaced = format!(" \t{}\n", text.replace(',', " ,\r\n").replace(" in (", "  in\t( "));
        prop_assert_eq!(Selector::parse(&spaced), Ok(selector), "{:?}", spaced);
    }
}
