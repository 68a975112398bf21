//! Exact number text and rounding for the published metrics (docs/api.md#8a-session-metrics: "exact
//! decimal text ... never a float artefact"): integer ms as seconds, decimals in
//! plain notation, and half-even rounding of exact ratios.

use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::{Signed, Zero};

/// Integer milliseconds as the exact decimal seconds `ms/1000`, trailing zeros
/// trimmed: 9999 → "9.999", 45000 → "45", 3500 → "3.5", 0 → "0".
pub(super) fn ms_text(ms: u64) -> String {
    let secs = ms / 1000;
    let frac = ms % 1000;
    if frac == 0 {
        return secs.to_string();
    }
    let frac = format!("{frac:03}");
    format!("{secs}.{}", frac.trim_end_matches('0'))
}

/// A decimal in plain notation (never an exponent), trailing fractional zeros
/// trimmed, no sign on zero: 10.50 → "10.5", 1E+3 → "1000", -0.0 → "0".
pub(super) fn decimal_text(value: &BigDecimal) -> String {
    let (mantissa, scale) = value.as_bigint_and_exponent();
    if mantissa.is_zero() {
        return "0".to_owned();
    }
    let mut digits = mantissa.magnitude().to_string();
    let mut scale = scale;
    while scale > 0 && digits.ends_with('0') {
        digits.pop();
        scale -= 1;
    }
    let mut out = String::new();
    if mantissa.sign() == Sign::Minus {
        out.push('-');
    }
    if scale <= 0 {
        out.push_str(&digits);
        let zeros = usize::try_from(scale.unsigned_abs()).unwrap_or(usize::MAX);
        out.extend(std::iter::repeat_n('0', zeros));
    } else {
        let scale = usize::try_from(scale).unwrap_or(usize::MAX);
        if digits.len() > scale {
            let (int, frac) = digits.split_at(digits.len() - scale);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', scale - digits.len()));
            out.push_str(&digits);
        }
    }
    out
}

/// 10^n as a big integer.
fn pow10(n: u64) -> BigInt {
    let mut out = BigInt::from(1u8);
    let ten = BigInt::from(10u8);
    for _ in 0..n {
        out *= &ten;
    }
    out
}

/// A decimal as an exact fraction (numerator, positive power-of-ten denominator).
fn as_fraction(value: &BigDecimal) -> (BigInt, BigInt) {
    let (mantissa, scale) = value.as_bigint_and_exponent();
    if scale >= 0 {
        (mantissa, pow10(scale.unsigned_abs()))
    } else {
        (mantissa * pow10(scale.unsigned_abs()), BigInt::from(1u8))
    }
}

/// `num / den` rounded half-even to `places` decimals, exactly (no intermediate
/// division precision). `den` must not be zero.
pub(super) fn round_ratio(num: &BigInt, den: &BigInt, places: u32) -> BigDecimal {
    let negative = num.is_negative() != den.is_negative() && !num.is_zero();
    let num = num.abs() * pow10(u64::from(places));
    let den = den.abs();
    let mut quotient = &num / &den;
    let twice_rest = (&num % &den) * 2u8;
    let one = BigInt::from(1u8);
    if twice_rest > den || (twice_rest == den && (&quotient % 2u8) == one) {
        quotient += one;
    }
    if negative {
        quotient = -quotient;
    }
    BigDecimal::new(quotient, i64::from(places))
}

/// `a / b` (two decimals) rounded half-even to `places` decimals, exactly.
/// `b` must not be zero.
pub(super) fn round_div(a: &BigDecimal, b: &BigDecimal, places: u32) -> BigDecimal {
    let (an, ad) = as_fraction(a);
    let (bn, bd) = as_fraction(b);
    round_ratio(&(an * bd), &(ad * bn), places)
}

/// A decimal times an integer count of milliseconds, exactly.
pub(super) fn times_ms(value: &BigDecimal, ms: u64) -> BigDecimal {
    value * BigDecimal::from(ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> BigDecimal {
        BigDecimal::from_str(s).unwrap()
    }

    #[test]
    fn ms_text_is_exact() {
        assert_eq!(ms_text(9999), "9.999");
        assert_eq!(ms_text(45000), "45");
        assert_eq!(ms_text(3500), "3.5");
        assert_eq!(ms_text(0), "0");
        assert_eq!(ms_text(1), "0.001");
        assert_eq!(ms_text(10), "0.01");
        assert_eq!(ms_text(u64::MAX), "18446744073709551.615");
    }

    #[test]
    fn decimal_text_is_plain() {
        assert_eq!(decimal_text(&d("10.50")), "10.5");
        assert_eq!(decimal_text(&d("1E+3")), "1000");
        assert_eq!(decimal_text(&d("1e-7")), "0.0000001");
        assert_eq!(decimal_text(&d("-0.0")), "0");
        assert_eq!(decimal_text(&d("-12.340")), "-12.34");
        assert_eq!(decimal_text(&d("0.745856")), "0.745856");
        assert_eq!(decimal_text(&d("9.999")), "9.999");
        assert_eq!(decimal_text(&d("12000")), "12000");
    }

    #[test]
    fn half_even_rounding() {
        let r = |n: i64, den: i64, p| decimal_text(&round_ratio(&BigInt::from(n), &BigInt::from(den), p));
        assert_eq!(r(1, 8, 2), "0.12"); // 0.125 -> even 2
        assert_eq!(r(3, 8, 2), "0.38"); // 0.375 -> even 8
        assert_eq!(r(5, 2, 0), "2");
        assert_eq!(r(7, 2, 0), "4");
        assert_eq!(r(-1, 8, 2), "-0.12");
        assert_eq!(r(2, 3, 3), "0.667");
        assert_eq!(r(1, 3, 3), "0.333");
        assert_eq!(
            decimal_text(&round_div(&d("45"), &d("60.3333333333333"), 6)),
            "0.745856"
        );
        assert_eq!(decimal_text(&round_div(&d("48"), &d("86400"), 6)), "0.000556");
        assert_eq!(decimal_text(&round_div(&d("1"), &d("2E+3"), 6)), "0.0005");
    }
}
