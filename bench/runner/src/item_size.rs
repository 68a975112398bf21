//! DynamoDB's item-size rules ("DynamoDB item sizes and formats" in the
//! developer guide), and the capacity units that follow from a size:
//!
//! - a string: its name's UTF-8 bytes + its UTF-8 bytes; a binary: name +
//!   raw bytes; a Boolean or null: name + 1;
//! - a number: name + 1 byte per two significant digits (leading and
//!   trailing zeros trimmed) + 1 (and one more for a negative number, as
//!   DynamoDB stores the sign);
//! - a list or map: name + 3 bytes + its elements, each with 1 byte more;
//! - sets: name + the sum of their members.
//!
//! A write unit is up to 1 KB of item (1,024 bytes), a strongly consistent
//! read unit up to 4 KB; an item of 0 bytes still costs a whole unit.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// The size of an item, in bytes.
pub fn item_size(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter().map(|(name, value)| name.len() + value_size(value)).sum()
}

/// The size of a value, without its name.
pub fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(text) => text.len(),
        AttributeValue::N(number) => number_size(number),
        AttributeValue::B(blob) => blob.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(texts) => texts.iter().map(String::len).sum(),
        AttributeValue::Ns(numbers) => numbers.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(blobs) => blobs.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(values) => 3 + values.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::M(map) => 3 + map.iter().map(|(k, v)| 1 + k.len() + value_size(v)).sum::<usize>(),
        _ => 0,
    }
}

/// 1 byte per two significant digits, plus 1 (plus 1 for a negative number).
fn number_size(number: &str) -> usize {
    let negative = number.starts_with('-');
    let mantissa = number
        .trim_start_matches(['-', '+'])
        .split(['e', 'E'])
        .next()
        .unwrap_or_default();
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len().max(1);
    significant.div_ceil(2) + 1 + usize::from(negative)
}

/// Write units of one write of an item of `bytes` (at least 1).
pub fn write_units(bytes: usize) -> f64 {
    bytes.div_ceil(1024).max(1) as f64
}

/// Read units of one strongly consistent read of an item of `bytes` (at least 1).
pub fn read_units(bytes: usize) -> f64 {
    bytes.div_ceil(4096).max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> AttributeValue {
        AttributeValue::S(text.to_owned())
    }

    #[test]
    fn strings_numbers_and_booleans() {
        let item = HashMap::from([
            ("id".to_owned(), s("abc")),
            ("ok".to_owned(), AttributeValue::Bool(true)),
        ]);
        assert_eq!(item_size(&item), 2 + 3 + 2 + 1);
        assert_eq!(number_size("0"), 2);
        assert_eq!(number_size("1795435222837"), 7 + 1);
        assert_eq!(number_size("1500.000"), 1 + 1);
        assert_eq!(number_size("-12"), 1 + 1 + 1);
        assert_eq!(number_size("0.001"), 2);
    }

    #[test]
    fn lists_and_maps_have_3_bytes_and_1_per_element() {
        let map = AttributeValue::M(HashMap::from([("a".to_owned(), s("xy")), ("b".to_owned(), s(""))]));
        assert_eq!(value_size(&map), 3 + (1 + 1 + 2) + (1 + 1));
        let list = AttributeValue::L(vec![s("x"), AttributeValue::Bool(false)]);
        assert_eq!(value_size(&list), 3 + 2 + 2);
        assert_eq!(value_size(&AttributeValue::M(HashMap::new())), 3);
    }

    #[test]
    fn units_round_up_and_cost_at_least_one() {
        assert_eq!(write_units(0), 1.0);
        assert_eq!(write_units(1024), 1.0);
        assert_eq!(write_units(1025), 2.0);
        assert_eq!(read_units(4096), 1.0);
        assert_eq!(read_units(4097), 2.0);
    }
}
