//! [`Requirement`]: one `key op values` term of a selector, its validation (`NewRequirement`),
//! its semantics and its canonical text.

use std::fmt;

use smallvec::SmallVec;

use super::error::SelectorError;
use super::set::Labels;
use crate::field::{FieldError, FieldPath, join_errors};
use crate::intern::Symbol;
use crate::validation;

/// A selector operator (Kubernetes `selection.Operator`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `k=v`: the key is present with the value.
    Equals,
    /// `k==v`: the same as `=`, but printed back as `==`.
    DoubleEquals,
    /// `k!=v`: the key is absent, or present with another value.
    NotEquals,
    /// `k in (a,b)`: the key is present with one of the values.
    In,
    /// `k notin (a,b)`: the key is absent, or present with none of the values.
    NotIn,
    /// `k`: the key is present.
    Exists,
    /// `!k`: the key is absent.
    DoesNotExist,
    /// `k>n`: the key is present and its value, read as an int64, is greater than `n`.
    GreaterThan,
    /// `k<n`: the key is present and its value, read as an int64, is less than `n`.
    LessThan,
}

impl Operator {
    /// Kubernetes' name of the operator (`selection.Operator`): `=`, `==`, `!=`, `in`, `notin`,
    /// `exists`, `!`, `gt`, `lt`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => "in",
            Operator::NotIn => "notin",
            Operator::Exists => "exists",
            Operator::DoesNotExist => "!",
            Operator::GreaterThan => "gt",
            Operator::LessThan => "lt",
        }
    }

    /// Whether a label set *without* the key satisfies the operator (`!=`, `notin`, `!k`).
    pub fn matches_absent(self) -> bool {
        matches!(
            self,
            Operator::NotEquals | Operator::NotIn | Operator::DoesNotExist
        )
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One term of a selector: a key, an operator and a set of values.
///
/// Values are kept sorted by string and deduplicated (the parser collects them in a string set, as
/// Kubernetes does); for `>`/`<` the single value is also kept parsed as an `i64`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    key: Symbol,
    op: Operator,
    values: SmallVec<[Symbol; 1]>,
    /// The parsed value of `>`/`<`; 0 for other operators.
    bound: i64,
}

impl Requirement {
    /// Kubernetes' `NewRequirement`: the key must be a qualified name; `in`/`notin` need at least
    /// one value, `=`/`==`/`!=` exactly one, exists/does-not-exist none, `>`/`<` exactly one that
    /// parses as a base-10 int64; every value must be a label value (the empty string is one).
    /// All broken rules are reported, aggregated as Kubernetes does (`[a, b]` when several).
    pub fn new(key: &str, op: Operator, values: &[&str]) -> Result<Requirement, SelectorError> {
        let errs = check(key, op, values);
        if !errs.is_empty() {
            return Err(SelectorError::new(join_errors(&errs), None));
        }
        let mut vals: SmallVec<[Symbol; 1]> = values.iter().map(|v| Symbol::intern(v)).collect();
        sort_dedup(&mut vals);
        let bound = match op {
            // `check` proved there is exactly one integer value.
            Operator::GreaterThan | Operator::LessThan => values[0].parse().unwrap_or(0),
            _ => 0,
        };
        Ok(Requirement {
            key: Symbol::intern(key),
            op,
            values: vals,
            bound,
        })
    }

    /// `key=value` without validation (Kubernetes `SelectorFromValidatedSet`).
    pub(crate) fn equals_unchecked(key: Symbol, value: Symbol) -> Requirement {
        Requirement {
            key,
            op: Operator::Equals,
            values: smallvec::smallvec![value],
            bound: 0,
        }
    }

    /// The key.
    pub fn key(&self) -> Symbol {
        self.key
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.op
    }

    /// The values, sorted by string, without duplicates (empty for exists / does-not-exist).
    pub fn values(&self) -> &[Symbol] {
        &self.values
    }

    /// The integer of a `>` / `<` requirement.
    pub fn bound(&self) -> Option<i64> {
        matches!(self.op, Operator::GreaterThan | Operator::LessThan).then_some(self.bound)
    }

    /// Whether a key whose value is `value` (`None`: the key is absent) satisfies the requirement
    /// (spec §1.3): `=`/`==`/`in` need the key with one of the values; `!=`/`notin` accept an absent
    /// key; `>`/`<` need the key with a value that parses as an int64 and compares strictly.
    pub fn matches_value(&self, value: Option<Symbol>) -> bool {
        match self.op {
            Operator::Equals | Operator::DoubleEquals | Operator::In => {
                value.is_some_and(|v| self.values.contains(&v))
            }
            Operator::NotEquals | Operator::NotIn => value.is_none_or(|v| !self.values.contains(&v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                value.and_then(parse_int).is_some_and(|n| self.compares(n))
            }
        }
    }

    /// For `>` / `<`: whether the integer `n` compares strictly with the bound.
    pub(crate) fn compares(&self, n: i64) -> bool {
        match self.op {
            Operator::GreaterThan => n > self.bound,
            Operator::LessThan => n < self.bound,
            _ => false,
        }
    }

    /// Whether `labels` satisfy the requirement.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.matches_value(labels.get(self.key))
    }
}

/// A label value read as Go's `strconv.ParseInt(v, 10, 64)` does: optional sign, decimal digits,
/// in range. (Rust's `i64::from_str` accepts exactly the same strings.)
pub(crate) fn parse_int(v: Symbol) -> Option<i64> {
    v.as_str().parse().ok()
}

fn sort_dedup(vals: &mut SmallVec<[Symbol; 1]>) {
    if vals.len() > 1 {
        vals.sort_by(|a, b| a.cmp_str(*b));
        vals.dedup();
    }
}

/// The rules of `NewRequirement` (apimachinery `pkg/labels/selector.go`), with its field paths
/// (`key`, `values`, `values[i]`, `values[i][key]`) and messages.
fn check(key: &str, op: Operator, values: &[&str]) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let key_errs = validation::qualified_name(key);
    if !key_errs.is_empty() {
        errs.push(FieldError::invalid(
            FieldPath::new("key"),
            key,
            key_errs.join("; "),
        ));
    }
    let values_path = FieldPath::new("values");
    match op {
        Operator::In | Operator::NotIn => {
            if values.is_empty() {
                errs.push(FieldError::invalid(
                    values_path.clone(),
                    values,
                    "for 'in', 'notin' operators, values set can't be empty",
                ));
            }
        }
        Operator::Equals | Operator::DoubleEquals | Operator::NotEquals => {
            if values.len() != 1 {
                errs.push(FieldError::invalid(
                    values_path.clone(),
                    values,
                    "exact-match compatibility requires one single value",
                ));
            }
        }
        Operator::Exists | Operator::DoesNotExist => {
            if !values.is_empty() {
                errs.push(FieldError::invalid(
                    values_path.clone(),
                    values,
                    "values set must be empty for exists and does not exist",
                ));
            }
        }
        Operator::GreaterThan | Operator::LessThan => {
            if values.len() != 1 {
                errs.push(FieldError::invalid(
                    values_path.clone(),
                    values,
                    "for 'Gt', 'Lt' operators, exactly one value is required",
                ));
            }
            for (i, v) in values.iter().enumerate() {
                if v.parse::<i64>().is_err() {
                    errs.push(FieldError::invalid(
                        values_path.index(i),
                        v,
                        "for 'Gt', 'Lt' operators, the value must be an integer",
                    ));
                }
            }
        }
    }
    for (i, v) in values.iter().enumerate() {
        let value_errs = validation::label_value(v);
        if !value_errs.is_empty() {
            errs.push(FieldError::invalid(
                values_path.index(i).key(key),
                v,
                value_errs.join("; "),
            ));
        }
    }
    errs
}

impl fmt::Display for Requirement {
    /// Kubernetes' `Requirement.String()`: `k=v`, `k==v`, `k!=v`, `k>n`, `k<n`, `k`, `!k`,
    /// `k in (a,b)`, `k notin (a,b)` (values sorted, `,` without spaces).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Operator::Exists => return f.write_str(self.key.as_str()),
            Operator::DoesNotExist => return write!(f, "!{}", self.key),
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
            Operator::In => " in (",
            Operator::NotIn => " notin (",
        };
        write!(f, "{}{op}", self.key)?;
        for (i, v) in self.values.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(v.as_str())?;
        }
        if matches!(self.op, Operator::In | Operator::NotIn) {
            f.write_str(")")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().copied().collect()
    }

    fn req(key: &str, op: Operator, values: &[&str]) -> Requirement {
        Requirement::new(key, op, values).unwrap()
    }

    #[test]
    fn semantics_of_each_operator_including_absent_keys() {
        let with = l(&[("k", "b")]);
        let without = l(&[("other", "b")]);
        let cases: &[(Operator, &[&str], bool, bool)] = &[
            (Operator::Equals, &["b"], true, false),
            (Operator::Equals, &["c"], false, false),
            (Operator::DoubleEquals, &["b"], true, false),
            (Operator::NotEquals, &["b"], false, true),
            (Operator::NotEquals, &["c"], true, true),
            (Operator::In, &["a", "b"], true, false),
            (Operator::In, &["a"], false, false),
            (Operator::NotIn, &["a", "b"], false, true),
            (Operator::NotIn, &["a"], true, true),
            (Operator::Exists, &[], true, false),
            (Operator::DoesNotExist, &[], false, true),
        ];
        for &(op, values, on_with, on_without) in cases {
            let r = req("k", op, values);
            assert_eq!(r.matches(&with), on_with, "{r} on {with:?}");
            assert_eq!(r.matches(&without), on_without, "{r} on {without:?}");
        }
    }

    #[test]
    fn greater_and_less_than_parse_the_label_value() {
        let gt = req("n", Operator::GreaterThan, &["1"]);
        let lt = req("n", Operator::LessThan, &["10"]);
        assert_eq!(gt.bound(), Some(1));
        assert!(gt.matches(&l(&[("n", "2")])));
        assert!(gt.matches(&l(&[("n", "02")])));
        assert!(!gt.matches(&l(&[("n", "1")])));
        assert!(!gt.matches(&l(&[("n", "v2")])));
        assert!(!gt.matches(&l(&[("n", "")])));
        assert!(!gt.matches(&Labels::new()));
        assert!(gt.matches(&l(&[("n", "+5")])));
        assert!(!gt.matches(&l(&[("n", "99999999999999999999")])));
        assert!(lt.matches(&l(&[("n", "-3")])));
        assert!(!lt.matches(&l(&[("n", "10")])));
        assert_eq!(req("n", Operator::Equals, &["1"]).bound(), None);
    }

    #[test]
    fn values_are_sorted_and_deduplicated() {
        let r = req("k", Operator::In, &["b", "a", "b", ""]);
        let vals: Vec<&str> = r.values().iter().map(|v| v.as_str()).collect();
        assert_eq!(vals, ["", "a", "b"]);
        assert_eq!(r.to_string(), "k in (,a,b)");
    }

    #[test]
    fn canonical_text() {
        assert_eq!(req("k", Operator::Equals, &["v"]).to_string(), "k=v");
        assert_eq!(req("k", Operator::DoubleEquals, &["v"]).to_string(), "k==v");
        assert_eq!(req("k", Operator::NotEquals, &[""]).to_string(), "k!=");
        assert_eq!(req("k", Operator::GreaterThan, &["7"]).to_string(), "k>7");
        assert_eq!(req("k", Operator::LessThan, &["7"]).to_string(), "k<7");
        assert_eq!(req("k", Operator::Exists, &[]).to_string(), "k");
        assert_eq!(req("k", Operator::DoesNotExist, &[]).to_string(), "!k");
        assert_eq!(
            req("k", Operator::NotIn, &["z", "y"]).to_string(),
            "k notin (y,z)"
        );
        assert_eq!(req("k", Operator::In, &[""]).to_string(), "k in ()");
    }

    #[test]
    fn arity_and_validation_errors() {
        let e = |k: &str, op, v: &[&str]| Requirement::new(k, op, v).unwrap_err().to_string();
        assert_eq!(
            e("k", Operator::In, &[]),
            "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"
        );
        assert!(
            e("k", Operator::Equals, &["a", "b"])
                .contains("exact-match compatibility requires one single value")
        );
        assert!(
            e("k", Operator::Exists, &["a"])
                .contains("values set must be empty for exists and does not exist")
        );
        assert!(e("k", Operator::GreaterThan, &["x"]).contains(
            "values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer"
        ));
        assert!(e("k", Operator::LessThan, &[]).contains("exactly one value is required"));
        assert!(e("-k", Operator::Exists, &[]).starts_with("key: Invalid value: \"-k\": name part must"));
        assert!(
            e("k", Operator::Equals, &["-v"])
                .starts_with("values[0][k]: Invalid value: \"-v\": a valid label")
        );
        // Several broken rules are aggregated in brackets.
        assert!(e("-k", Operator::In, &[]).starts_with("[key: Invalid value"));
        // Negative numbers are integers but not label values.
        assert!(e("k", Operator::GreaterThan, &["-1"]).contains("a valid label"));
    }
}
