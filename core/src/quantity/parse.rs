//! The quantity grammar: from text to an exact nano-unit count, a format and the
//! spelling that `Display` keeps (apimachinery `quantity.go` `ParseQuantity`, `suffix.go`).

use super::error::{QuantityError, QuantityErrorKind as Kind};
use super::format::{ExpSign, ExpText, Spelling};
use super::{BINARY_CAP_NANOS, Format, MAX_NANOS, NANOS_PER_UNIT, Quantity};

/// The longest input accepted, in bytes. Kubernetes has no limit; kubesim refuses
/// absurd inputs rather than spend time on them.
pub(crate) const MAX_INPUT_LEN: usize = 1024;

/// How much of an offending suffix an error message quotes.
const QUOTED_SUFFIX: usize = 40;

/// What the suffix multiplies the number by.
#[derive(Clone, Copy, Debug)]
enum Suffix {
    /// `× 10^exponent`: an SI prefix (`exp_text` is `None`) or an `e`/`E` exponent.
    Decimal {
        exponent: i64,
        exp_text: Option<ExpText>,
    },
    /// `× 2^exponent` (`Ki` = 10, ..., `Ei` = 60).
    Binary { exponent: u32 },
}

/// Parses `s` (see [`Quantity::parse`]).
pub(super) fn parse(s: &str) -> Result<Quantity, QuantityError> {
    let fail = |kind| Err(QuantityError::new(s, kind));
    if s.is_empty() {
        return fail(Kind::Empty);
    }
    if s.len() > MAX_INPUT_LEN {
        return fail(Kind::TooLong { len: s.len() });
    }
    let b = s.as_bytes();
    let (negative, plus, mut pos) = match b[0] {
        b'-' => (true, false, 1),
        b'+' => (false, true, 1),
        _ => (false, false, 0),
    };
    // Either part may be empty: ".5", "1." and even "." or "-" are zero-or-more digits
    // (quantity.go parseQuantityString).
    let int_start = pos;
    pos += count_digits(&b[pos..]);
    let int = &b[int_start..pos];
    let dot = b.get(pos) == Some(&b'.');
    let frac = if dot {
        pos += 1;
        let frac_start = pos;
        pos += count_digits(&b[pos..]);
        &b[frac_start..pos]
    } else {
        &b[pos..pos]
    };
    let suffix = match parse_suffix(s, pos) {
        Ok(suffix) => suffix,
        Err(kind) => return fail(kind),
    };

    if int.is_empty() && frac.is_empty() && takes_exact_path(suffix) {
        return fail(Kind::NoDigits {
            suffix: shorten(&s[pos..]),
        });
    }

    let lead_zeros = int.iter().take_while(|&&d| d == b'0').count();
    let num = &int[lead_zeros..];
    let digits = Digits::new(num, frac);
    let frac_len = frac.len() as i128;

    let (abs, format) = match suffix {
        Suffix::Decimal { exponent, exp_text } => {
            // value = digits × 10^(exponent - frac_len); nanos = that × 10^9, rounded up.
            let Some(abs) = digits.scaled(i128::from(exponent) - frac_len + 9) else {
                return fail(Kind::OutOfRange);
            };
            let format = if exp_text.is_some() {
                Format::DecimalExponent
            } else {
                Format::DecimalSI
            };
            (abs, format)
        }
        Suffix::Binary { exponent } => {
            // quantity.go: binary amounts are rounded to nano precision, then capped at
            // maxAllowed (2^63-1); one strictly between 0 and 1 switches to DecimalSI.
            let cap = BINARY_CAP_NANOS as u128;
            let abs = binary_nanos(digits, exponent, frac_len)
                .filter(|&v| v <= cap)
                .unwrap_or(cap);
            let format = if abs > 0 && abs < NANOS_PER_UNIT as u128 {
                Format::DecimalSI
            } else {
                Format::BinarySI
            };
            (abs, format)
        }
    };
    // `scaled` and the binary cap keep `abs` within MAX_NANOS.
    let abs = i128::try_from(abs).unwrap_or(MAX_NANOS);
    let nanos = if negative { -abs } else { abs };
    let spelling = kept_spelling(plus, lead_zeros, num, dot, frac, suffix);
    Ok(Quantity {
        nanos,
        format,
        spelling,
    })
}

/// Whether Kubernetes parses a number without digits on its exact-decimal (`inf.Dec`)
/// path, which needs a digit and fails, instead of its int64 fast path, which reads
/// it as 0 (quantity.go `ParseQuantity`: the fast path needs `scale >= -9`, and for
/// binary suffixes a precision estimate that `Pi` and `Ei` never meet).
fn takes_exact_path(suffix: Suffix) -> bool {
    match suffix {
        Suffix::Decimal { exponent, .. } => exponent < -9,
        Suffix::Binary { exponent } => exponent >= 50,
    }
}

fn count_digits(b: &[u8]) -> usize {
    b.iter().take_while(|d| d.is_ascii_digit()).count()
}

/// Reads the suffix starting at byte `start` of `s`, which must run to the end.
fn parse_suffix(s: &str, start: usize) -> Result<Suffix, Kind> {
    let rest = &s[start..];
    let si = |exponent| {
        Ok(Suffix::Decimal {
            exponent,
            exp_text: None,
        })
    };
    let bin = |exponent| Ok(Suffix::Binary { exponent });
    match rest {
        "" => return si(0),
        "n" => return si(-9),
        "u" => return si(-6),
        "m" => return si(-3),
        "k" => return si(3),
        "M" => return si(6),
        "G" => return si(9),
        "T" => return si(12),
        "P" => return si(15),
        "E" => return si(18),
        "Ki" => return bin(10),
        "Mi" => return bin(20),
        "Gi" => return bin(30),
        "Ti" => return bin(40),
        "Pi" => return bin(50),
        "Ei" => return bin(60),
        _ => {}
    }
    let b = rest.as_bytes();
    let unexpected = |off: usize| {
        let ch = rest[off..].chars().next().unwrap_or('\u{fffd}');
        Kind::Unexpected { ch, at: start + off }
    };
    // A suffix starts with a letter and is made of letters, digits and signs; anything
    // else (a space, a second '.', a sign after the number) is out of place.
    if !b[0].is_ascii_alphabetic() {
        return Err(unexpected(0));
    }
    if let Some(off) = b
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'+' || c == b'-'))
    {
        return Err(unexpected(off));
    }
    if b[0] == b'e' || b[0] == b'E' {
        // suffix.go interpret: "e"/"E" then strconv.ParseInt(rest, 10, 64).
        let body = &b[1..];
        let (sign, digits) = match body.first() {
            Some(b'+') => (ExpSign::Plus, &body[1..]),
            Some(b'-') => (ExpSign::Minus, &body[1..]),
            _ => (ExpSign::None, body),
        };
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return Err(Kind::InvalidExponent {
                suffix: shorten(rest),
            });
        }
        let out_of_range = || Kind::ExponentOutOfRange {
            suffix: shorten(rest),
        };
        let mut magnitude: u64 = 0;
        for &d in digits {
            magnitude = magnitude
                .checked_mul(10)
                .and_then(|m| m.checked_add(u64::from(d - b'0')))
                .ok_or_else(out_of_range)?;
        }
        let exponent = match sign {
            ExpSign::Minus => 0i64.checked_sub_unsigned(magnitude),
            _ => i64::try_from(magnitude).ok(),
        }
        .ok_or_else(out_of_range)?;
        let exp_text = ExpText {
            upper: b[0] == b'E',
            sign,
            width: digits.len(),
        };
        return Ok(Suffix::Decimal {
            exponent,
            exp_text: Some(exp_text),
        });
    }
    Err(Kind::UnknownSuffix {
        suffix: shorten(rest),
    })
}

/// `s`, or its first bytes and "..." when it is long (for error messages).
fn shorten(s: &str) -> String {
    if s.len() <= QUOTED_SUFFIX {
        return s.to_owned();
    }
    let mut end = QUOTED_SUFFIX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// The significant digits of `int.frac` (no leading zeros), as one digit string.
#[derive(Clone, Copy)]
struct Digits<'a> {
    head: &'a [u8],
    tail: &'a [u8],
}

impl<'a> Digits<'a> {
    /// `num` is the integer part without leading zeros; `frac` the fraction digits.
    fn new(num: &'a [u8], frac: &'a [u8]) -> Digits<'a> {
        if num.is_empty() {
            let zeros = frac.iter().take_while(|&&d| d == b'0').count();
            Digits {
                head: &frac[zeros..],
                tail: &[],
            }
        } else {
            Digits {
                head: num,
                tail: frac,
            }
        }
    }

    fn len(&self) -> usize {
        self.head.len() + self.tail.len()
    }

    /// The digit values, most significant first.
    fn values(&self) -> impl Iterator<Item = u8> + 'a {
        self.head.iter().chain(self.tail).map(|d| d - b'0')
    }

    /// `self × 10^shift` rounded away from zero to an integer; `None` above `MAX_NANOS`.
    fn scaled(&self, shift: i128) -> Option<u128> {
        scale_digits(self.values(), self.len(), shift)
    }
}

/// `digits × 10^shift` rounded up to an integer, where `digits` (of length `len`) has
/// no leading zero; `None` when the result exceeds `MAX_NANOS`. Any non-zero digit
/// dropped by a negative shift rounds the result up (quantity.go rounds with
/// `inf.RoundUp`, away from zero, so that a tiny request still gets something).
fn scale_digits(digits: impl Iterator<Item = u8>, len: usize, shift: i128) -> Option<u128> {
    if len == 0 {
        return Some(0);
    }
    let len = len as i128;
    let (keep, up) = if shift >= 0 {
        (len, shift)
    } else {
        ((len + shift).max(0), 0)
    };
    // The leading digit is not zero, so the integer has keep + up digits: more than 39
    // is at least 10^39, beyond u128.
    if keep + up > 39 {
        return None;
    }
    let mut acc: u128 = 0;
    let mut dropped_nonzero = false;
    for (i, d) in digits.enumerate() {
        if (i as i128) < keep {
            acc = acc.checked_mul(10)?.checked_add(u128::from(d))?;
        } else if d != 0 {
            dropped_nonzero = true;
            break;
        }
    }
    // up <= 38 here, since keep >= 1 whenever up > 0.
    acc = acc.checked_mul(10u128.checked_pow(up as u32)?)?;
    if dropped_nonzero {
        acc = acc.checked_add(1)?;
    }
    (acc <= MAX_NANOS as u128).then_some(acc)
}

/// `digits × 2^exponent / 10^frac_len` in nano-units, rounded up; `None` when too large
/// for the representation (the caller caps binary amounts anyway).
fn binary_nanos(digits: Digits<'_>, exponent: u32, frac_len: i128) -> Option<u128> {
    let factor = 1u128 << exponent;
    if digits.len() <= 38 {
        let d = digits.values().fold(0u128, |acc, x| acc * 10 + u128::from(x));
        if let Some(product) = d.checked_mul(factor) {
            let mut buf = [0u8; 39];
            let n = decimal_digits(product, &mut buf);
            return scale_digits(buf[..n].iter().copied(), n, 9 - frac_len);
        }
    }
    // A long digit string: multiply in decimal, exactly.
    let mut product: Vec<u8> = digits.values().collect();
    mul_pow2(&mut product, exponent);
    scale_digits(product.iter().copied(), product.len(), 9 - frac_len)
}

/// The decimal digit values of `v` (no leading zero; empty for 0) into `buf`; returns
/// how many.
fn decimal_digits(mut v: u128, buf: &mut [u8; 39]) -> usize {
    let mut n = 0;
    while v > 0 {
        buf[n] = (v % 10) as u8;
        v /= 10;
        n += 1;
    }
    buf[..n].reverse();
    n
}

/// Multiplies a big-endian decimal digit string by 2^e in place.
fn mul_pow2(digits: &mut Vec<u8>, mut e: u32) {
    while e > 0 {
        let k = e.min(30);
        e -= k;
        let mut carry: u64 = 0;
        for d in digits.iter_mut().rev() {
            let x = (u64::from(*d) << k) + carry;
            *d = (x % 10) as u8;
            carry = x / 10;
        }
        let mut head = Vec::new();
        while carry > 0 {
            head.push((carry % 10) as u8);
            carry /= 10;
        }
        head.reverse();
        digits.splice(0..0, head);
    }
}

/// The spelling to keep when Kubernetes keeps the input text as the `String()` result
/// (spec §2.3), else [`Spelling::NONE`].
///
/// quantity.go `ParseQuantity` caches the input on its int64 fast path when, for the
/// decimal formats, the significant digits (`num` + `frac`, at most 18) do not start
/// with 0 nor end in `000` and `scale` = exponent - len(frac) is >= -9 and a multiple of
/// 3; for binary, when there is no fraction, the digits fit its precision estimate
/// (`15 - len(num) - exponent*3/10 - 1 >= 0`) and the number is not a multiple of 8.
fn kept_spelling(
    plus: bool,
    lead_zeros: usize,
    num: &[u8],
    dot: bool,
    frac: &[u8],
    suffix: Suffix,
) -> Spelling {
    if num.is_empty() {
        // The digit string starts with 0 (Go reads an empty integer part as "0").
        return Spelling::NONE;
    }
    let (exponent, exp_text) = match suffix {
        Suffix::Decimal { exponent, exp_text } => {
            let Ok(exponent) = i32::try_from(exponent) else {
                return Spelling::NONE;
            };
            let scale = i64::from(exponent) - frac.len() as i64;
            let total = num.len() + frac.len();
            let ends_000 = total >= 3 && num.iter().chain(frac).rev().take(3).all(|&d| d == b'0');
            if total > 18 || scale < -9 || scale % 3 != 0 || ends_000 {
                return Spelling::NONE;
            }
            (exponent, exp_text)
        }
        Suffix::Binary { exponent } => {
            let precision = 15 - num.len() as i64 - i64::from(exponent * 3 / 10) - 1;
            if !frac.is_empty() || precision < 0 {
                return Spelling::NONE;
            }
            // num has at most 11 digits here; a multiple of 8 is decided by the last three.
            let last3 = num[num.len().saturating_sub(3)..]
                .iter()
                .fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'));
            if last3.is_multiple_of(8) {
                return Spelling::NONE;
            }
            (exponent as i32, None)
        }
    };
    Spelling::kept(plus, lead_zeros, dot, frac.len(), exponent, exp_text)
}
