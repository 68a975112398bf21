//! An item's size by DynamoDB's own rules, which set what a write costs (a
//! write unit per started KB, twice in a transaction): attribute names and
//! strings by their UTF-8 bytes, binaries by their bytes, a number by one
//! byte per two significant digits plus one, a flag or null one byte, and a
//! map or list three bytes plus, per element, its name, its value and one
//! byte.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// The item's size in bytes.
pub fn item_size(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter().map(|(name, value)| name.len() + value_size(value)).sum()
}

fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(text) => text.len(),
        AttributeValue::N(number) => number_size(number),
        AttributeValue::B(bytes) => bytes.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::M(members) => {
            3 + members
                .iter()
                .map(|(name, value)| name.len() + value_size(value) + 1)
                .sum::<usize>()
        }
        AttributeValue::L(items) => 3 + items.iter().map(|value| value_size(value) + 1).sum::<usize>(),
        AttributeValue::Ss(texts) => texts.iter().map(String::len).sum(),
        AttributeValue::Ns(numbers) => numbers.iter().map(|number| number_size(number)).sum(),
        AttributeValue::Bs(blobs) => blobs.iter().map(|blob| blob.as_ref().len()).sum(),
        _ => 0,
    }
}

/// One byte per two significant digits (leading and trailing zeros
/// trimmed), plus one.
fn number_size(number: &str) -> usize {
    let mantissa = number.split(['e', 'E']).next().unwrap_or_default();
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len().max(1);
    significant.div_ceil(2) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_dynamodbs_rules() {
        assert_eq!(number_size("60.39333333333333"), 9);
        assert_eq!(number_size("1509045324153"), 8);
        assert_eq!(number_size("0"), 2);
        assert_eq!(number_size("1500"), 2);
        let item = HashMap::from([
            ("sessionId".to_owned(), AttributeValue::S("a".repeat(64))),
            (
                "m".to_owned(),
                AttributeValue::M(HashMap::from([("k".to_owned(), AttributeValue::Bool(true))])),
            ),
        ]);
        assert_eq!(item_size(&item), 9 + 64 + 1 + 3 + 1 + 1 + 1);
    }
}
