//! Why a string is not a quantity: the error type returned by `Quantity::parse`.

use std::fmt;

/// How much of an over-long input an error message quotes.
const QUOTED_PREFIX: usize = 40;

/// A string that is not a valid quantity: which input, and what is wrong with it.
///
/// Prints as `quantity "1.1.1": unexpected '.' at byte 3`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantityError {
    /// The input (its first bytes only when it is over-long).
    input: String,
    kind: QuantityErrorKind,
}

/// What is wrong with a quantity string.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum QuantityErrorKind {
    /// The string is empty.
    Empty,
    /// The string is longer than the 1 KiB limit.
    TooLong {
        /// The input's length in bytes.
        len: usize,
    },
    /// A character that cannot appear where it is (a space, a second `.` or sign, ...).
    Unexpected {
        /// The offending character.
        ch: char,
        /// Its byte offset in the input.
        at: usize,
    },
    /// The text after the number is not a suffix Kubernetes knows.
    UnknownSuffix {
        /// The text after the number.
        suffix: String,
    },
    /// A number without digits where Kubernetes needs some: it reads a bare sign, `.`
    /// or suffix as zero (`m`, `Ki`, `.`), except with `Pi`, `Ei` or an exponent below
    /// -9, which take its exact-decimal path.
    NoDigits {
        /// The suffix after the (empty) number.
        suffix: String,
    },
    /// An exponent suffix (`e`/`E`) without well-formed digits, such as `e` or `e+`.
    InvalidExponent {
        /// The suffix, starting with `e` or `E`.
        suffix: String,
    },
    /// An exponent whose digits do not fit in 64 bits.
    ExponentOutOfRange {
        /// The suffix, starting with `e` or `E`.
        suffix: String,
    },
    /// A decimal value whose magnitude exceeds what a quantity holds (about 1.7e29).
    OutOfRange,
}

impl QuantityError {
    /// An error about `input`.
    pub(crate) fn new(input: &str, kind: QuantityErrorKind) -> QuantityError {
        let input = if input.len() > QUOTED_PREFIX {
            let mut end = QUOTED_PREFIX;
            while !input.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}...", &input[..end])
        } else {
            input.to_owned()
        };
        QuantityError { input, kind }
    }

    /// What is wrong.
    pub fn kind(&self) -> &QuantityErrorKind {
        &self.kind
    }

    /// The input that failed (shortened when over-long).
    pub fn input(&self) -> &str {
        &self.input
    }
}

/// Known suffixes equal to `suffix` but for letter case, to suggest in a message.
fn case_hints(suffix: &str) -> Vec<&'static str> {
    const KNOWN: [&str; 15] = [
        "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
    ];
    KNOWN
        .into_iter()
        .filter(|k| *k != suffix && k.eq_ignore_ascii_case(suffix))
        .collect()
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "quantity \"{}\": ", self.input.escape_debug())?;
        match &self.kind {
            QuantityErrorKind::Empty => f.write_str("empty string"),
            QuantityErrorKind::TooLong { len } => {
                write!(
                    f,
                    "too long ({len} bytes; the limit is {} bytes)",
                    super::parse::MAX_INPUT_LEN
                )
            }
            QuantityErrorKind::Unexpected { ch, at } => {
                write!(f, "unexpected '{}' at byte {at}", ch.escape_debug())
            }
            QuantityErrorKind::UnknownSuffix { suffix } => {
                write!(f, "unknown suffix \"{}\"", suffix.escape_debug())?;
                let hints = case_hints(suffix);
                if hints.is_empty() {
                    f.write_str(
                        " (expected one of n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei, \
                         or an exponent such as e3)",
                    )
                } else {
                    write!(
                        f,
                        " (suffixes are case-sensitive: did you mean \"{}\"?)",
                        hints.join("\" or \"")
                    )
                }
            }
            QuantityErrorKind::NoDigits { suffix } => {
                write!(f, "no digits before the suffix \"{}\"", suffix.escape_debug())
            }
            QuantityErrorKind::InvalidExponent { suffix } => write!(
                f,
                "invalid exponent \"{}\" (expected e or E, an optional sign, then digits)",
                suffix.escape_debug()
            ),
            QuantityErrorKind::ExponentOutOfRange { suffix } => {
                write!(f, "exponent \"{}\" is out of range", suffix.escape_debug())
            }
            QuantityErrorKind::OutOfRange => {
                f.write_str("value is out of range (the largest magnitude is about 1.7e29)")
            }
        }
    }
}

impl std::error::Error for QuantityError {}
