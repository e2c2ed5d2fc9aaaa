//! The selector parser: Kubernetes' recursive descent over the lexer's tokens
//! (apimachinery `pkg/labels/selector.go`, `Parser`, as in kubernetes/kubernetes
//! `staging/src/k8s.io/apimachinery/pkg/labels/selector.go` today), with its error messages.
//!
//! ```text
//! selector    := "" | requirement ("," requirement)*
//! requirement := "!" KEY | KEY | KEY ("=" | "==" | "!=" | ">" | "<") VALUE? | KEY ("in" | "notin") "(" list ")"
//! ```
//! In value position ("Values" context) the keywords `in` / `notin` are re-typed as identifiers;
//! upstream reads keys in that context too, so `in=x` and `notin in (in)` are legal.

use std::collections::BTreeSet;

use super::error::SelectorError;
use super::lexer::{Item, Token, scan};
use super::requirement::{Operator, Requirement};
use crate::field::FieldError;
use crate::field::FieldPath;
use crate::validation;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    KeyAndOperator,
    Values,
}

struct Parser<'a> {
    items: Vec<Item<'a>>,
    position: usize,
}

type Res<T> = Result<T, SelectorError>;

fn err(message: String, pos: usize) -> SelectorError {
    SelectorError::new(message, Some(pos))
}

impl<'a> Parser<'a> {
    fn retype(item: Item<'a>, ctx: Context) -> Item<'a> {
        match (ctx, item.tok) {
            (Context::Values, Token::In | Token::NotIn) => Item {
                tok: Token::Identifier,
                ..item
            },
            _ => item,
        }
    }

    fn lookahead(&self, ctx: Context) -> Item<'a> {
        // The scan always ends with an End token and the grammar never consumes past it.
        let i = self.position.min(self.items.len() - 1);
        Self::retype(self.items[i], ctx)
    }

    fn consume(&mut self, ctx: Context) -> Item<'a> {
        let item = self.lookahead(ctx);
        self.position += 1;
        item
    }

    fn parse(&mut self) -> Res<Vec<Requirement>> {
        let mut requirements = Vec::new();
        loop {
            let item = self.lookahead(Context::Values);
            match item.tok {
                Token::Identifier | Token::DoesNotExist => {
                    let r = self.parse_requirement().map_err(|e| {
                        let pos = e.position().unwrap_or(item.pos);
                        err(format!("unable to parse requirement: {}", e.message()), pos)
                    })?;
                    requirements.push(r);
                    let next = self.consume(Context::Values);
                    match next.tok {
                        Token::End => return Ok(requirements),
                        Token::Comma => {
                            let after = self.lookahead(Context::Values);
                            if after.tok != Token::Identifier && after.tok != Token::DoesNotExist {
                                return Err(err(
                                    format!("found '{}', expected: identifier after ','", after.lit),
                                    after.pos,
                                ));
                            }
                        }
                        _ => {
                            return Err(err(
                                format!("found '{}', expected: ',' or 'end of string'", next.lit),
                                next.pos,
                            ));
                        }
                    }
                }
                Token::End => return Ok(requirements),
                _ => {
                    return Err(err(
                        format!(
                            "found '{}', expected: !, identifier, or 'end of string'",
                            item.lit
                        ),
                        item.pos,
                    ));
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Res<Requirement> {
        let start = self.lookahead(Context::Values).pos;
        let (key, inferred) = self.parse_key_and_infer_operator()?;
        if let Some(op) = inferred {
            return Requirement::new(key, op, &[]).map_err(|e| e.at(start));
        }
        let op = self.parse_operator()?;
        let values = match op {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        let values: Vec<&str> = values.into_iter().collect();
        Requirement::new(key, op, &values).map_err(|e| e.at(start))
    }

    /// The key, and the operator when it is already known: `!key` is does-not-exist whatever
    /// follows (an operator after it then fails as "expected ',' or end"), `key` followed by `,`
    /// or the end is exists.
    fn parse_key_and_infer_operator(&mut self) -> Res<(&'a str, Option<Operator>)> {
        let mut item = self.consume(Context::Values);
        let mut op = None;
        if item.tok == Token::DoesNotExist {
            op = Some(Operator::DoesNotExist);
            item = self.consume(Context::Values);
        }
        if item.tok != Token::Identifier {
            return Err(err(
                format!("found '{}', expected: identifier", item.lit),
                item.pos,
            ));
        }
        let key_errs = validation::qualified_name(item.lit);
        if !key_errs.is_empty() {
            let e = FieldError::invalid(FieldPath::new("key"), item.lit, key_errs.join("; "));
            return Err(err(e.to_string(), item.pos));
        }
        let next = self.lookahead(Context::Values);
        if op.is_none() && matches!(next.tok, Token::End | Token::Comma) {
            op = Some(Operator::Exists);
        }
        Ok((item.lit, op))
    }

    fn parse_operator(&mut self) -> Res<Operator> {
        let item = self.consume(Context::KeyAndOperator);
        Ok(match item.tok {
            Token::In => Operator::In,
            Token::Equals => Operator::Equals,
            Token::DoubleEquals => Operator::DoubleEquals,
            Token::GreaterThan => Operator::GreaterThan,
            Token::LessThan => Operator::LessThan,
            Token::NotIn => Operator::NotIn,
            Token::NotEquals => Operator::NotEquals,
            _ => {
                return Err(err(
                    format!("found '{}', expected: in, notin, =, ==, !=, gt, lt", item.lit),
                    item.pos,
                ));
            }
        })
    }

    /// `( list )`; `()` is the set {""}.
    fn parse_values(&mut self) -> Res<BTreeSet<&'a str>> {
        let item = self.consume(Context::Values);
        if item.tok != Token::OpenPar {
            return Err(err(format!("found '{}' expected: '('", item.lit), item.pos));
        }
        let item = self.lookahead(Context::Values);
        match item.tok {
            Token::Identifier | Token::Comma => {
                let set = self.parse_identifiers_list()?;
                let close = self.consume(Context::Values);
                if close.tok != Token::ClosedPar {
                    return Err(err(format!("found '{}', expected: ')'", close.lit), close.pos));
                }
                Ok(set)
            }
            Token::ClosedPar => {
                self.consume(Context::Values);
                Ok(BTreeSet::from([""]))
            }
            _ => Err(err(
                format!("found '{}', expected: ',', ')' or identifier", item.lit),
                item.pos,
            )),
        }
    }

    /// A comma-separated list whose items may be empty: `(a,)`, `(,a)` and `(a,,b)` hold "".
    fn parse_identifiers_list(&mut self) -> Res<BTreeSet<&'a str>> {
        let mut set = BTreeSet::new();
        loop {
            let item = self.consume(Context::Values);
            match item.tok {
                Token::Identifier => {
                    set.insert(item.lit);
                    let next = self.lookahead(Context::Values);
                    match next.tok {
                        Token::Comma => continue,
                        Token::ClosedPar => return Ok(set),
                        _ => {
                            return Err(err(
                                format!("found '{}', expected: ',' or ')'", next.lit),
                                next.pos,
                            ));
                        }
                    }
                }
                Token::Comma => {
                    if set.is_empty() {
                        set.insert(""); // "(,"
                    }
                    let next = self.lookahead(Context::Values);
                    if next.tok == Token::ClosedPar {
                        set.insert(""); // ",)"
                        return Ok(set);
                    }
                    if next.tok == Token::Comma {
                        // ",,": the second comma is left for the next round (current upstream;
                        // older versions consumed it, which rejected "(a,,)").
                        set.insert("");
                    }
                }
                _ => {
                    return Err(err(
                        format!("found '{}', expected: ',', or identifier", item.lit),
                        item.pos,
                    ));
                }
            }
        }
    }

    /// The value of `=`, `==`, `!=`, `>`, `<`: an identifier, or "" when `,` or the end follows.
    fn parse_exact_value(&mut self) -> Res<BTreeSet<&'a str>> {
        let next = self.lookahead(Context::Values);
        if matches!(next.tok, Token::End | Token::Comma) {
            return Ok(BTreeSet::from([""]));
        }
        let item = self.consume(Context::Values);
        if item.tok == Token::Identifier {
            Ok(BTreeSet::from([item.lit]))
        } else {
            Err(err(
                format!("found '{}', expected: identifier", item.lit),
                item.pos,
            ))
        }
    }
}

/// Parses a selector string into its requirements, in source order (the caller sorts them).
pub(super) fn parse(input: &str) -> Result<Vec<Requirement>, SelectorError> {
    let mut parser = Parser {
        items: scan(input),
        position: 0,
    };
    parser.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fails_at(input: &str) -> (String, Option<usize>) {
        let e = parse(input).expect_err(input);
        (e.message().to_owned(), e.position())
    }

    #[test]
    fn accepted_forms() {
        for s in [
            "",
            "x",
            "!x",
            "x=a",
            "x==a",
            "x!=a",
            "x>1",
            "x<1",
            "x in (a)",
            "x notin (a,b)",
            "x=",
            "x= ,z= ",
            "x in ()",
            "x in (a,)",
            "x in (,a)",
            "x in (a,,)",
            "x in (a,,,,)",
            "x in (a,,b,,)",
            "a in (x,in,notin)",
            "notin=in",
            "in",
            "in in (in)",
            "!in",
            "x\t,\ny",
            "x = a , y != b",
        ] {
            assert!(parse(s).is_ok(), "{s:?}: {:?}", parse(s));
        }
    }

    #[test]
    fn rejected_forms_with_messages_and_positions() {
        assert_eq!(
            fails_at(",x").0,
            "found ',', expected: !, identifier, or 'end of string'"
        );
        assert_eq!(fails_at("x,").0, "found '', expected: identifier after ','");
        assert_eq!(
            fails_at("x,,y"),
            ("found ',', expected: identifier after ','".to_owned(), Some(2))
        );
        assert_eq!(
            fails_at("x=a y"),
            ("found 'y', expected: ',' or 'end of string'".to_owned(), Some(4))
        );
        assert_eq!(
            fails_at("x y"),
            (
                "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt".to_owned(),
                Some(2)
            )
        );
        // "+5" is an int64 but not a label value.
        assert!(fails_at("x>+5").0.contains("values[0][x]: Invalid value: \"+5\""));
        assert_eq!(
            fails_at("!x=a"),
            ("found '=', expected: ',' or 'end of string'".to_owned(), Some(2))
        );
        assert_eq!(
            fails_at("x in a"),
            (
                "unable to parse requirement: found 'a' expected: '('".to_owned(),
                Some(5)
            )
        );
        assert_eq!(
            fails_at("x in (a b)").0,
            "unable to parse requirement: found 'b', expected: ',' or ')'"
        );
        assert_eq!(
            fails_at("x in (a"),
            (
                "unable to parse requirement: found '', expected: ',' or ')'".to_owned(),
                Some(7)
            )
        );
        assert_eq!(
            fails_at("x in (=)").0,
            "unable to parse requirement: found '=', expected: ',', ')' or identifier"
        );
        assert_eq!(
            fails_at("x=(").0,
            "unable to parse requirement: found '(', expected: identifier"
        );
        assert_eq!(
            fails_at("!=x").0,
            "found '!=', expected: !, identifier, or 'end of string'"
        );
        assert_eq!(
            fails_at("!!x").0,
            "unable to parse requirement: found '!', expected: identifier"
        );
        assert_eq!(
            fails_at("x (a)").0,
            "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"
        );
        assert!(
            fails_at("x>")
                .0
                .contains("for 'Gt', 'Lt' operators, the value must be an integer")
        );
        assert!(fails_at("x>a").0.contains("the value must be an integer"));
        let (msg, pos) = fails_at("ok=1,-x=1");
        assert!(
            msg.starts_with("unable to parse requirement: key: Invalid value: \"-x\": name part"),
            "{msg}"
        );
        assert_eq!(pos, Some(5));
        let (msg, pos) = fails_at("k=1, x=-a");
        assert!(
            msg.starts_with("unable to parse requirement: values[0][x]: Invalid value: \"-a\""),
            "{msg}"
        );
        assert_eq!(pos, Some(5));
        assert!(parse("x=a||y=b").is_err());
        assert!(parse("x/").is_err());
        assert!(parse(&"a".repeat(64)).is_err());
        assert!(parse("a notin(").is_err());
        assert!(parse("(").is_err());
    }

    #[test]
    fn value_lists_collect_a_sorted_set() {
        let vals = |s: &str| -> Vec<String> {
            parse(s).unwrap()[0]
                .values()
                .iter()
                .map(|v| v.as_str().to_owned())
                .collect()
        };
        assert_eq!(vals("x in ()"), [""]);
        assert_eq!(vals("x in (a,)"), ["", "a"]);
        assert_eq!(vals("x in (,a)"), ["", "a"]);
        assert_eq!(vals("x in (a,,)"), ["", "a"]);
        assert_eq!(vals("x in (b,a,b)"), ["a", "b"]);
        assert_eq!(vals("x="), [""]);
        assert_eq!(vals("x in (in,notin)"), ["in", "notin"]);
    }
}
