//! Spark DDL schemas of the four topics' JSON values, used with `from_json` to turn a Kafka
//! batch read into typed columns.
//!
//! The schemas mirror the record structs of `generate::model`; a unit test checks that their
//! field names equal the names serde writes, so a renamed field fails the build's tests instead
//! of silently reading as NULL in every job.

/// `fraud_analysis`: [`Order`](crate::generate::model::Order).
///
/// Unsigned ids and counts are BIGINT: Spark has no unsigned types and `u32` does not fit INT.
pub const ORDER: &str = "transaction_id BIGINT, user_id BIGINT, product_id BIGINT, \
    category STRING, sub_category STRING, unit_price DOUBLE, quantity BIGINT, \
    total_amount DOUBLE, currency STRING, payment_method STRING, event_time TIMESTAMP, \
    hour_of_day INT, device STRING, city STRING, country STRING, customer_age INT, \
    gender STRING, income_band STRING, account_age_days BIGINT, \
    shipping_billing_mismatch BOOLEAN, ip_country STRING, ip_country_mismatch BOOLEAN, \
    is_fraud BOOLEAN, oversampled BOOLEAN";

/// `pharmaceutical_supply_chain`: [`Shipment`](crate::generate::model::Shipment).
///
/// `weight_kg` and `freight_cost_usd` are text as in the source data set (a number or a note).
pub const SHIPMENT: &str = "id BIGINT, project_code STRING, pq_number STRING, \
    po_so_number STRING, asn_dn_number STRING, country STRING, managed_by STRING, \
    fulfill_via STRING, vendor_inco_term STRING, shipment_mode STRING, \
    pq_first_sent_date DATE, po_sent_date DATE, scheduled_delivery_date DATE, \
    delivered_date DATE, delivery_recorded_date DATE, product_group STRING, \
    sub_classification STRING, vendor STRING, item_description STRING, \
    molecule_test_type STRING, brand STRING, dosage STRING, dosage_form STRING, \
    unit_of_measure BIGINT, line_item_quantity BIGINT, line_item_value DOUBLE, \
    pack_price DOUBLE, unit_price DOUBLE, manufacturing_site STRING, \
    first_line_designation BOOLEAN, weight_kg STRING, freight_cost_usd STRING, \
    line_item_insurance_usd DOUBLE, oversampled BOOLEAN";

/// `freight_cost_analytics`: [`FreightFact`](crate::generate::model::FreightFact).
pub const FREIGHT: &str = "shipment_id STRING, first_line_id BIGINT, line_count BIGINT, \
    country STRING, vendor STRING, fulfill_via STRING, vendor_inco_term STRING, \
    shipment_mode STRING, product_group STRING, scheduled_delivery_date DATE, \
    delivered_date DATE, delay_days INT, late BOOLEAN, line_item_value DOUBLE, \
    weight_kg DOUBLE, weight_recorded BOOLEAN, weight_band STRING, freight_cost_usd DOUBLE, \
    freight_recorded BOOLEAN, freight_status STRING, freight_cost_per_kg DOUBLE, \
    insurance_usd DOUBLE, oversampled BOOLEAN";

/// `product_group_analytics`: [`ProductLine`](crate::generate::model::ProductLine).
pub const PRODUCT_LINE: &str = "line_id BIGINT, shipment_id STRING, product_group STRING, \
    sub_classification STRING, molecule_test_type STRING, brand STRING, dosage_form STRING, \
    vendor STRING, country STRING, shipment_mode STRING, delivered_date DATE, packs BIGINT, \
    units BIGINT, line_item_value DOUBLE, pack_price DOUBLE, unit_price DOUBLE, \
    oversampled BOOLEAN";

/// The DDL schema of a logical source name (see [`super::spec::SOURCES`]).
pub fn for_source(source: &str) -> Option<&'static str> {
    match source {
        "fraud_analysis" => Some(ORDER),
        "pharmaceutical_supply_chain" => Some(SHIPMENT),
        "freight_cost_analytics" => Some(FREIGHT),
        "product_group_analytics" => Some(PRODUCT_LINE),
        _ => None,
    }
}

/// The field names of a DDL schema, in order.
pub fn field_names(ddl: &str) -> Vec<&str> {
    ddl.split(',').filter_map(|f| f.split_whitespace().next()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::model::{FreightFact, Order, ProductLine, Shipment};

    /// A deserializer that only records the field list serde hands to `deserialize_struct`:
    /// that list holds the names after `#[serde(rename)]`, exactly as they appear in JSON.
    struct FieldNames(Vec<&'static str>);

    #[derive(Debug)]
    struct Stop;

    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("stop")
        }
    }

    impl std::error::Error for Stop {}

    impl serde::de::Error for Stop {
        fn custom<T: std::fmt::Display>(_: T) -> Self {
            Stop
        }
    }

    impl<'de> serde::Deserializer<'de> for &mut FieldNames {
        type Error = Stop;

        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }

        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Stop> {
            self.0 = fields.to_vec();
            Err(Stop)
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 char str string bytes byte_buf option
            unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }

    fn serde_fields<T: serde::de::DeserializeOwned>() -> Vec<&'static str> {
        let mut names = FieldNames(Vec::new());
        let _ = T::deserialize(&mut names);
        names.0
    }

    #[test]
    fn ddl_field_names_equal_the_serialised_struct_fields() {
        assert_eq!(field_names(ORDER), serde_fields::<Order>());
        assert_eq!(field_names(SHIPMENT), serde_fields::<Shipment>());
        assert_eq!(field_names(FREIGHT), serde_fields::<FreightFact>());
        assert_eq!(field_names(PRODUCT_LINE), serde_fields::<ProductLine>());
        assert_eq!(serde_fields::<Order>().len(), 24);
    }

    #[test]
    fn every_source_has_a_schema() {
        for s in super::super::spec::SOURCES {
            assert!(for_source(s).is_some(), "{s}");
        }
        assert_eq!(for_source("x"), None);
    }
}
