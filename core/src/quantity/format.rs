//! Printing a quantity as Kubernetes' `String()` does: the kept input text, or the
//! canonical form (apimachinery `quantity.go` `CanonicalizeBytes`, `amount.go`).

use std::fmt::{self, Write};

use super::{Format, NANOS_PER_UNIT, Quantity};

/// The sign written in an exponent suffix (`e3`, `e+3`, `e-3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ExpSign {
    None,
    Plus,
    Minus,
}

/// How an exponent suffix was written: `e` or `E`, its sign, and how many digits
/// (leading zeros included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ExpText {
    pub(super) upper: bool,
    pub(super) sign: ExpSign,
    pub(super) width: usize,
}

/// Enough of the input's spelling to print it back verbatim, for the inputs whose text
/// Kubernetes keeps as their `String()` (spec §2.3). The digits themselves come from
/// the value. Eight bytes, so that `Quantity` stays `Copy` and 32 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Spelling {
    flags: u8,
    /// Digits after the '.'.
    frac_digits: u8,
    /// Zeros before the first significant integer digit.
    lead_zeros: u16,
    /// Digits in an `e`/`E` exponent.
    exp_width: u16,
    /// The suffix's exponent: of 10 for the decimal formats, of 2 for binary.
    exponent: i16,
}

const KEPT: u8 = 1;
const PLUS: u8 = 2;
const DOT: u8 = 4;
const EXP_UPPER: u8 = 8;
const EXP_PLUS: u8 = 16;
const EXP_MINUS: u8 = 32;

impl Spelling {
    /// No kept text: print the canonical form.
    pub(super) const NONE: Spelling = Spelling {
        flags: 0,
        frac_digits: 0,
        lead_zeros: 0,
        exp_width: 0,
        exponent: 0,
    };

    /// A kept spelling, or `NONE` if a field does not fit (never for inputs within
    /// the length limit whose value is in range).
    pub(super) fn kept(
        plus: bool,
        lead_zeros: usize,
        dot: bool,
        frac_digits: usize,
        exponent: i32,
        exp_text: Option<ExpText>,
    ) -> Spelling {
        let fields = (
            u8::try_from(frac_digits),
            u16::try_from(lead_zeros),
            u16::try_from(exp_text.map_or(0, |e| e.width)),
            i16::try_from(exponent),
        );
        let (Ok(frac_digits), Ok(lead_zeros), Ok(exp_width), Ok(exponent)) = fields else {
            return Spelling::NONE;
        };
        let mut flags = KEPT;
        if plus {
            flags |= PLUS;
        }
        if dot {
            flags |= DOT;
        }
        if let Some(e) = exp_text {
            if e.upper {
                flags |= EXP_UPPER;
            }
            flags |= match e.sign {
                ExpSign::None => 0,
                ExpSign::Plus => EXP_PLUS,
                ExpSign::Minus => EXP_MINUS,
            };
        }
        Spelling {
            flags,
            frac_digits,
            lead_zeros,
            exp_width,
            exponent,
        }
    }

    fn has(self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// Decimal SI suffixes for exponents -9, -6, ..., 18.
const SI_SUFFIXES: [&str; 10] = ["n", "u", "m", "", "k", "M", "G", "T", "P", "E"];
/// Binary suffixes for 1024^0 ... 1024^6.
const BINARY_SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

fn si_suffix(exponent: i32) -> Option<&'static str> {
    if exponent % 3 != 0 {
        return None;
    }
    usize::try_from(exponent / 3 + 3)
        .ok()
        .and_then(|i| SI_SUFFIXES.get(i).copied())
}

/// Writes `v` in decimal into `buf`, returning the text.
fn decimal(v: u128, buf: &mut [u8; 40]) -> &str {
    let mut i = buf.len();
    let mut v = v;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[i..]).unwrap_or("")
}

impl Quantity {
    /// Writes the `String()` text.
    fn write_text(&self, out: &mut impl Write) -> fmt::Result {
        if self.spelling.has(KEPT) && self.write_kept(out)? {
            return Ok(());
        }
        write_canonical(self.nanos, self.format, out)
    }

    /// Writes the input text back, from the value and the kept spelling. Returns
    /// `Ok(false)` without writing if the spelling does not describe the value.
    fn write_kept(&self, out: &mut impl Write) -> Result<bool, fmt::Error> {
        let sp = self.spelling;
        let abs = self.nanos.unsigned_abs();
        let unit = match self.format {
            Format::BinarySI => u32::try_from(sp.exponent)
                .ok()
                .and_then(|e| 1u128.checked_shl(e))
                .map(|p| p * NANOS_PER_UNIT as u128),
            _ => u32::try_from(i32::from(sp.exponent) - i32::from(sp.frac_digits) + 9)
                .ok()
                .and_then(|e| 10u128.checked_pow(e)),
        };
        let Some(unit) = unit.filter(|&u| u != 0 && abs.is_multiple_of(u)) else {
            return Ok(false);
        };
        let mut buf = [0u8; 40];
        let digits = decimal(abs / unit, &mut buf);
        let Some(split) = digits.len().checked_sub(usize::from(sp.frac_digits)) else {
            return Ok(false);
        };
        let suffix = match self.format {
            Format::DecimalSI => match si_suffix(i32::from(sp.exponent)) {
                Some(s) => s,
                None => return Ok(false),
            },
            Format::BinarySI => match BINARY_SUFFIXES.get(usize::from(sp.exponent.unsigned_abs() / 10)) {
                Some(s) => s,
                None => return Ok(false),
            },
            Format::DecimalExponent => "",
        };

        if self.nanos < 0 {
            out.write_char('-')?;
        } else if sp.has(PLUS) {
            out.write_char('+')?;
        }
        for _ in 0..sp.lead_zeros {
            out.write_char('0')?;
        }
        out.write_str(&digits[..split])?;
        if sp.has(DOT) {
            out.write_char('.')?;
        }
        out.write_str(&digits[split..])?;
        out.write_str(suffix)?;
        if self.format == Format::DecimalExponent {
            out.write_char(if sp.has(EXP_UPPER) { 'E' } else { 'e' })?;
            if sp.has(EXP_PLUS) {
                out.write_char('+')?;
            } else if sp.has(EXP_MINUS) {
                out.write_char('-')?;
            }
            write!(
                out,
                "{:0width$}",
                sp.exponent.unsigned_abs(),
                width = usize::from(sp.exp_width)
            )?;
        }
        Ok(true)
    }
}

/// Writes the canonical form of `nanos` nano-units in `format` (quantity.go
/// `CanonicalizeBytes`).
///
/// - Zero is `0`.
/// - BinarySI: an integer of magnitude at least 1024 is divided by 1024 while exact and
///   printed with `Ki`...`Ei` (`1536Mi`); anything else prints as DecimalSI (`512`,
///   `1126400m`). kubesim stops at `Ei`, where Kubernetes, having no suffix for
///   1024^7, would drop the exponent.
/// - DecimalSI / DecimalExponent: trailing zeros move into the exponent, which is then
///   lowered to a multiple of 3 (`1080m`, `1G`, `300e6`). A DecimalSI exponent above
///   18 has no suffix and falls back to `e` notation (`1e21`), as Kubernetes does.
fn write_canonical(nanos: i128, format: Format, out: &mut impl Write) -> fmt::Result {
    if nanos == 0 {
        return out.write_char('0');
    }
    if nanos < 0 {
        out.write_char('-')?;
    }
    let abs = nanos.unsigned_abs();
    let unit = NANOS_PER_UNIT as u128;
    let mut buf = [0u8; 40];
    if format == Format::BinarySI && abs >= 1024 * unit && abs.is_multiple_of(unit) {
        let (mut v, mut e) = (abs / unit, 0);
        while e < 6 && v.is_multiple_of(1024) {
            v /= 1024;
            e += 1;
        }
        out.write_str(decimal(v, &mut buf))?;
        return out.write_str(BINARY_SUFFIXES[e]);
    }
    let (mut m, mut exp) = (abs, -9i32);
    while m.is_multiple_of(10) {
        m /= 10;
        exp += 1;
    }
    // Lowering the exponent to a multiple of 3 (>= -9) keeps m <= abs.
    let r = exp.rem_euclid(3);
    m *= 10u128.pow(r as u32);
    exp -= r;
    out.write_str(decimal(m, &mut buf))?;
    match (format, si_suffix(exp)) {
        (Format::DecimalExponent, _) if exp == 0 => Ok(()),
        (Format::DecimalExponent, _) | (_, None) => write!(out, "e{exp}"),
        (_, Some(suffix)) => out.write_str(suffix),
    }
}

impl fmt::Display for Quantity {
    /// Kubernetes' `String()`: the input text when Kubernetes keeps it (`1E3`, `100m`,
    /// `+1`), else the canonical form (`1k`, `1536Mi`, `500m`). Width and alignment
    /// flags pad the text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.width().is_none() && f.precision().is_none() {
            return self.write_text(f);
        }
        let mut s = String::new();
        self.write_text(&mut s)?;
        f.pad(&s)
    }
}
