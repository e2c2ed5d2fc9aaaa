//! [`Selector`]: an AND of requirements, parsed from and printed to Kubernetes' string syntax.

use std::fmt;
use std::str::FromStr;

use super::error::SelectorError;
use super::parse;
use super::requirement::Requirement;
use super::set::Labels;

/// A label selector: the AND of its requirements, sorted by key string (stably: requirements on
/// the same key keep their order), or the special selector that matches nothing.
///
/// The empty selector ([`Selector::everything`], also `Default`) matches every label set.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Selector {
    requirements: Vec<Requirement>,
    nothing: bool,
}

impl Selector {
    /// Parses Kubernetes' selector syntax (`labels.Parse`, spec §1.1-1.4): `k=v`, `k==v`, `k!=v`,
    /// `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, `k>n`, `k<n`, joined by `,`. The empty string is
    /// [`Selector::everything`]. Errors name the problem and its byte position.
    pub fn parse(s: &str) -> Result<Selector, SelectorError> {
        Ok(Selector::from_requirements(parse::parse(s)?))
    }

    /// The selector of the given requirements (Kubernetes `NewSelector().Add(...)`): sorted by key
    /// string, stably.
    pub fn from_requirements(mut requirements: Vec<Requirement>) -> Selector {
        requirements.sort_by(|a, b| a.key().cmp_str(b.key()));
        Selector {
            requirements,
            nothing: false,
        }
    }

    /// The selector that matches every label set (no requirements).
    pub fn everything() -> Selector {
        Selector::default()
    }

    /// The selector that matches no label set (Kubernetes `labels.Nothing()`, what a nil
    /// `LabelSelector` becomes).
    pub fn nothing() -> Selector {
        Selector {
            requirements: Vec::new(),
            nothing: true,
        }
    }

    /// `k=v` for each label (Kubernetes `SelectorFromSet`), without validation; the empty set gives
    /// [`Selector::everything`].
    pub fn from_labels(labels: &Labels) -> Selector {
        Selector::from_requirements(
            labels
                .iter()
                .map(|(k, v)| Requirement::equals_unchecked(k, v))
                .collect(),
        )
    }

    /// Whether `labels` satisfy every requirement (never, for [`Selector::nothing`]).
    pub fn matches(&self, labels: &Labels) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches(labels))
    }

    /// The requirements, sorted by key string (empty for everything and for nothing).
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// Whether this selector has no requirements and so matches everything (Kubernetes `Empty()`).
    pub fn is_everything(&self) -> bool {
        !self.nothing && self.requirements.is_empty()
    }

    /// Whether this is [`Selector::nothing`].
    pub fn is_nothing(&self) -> bool {
        self.nothing
    }
}

impl fmt::Display for Selector {
    /// Kubernetes' canonical `String()`: the requirements' texts joined by `,`. Like upstream's
    /// `nothingSelector`, [`Selector::nothing`] prints as the empty string too (the same text as
    /// [`Selector::everything`], so printing it does not round-trip).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nothing {
            f.write_str("Selector(nothing)")
        } else {
            write!(f, "Selector({:?})", self.to_string())
        }
    }
}

impl FromStr for Selector {
    type Err = SelectorError;
    fn from_str(s: &str) -> Result<Selector, SelectorError> {
        Selector::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::Operator;

    fn l(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().copied().collect()
    }

    fn canon(s: &str) -> String {
        Selector::parse(s).unwrap().to_string()
    }

    #[test]
    fn canonical_strings() {
        assert_eq!(canon("x=a,a=x"), "a=x,x=a");
        assert_eq!(canon("b in (z,y), a notin (q)"), "a notin (q),b in (y,z)");
        assert_eq!(canon("k != v"), "k!=v");
        assert_eq!(canon("x==a"), "x==a");
        assert_eq!(canon("x in (a,,a,,)"), "x in (,a)");
        assert_eq!(canon("foo  in\t (abc)"), "foo in (abc)");
        assert_eq!(canon("x=,z= "), "x=,z=");
        assert_eq!(canon(""), "");
        // Requirements on one key keep their source order.
        assert_eq!(canon("b,a!=2,a=1"), "a!=2,a=1,b");
        assert_eq!(canon("a=1,b,a!=2"), "a=1,a!=2,b");
    }

    #[test]
    fn everything_nothing_and_sets() {
        let everything = Selector::everything();
        assert!(everything.is_everything() && !everything.is_nothing());
        assert!(everything.matches(&Labels::new()));
        assert_eq!(Selector::parse("").unwrap(), everything);
        let nothing = Selector::nothing();
        assert!(nothing.is_nothing() && !nothing.is_everything());
        assert!(!nothing.matches(&Labels::new()));
        assert!(!nothing.matches(&l(&[("a", "b")])));
        assert_eq!(nothing.to_string(), "");
        assert_ne!(nothing, everything);
        let set = Selector::from_labels(&l(&[("app", "foo"), ("a", "b")]));
        assert_eq!(set.to_string(), "a=b,app=foo");
        assert_eq!(set.requirements()[0].operator(), Operator::Equals);
        assert!(set.matches(&l(&[("a", "b"), ("app", "foo"), ("x", "y")])));
        assert!(!set.matches(&l(&[("a", "b")])));
        assert!(Selector::from_labels(&Labels::new()).is_everything());
        assert_eq!(
            format!("{:?}", Selector::parse("a,b=c").unwrap()),
            "Selector(\"a,b=c\")"
        );
        assert_eq!("x in (a)".parse::<Selector>().unwrap().to_string(), "x in (a)");
    }

    #[test]
    fn matching_is_an_and() {
        let s = Selector::parse("x=y,z!=w,!q,n>2").unwrap();
        assert!(s.matches(&l(&[("x", "y"), ("n", "3")])));
        assert!(s.matches(&l(&[("x", "y"), ("z", "v"), ("n", "3")])));
        assert!(!s.matches(&l(&[("x", "y"), ("z", "w"), ("n", "3")])));
        assert!(!s.matches(&l(&[("x", "y"), ("q", ""), ("n", "3")])));
        assert!(!s.matches(&l(&[("x", "y"), ("n", "2")])));
        assert!(Selector::parse("x notin (),y").unwrap().matches(&l(&[("y", "")])));
        assert!(
            !Selector::parse("x notin (),!y")
                .unwrap()
                .matches(&l(&[("y", "")]))
        );
        assert!(Selector::parse("x in (,a)").unwrap().matches(&l(&[("x", "")])));
        assert!(!Selector::parse("x=").unwrap().matches(&Labels::new()));
    }

    #[test]
    fn errors_display_message_and_position() {
        let e = Selector::parse("a=b c").unwrap_err();
        assert_eq!(
            e.to_string(),
            "found 'c', expected: ',' or 'end of string' (at position 4)"
        );
        assert_eq!(e.position(), Some(4));
        let e = Selector::parse("a=b,c d").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unable to parse requirement: found 'd', expected: in, notin, =, ==, !=, gt, lt (at position 6)"
        );
        let e: Box<dyn std::error::Error> = Box::new(e);
        assert!(e.to_string().starts_with("unable to parse requirement"));
    }
}
