//! Checking a Kafka record against its topic's schema before it may enter HBase.
//!
//! The schema is the record type itself: a value is accepted when it deserialises into the
//! topic's struct from `generate::model`, so the generator, the ingester and the analytics can
//! never disagree on field names or types.
//!
//! This runs for every record on ingest's hot path, so it builds no JSON tree: one pass
//! deserialises the bytes into the typed struct (and drops it), a second picks out the row-key
//! fields and skips the rest. The accepted bytes are stored as they came.

use std::fmt;

use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::generate::model::{FreightFact, Order, ProductLine, Shipment, Topic};

/// Why a record was refused; the text goes into the dead-letter record's header.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection(pub String);

/// The names of the fields that key a record's HBase rows.
#[derive(Debug, Clone)]
pub struct KeyFields {
    pub id: String,
    pub time: Option<String>,
}

/// The row-key values of an accepted record, as text (numbers in their JSON spelling).
#[derive(Debug, Clone, PartialEq)]
pub struct Keys {
    pub id: Vec<u8>,
    pub time: Option<Vec<u8>>,
}

/// Checks `payload` as a record of `topic` and returns its row-key values.
///
/// # Errors
/// A [`Rejection`] naming the problem: no value, too large, not JSON, not an object, a missing
/// field or a field of the wrong type, or an id that is null.
pub fn validate(
    topic: Topic,
    payload: Option<&[u8]>,
    max_bytes: usize,
    fields: &KeyFields,
) -> Result<Keys, Rejection> {
    let bytes = payload.ok_or_else(|| Rejection("record has no value".into()))?;
    if bytes.len() > max_bytes {
        return Err(Rejection(format!(
            "record of {} bytes exceeds the {max_bytes}-byte limit (ingest.max_record_bytes)",
            bytes.len()
        )));
    }
    // serde accepts a struct written as an array of its fields in order; records are objects.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(match serde_json::from_slice::<IgnoredAny>(bytes) {
            Ok(_) => Rejection("JSON value is not an object".into()),
            Err(e) => Rejection(format!("not valid JSON: {e}")),
        });
    }
    let checked = match topic {
        Topic::FraudAnalysis => typed::<Order>(bytes),
        Topic::PharmaceuticalSupplyChain => typed::<Shipment>(bytes),
        Topic::FreightCostAnalytics => typed::<FreightFact>(bytes),
        Topic::ProductGroupAnalytics => typed::<ProductLine>(bytes),
    };
    checked.map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            Rejection(format!("not valid JSON: {e}"))
        } else {
            Rejection(format!("does not match the {} schema: {e}", topic.name()))
        }
    })?;
    let found = KeySeed(fields)
        .deserialize(&mut serde_json::Deserializer::from_slice(bytes))
        .map_err(|e| Rejection(format!("not valid JSON: {e}")))?;
    let id = found.id.ok_or_else(|| {
        Rejection(format!("the id field `{}` is null; it is the HBase row key", fields.id))
    })?;
    Ok(Keys { id, time: found.time })
}

fn typed<T: DeserializeOwned>(bytes: &[u8]) -> Result<(), serde_json::Error> {
    serde_json::from_slice::<T>(bytes).map(drop)
}

struct Found {
    id: Option<Vec<u8>>,
    time: Option<Vec<u8>>,
}

/// Reads an object, keeping the text of the two key fields and skipping every other value.
struct KeySeed<'a>(&'a KeyFields);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Found;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Found, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Found;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Found, A::Error> {
        let mut found = Found { id: None, time: None };
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == self.0.id {
                found.id = map.next_value::<KeyText>()?.0;
            } else if self.0.time.as_deref() == Some(&*key) {
                found.time = map.next_value::<KeyText>()?.0;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// A scalar as row-key text: a string's content, a number or boolean as JSON spells it, null
/// as nothing.
struct KeyText(Option<Vec<u8>>);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeyText, D::Error> {
        d.deserialize_any(KeyTextVisitor)
    }
}

struct KeyTextVisitor;

impl Visitor<'_> for KeyTextVisitor {
    type Value = KeyText;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, number, boolean or null")
    }

    fn visit_str<E>(self, v: &str) -> Result<KeyText, E> {
        Ok(KeyText(Some(v.as_bytes().to_vec())))
    }

    fn visit_u64<E>(self, v: u64) -> Result<KeyText, E> {
        Ok(KeyText(Some(v.to_string().into_bytes())))
    }

    fn visit_i64<E>(self, v: i64) -> Result<KeyText, E> {
        Ok(KeyText(Some(v.to_string().into_bytes())))
    }

    fn visit_f64<E>(self, v: f64) -> Result<KeyText, E> {
        Ok(KeyText(Some(
            serde_json::Number::from_f64(v)
                .map_or_else(|| v.to_string().into_bytes(), |n| n.to_string().into_bytes()),
        )))
    }

    fn visit_bool<E>(self, v: bool) -> Result<KeyText, E> {
        Ok(KeyText(Some(v.to_string().into_bytes())))
    }

    fn visit_unit<E>(self) -> Result<KeyText, E> {
        Ok(KeyText(None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const MAX: usize = 1 << 20;

    fn order_keys() -> KeyFields {
        KeyFields { id: "transaction_id".into(), time: Some("event_time".into()) }
    }

    fn order_json() -> Value {
        serde_json::json!({
            "transaction_id": 7, "user_id": 3, "product_id": 11, "category": "Electronics",
            "sub_category": "Laptops", "unit_price": 999.5, "quantity": 2, "total_amount": 1999.0,
            "currency": "USD", "payment_method": "Credit Card",
            "event_time": "2024-03-01T22:15:00Z", "hour_of_day": 22, "device": "mobile",
            "city": "Austin", "country": "United States", "customer_age": 33, "gender": "Female",
            "income_band": "Medium", "account_age_days": 4, "shipping_billing_mismatch": true,
            "ip_country": "Brazil", "ip_country_mismatch": true, "is_fraud": true,
            "oversampled": false
        })
    }

    fn check(p: &[u8]) -> Result<Keys, Rejection> {
        validate(Topic::FraudAnalysis, Some(p), MAX, &order_keys())
    }

    #[test]
    fn a_valid_order_passes_with_its_key_values() {
        let bytes = serde_json::to_vec(&order_json()).unwrap();
        let keys = check(&bytes).unwrap();
        assert_eq!(keys.id, b"7".to_vec());
        assert_eq!(keys.time, Some(b"2024-03-01T22:15:00Z".to_vec()));
    }

    #[test]
    fn key_values_keep_their_json_spelling() {
        let mut v = order_json();
        v["transaction_id"] = Value::from(18_446_744_073_709_551_615u64);
        let keys = check(&serde_json::to_vec(&v).unwrap()).unwrap();
        assert_eq!(keys.id, b"18446744073709551615".to_vec());

        let fields = KeyFields { id: "unit_price".into(), time: Some("is_fraud".into()) };
        let bytes = serde_json::to_vec(&order_json()).unwrap();
        let keys = validate(Topic::FraudAnalysis, Some(&bytes), MAX, &fields).unwrap();
        assert_eq!((keys.id, keys.time), (b"999.5".to_vec(), Some(b"true".to_vec())));

        // An escaped key is still found, and values nested in other fields are skipped.
        let text =
            String::from_utf8(bytes).unwrap().replacen("\"event_time\"", "\"event\\u005ftime\"", 1);
        let keys = check(text.as_bytes()).unwrap();
        assert_eq!(keys.time, Some(b"2024-03-01T22:15:00Z".to_vec()));
    }

    #[test]
    fn each_kind_of_bad_record_says_why() {
        let reason = |p: &[u8]| check(p).unwrap_err().0;
        assert!(reason(b"not json").contains("not valid JSON"));
        assert!(reason(b"{\"transaction_id\": 7,").contains("not valid JSON"));
        assert!(reason(b" [1,2]").contains("not an object"));
        assert!(reason(b"42").contains("not an object"));

        let mut missing = order_json();
        missing.as_object_mut().unwrap().remove("user_id");
        let r = reason(&serde_json::to_vec(&missing).unwrap());
        assert!(
            r.contains("does not match the fraud_analysis schema: missing field `user_id`"),
            "{r}"
        );

        let mut wrong = order_json();
        wrong["quantity"] = Value::from("two");
        let r = reason(&serde_json::to_vec(&wrong).unwrap());
        assert!(r.contains("invalid type"), "{r}");

        let big = vec![b' '; MAX + 1];
        assert!(reason(&big).contains("exceeds"));
        let none = validate(Topic::FraudAnalysis, None, MAX, &order_keys()).unwrap_err();
        assert_eq!(none.0, "record has no value");
    }
}
