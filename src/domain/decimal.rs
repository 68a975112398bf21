//! An exact JSON number. Players send values such as `60.39333333333333` and
//! expect to find exactly that in the table, so a number is kept as the text
//! that was sent (never through `f64`) and checked once, here, to fit in a
//! DynamoDB number: at most 38 significant digits, magnitude below 1e126 and,
//! unless zero, at least 1e-130.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use bigdecimal::{BigDecimal, ToPrimitive, Zero};

const MAX_SIGNIFICANT_DIGITS: u64 = 38;
/// A non-zero DynamoDB number `d₁.d₂… × 10^e` needs `-130 <= e <= 125`.
const MIN_EXPONENT: i64 = -130;
const MAX_EXPONENT: i64 = 125;

/// A finite decimal number that DynamoDB can store, with the text it came as.
#[derive(Debug, Clone)]
pub struct Decimal {
    text: String,
    value: BigDecimal,
}

/// Whether `text` is a number DynamoDB holds as it is, decided without
/// reading it: plain decimal notation (`-` and a `.` at most, no exponent)
/// with at most 38 digits in all. Its significant digits are then at most
/// 38, and a value that is not zero lies between 1e-38 and 1e38. A `false`
/// only means "read it to know" ([`Decimal::from_json`]).
pub fn plainly_storable(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    !whole.is_empty()
        && whole.len() + fraction.len() <= MAX_SIGNIFICANT_DIGITS as usize
        && whole.bytes().chain(fraction.bytes()).all(|byte| byte.is_ascii_digit())
}

impl Decimal {
    /// Reads a JSON number exactly; the error says why DynamoDB could not hold it.
    pub fn from_json(number: &serde_json::Number) -> Result<Self, String> {
        let text = number.as_str();
        let value = BigDecimal::from_str(text).map_err(|_| format!("{text} is not a number DynamoDB can store"))?;
        if !value.is_zero() {
            let normalized = value.normalized();
            let digits = normalized.digits();
            if digits > MAX_SIGNIFICANT_DIGITS {
                return Err(format!(
                    "{text} has {digits} significant digits; DynamoDB stores at most {MAX_SIGNIFICANT_DIGITS}"
                ));
            }
            let (_, scale) = normalized.as_bigint_and_exponent();
            // digits <= 38, so this cannot overflow even for extreme scales.
            let exponent = (digits as i64 - 1).saturating_sub(scale);
            if exponent > MAX_EXPONENT {
                return Err(format!("{text} is too large; DynamoDB stores magnitudes below 1e126"));
            }
            if exponent < MIN_EXPONENT {
                return Err(format!(
                    "{text} is too small; DynamoDB stores non-zero magnitudes from 1e-130"
                ));
            }
        }
        Ok(Self {
            text: text.to_owned(),
            value,
        })
    }

    /// The number exactly as the client wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_integer(&self) -> bool {
        self.value.is_integer()
    }

    pub fn is_negative(&self) -> bool {
        self.value < BigDecimal::zero()
    }

    pub fn is_positive(&self) -> bool {
        self.value > BigDecimal::zero()
    }

    /// The exact value, for arithmetic.
    pub fn to_big(&self) -> BigDecimal {
        self.value.clone()
    }

    /// The value as an `i64` when it is a whole number that fits.
    pub fn to_i64(&self) -> Option<i64> {
        if self.is_integer() { self.value.to_i64() } else { None }
    }

    /// Compares with a whole number, exactly.
    pub fn cmp_int(&self, other: i64) -> Ordering {
        self.value.cmp(&BigDecimal::from(other))
    }
}

impl FromStr for Decimal {
    type Err = String;

    /// Reads a number from its text, as DynamoDB returns a stored one.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let number: serde_json::Number = text.parse().map_err(|_| format!("{text:?} is not a number"))?;
        Self::from_json(&number)
    }
}

impl PartialEq for Decimal {
    /// Equal values are equal whatever their spelling (`1.50` and `1.5`).
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.value.cmp(&other.value))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(text: &str) -> Result<Decimal, String> {
        let number: serde_json::Number = serde_json::from_str(text).expect("test input is a JSON number");
        Decimal::from_json(&number)
    }

    #[test]
    fn keeps_the_text_that_was_sent() {
        for text in ["60.39333333333333", "1.50", "-0", "1509045324153"] {
            assert_eq!(decimal(text).unwrap().as_str(), text);
        }
        // serde_json spells an exponent as `e` with its sign; the value is the same.
        assert_eq!(decimal("1e5").unwrap().as_str(), "1e+5");
    }

    #[test]
    fn accepts_what_dynamodb_accepts_at_the_edges() {
        for text in [
            "12345678901234567890123456789012345678",
            "1.000000000000000000000000000000000000000000",
            "100000000000000000000000000000000000000000000",
            "9.9999999999999999999999999999999999999e125",
            "1e-130",
            "-1e-130",
            "0e999999",
        ] {
            assert!(decimal(text).is_ok(), "{text} should be storable");
        }
    }

    #[test]
    fn refuses_what_dynamodb_refuses() {
        for (text, why) in [
            ("123456789012345678901234567890123456789", "significant digits"),
            ("1e126", "too large"),
            ("-1e126", "too large"),
            ("1e-131", "too small"),
            ("1e999999999999", "too large"),
            ("1e-999999999999", "too small"),
        ] {
            let error = decimal(text).unwrap_err();
            assert!(error.contains(why), "{text}: {error}");
        }
    }

    #[test]
    fn compares_exactly() {
        assert!(decimal("60.39333333333333").unwrap() < decimal("60.393333333333331").unwrap());
        assert_eq!(decimal("1.50").unwrap(), decimal("1.5").unwrap());
        assert!(decimal("1509045324153.0").unwrap().is_integer());
        assert!(!decimal("0.5").unwrap().is_integer());
        assert_eq!(decimal("86399.999").unwrap().cmp_int(86_400), Ordering::Less);
    }

    #[test]
    fn converts_whole_numbers_only() {
        assert_eq!(decimal("1509045324153.0").unwrap().to_i64(), Some(1_509_045_324_153));
        assert_eq!(decimal("1.5e3").unwrap().to_i64(), Some(1_500));
        assert_eq!(decimal("0.5").unwrap().to_i64(), None);
        assert_eq!(decimal("1e30").unwrap().to_i64(), None);
    }
}
