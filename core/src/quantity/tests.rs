//! Unit tests for quantities: grammar, rounding, canonical text, ordering, arithmetic,
//! overflow and serde, plus property tests (spec §2; cases from apimachinery
//! `quantity_test.go`).

use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use proptest::prelude::*;

use super::{Format, MAX_NANOS, Quantity, QuantityErrorKind};

const N: i128 = 1_000_000_000;

fn q(s: &str) -> Quantity {
    Quantity::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
}

fn err(s: &str) -> String {
    match Quantity::parse(s) {
        Ok(v) => panic!("{s:?} should not parse, got {v:?}"),
        Err(e) => e.to_string(),
    }
}

fn hash_of(v: &Quantity) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

#[test]
fn quantity_is_small_and_copy() {
    fn is_copy<T: Copy>() {}
    is_copy::<Quantity>();
    assert!(
        std::mem::size_of::<Quantity>() <= 32,
        "{}",
        std::mem::size_of::<Quantity>()
    );
}

#[test]
fn parses_values_and_formats() {
    use Format::*;
    let cases: &[(&str, i128, Format)] = &[
        ("0", 0, DecimalSI),
        ("0n", 0, DecimalSI),
        ("0m", 0, DecimalSI),
        ("0k", 0, DecimalSI),
        ("0Ki", 0, BinarySI),
        ("0Mi", 0, BinarySI),
        ("0T", 0, DecimalSI),
        ("1", N, DecimalSI),
        ("9", 9 * N, DecimalSI),
        ("1Ki", 1024 * N, BinarySI),
        ("8Ki", 8 * 1024 * N, BinarySI),
        ("7Mi", (7 << 20) * N, BinarySI),
        ("6Gi", 6 * (1 << 30) * N, BinarySI),
        ("5Ti", 5 * (1i128 << 40) * N, BinarySI),
        ("4Pi", 4 * (1i128 << 50) * N, BinarySI),
        ("3Ei", 3 * (1i128 << 60) * N, BinarySI),
        ("5n", 5, DecimalSI),
        ("4u", 4_000, DecimalSI),
        ("3m", 3_000_000, DecimalSI),
        ("8k", 8_000 * N, DecimalSI),
        ("50k", 50_000 * N, DecimalSI),
        ("7M", 7_000_000 * N, DecimalSI),
        ("6G", 6_000_000_000 * N, DecimalSI),
        ("5T", 5 * 10i128.pow(12) * N, DecimalSI),
        ("2P", 2 * 10i128.pow(15) * N, DecimalSI),
        ("1E", 10i128.pow(18) * N, DecimalSI),
        ("12E", 12 * 10i128.pow(18) * N, DecimalSI),
        ("1E-3", 1_000_000, DecimalExponent),
        ("1e3", 1_000 * N, DecimalExponent),
        ("1E18", 10i128.pow(18) * N, DecimalExponent),
        ("1e14", 10i128.pow(14) * N, DecimalExponent),
        ("1.3E+6", 1_300_000 * N, DecimalExponent),
        ("1.53E12", 1_530_000_000_000 * N, DecimalExponent),
        ("0.5e-2", 5_000_000, DecimalExponent),
        ("0.5e0", N / 2, DecimalExponent),
        ("100.035k", 100_035 * N, DecimalSI),
        ("10.035M", 10_035_000 * N, DecimalSI),
        ("0.0005k", N / 2, DecimalSI),
        ("0.00050k", N / 2, DecimalSI),
        ("0.05000", N / 20, DecimalSI),
        ("9.01", 9_010_000_000, DecimalSI),
        ("8.1k", 8_100 * N, DecimalSI),
        ("7.123456M", 7_123_456 * N, DecimalSI),
        ("6.987654321G", 6_987_654_321 * N, DecimalSI),
        ("1.01E", 101 * 10i128.pow(16) * N, DecimalSI),
        (".001", 1_000_000, DecimalSI),
        (".0001k", 100_000_000, DecimalSI),
        ("1.", N, DecimalSI),
        ("1.G", N * N, DecimalSI),
        ("+1", N, DecimalSI),
        ("-1", -N, DecimalSI),
        ("-0", 0, DecimalSI),
        ("007", 7 * N, DecimalSI),
        // Kubernetes' scanner allows an empty number: these are all zero.
        (".", 0, DecimalSI),
        ("-.", 0, DecimalSI),
        ("+", 0, DecimalSI),
        ("m", 0, DecimalSI),
        ("Ki", 0, BinarySI),
        ("e3", 0, DecimalExponent),
        ("e-9", 0, DecimalExponent),
        ("Ti", 0, BinarySI),
        (".Ki", 0, BinarySI),
        ("0Ei", 0, BinarySI),
        (".0e-30", 0, DecimalExponent),
        ("0e99999999999", 0, DecimalExponent),
        // Fractional binary amounts.
        ("100.035Ki", 10_243_584 * N / 100, BinarySI),
        ("0.5Mi", (1 << 19) * N, BinarySI),
        ("0.05Gi", 53_687_091_200_000_000, BinarySI),
        ("0.025Ti", 27_487_790_694_400_000_000, BinarySI),
        ("1.5Gi", 1536 * (1 << 20) * N, BinarySI),
        // A binary amount strictly between 0 and 1 becomes decimal.
        ("0.5Ki", 512 * N, BinarySI),
        ("0.000000000001Ki", 2, DecimalSI),
        ("-.000000000001Ki", -2, DecimalSI),
        (".0001Ki", 102_400_000, DecimalSI),
    ];
    for &(input, nanos, format) in cases {
        let got = q(input);
        assert_eq!(got.as_nanos(), nanos, "{input}");
        assert_eq!(got.format(), format, "{input}");
        // quantity_test.go: the same with an explicit sign.
        if !input.starts_with(['+', '-']) {
            let neg = q(&format!("-{input}"));
            assert_eq!(neg.as_nanos(), -nanos, "-{input}");
            assert_eq!(neg.format(), format, "-{input}");
            assert_eq!(q(&format!("+{input}")).as_nanos(), nanos, "+{input}");
        }
    }
}

#[test]
fn rounds_away_from_zero_to_nano() {
    let cases: &[(&str, i128)] = &[
        ("3.001n", 4),
        ("1.1E-9", 2),
        ("0.0000000001", 1),
        ("0.0000000005", 1),
        ("0.00000000050", 1),
        ("0.5e-9", 1),
        ("0.9n", 1),
        ("0.00000012345", 124),
        ("0.00000012354", 124),
        ("1.0000000001", N + 1),
        ("1.0000000000", N),
        ("1e-9223372036854775808", 1),
        ("123e-400", 1),
        ("0.000000000000000000000000000000000000000000000000000000001", 1),
        (
            "1.000000000000000000000000000000000000000000000000000000000001",
            N + 1,
        ),
    ];
    for &(input, nanos) in cases {
        assert_eq!(q(input).as_nanos(), nanos, "{input}");
        assert_eq!(q(&format!("-{input}")).as_nanos(), -nanos, "-{input}");
    }
}

#[test]
fn binary_amounts_saturate_at_int64_max() {
    let cap = i64::MAX as i128 * N;
    for input in [
        "9Ei",
        "8Ei",
        "9223372036854775807Ki",
        "99999999999999999999999999999Ei",
    ] {
        assert_eq!(q(input).as_nanos(), cap, "{input}");
        assert_eq!(q(&format!("-{input}")).as_nanos(), -cap, "-{input}");
        assert_eq!(q(input).format(), Format::BinarySI);
    }
    // Just under the cap is exact; a long digit string is exact before capping.
    assert_eq!(q("7Ei").as_nanos(), 7 * (1i128 << 60) * N);
    assert_eq!(q("8191.999999999999999999999999Pi").as_nanos(), cap);
    let long = format!("1{}Ki", "0".repeat(60));
    assert_eq!(q(&long).as_nanos(), cap);
    assert_eq!(
        q("1.00000000000000000000000000000000000000000001Ki").as_nanos(),
        1024 * N + 1
    );
    assert_eq!(q("9223372036854775807").to_string(), "9223372036854775807");
    assert_eq!(q("9Ei").to_string(), "9223372036854775807");
    // Decimal amounts are not capped.
    assert_eq!(q("10E").as_nanos(), 10i128.pow(19) * N);
}

#[test]
fn out_of_range_decimal_values_are_errors() {
    let max = q("170141183460469231731.687303715884105727G");
    assert_eq!(max.as_nanos(), MAX_NANOS);
    assert_eq!(q("999999E").as_nanos(), 999_999 * 10i128.pow(27));
    assert_eq!(q("1e29").as_nanos(), 10i128.pow(38));
    for input in [
        "170141183460469231731.687303715884105728G",
        "2e29",
        "1e40",
        "1e9223372036854775807",
        "-1e30",
        "1000000000000000000000000000000000000000000000000000000000000",
    ] {
        let e = Quantity::parse(input).unwrap_err();
        assert_eq!(e.kind(), &QuantityErrorKind::OutOfRange, "{input}");
        assert!(e.to_string().contains("out of range"), "{e}");
    }
}

#[test]
fn canonical_strings() {
    let cases: &[(&str, &str)] = &[
        // Binary.
        ("1Ki", "1Ki"),
        ("1Mi", "1Mi"),
        ("1024Mi", "1Gi"),
        ("-1024Mi", "-1Gi"),
        ("307200Ki", "300Mi"),
        ("1.5Gi", "1536Mi"),
        ("0.5Gi", "512Mi"),
        ("2048Ki", "2Mi"),
        ("1025024Mi", "1001Gi"),
        ("1024Gi", "1Ti"),
        ("6Ki", "6Ki"),
        ("8Ki", "8Ki"),
        ("1024Ki", "1Mi"),
        ("0.5Ki", "512"),
        ("1.1Ki", "1126400m"),
        (".001Ki", "1024m"),
        (".000001Ki", "1024u"),
        (".000000001Ki", "1024n"),
        ("-.000000000001Ki", "-2n"),
        ("0Mi", "0"),
        ("1024Ei", "9223372036854775807"),
        // Decimal SI.
        ("1000M", "1G"),
        ("0.001T", "1G"),
        ("1000000k", "1G"),
        ("1000000000", "1G"),
        ("1000u", "1m"),
        ("1.08", "1080m"),
        ("1080000000n", "1080m"),
        ("10800e-4", "1080e-3"),
        ("0.5", "500m"),
        ("1.5", "1500m"),
        ("5000m", "5"),
        ("1000", "1k"),
        ("1.0", "1"),
        ("1.50", "1500m"),
        ("00", "0"),
        ("0.000", "0"),
        ("1234567M", "1234567M"),
        ("1025", "1025"),
        ("80u", "80u"),
        ("1080u", "1080u"),
        ("1080n", "1080n"),
        ("999999999999999999.0", "999999999999999999"),
        ("1000000000000000000", "1E"),
        ("10000000000000000000", "10E"),
        ("1.000000000000000001E", "1000000000000000001"),
        ("1000E", "1e21"),
        ("5000E", "5e21"),
        ("1000000E", "1e24"),
        ("-1000E", "-1e21"),
        // Decimal exponent.
        (".001e12", "1e9"),
        ("0.001e0", "1e-3"),
        ("1000e-12", "1e-9"),
        ("1.5e3", "1500"),
        ("1.5e0", "1500e-3"),
        ("0e5", "0"),
        ("300e6", "300e6"),
        ("129e6", "129e6"),
    ];
    for &(input, want) in cases {
        assert_eq!(q(input).to_string(), want, "{input}");
    }
}

#[test]
fn keeps_input_text_like_kubernetes() {
    // quantity.go caches the input verbatim on its int64 fast path (spec §2.3).
    for kept in [
        "1E3",
        "1e3",
        "1e0",
        "1E-3",
        "1e+03",
        "1e-0",
        "+1",
        "01",
        "001.500",
        "1.",
        "1.500",
        "-1.500",
        "1.500k",
        "100m",
        "250m",
        "-1Ki",
        "+1Ki",
        "01Ki",
        "1.Ki",
        "3Ti",
        "12Ti",
        "1025Ki",
        "99999999999Ki",
        "1234567M",
        "-5n",
        "129e6",
        "0000000000000000000000000000001",
    ] {
        assert_eq!(q(kept).to_string(), kept, "{kept}");
    }
    // Not kept: ends in 000, starts with 0, scale not a multiple of 3, too many digits,
    // a binary multiple of 8, a binary fraction, or beyond the binary fast path.
    for (input, canonical) in [
        ("1000", "1k"),
        ("0.5", "500m"),
        (".5", "500m"),
        ("1.5k", "1500"),
        ("1.5", "1500m"),
        ("+1000", "1k"),
        ("1234567890123456789", "1234567890123456789"),
        ("+1234567890123456789", "1234567890123456789"),
        ("+8Ki", "8Ki"),
        ("+1.5Ki", "1536"),
        ("+1Ei", "1Ei"),
        ("+100Ti", "100Ti"),
        ("+999999999999Ki", "999999999999Ki"),
        ("1e-12", "1e-9"),
        ("+0", "0"),
    ] {
        assert_eq!(q(input).to_string(), canonical, "{input}");
    }
}

#[test]
fn display_pads_with_width() {
    assert_eq!(format!("{:>6}|{:<5}|", q("1Gi"), q("100m")), "   1Gi|100m |");
}

#[test]
fn invalid_inputs_name_the_problem() {
    let cases: &[(&str, &str)] = &[
        ("", "quantity \"\": empty string"),
        ("1.1.1", "quantity \"1.1.1\": unexpected '.' at byte 3"),
        ("1.5.5", "unexpected '.' at byte 3"),
        ("1.1.M", "unexpected '.' at byte 3"),
        (" 1", "unexpected ' ' at byte 0"),
        ("1 ", "unexpected ' ' at byte 1"),
        ("1Ki ", "unexpected ' ' at byte 3"),
        ("--1", "unexpected '-' at byte 1"),
        ("1+1.0M", "unexpected '+' at byte 1"),
        ("1-", "unexpected '-' at byte 1"),
        ("1µ", "unexpected 'µ' at byte 1"),
        ("1\n", "unexpected '\\n' at byte 1"),
        ("5Zi", "quantity \"5Zi\": unknown suffix \"Zi\""),
        (
            "K",
            "unknown suffix \"K\" (suffixes are case-sensitive: did you mean \"k\"?)",
        ),
        ("1K", "unknown suffix \"K\""),
        (
            "mi",
            "unknown suffix \"mi\" (suffixes are case-sensitive: did you mean \"Mi\"?)",
        ),
        ("0.1mi", "unknown suffix \"mi\""),
        ("1Kb", "unknown suffix \"Kb\""),
        ("1KiB", "unknown suffix \"KiB\""),
        ("1i", "unknown suffix \"i\""),
        (".5i", "unknown suffix \"i\""),
        ("-3.01i", "unknown suffix \"i\""),
        ("0.1am", "unknown suffix \"am\""),
        ("aoeu", "unknown suffix \"aoeu\""),
        ("abc", "unknown suffix \"abc\""),
        ("Non-Numeric", "unknown suffix \"Non-Numeric\""),
        ("1Mi3", "unknown suffix \"Mi3\""),
        ("1e", "invalid exponent \"e\""),
        ("1e+", "invalid exponent \"e+\""),
        ("-3.01e-", "invalid exponent \"e-\""),
        ("1e3e", "invalid exponent \"e3e\""),
        ("1E+-3", "invalid exponent \"E+-3\""),
        (
            "1e99999999999999999999",
            "exponent \"e99999999999999999999\" is out of range",
        ),
        ("1e-9223372036854775809", "is out of range"),
        // No digits: Kubernetes reads these as 0 on its fast path but fails on its exact one.
        ("Ei", "quantity \"Ei\": no digits before the suffix \"Ei\""),
        ("-.Pi", "no digits before the suffix \"Pi\""),
        ("e-10", "no digits before the suffix \"e-10\""),
        ("+E-27", "no digits"),
    ];
    for &(input, want) in cases {
        let msg = err(input);
        assert!(msg.contains(want), "{input:?}: {msg:?} should contain {want:?}");
        assert!(msg.starts_with("quantity \""), "{msg}");
    }
}

#[test]
fn over_long_input_is_an_error() {
    let ok = format!("{}1", "0".repeat(1023));
    assert_eq!(q(&ok).as_nanos(), N);
    let long = format!("{}1", "0".repeat(1024));
    let e = Quantity::parse(&long).unwrap_err();
    assert_eq!(e.kind(), &QuantityErrorKind::TooLong { len: 1025 });
    assert!(e.to_string().contains("too long (1025 bytes"), "{e}");
    assert!(e.to_string().len() < 120, "{e}");
}

#[test]
fn errors_are_std_errors() {
    let e: Box<dyn std::error::Error> = Box::new(Quantity::parse("x").unwrap_err());
    assert!(e.to_string().starts_with("quantity \"x\""));
    assert_eq!("1.1.1".parse::<Quantity>().unwrap_err().input(), "1.1.1");
}

#[test]
fn milli_value_and_value_round_up() {
    let cases: &[(&str, i64, i64)] = &[
        ("100m", 100, 1),
        ("1", 1000, 1),
        ("1n", 1, 1),
        ("2", 2000, 2),
        ("0.0005", 1, 1),
        ("1Ki", 1_024_000, 1024),
        ("1G", 1_000_000_000_000, 1_000_000_000),
        ("129e6", 129_000_000_000, 129_000_000),
        ("1.5", 1500, 2),
        ("0", 0, 0),
        // Negative fractions round away from zero, as on Kubernetes' int64 path.
        ("-1.5m", -2, -1),
        ("-100m", -100, -1),
        ("-1n", -1, -1),
        // Saturation.
        ("9223372036854775807", i64::MAX, i64::MAX),
        (
            "9223372036854775.807",
            9_223_372_036_854_775_807,
            9_223_372_036_854_776,
        ),
        ("9223372036854775.808", i64::MAX, 9_223_372_036_854_776),
        ("1e20", i64::MAX, i64::MAX),
        ("-1e20", i64::MIN, i64::MIN),
        ("-9223372036854775808", i64::MIN, i64::MIN),
        ("99999E", i64::MAX, i64::MAX),
    ];
    for &(input, milli, value) in cases {
        assert_eq!(q(input).milli_value(), milli, "{input} milli");
        assert_eq!(q(input).value(), value, "{input} value");
    }
}

#[test]
fn scaled_values() {
    // quantity_test.go TestScaledValue: 1 at one scale read at another.
    for (from, to, want) in [
        (-9, -9, 1),
        (-9, -6, 1),
        (-9, -3, 1),
        (-9, 0, 1),
        (-6, -9, 1000),
        (-6, 0, 1),
        (-3, -9, 1_000_000),
        (0, -9, 1_000_000_000),
        (0, -3, 1000),
        (2, -2, 10_000),
    ] {
        let v = Quantity::from_nanos(10i128.pow((from + 9) as u32), Format::DecimalSI).unwrap();
        assert_eq!(v.scaled_value(to), want, "{from} -> {to}");
    }
    assert_eq!(q("1").scaled_value(100), 1);
    assert_eq!(q("-1").scaled_value(i32::MAX), -1);
    assert_eq!(q("1").scaled_value(i32::MIN), i64::MAX);
    assert_eq!(q("-1").scaled_value(-30), i64::MIN);
}

#[test]
fn constructors_print_like_kubernetes() {
    use Format::*;
    // quantity_test.go TestMilliNewSet / TestNewSet.
    for (milli, format, want) in [
        (1, DecimalSI, "1m"),
        (1000, DecimalSI, "1"),
        (1_234_000, DecimalSI, "1234"),
        (1024, BinarySI, "1024m"),
        (1024 * 1024, BinarySI, "1048576m"),
        (1_000_000, DecimalExponent, "1e3"),
        (1500, DecimalSI, "1500m"),
        (-1500, DecimalSI, "-1500m"),
    ] {
        let v = Quantity::from_milli(milli, format);
        assert_eq!(v.to_string(), want, "{milli}");
        assert_eq!(v.format(), format);
        assert_eq!(v.milli_value(), milli);
    }
    for (value, format, want) in [
        (1, DecimalSI, "1"),
        (1000, DecimalSI, "1k"),
        (1_234_000, DecimalSI, "1234k"),
        (1024, BinarySI, "1Ki"),
        (1 << 20, BinarySI, "1Mi"),
        (1 << 30, BinarySI, "1Gi"),
        (1_000_000, DecimalExponent, "1e6"),
        (i64::MAX, BinarySI, "9223372036854775807"),
        (i64::MIN, BinarySI, "-8Ei"),
    ] {
        let v = Quantity::from_value(value, format);
        assert_eq!(v.to_string(), want, "{value}");
        assert_eq!(v.value(), value);
    }
    assert_eq!(
        Quantity::from_milli(i64::MIN, Format::DecimalSI).milli_value(),
        i64::MIN
    );
    assert!(Quantity::zero().is_zero());
    assert_eq!(Quantity::zero().to_string(), "0");
    assert_eq!(Quantity::default(), Quantity::zero());
    assert_eq!(Quantity::from_nanos(i128::MIN, Format::DecimalSI), None);
    assert_eq!(q("1Gi").with_format(Format::DecimalSI).to_string(), "1073741824");
    assert_eq!(q("1E3").with_format(Format::DecimalExponent).to_string(), "1e3");
}

#[test]
fn compares_by_exact_value() {
    assert_eq!(q("1k"), q("1000"));
    assert_eq!(q("1k"), q("1e3"));
    assert_eq!(q("1E3"), q("1000000m"));
    assert_eq!(hash_of(&q("1k")), hash_of(&q("1e3")));
    assert_eq!(q("0Mi"), q("0"));
    assert_eq!(q("-0"), q("0"));
    assert_eq!(q("1Ki"), q("1024"));
    assert_ne!(q("1Ki"), q("1k"));
    assert!(q("100m") > q("50m"));
    assert!(q("50m") < q("100m"));
    assert!(q("10000T") > q("100Gi"));
    assert!(q("1n") > q("0"));
    assert!(q("-1n") < q("0"));
    assert!(q("-1Gi") < q("-1G"));
    assert!(q("1000000000000000000001") > q("1E"));
    let mut v: Vec<Quantity> = ["1Gi", "1G", "-1", "500m", "0", "1e9"]
        .iter()
        .map(|s| q(s))
        .collect();
    v.sort();
    let sorted: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    assert_eq!(sorted, ["-1", "0", "500m", "1G", "1e9", "1Gi"]);
    assert_eq!(q("-5").sign(), Ordering::Less);
    assert_eq!(q("0Ki").sign(), Ordering::Equal);
    assert_eq!(q("1n").sign(), Ordering::Greater);
}

#[test]
fn add_and_sub_keep_kubernetes_formats() {
    use Format::*;
    let d = |v: i64| Quantity::from_value(v, DecimalSI);
    let b = |v: i64| Quantity::from_value(v, BinarySI);
    // quantity_test.go TestAdd / TestSub.
    let add = [
        (d(10), q("1e1").with_format(DecimalSI), 20, DecimalSI),
        (d(10), b(1), 11, DecimalSI),
        (b(10), d(1), 11, BinarySI),
    ];
    for (x, y, want, format) in add {
        let sum = x.checked_add(&y).unwrap();
        assert_eq!((sum.value(), sum.format()), (want, format));
    }
    let sub = [
        (d(10), d(10), 0, DecimalSI),
        (d(10), b(1), 9, DecimalSI),
        (b(10), d(1), 9, BinarySI),
    ];
    for (x, y, want, format) in sub {
        let diff = x.checked_sub(&y).unwrap();
        assert_eq!((diff.value(), diff.format()), (want, format));
    }
    // A zero receiver adopts the other operand's format.
    let zero = Quantity::zero();
    for s in ["100m", "1Gi"] {
        assert_eq!(q(s).checked_add(&zero).unwrap().to_string(), s);
        assert_eq!(zero.checked_add(&q(s)).unwrap().to_string(), s);
        assert_eq!(q(s).checked_sub(&zero).unwrap().to_string(), s);
        assert_eq!(
            zero.checked_sub(&q(s)).unwrap().to_string(),
            q(s).neg().to_string()
        );
    }
    assert_eq!(zero.checked_sub(&q("1Gi")).unwrap().format(), BinarySI);
    // Results print canonically, not as any input text.
    assert_eq!(q("1E3").checked_add(&q("1E3")).unwrap().to_string(), "2e3");
    assert_eq!(q("1Gi").checked_add(&q("512Mi")).unwrap().to_string(), "1536Mi");
    assert_eq!(q("1").checked_sub(&q("1500m")).unwrap().to_string(), "-500m");
    assert_eq!(q("100m").checked_mul(3).unwrap().to_string(), "300m");
    assert_eq!(q("1.5Gi").checked_mul(-2).unwrap().to_string(), "-3Gi");
}

#[test]
fn neg_keeps_format_and_drops_kept_text() {
    assert_eq!(q("9.01").neg().to_string(), "-9010m");
    assert_eq!(q("+1").neg().to_string(), "-1");
    assert_eq!(q("1E3").neg().to_string(), "-1e3");
    assert_eq!(q("1Gi").neg().neg().to_string(), "1Gi");
    assert_eq!(Quantity::zero().neg(), Quantity::zero());
    assert_eq!(q("-1Ki").neg().format(), Format::BinarySI);
}

#[test]
fn overflow_is_reported_or_saturates() {
    let max = Quantity::from_nanos(MAX_NANOS, Format::DecimalSI).unwrap();
    let min = max.neg();
    let one = q("1n");
    assert_eq!(max.checked_add(&one), None);
    assert_eq!(min.checked_sub(&one), None);
    assert_eq!(max.checked_sub(&min), None);
    assert_eq!(max.checked_sub(&one).unwrap().as_nanos(), MAX_NANOS - 1);
    assert_eq!(max.saturating_add(&max).as_nanos(), MAX_NANOS);
    assert_eq!(min.saturating_sub(&max).as_nanos(), -MAX_NANOS);
    assert_eq!(min.saturating_add(&min).as_nanos(), -MAX_NANOS);
    assert_eq!(min.saturating_sub(&one).as_nanos(), -MAX_NANOS);
    assert_eq!(max.saturating_add(&one).format(), Format::DecimalSI);
    assert_eq!(max.checked_mul(2), None);
    assert_eq!(max.checked_mul(-1).unwrap(), min);
    assert_eq!(min.neg(), max);
    assert_eq!(max.value(), i64::MAX);
    assert_eq!(min.milli_value(), i64::MIN);
    // The extreme values print and parse back.
    assert_eq!(max.to_string(), "170141183460469231731687303715884105727n");
    assert_eq!(q(&max.to_string()), max);
    assert_eq!(q(&min.to_string()), min);
    let big = Quantity::from_nanos(MAX_NANOS, Format::BinarySI).unwrap();
    assert_eq!(big.to_string(), "170141183460469231731687303715884105727n");
    let huge_binary = Quantity::from_nanos((1i128 << 70) * N, Format::BinarySI).unwrap();
    assert_eq!(huge_binary.to_string(), "1024Ei");
}

#[test]
fn serde_uses_the_string_form() {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Res {
        cpu: Quantity,
        memory: Quantity,
    }
    let r: Res = serde_json::from_str(r#"{"cpu":"1E3","memory":"1024Mi"}"#).unwrap();
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"cpu":"1E3","memory":"1Gi"}"#
    );
    // Numbers read as their text; strings are trimmed as UnmarshalJSON does; null is zero.
    for (json, want) in [
        ("2", "2"),
        ("0.5", "500m"),
        ("-1", "-1"),
        ("1e3", "1k"),
        ("0.1", "100m"),
        ("18446744073709551615", "18446744073709551615"),
        ("\" 1\"", "1"),
        ("\"1 \"", "1"),
        ("\"100m\"", "100m"),
        ("null", "0"),
    ] {
        let v: Quantity = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(v.to_string(), want, "{json}");
    }
    let e = serde_json::from_str::<Quantity>("\"5Zi\"")
        .unwrap_err()
        .to_string();
    assert!(e.contains("quantity \"5Zi\": unknown suffix \"Zi\""), "{e}");
    let e = serde_json::from_str::<Quantity>("1e300").unwrap_err().to_string();
    assert!(e.contains("out of range"), "{e}");
    assert!(serde_json::from_str::<Quantity>("true").is_err());
    assert!(serde_json::from_str::<Quantity>("\"\"").is_err());
}

#[test]
fn yaml_numbers_and_strings() {
    #[derive(serde::Deserialize)]
    struct Res {
        cpu: Quantity,
        memory: Quantity,
        gpu: Quantity,
        half: Quantity,
    }
    let r: Res = serde_saphyr::from_str("cpu: 500m\nmemory: 1Gi\ngpu: 2\nhalf: 0.5\n").unwrap();
    assert_eq!(r.cpu.milli_value(), 500);
    assert_eq!(r.memory.to_string(), "1Gi");
    assert_eq!(r.gpu.to_string(), "2");
    assert_eq!(r.half.to_string(), "500m");
}

/// A valid quantity's text: any sign, digits, fraction and suffix.
fn quantity_text() -> impl Strategy<Value = String> {
    "[+-]?0{0,3}[0-9]{0,22}(\\.[0-9]{0,22})?(|n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?0?[0-9]{1,2})"
}

fn format_strategy() -> impl Strategy<Value = Format> {
    prop_oneof![
        Just(Format::DecimalSI),
        Just(Format::BinarySI),
        Just(Format::DecimalExponent)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn prop_display_is_stable(s in quantity_text()) {
        match Quantity::parse(&s) {
            Ok(v) => {
                let text = v.to_string();
                let back = Quantity::parse(&text).map_err(|e| TestCaseError::fail(format!("{s} -> {text}: {e}")))?;
                prop_assert_eq!(back, v, "{} -> {}", s, text);
                prop_assert_eq!(back.to_string(), text.clone(), "{} -> {}", s, text);
                // Serde round trip too.
                let json = serde_json::to_string(&v).unwrap();
                prop_assert_eq!(serde_json::from_str::<Quantity>(&json).unwrap(), v);
            }
            // Only the empty string, a value beyond the representation, or a digitless
            // number on Kubernetes' exact path ("Pi", "e-10") fails.
            Err(e) => prop_assert!(
                matches!(
                    e.kind(),
                    QuantityErrorKind::Empty | QuantityErrorKind::OutOfRange | QuantityErrorKind::NoDigits { .. }
                ),
                "{}: {}",
                s,
                e
            ),
        }
    }

    #[test]
    fn prop_parse_never_panics(s in ".{0,40}") {
        if let Ok(v) = Quantity::parse(&s) {
            prop_assert_eq!(Quantity::parse(&v.to_string()).unwrap(), v);
        }
    }

    #[test]
    fn prop_parse_never_panics_on_the_alphabet(s in "[-+. 0-9eEinumkKMGTPB]{0,40}") {
        if let Ok(v) = Quantity::parse(&s) {
            let text = v.to_string();
            prop_assert_eq!(Quantity::parse(&text).unwrap(), v);
        }
    }

    #[test]
    fn prop_decimal_value_is_exact(
        int in 0u64..1_000_000_000,
        frac in proptest::collection::vec(0u8..10, 0..9),
        si in 0usize..10,
        negative in any::<bool>(),
    ) {
        let suffixes = ["n", "u", "m", "", "k", "M", "G", "T", "P", "E"];
        let frac_text: String = frac.iter().map(|d| char::from(b'0' + d)).collect();
        let text = format!("{}{int}.{frac_text}{}", if negative { "-" } else { "" }, suffixes[si]);
        // nanos = int.frac * 10^(3*si), rounded up: (int.frac digits) * 10^(3*si - len(frac)).
        let digits = frac.iter().fold(i128::from(int), |a, &d| a * 10 + i128::from(d));
        let e = 3 * si as i32 - frac.len() as i32;
        let mut want = if e >= 0 {
            digits * 10i128.pow(e as u32)
        } else {
            let div = 10i128.pow(e.unsigned_abs());
            digits / div + i128::from(digits % div != 0)
        };
        if negative {
            want = -want;
        }
        prop_assert_eq!(Quantity::parse(&text).unwrap().as_nanos(), want, "{}", text);
    }

    #[test]
    fn prop_canonical_text_parses_back(nanos in any::<i128>(), format in format_strategy(), shrink in 0u32..30) {
        let nanos = nanos / 10i128.pow(shrink);
        let nanos = if format == Format::BinarySI { nanos % (i64::MAX as i128 * N) } else { nanos };
        let Some(v) = Quantity::from_nanos(nanos, format) else { return Ok(()) };
        let text = v.to_string();
        prop_assert_eq!(Quantity::parse(&text).unwrap(), v, "{}", text);
    }

    #[test]
    fn prop_arithmetic_is_exact(a in any::<i64>(), b in any::<i64>(), fa in format_strategy(), fb in format_strategy()) {
        let x = Quantity::from_milli(a, fa);
        let y = Quantity::from_milli(b, fb);
        let sum = x.checked_add(&y).unwrap();
        prop_assert_eq!(sum.as_nanos(), (i128::from(a) + i128::from(b)) * 1_000_000);
        prop_assert_eq!(sum.checked_sub(&y).unwrap(), x);
        prop_assert_eq!(x.cmp(&y), a.cmp(&b));
        prop_assert_eq!(x.saturating_sub(&y), x.checked_sub(&y).unwrap());
        prop_assert_eq!(x.neg().neg(), x);
    }
}
