//! Kubernetes' `resource.Quantity`: exact decimal amounts such as `500m`, `1Gi` or `1e3`.
//!
//! The grammar, the rounding and the canonical text follow apimachinery
//! `pkg/api/resource/quantity.go`, `suffix.go` and `amount.go` (spec §2):
//!
//! - a quantity is `[+-]? digits [. digits]? suffix`, where the suffix is a decimal SI
//!   prefix (`n u m "" k M G T P E`), a binary one (`Ki Mi Gi Ti Pi Ei`) or a decimal
//!   exponent (`e3`, `E-6`, `e+9`);
//! - the value is exact; digits finer than a nano-unit round **away from zero** to the
//!   next nano-unit (`0.9n` is `1n`), and binary amounts saturate at 2^63-1;
//! - [`Display`](std::fmt::Display) prints Kubernetes' `String()`: the canonical form,
//!   or the input text itself when Kubernetes keeps it (`1E3` prints as `1E3`);
//! - comparison, equality and hashing look at the value only, so `1k == 1000`;
//! - like Kubernetes' scanner, a number may have no digits at all: `.`, `-`, `m` and `Ki`
//!   read as zero, except where Kubernetes takes its exact-decimal path and fails
//!   (`Pi`, `Ei`, exponents below -9: [`QuantityErrorKind::NoDigits`]).
//!
//! # Representation and limits
//!
//! A [`Quantity`] is a signed count of nano-units (`i128`), its [`Format`] and a few
//! bytes describing how the input was spelled (32 bytes in all, `Copy`). Kubernetes
//! has no upper bound for decimal amounts; kubesim's is ±(2^127-1) nano-units (about
//! ±1.7e29): parsing a larger decimal amount is an error ("value is out of range"),
//! [`Quantity::checked_add`] returns `None` and [`Quantity::saturating_add`] stops at
//! the bound. The int64 accessors ([`Quantity::value`], [`Quantity::milli_value`])
//! saturate at `i64::MIN`/`i64::MAX` where Kubernetes overflows silently.

mod error;
mod format;
mod parse;
mod serde_impl;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

pub use error::{QuantityError, QuantityErrorKind};

/// How a quantity prints: which family of suffixes its canonical form uses.
///
/// Parsing picks the format from the suffix (`Ki` is binary, `k` decimal, `e3` an
/// exponent; a plain number is decimal); arithmetic keeps the left operand's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// Powers of ten with SI prefixes: `500m`, `2k`, `1G`.
    #[default]
    DecimalSI,
    /// Powers of 1024 with binary prefixes: `512Mi`, `1Gi`.
    BinarySI,
    /// Powers of ten written as exponents: `1e3`, `5e-3`.
    DecimalExponent,
}

impl Format {
    /// The name Kubernetes uses for this format (`"DecimalSI"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::DecimalSI => "DecimalSI",
            Format::BinarySI => "BinarySI",
            Format::DecimalExponent => "DecimalExponent",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Nano-units in one unit.
pub(crate) const NANOS_PER_UNIT: i128 = 1_000_000_000;

/// The largest magnitude a quantity can hold, in nano-units (2^127-1, about 1.7e29
/// units). The range is symmetric, so negation never overflows.
pub const MAX_NANOS: i128 = i128::MAX;

/// The cap Kubernetes puts on parsed binary-SI amounts: 2^63-1 units, in nano-units
/// (`maxAllowed` in quantity.go; `9Ei` and `8Ei` both parse as this).
pub(crate) const BINARY_CAP_NANOS: i128 = i64::MAX as i128 * NANOS_PER_UNIT;

/// A resource amount, exact to the nano-unit, with the format it prints in.
///
/// Equality, ordering and hashing use the value only: `"1k"`, `"1000"` and `"1e3"`
/// are equal. [`Display`](fmt::Display) prints Kubernetes' canonical text.
#[derive(Clone, Copy)]
pub struct Quantity {
    /// The value in nano-units, within `-MAX_NANOS..=MAX_NANOS`.
    nanos: i128,
    /// The suffix family used for printing.
    format: Format,
    /// The input's spelling, when Kubernetes would print the input verbatim.
    spelling: format::Spelling,
}

impl Quantity {
    /// Parses Kubernetes quantity text such as `"100m"`, `"1.5Gi"` or `"1e3"`.
    ///
    /// Errors say what is wrong and where: an empty or over-long (> 1 KiB) input, an
    /// unexpected character, an unknown suffix, a malformed exponent, or a decimal value
    /// beyond ±[`MAX_NANOS`] nano-units.
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        parse::parse(s)
    }

    /// Builds a quantity from its parts; the value must be within ±`MAX_NANOS`.
    pub(crate) fn from_parts(nanos: i128, format: Format) -> Quantity {
        debug_assert!(nanos != i128::MIN);
        Quantity {
            nanos,
            format,
            spelling: format::Spelling::NONE,
        }
    }

    /// Zero (prints as `0`, decimal SI format).
    pub const fn zero() -> Quantity {
        Quantity {
            nanos: 0,
            format: Format::DecimalSI,
            spelling: format::Spelling::NONE,
        }
    }

    /// `value` units in the given format: `from_value(1 << 30, BinarySI)` prints `1Gi`
    /// (Kubernetes' `NewQuantity`).
    pub fn from_value(value: i64, format: Format) -> Quantity {
        Quantity::from_parts(i128::from(value) * NANOS_PER_UNIT, format)
    }

    /// `milli` thousandths of a unit in the given format: `from_milli(1500, DecimalSI)`
    /// prints `1500m` (Kubernetes' `NewMilliQuantity`).
    pub fn from_milli(milli: i64, format: Format) -> Quantity {
        Quantity::from_parts(i128::from(milli) * 1_000_000, format)
    }

    /// `nanos` nano-units in the given format, or `None` when `nanos` is `i128::MIN`
    /// (outside the symmetric range ±[`MAX_NANOS`]).
    pub fn from_nanos(nanos: i128, format: Format) -> Option<Quantity> {
        (nanos != i128::MIN).then(|| Quantity::from_parts(nanos, format))
    }

    /// The exact value in nano-units (10^-9).
    pub fn as_nanos(&self) -> i128 {
        self.nanos
    }

    /// The format the quantity prints in. Parsing a binary amount strictly between
    /// -1 and 1 gives [`Format::DecimalSI`], as in Kubernetes.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The same value printed in another format (any remembered input text is dropped).
    pub fn with_format(&self, format: Format) -> Quantity {
        Quantity::from_parts(self.nanos, format)
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    /// The sign of the value: `Less` for negative, `Equal` for zero, `Greater` for positive.
    pub fn sign(&self) -> Ordering {
        self.nanos.cmp(&0)
    }

    /// `ceil(q * 1000)` as an `i64` (Kubernetes' `MilliValue`): `1n` gives 1, `100m` gives 100.
    ///
    /// Like Kubernetes' int64 path, a negative fraction rounds away from zero
    /// (`-1.5m` gives -2). Results beyond the `i64` range saturate at `i64::MIN`/`i64::MAX`
    /// (Kubernetes overflows silently there).
    pub fn milli_value(&self) -> i64 {
        self.scaled_value(-3)
    }

    /// `ceil(q)` as an `i64` (Kubernetes' `Value`): `100m` gives 1, `1Ki` gives 1024.
    ///
    /// A negative fraction rounds away from zero (`-0.5` gives -1); results beyond the
    /// `i64` range saturate at `i64::MIN`/`i64::MAX`.
    pub fn value(&self) -> i64 {
        self.scaled_value(0)
    }

    /// `ceil(q / 10^scale)` as an `i64` (Kubernetes' `ScaledValue`): `scaled_value(-3)` is
    /// [`milli_value`](Self::milli_value), `scaled_value(0)` is [`value`](Self::value).
    ///
    /// Fractions round away from zero; results beyond the `i64` range saturate.
    pub fn scaled_value(&self, scale: i32) -> i64 {
        if self.nanos == 0 {
            return 0;
        }
        let away = self.nanos.signum();
        // Divide the nano count by 10^(scale + 9), or multiply when that is negative.
        let shift = i64::from(scale) + 9;
        let exact: i128 = if shift >= 0 {
            match pow10(shift) {
                Some(div) => {
                    let q = self.nanos / div;
                    if self.nanos % div != 0 { q + away } else { q }
                }
                // 10^shift exceeds any nano count: only the rounding unit is left.
                None => away,
            }
        } else {
            match pow10(-shift).and_then(|mul| self.nanos.checked_mul(mul)) {
                Some(v) => v,
                None => return if away > 0 { i64::MAX } else { i64::MIN },
            }
        };
        i64::try_from(exact).unwrap_or(if exact > 0 { i64::MAX } else { i64::MIN })
    }

    /// An approximate `f64` value (may lose precision), for scores and ratios.
    pub fn as_f64(&self) -> f64 {
        self.nanos as f64 / 1e9
    }

    /// `self + other`, or `None` when the sum is beyond ±[`MAX_NANOS`] nano-units.
    ///
    /// The result has `self`'s format, or `other`'s when `self` is zero (Kubernetes'
    /// `Add`); it prints in canonical form.
    pub fn checked_add(&self, other: &Quantity) -> Option<Quantity> {
        let nanos = self.nanos.checked_add(other.nanos).filter(|&n| n != i128::MIN)?;
        Some(Quantity::from_parts(nanos, self.format_with(other)))
    }

    /// `self - other`, or `None` when the difference is beyond ±[`MAX_NANOS`] nano-units.
    ///
    /// The result has `self`'s format, or `other`'s when `self` is zero (Kubernetes' `Sub`).
    pub fn checked_sub(&self, other: &Quantity) -> Option<Quantity> {
        let nanos = self.nanos.checked_sub(other.nanos).filter(|&n| n != i128::MIN)?;
        Some(Quantity::from_parts(nanos, self.format_with(other)))
    }

    /// `self + other`, stopping at ±[`MAX_NANOS`] nano-units (about ±1.7e29) instead of
    /// overflowing. Formats as in [`checked_add`](Self::checked_add).
    pub fn saturating_add(&self, other: &Quantity) -> Quantity {
        let nanos = self.nanos.saturating_add(other.nanos).max(-MAX_NANOS);
        Quantity::from_parts(nanos, self.format_with(other))
    }

    /// `self - other`, stopping at ±[`MAX_NANOS`] nano-units (about ±1.7e29) instead of
    /// overflowing. Formats as in [`checked_sub`](Self::checked_sub).
    pub fn saturating_sub(&self, other: &Quantity) -> Quantity {
        let nanos = self.nanos.saturating_sub(other.nanos).max(-MAX_NANOS);
        Quantity::from_parts(nanos, self.format_with(other))
    }

    /// `self * n`, or `None` when the product is beyond ±[`MAX_NANOS`] nano-units
    /// (Kubernetes' `Mul`); keeps `self`'s format.
    pub fn checked_mul(&self, n: i64) -> Option<Quantity> {
        let nanos = self
            .nanos
            .checked_mul(i128::from(n))
            .filter(|&v| v != i128::MIN)?;
        Some(Quantity::from_parts(nanos, self.format))
    }

    /// The negated value, same format (never overflows: the range is symmetric).
    pub fn neg(&self) -> Quantity {
        Quantity::from_parts(-self.nanos, self.format)
    }

    /// The format of `self op other`: Kubernetes adopts the other operand's format when
    /// the receiver is zero.
    fn format_with(&self, other: &Quantity) -> Format {
        if self.nanos == 0 {
            other.format
        } else {
            self.format
        }
    }
}

/// 10^n as an `i128`, or `None` when it does not fit (n > 38) or n is negative.
pub(crate) fn pow10(n: i64) -> Option<i128> {
    u32::try_from(n).ok().and_then(|n| 10i128.checked_pow(n))
}

impl Default for Quantity {
    fn default() -> Quantity {
        Quantity::zero()
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Quantity, QuantityError> {
        parse::parse(s)
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Quantity) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Quantity) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Quantity) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

impl Hash for Quantity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.nanos.hash(state);
    }
}

impl fmt::Debug for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Quantity")
            .field("value", &format_args!("{self}"))
            .field("format", &self.format)
            .finish()
    }
}
