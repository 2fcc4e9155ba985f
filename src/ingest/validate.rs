//! Checking a Kafka record against its topic's schema before it may enter HBase.
//!
//! The schema is the record type itself: a value is accepted when it deserialises into the
//! topic's struct from `generate::model`, so the generator, the ingester and the analytics can
//! never disagree on field names or types.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::generate::model::{FreightFact, Order, ProductLine, Shipment, Topic};

/// Why a record was refused; the text goes into the dead-letter record's header.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection(pub String);

/// Parses `payload` as a record of `topic` and returns its fields.
///
/// # Errors
/// A [`Rejection`] naming the problem: no value, too large, not JSON, not an object, a missing
/// field or a field of the wrong type.
pub fn validate(
    topic: Topic,
    payload: Option<&[u8]>,
    max_bytes: usize,
) -> Result<Map<String, Value>, Rejection> {
    let bytes = payload.ok_or_else(|| Rejection("record has no value".into()))?;
    if bytes.len() > max_bytes {
        return Err(Rejection(format!(
            "record of {} bytes exceeds the {max_bytes}-byte limit (ingest.max_record_bytes)",
            bytes.len()
        )));
    }
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| Rejection(format!("not valid JSON: {e}")))?;
    let Value::Object(fields) = value else {
        return Err(Rejection("JSON value is not an object".into()));
    };
    // Deserialising a clone checks presence and type of every field; the map keeps the fields
    // in the producer's spelling for the cells.
    let check = |r: Result<(), serde_json::Error>| {
        r.map_err(|e| Rejection(format!("does not match the {} schema: {e}", topic.name())))
    };
    let obj = Value::Object(fields);
    match topic {
        Topic::FraudAnalysis => check(typed::<Order>(&obj))?,
        Topic::PharmaceuticalSupplyChain => check(typed::<Shipment>(&obj))?,
        Topic::FreightCostAnalytics => check(typed::<FreightFact>(&obj))?,
        Topic::ProductGroupAnalytics => check(typed::<ProductLine>(&obj))?,
    }
    match obj {
        Value::Object(fields) => Ok(fields),
        _ => unreachable!("built as an object above"),
    }
}

fn typed<T: DeserializeOwned>(v: &Value) -> Result<(), serde_json::Error> {
    T::deserialize(v).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 1 << 20;

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

    #[test]
    fn a_valid_order_passes_with_all_fields() {
        let bytes = serde_json::to_vec(&order_json()).unwrap();
        let fields = validate(Topic::FraudAnalysis, Some(&bytes), MAX).unwrap();
        assert_eq!(fields["transaction_id"], Value::from(7));
        assert_eq!(fields.len(), 24);
    }

    #[test]
    fn each_kind_of_bad_record_says_why() {
        let reason = |t, p: &[u8]| validate(t, Some(p), MAX).unwrap_err().0;
        assert!(reason(Topic::FraudAnalysis, b"not json").contains("not valid JSON"));
        assert!(reason(Topic::FraudAnalysis, b"[1,2]").contains("not an object"));

        let mut missing = order_json();
        missing.as_object_mut().unwrap().remove("user_id");
        let r = reason(Topic::FraudAnalysis, &serde_json::to_vec(&missing).unwrap());
        assert!(r.contains("missing field `user_id`"), "{r}");

        let mut wrong = order_json();
        wrong["quantity"] = Value::from("two");
        let r = reason(Topic::FraudAnalysis, &serde_json::to_vec(&wrong).unwrap());
        assert!(r.contains("invalid type"), "{r}");

        let big = vec![b' '; MAX + 1];
        assert!(reason(Topic::FraudAnalysis, &big).contains("exceeds"));
        assert_eq!(validate(Topic::FraudAnalysis, None, MAX).unwrap_err().0, "record has no value");
    }
}
