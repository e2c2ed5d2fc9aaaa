//! The selector lexer: tokens of the string syntax, scanned as Kubernetes' `Lexer` does
//! (apimachinery `pkg/labels/selector.go`).
//!
//! Rules (spec §1.1): whitespace (space, `\t`, `\r`, `\n`) separates tokens; a run of the special
//! characters `= ! ( ) , > <` is scanned greedily, keeping the longest prefix that is a token
//! (`==`, `!=`, else one character); anything else up to the next special character, whitespace or
//! end is one identifier, `in` and `notin` being keywords. Like upstream, a NUL byte reads as "end"
//! and is consumed: between tokens it ends the input, inside a token it ends the token.

/// A token kind (Kubernetes' `Token`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Token {
    /// A run of special characters with no token at its start (cannot happen with today's token set,
    /// kept as upstream has it).
    Error,
    /// The end of the input.
    End,
    /// `)`
    ClosedPar,
    /// `,`
    Comma,
    /// `!`
    DoesNotExist,
    /// `==`
    DoubleEquals,
    /// `=`
    Equals,
    /// `>`
    GreaterThan,
    /// A key or value.
    Identifier,
    /// The keyword `in`.
    In,
    /// `<`
    LessThan,
    /// `!=`
    NotEquals,
    /// The keyword `notin`.
    NotIn,
    /// `(`
    OpenPar,
}

/// One scanned token: its kind, its text and where it starts (byte offset).
#[derive(Clone, Copy, Debug)]
pub(super) struct Item<'a> {
    pub(super) tok: Token,
    pub(super) lit: &'a str,
    pub(super) pos: usize,
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

fn special_token(s: &[u8]) -> Option<Token> {
    Some(match s {
        b")" => Token::ClosedPar,
        b"," => Token::Comma,
        b"!" => Token::DoesNotExist,
        b"==" => Token::DoubleEquals,
        b"=" => Token::Equals,
        b">" => Token::GreaterThan,
        b"<" => Token::LessThan,
        b"!=" => Token::NotEquals,
        b"(" => Token::OpenPar,
        _ => return None,
    })
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// The next byte, 0 at the end (a NUL byte also reads as 0, and is consumed).
    fn read(&mut self) -> u8 {
        match self.src.as_bytes().get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                b
            }
            None => 0,
        }
    }

    /// Undoes the last `read`; only ever called after a non-zero byte was read.
    fn unread(&mut self) {
        self.pos -= 1;
    }

    fn lex(&mut self) -> Item<'a> {
        let mut ch = self.read();
        while is_whitespace(ch) {
            ch = self.read();
        }
        if ch == 0 {
            return Item {
                tok: Token::End,
                lit: "",
                pos: self.pos,
            };
        }
        self.unread();
        if is_special(ch) {
            self.scan_special()
        } else {
            self.scan_identifier()
        }
    }

    fn scan_identifier(&mut self) -> Item<'a> {
        let start = self.pos;
        let mut end;
        loop {
            end = self.pos;
            let ch = self.read();
            if ch == 0 {
                break;
            }
            if is_special(ch) || is_whitespace(ch) {
                self.unread();
                break;
            }
        }
        // `start` and `end` sit next to ASCII bytes (or the ends), so both are char boundaries.
        let lit = &self.src[start..end];
        let tok = match lit {
            "in" => Token::In,
            "notin" => Token::NotIn,
            _ => Token::Identifier,
        };
        Item { tok, lit, pos: start }
    }

    fn scan_special(&mut self) -> Item<'a> {
        let start = self.pos;
        let mut last: Option<(Token, usize)> = None;
        loop {
            let ch = self.read();
            if ch == 0 {
                break;
            }
            if !is_special(ch) {
                self.unread();
                break;
            }
            match special_token(&self.src.as_bytes()[start..self.pos]) {
                Some(tok) => last = Some((tok, self.pos)),
                None if last.is_some() => {
                    self.unread();
                    break;
                }
                None => {}
            }
        }
        match last {
            Some((tok, end)) => Item {
                tok,
                lit: &self.src[start..end],
                pos: start,
            },
            None => Item {
                tok: Token::Error,
                lit: &self.src[start..self.pos.max(start)],
                pos: start,
            },
        }
    }
}

/// Scans the whole input, up to and including the end token.
pub(super) fn scan(src: &str) -> Vec<Item<'_>> {
    let mut lexer = Lexer { src, pos: 0 };
    let mut items = Vec::new();
    loop {
        let item = lexer.lex();
        items.push(item);
        if item.tok == Token::End {
            return items;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<(Token, &str)> {
        scan(s).into_iter().map(|i| (i.tok, i.lit)).collect()
    }

    #[test]
    fn identifiers_keywords_and_whitespace() {
        use Token::*;
        assert_eq!(toks(""), [(End, "")]);
        assert_eq!(toks(" \t\r\n"), [(End, "")]);
        assert_eq!(
            toks("x in (a, b)"),
            [
                (Identifier, "x"),
                (In, "in"),
                (OpenPar, "("),
                (Identifier, "a"),
                (Comma, ","),
                (Identifier, "b"),
                (ClosedPar, ")"),
                (End, "")
            ]
        );
        assert_eq!(
            toks("notin inx"),
            [(NotIn, "notin"), (Identifier, "inx"), (End, "")]
        );
        assert_eq!(
            toks("a||y ~"),
            [(Identifier, "a||y"), (Identifier, "~"), (End, "")]
        );
    }

    #[test]
    fn special_runs_are_greedy_but_only_as_far_as_a_token() {
        use Token::*;
        assert_eq!(
            toks("x==y"),
            [
                (Identifier, "x"),
                (DoubleEquals, "=="),
                (Identifier, "y"),
                (End, "")
            ]
        );
        assert_eq!(
            toks("x!=y"),
            [(Identifier, "x"), (NotEquals, "!="), (Identifier, "y"), (End, "")]
        );
        assert_eq!(toks("==="), [(DoubleEquals, "=="), (Equals, "="), (End, "")]);
        assert_eq!(toks("!=="), [(NotEquals, "!="), (Equals, "="), (End, "")]);
        assert_eq!(
            toks("!!x"),
            [
                (DoesNotExist, "!"),
                (DoesNotExist, "!"),
                (Identifier, "x"),
                (End, "")
            ]
        );
        assert_eq!(toks("()"), [(OpenPar, "("), (ClosedPar, ")"), (End, "")]);
        assert_eq!(
            toks("=<>"),
            [(Equals, "="), (LessThan, "<"), (GreaterThan, ">"), (End, "")]
        );
        assert_eq!(toks(",!"), [(Comma, ","), (DoesNotExist, "!"), (End, "")]);
    }

    #[test]
    fn positions_and_nul_bytes() {
        let items = scan("ab = c");
        let pos: Vec<usize> = items.iter().map(|i| i.pos).collect();
        assert_eq!(pos, [0, 3, 5, 6]);
        use Token::*;
        // A NUL ends the identifier it interrupts (and is consumed) ...
        assert_eq!(toks("x\0y"), [(Identifier, "x"), (Identifier, "y"), (End, "")]);
        // ... and ends the input where a token would start.
        assert_eq!(toks("x \0y"), [(Identifier, "x"), (End, "")]);
        assert_eq!(
            toks("é=ü"),
            [(Identifier, "é"), (Equals, "="), (Identifier, "ü"), (End, "")]
        );
    }
}
