//! Record types of the four topics, and the small value types they share.
//!
//! These structs are the schema: the generator fills them, the encoders serialise them (JSON Lines
//! or CSV), and tests or analytics deserialise the files back into them. `docs/data-model.md`
//! describes every field and its distribution.
//!
//! Text fields use [`Text`] (`Cow<'static, str>`): the generator borrows them from its static
//! catalogues, so building a record allocates nothing, while parsing a file back yields owned
//! strings.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A text field: borrowed from a catalogue when generated, owned when parsed back.
pub type Text = Cow<'static, str>;

/// The four Kafka topics, which are also the four output files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// Shipment line items modelled on the USAID SCMS delivery history ([`Shipment`]).
    PharmaceuticalSupplyChain,
    /// E-commerce orders with payment details and a fraud label ([`Order`]).
    FraudAnalysis,
    /// One clean freight fact per shipment ([`FreightFact`]).
    FreightCostAnalytics,
    /// One product-group sales fact per shipment line ([`ProductLine`]).
    ProductGroupAnalytics,
}

impl Topic {
    /// Every topic, in the order used for output files and [`TopicBatches`](super::TopicBatches).
    pub const ALL: [Topic; 4] = [
        Topic::PharmaceuticalSupplyChain,
        Topic::FraudAnalysis,
        Topic::FreightCostAnalytics,
        Topic::ProductGroupAnalytics,
    ];

    /// The topic name, also the output file's stem.
    pub fn name(&self) -> &'static str {
        match self {
            Topic::PharmaceuticalSupplyChain => "pharmaceutical_supply_chain",
            Topic::FraudAnalysis => "fraud_analysis",
            Topic::FreightCostAnalytics => "freight_cost_analytics",
            Topic::ProductGroupAnalytics => "product_group_analytics",
        }
    }

    /// The record field whose value is the Kafka key (the entity id).
    pub fn key_field(&self) -> &'static str {
        match self {
            Topic::PharmaceuticalSupplyChain => "id",
            Topic::FraudAnalysis => "transaction_id",
            Topic::FreightCostAnalytics => "shipment_id",
            Topic::ProductGroupAnalytics => "line_id",
        }
    }

    /// Position in [`Topic::ALL`].
    pub fn index(&self) -> usize {
        *self as usize
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One e-commerce order with its payment, customer and device details (topic `fraud_analysis`).
///
/// Amounts are in US dollars whatever the buyer's `currency`, so they compare across countries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Unique id, increasing with `event_time` inside a chunk; the Kafka key.
    pub transaction_id: u64,
    /// Buyer; returning buyers keep their profile (age, gender, income, city) across orders.
    pub user_id: u64,
    /// Product; each product has one list price for the whole data set.
    pub product_id: u32,
    /// Product category, e.g. `Electronics`.
    pub category: Text,
    /// Sub-category inside `category`, e.g. `Laptops`.
    pub sub_category: Text,
    /// Price paid per unit, USD, after any discount.
    pub unit_price: f64,
    /// Units bought.
    pub quantity: u32,
    /// `unit_price * quantity`, rounded to cents.
    pub total_amount: f64,
    /// The buyer's payment currency (amounts are still in USD).
    pub currency: Text,
    /// Payment method, e.g. `Credit Card`.
    pub payment_method: Text,
    /// When the order was placed, UTC, whole seconds.
    pub event_time: DateTime<Utc>,
    /// Hour of `event_time`, 0 to 23.
    pub hour_of_day: u8,
    /// `mobile`, `desktop` or `tablet`.
    pub device: Text,
    /// Billing city.
    pub city: Text,
    /// Billing country.
    pub country: Text,
    /// Customer age in years.
    pub customer_age: u8,
    /// `Female`, `Male` or `Other`.
    pub gender: Text,
    /// Income band, from `Low` to `High`.
    pub income_band: Text,
    /// Days between account creation and the order.
    pub account_age_days: u32,
    /// The shipping address differs from the billing address.
    pub shipping_billing_mismatch: bool,
    /// Country the order's IP address geolocates to.
    pub ip_country: Text,
    /// `ip_country` differs from the billing `country`.
    pub ip_country_mismatch: bool,
    /// The label: the order was fraudulent.
    pub is_fraud: bool,
    /// Added by oversampling (a synthetic neighbour), not drawn in the base sample.
    pub oversampled: bool,
}

/// One shipment line item, shaped like a row of the USAID SCMS delivery history data set
/// (topic `pharmaceutical_supply_chain`).
///
/// A shipment (`asn_dn_number`) has one to four lines. As in the source data, `weight_kg` and
/// `freight_cost_usd` are text: a number on the shipment's first line, `See ASN-… (ID#:…)` on the
/// others, or a note such as `Freight Included in Commodity Cost`. [`FreightFact`] carries the
/// clean numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shipment {
    /// Unique line id; the Kafka key.
    pub id: u64,
    /// Programme code, e.g. `116-ZA-T30`.
    pub project_code: Text,
    /// Price quote, `FPQ-…`; null where the quote predates the process or was not captured.
    pub pq_number: Option<DocRef>,
    /// Purchase order (`SCMS-…`, direct drop) or sales order (`SO-…`, from a regional centre).
    pub po_so_number: DocRef,
    /// Shipment: `ASN-…` (direct drop) or `DN-…` (from a regional distribution centre).
    pub asn_dn_number: DocRef,
    /// Destination country.
    pub country: Text,
    /// Managing office.
    pub managed_by: Text,
    /// `Direct Drop` or `From RDC`.
    pub fulfill_via: Text,
    /// INCO term agreed with the vendor, or `N/A - From RDC`.
    pub vendor_inco_term: Text,
    /// Transport mode.
    pub shipment_mode: ShipmentMode,
    /// When the price quote was first sent to the client.
    pub pq_first_sent_date: Option<NaiveDate>,
    /// When the purchase order was sent to the vendor.
    pub po_sent_date: Option<NaiveDate>,
    /// Agreed delivery date; falls between `--start` and `--end`.
    pub scheduled_delivery_date: NaiveDate,
    /// Actual delivery date; later than scheduled for late deliveries.
    pub delivered_date: NaiveDate,
    /// When the delivery was recorded, on or after `delivered_date`.
    pub delivery_recorded_date: NaiveDate,
    /// Product group.
    pub product_group: ProductGroup,
    /// Finer class, e.g. `Adult`, `Pediatric`, `HIV test`.
    pub sub_classification: Text,
    /// Vendor (`SCMS from RDC` for shipments from a regional centre).
    pub vendor: Text,
    /// Free-text item description; may contain commas and quotes.
    pub item_description: Text,
    /// Active molecule(s) or test type.
    pub molecule_test_type: Text,
    /// Brand, often `Generic`.
    pub brand: Text,
    /// Strength, e.g. `300mg`, or `N/A` for tests.
    pub dosage: Text,
    /// Dosage form, e.g. `Tablet`, `Test kit`.
    pub dosage_form: Text,
    /// Units (tablets, tests) per pack.
    pub unit_of_measure: u32,
    /// Packs on this line.
    pub line_item_quantity: u64,
    /// `line_item_quantity * pack_price`, USD.
    pub line_item_value: f64,
    /// Price per pack, USD.
    pub pack_price: f64,
    /// Price per unit, USD (`pack_price / unit_of_measure`).
    pub unit_price: f64,
    /// Manufacturing site; a few are two-line addresses.
    pub manufacturing_site: Text,
    /// First line of its shipment: the line that carries the shipment's weight and freight.
    pub first_line_designation: bool,
    /// Shipment weight in kg as text, see [`Measure`].
    pub weight_kg: Measure,
    /// Shipment freight cost in USD as text, see [`Measure`].
    pub freight_cost_usd: Measure,
    /// Insurance for this line, USD; null when not recorded.
    pub line_item_insurance_usd: Option<f64>,
    /// Added by the rare-category boost, not drawn in the base sample.
    pub oversampled: bool,
}

/// Clean per-shipment freight facts (topic `freight_cost_analytics`), derived from the same
/// shipments as [`Shipment`], with numbers where the source text has notes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FreightFact {
    /// The shipment, equal to its lines' `asn_dn_number`; the Kafka key.
    pub shipment_id: DocRef,
    /// `id` of the shipment's first line.
    pub first_line_id: u64,
    /// Number of lines in the shipment.
    pub line_count: u32,
    /// Destination country.
    pub country: Text,
    /// Vendor.
    pub vendor: Text,
    /// `Direct Drop` or `From RDC`.
    pub fulfill_via: Text,
    /// INCO term.
    pub vendor_inco_term: Text,
    /// Transport mode.
    pub shipment_mode: ShipmentMode,
    /// Product group of the shipment's lines.
    pub product_group: ProductGroup,
    /// Agreed delivery date.
    pub scheduled_delivery_date: NaiveDate,
    /// Actual delivery date.
    pub delivered_date: NaiveDate,
    /// `delivered_date - scheduled_delivery_date` in days; negative when early.
    pub delay_days: i32,
    /// Delivered after the scheduled date.
    pub late: bool,
    /// Sum of the lines' `line_item_value`, USD.
    pub line_item_value: f64,
    /// Total shipment weight, kg (always set, even where the source text has a note).
    pub weight_kg: f64,
    /// The weight appears as a number in the shipment lines.
    pub weight_recorded: bool,
    /// Weight band of `weight_kg`, e.g. `100-500kg`.
    pub weight_band: Text,
    /// Freight cost, USD (always set, even where the source text has a note).
    pub freight_cost_usd: f64,
    /// The freight cost appears as a number in the shipment lines.
    pub freight_recorded: bool,
    /// How the source text records the freight cost.
    pub freight_status: FreightStatus,
    /// `freight_cost_usd / weight_kg`.
    pub freight_cost_per_kg: f64,
    /// Sum of the lines' recorded insurance, USD.
    pub insurance_usd: f64,
    /// Added by the rare-category boost.
    pub oversampled: bool,
}

/// Per-line product-group sales facts (topic `product_group_analytics`), one per [`Shipment`]
/// line with the same id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductLine {
    /// Equal to the line's [`Shipment::id`]; the Kafka key.
    pub line_id: u64,
    /// Equal to the line's `asn_dn_number`.
    pub shipment_id: DocRef,
    /// Product group.
    pub product_group: ProductGroup,
    /// Finer class.
    pub sub_classification: Text,
    /// Molecule(s) or test type.
    pub molecule_test_type: Text,
    /// Brand.
    pub brand: Text,
    /// Dosage form.
    pub dosage_form: Text,
    /// Vendor.
    pub vendor: Text,
    /// Destination country.
    pub country: Text,
    /// Transport mode.
    pub shipment_mode: ShipmentMode,
    /// Delivery date (the sale date for trends).
    pub delivered_date: NaiveDate,
    /// Packs sold.
    pub packs: u64,
    /// Units sold (`packs * unit_of_measure`).
    pub units: u64,
    /// Revenue, USD.
    pub line_item_value: f64,
    /// Price per pack, USD.
    pub pack_price: f64,
    /// Price per unit, USD.
    pub unit_price: f64,
    /// Added by the rare-category boost.
    pub oversampled: bool,
}

/// Transport mode of a shipment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ShipmentMode {
    /// Scheduled air freight: fast, dearest per kg.
    Air,
    /// Road freight.
    Truck,
    /// A chartered plane: fast, for heavy urgent loads.
    #[serde(rename = "Air Charter")]
    AirCharter,
    /// Sea freight: slowest, cheapest per kg.
    Ocean,
}

impl ShipmentMode {
    /// Every mode.
    pub const ALL: [ShipmentMode; 4] =
        [ShipmentMode::Air, ShipmentMode::Truck, ShipmentMode::AirCharter, ShipmentMode::Ocean];

    /// The name as written in records.
    pub fn name(&self) -> &'static str {
        match self {
            ShipmentMode::Air => "Air",
            ShipmentMode::Truck => "Truck",
            ShipmentMode::AirCharter => "Air Charter",
            ShipmentMode::Ocean => "Ocean",
        }
    }
}

/// Product group, as in the SCMS data set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProductGroup {
    /// Antiretroviral medicines.
    #[serde(rename = "ARV")]
    Arv,
    /// HIV rapid diagnostic tests.
    #[serde(rename = "HRDT")]
    Hrdt,
    /// Anti-malarial medicines.
    #[serde(rename = "ANTM")]
    Antm,
    /// Artemisinin-based combination therapy.
    #[serde(rename = "ACT")]
    Act,
    /// Malaria rapid diagnostic tests.
    #[serde(rename = "MRDT")]
    Mrdt,
}

/// How a shipment's freight cost appears in the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FreightStatus {
    /// A number on the first line.
    Recorded,
    /// `Freight Included in Commodity Cost`.
    IncludedInCommodity,
    /// `Invoiced Separately`.
    InvoicedSeparately,
}

/// Kind of a document reference, which decides its prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// Advance shipping notice, `ASN-`.
    Asn,
    /// Delivery note, `DN-`.
    Dn,
    /// Purchase order, `SCMS-`.
    Po,
    /// Sales order, `SO-`.
    So,
    /// Price quote, `FPQ-`.
    Pq,
}

impl DocKind {
    const ALL: [DocKind; 5] = [DocKind::Asn, DocKind::Dn, DocKind::Po, DocKind::So, DocKind::Pq];

    /// The text before the dash.
    pub fn prefix(&self) -> &'static str {
        match self {
            DocKind::Asn => "ASN",
            DocKind::Dn => "DN",
            DocKind::Po => "SCMS",
            DocKind::So => "SO",
            DocKind::Pq => "FPQ",
        }
    }
}

/// A document number such as `ASN-1042`, stored as kind + number so that generating one does not
/// allocate; it is written and read as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DocRef {
    /// Which document.
    pub kind: DocKind,
    /// Its number.
    pub number: u64,
}

impl fmt::Display for DocRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.kind.prefix(), self.number)
    }
}

impl FromStr for DocRef {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (prefix, number) =
            s.split_once('-').ok_or_else(|| format!("document number {s:?} has no dash"))?;
        let kind = DocKind::ALL
            .into_iter()
            .find(|k| k.prefix() == prefix)
            .ok_or_else(|| format!("document number {s:?} has an unknown prefix"))?;
        let number =
            number.parse().map_err(|_| format!("document number {s:?} does not end in digits"))?;
        Ok(DocRef { kind, number })
    }
}

impl Serialize for DocRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DocRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A weight or freight value as the SCMS data set writes it: a number, or a note.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Measure {
    /// A number (kg or USD).
    Value(f64),
    /// Recorded on another line of the same shipment: `See ASN-12 (ID#:345)`.
    SeeLine {
        /// The shipment.
        shipment: DocRef,
        /// The line that carries the number.
        line_id: u64,
    },
    /// `Freight Included in Commodity Cost`.
    FreightIncluded,
    /// `Invoiced Separately`.
    InvoicedSeparately,
    /// `Weight Captured Separately`.
    WeightCapturedSeparately,
}

const FREIGHT_INCLUDED: &str = "Freight Included in Commodity Cost";
const INVOICED_SEPARATELY: &str = "Invoiced Separately";
const WEIGHT_SEPARATELY: &str = "Weight Captured Separately";

impl Measure {
    /// The number, when there is one.
    pub fn value(&self) -> Option<f64> {
        match self {
            Measure::Value(v) => Some(*v),
            _ => None,
        }
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Measure::Value(v) => write!(f, "{v}"),
            Measure::SeeLine { shipment, line_id } => write!(f, "See {shipment} (ID#:{line_id})"),
            Measure::FreightIncluded => f.write_str(FREIGHT_INCLUDED),
            Measure::InvoicedSeparately => f.write_str(INVOICED_SEPARATELY),
            Measure::WeightCapturedSeparately => f.write_str(WEIGHT_SEPARATELY),
        }
    }
}

impl FromStr for Measure {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            FREIGHT_INCLUDED => return Ok(Measure::FreightIncluded),
            INVOICED_SEPARATELY => return Ok(Measure::InvoicedSeparately),
            WEIGHT_SEPARATELY => return Ok(Measure::WeightCapturedSeparately),
            _ => {}
        }
        if let Ok(v) = s.parse::<f64>() {
            return Ok(Measure::Value(v));
        }
        let see = s
            .strip_prefix("See ")
            .and_then(|rest| rest.strip_suffix(')'))
            .and_then(|rest| rest.split_once(" (ID#:"));
        match see {
            Some((shipment, line)) => Ok(Measure::SeeLine {
                shipment: shipment.parse()?,
                line_id: line.parse().map_err(|_| format!("bad line id in {s:?}"))?,
            }),
            None => Err(format!("{s:?} is neither a number nor a known note")),
        }
    }
}

impl Serialize for Measure {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Measure {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_ref_round_trips_through_text() {
        for kind in DocKind::ALL {
            let doc = DocRef { kind, number: 1042 };
            assert_eq!(doc.to_string().parse::<DocRef>().unwrap(), doc);
        }
        assert!("XYZ-1".parse::<DocRef>().is_err());
        assert!("ASN-".parse::<DocRef>().is_err());
    }

    #[test]
    fn measure_round_trips_through_text() {
        let shipment = DocRef { kind: DocKind::Asn, number: 12 };
        let all = [
            Measure::Value(1234.5),
            Measure::Value(17.0),
            Measure::SeeLine { shipment, line_id: 345 },
            Measure::FreightIncluded,
            Measure::InvoicedSeparately,
            Measure::WeightCapturedSeparately,
        ];
        for m in all {
            let json = serde_json::to_string(&m).unwrap();
            assert!(json.starts_with('"'), "{json} should be a JSON string");
            assert_eq!(serde_json::from_str::<Measure>(&json).unwrap(), m);
        }
        assert_eq!(Measure::SeeLine { shipment, line_id: 345 }.to_string(), "See ASN-12 (ID#:345)");
    }

    #[test]
    fn topic_names_and_indices_agree() {
        for (i, t) in Topic::ALL.iter().enumerate() {
            assert_eq!(t.index(), i);
        }
        assert_eq!(Topic::FraudAnalysis.name(), "fraud_analysis");
    }

    #[test]
    fn enums_use_source_spelling() {
        assert_eq!(serde_json::to_string(&ShipmentMode::AirCharter).unwrap(), "\"Air Charter\"");
        assert_eq!(serde_json::to_string(&ProductGroup::Mrdt).unwrap(), "\"MRDT\"");
        assert_eq!(
            serde_json::to_string(&FreightStatus::IncludedInCommodity).unwrap(),
            "\"included_in_commodity\""
        );
    }
}
