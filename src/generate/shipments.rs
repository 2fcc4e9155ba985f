//! Pharmaceutical shipments modelled on the USAID SCMS delivery history, and the two topics
//! derived from them.
//!
//! A shipment goes to one destination, from one vendor (or from a regional distribution centre,
//! RDC), with one to four line items of one product group. Its weight follows the packs shipped;
//! its transport mode follows weight and route (heavy loads go by ocean or charter, trucks only
//! where roads reach); its freight cost follows weight, mode and route, air dearer per kg than
//! charter, truck and ocean in that order. Delivery delays depend on mode and route remoteness.
//! As in the source data, some freight costs are "included in commodity cost" or "invoiced
//! separately", some weights are "captured separately", and lines after the first point to the
//! first with `See ASN-… (ID#:…)`.
//!
//! Each chunk yields exactly the requested number of lines (the last shipment is cut short if
//! needed); `freight_cost_analytics` gets one fact per shipment and `product_group_analytics` one
//! fact per line, with the same ids.

use std::ops::Range;

use chrono::{DateTime, NaiveDate};
use rand::RngExt;
use rand::distr::weighted::WeightedIndex;
use rand_distr::{Distribution, Exp, StandardNormal};

use super::catalog::{
    DESTINATIONS, INCO_TERMS, PRODUCTS, RDC_INCO, RDC_VENDOR, VENDORS, rare_flags,
};
use super::model::{
    DocKind, DocRef, FreightFact, FreightStatus, Measure, ProductGroup, ProductLine, Shipment,
    ShipmentMode,
};
use super::orders::Window;
use super::oversample::boost_extras;
use super::rng::{Rng, round2, round4};

const DAY: i64 = 86_400;

/// Product groups and their weights; ANTM and MRDT are rare, as in the source data.
const GROUPS: [(ProductGroup, u32); 5] = [
    (ProductGroup::Arv, 60),
    (ProductGroup::Hrdt, 27),
    (ProductGroup::Act, 9),
    (ProductGroup::Antm, 2),
    (ProductGroup::Mrdt, 2),
];
/// Lines per shipment (1 to 4) and their weights.
const LINES_PER_SHIPMENT: [u32; 4] = [55, 24, 13, 8];
/// Share of shipments that leave a regional distribution centre.
const FROM_RDC_SHARE: f64 = 0.52;

/// Per-mode transport parameters.
struct ModeParams {
    mode: ShipmentMode,
    /// Fixed cost per shipment, USD.
    fee: f64,
    /// Cost per kg, USD.
    per_kg: f64,
    /// Days in transit, used to date the purchase order.
    transit_days: i64,
    /// Chance of a late delivery on an ordinary route.
    late_share: f64,
    /// Mean delay of a late delivery, days.
    mean_delay: f64,
}

const MODES: [ModeParams; 4] = [
    ModeParams {
        mode: ShipmentMode::Air,
        fee: 250.0,
        per_kg: 7.5,
        transit_days: 4,
        late_share: 0.09,
        mean_delay: 6.0,
    },
    ModeParams {
        mode: ShipmentMode::Truck,
        fee: 300.0,
        per_kg: 1.8,
        transit_days: 12,
        late_share: 0.16,
        mean_delay: 10.0,
    },
    ModeParams {
        mode: ShipmentMode::AirCharter,
        fee: 5000.0,
        per_kg: 4.5,
        transit_days: 3,
        late_share: 0.06,
        mean_delay: 4.0,
    },
    ModeParams {
        mode: ShipmentMode::Ocean,
        fee: 1500.0,
        per_kg: 0.8,
        transit_days: 35,
        late_share: 0.30,
        mean_delay: 18.0,
    },
];

/// Catalogue values a shipment draw may be pinned to (used by the rare boost).
#[derive(Clone, Copy, Default)]
struct Pin {
    dest: Option<u8>,
    group: Option<u8>,
    vendor: Option<u8>,
}

/// One line while its chunk is built.
#[derive(Clone, Copy, Debug)]
struct LineDraft {
    product: u8,
    packs: u64,
    pack_price: f64,
    site: u8,
    /// Site list owner: the vendor whose `sites` the `site` index points into.
    site_vendor: u8,
    insurance: Option<f64>,
}

/// One shipment while its chunk is built; every random choice is already made.
#[derive(Clone, Debug)]
struct ShipmentDraft {
    dest: u8,
    group: u8,
    /// `None`: shipped from a regional distribution centre.
    vendor: Option<u8>,
    inco: u8,
    project: u8,
    mode: u8,
    scheduled: i64,
    po_sent: Option<i64>,
    pq_sent: Option<i64>,
    has_pq: bool,
    delay_days: i32,
    recorded_after: i64,
    weight_kg: f64,
    weight_recorded: bool,
    freight_usd: f64,
    freight_status: FreightStatus,
    lines: Range<usize>,
    oversampled: bool,
}

/// Draws shipments; built once per data set and shared by all chunks.
pub(crate) struct ShipmentModel {
    dests: WeightedIndex<u32>,
    groups: WeightedIndex<u32>,
    /// For each group: its products and their weights.
    products: Vec<(Vec<u8>, WeightedIndex<u32>)>,
    /// For each group: the vendors serving it and their weights.
    vendors: Vec<(Vec<u8>, WeightedIndex<u32>)>,
    inco: WeightedIndex<u32>,
    line_counts: WeightedIndex<u32>,
    rare_dest: Vec<bool>,
    rare_group: Vec<bool>,
    rare_vendor: Vec<bool>,
}

/// The records of one chunk's shipments, in the three shipment topics.
#[derive(Debug, Default)]
pub(crate) struct ShipmentRecords {
    pub lines: Vec<Shipment>,
    pub freight: Vec<FreightFact>,
    pub products: Vec<ProductLine>,
}

fn weighted(weights: impl IntoIterator<Item = u32>) -> WeightedIndex<u32> {
    // Catalogue weights are positive constants, checked by the catalogue's unit tests.
    WeightedIndex::new(weights).expect("catalogue weights are positive")
}

fn log_normal(rng: &mut Rng, sigma: f64) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    (sigma * z).exp()
}

impl ShipmentModel {
    pub(crate) fn new() -> Self {
        let by_group = |select: &dyn Fn(ProductGroup) -> Vec<(u8, u32)>| {
            GROUPS
                .iter()
                .map(|(g, _)| {
                    let entries = select(*g);
                    let weights = weighted(entries.iter().map(|e| e.1));
                    (entries.into_iter().map(|e| e.0).collect(), weights)
                })
                .collect()
        };
        ShipmentModel {
            dests: weighted(DESTINATIONS.iter().map(|d| d.weight)),
            groups: weighted(GROUPS.iter().map(|g| g.1)),
            products: by_group(&|g| {
                let products = PRODUCTS.iter().enumerate().filter(|(_, p)| p.group == g);
                products.map(|(i, p)| (i as u8, p.weight)).collect()
            }),
            vendors: by_group(&|g| {
                let vendors = VENDORS.iter().enumerate().filter(|(_, v)| v.groups.contains(&g));
                vendors.map(|(i, v)| (i as u8, v.weight)).collect()
            }),
            inco: weighted(INCO_TERMS.iter().map(|t| t.weight)),
            line_counts: weighted(LINES_PER_SHIPMENT),
            rare_dest: rare_flags(DESTINATIONS.iter().map(|d| d.weight)),
            rare_group: rare_flags(GROUPS.iter().map(|g| g.1)),
            rare_vendor: rare_flags(VENDORS.iter().map(|v| v.weight)),
        }
    }

    /// Draws exactly `line_count` lines for one chunk, boosts rare values, and renders the
    /// three shipment topics. Line ids start at `first_line_id`, shipment numbers at
    /// `first_shipment`.
    pub(crate) fn chunk(
        &self,
        rng: &mut Rng,
        window: Window,
        line_count: usize,
        rare_boost: f64,
        first_line_id: u64,
        first_shipment: u64,
    ) -> ShipmentRecords {
        let mut lines = Vec::with_capacity(line_count);
        let mut shipments = Vec::with_capacity(line_count / 2 + 1);
        while lines.len() < line_count {
            let base = self.draw(rng, window, Pin::default(), line_count, &mut lines);
            let pin = self.rare_pin(&base);
            shipments.push(base);
            if let Some(pin) = pin {
                for _ in 0..boost_extras(rng, rare_boost) {
                    if lines.len() == line_count {
                        break;
                    }
                    let mut extra = self.draw(rng, window, pin, line_count, &mut lines);
                    extra.oversampled = true;
                    shipments.push(extra);
                }
            }
        }
        render(&shipments, &lines, first_line_id, first_shipment)
    }

    fn rare_pin(&self, s: &ShipmentDraft) -> Option<Pin> {
        let dest = self.rare_dest[s.dest as usize].then_some(s.dest);
        let vendor = s.vendor.filter(|v| self.rare_vendor[*v as usize]);
        let rare_group = self.rare_group[s.group as usize];
        // A pinned vendor needs its group pinned too, or it might not serve the group drawn.
        let group = (rare_group || vendor.is_some()).then_some(s.group);
        (dest.is_some() || group.is_some()).then_some(Pin { dest, group, vendor })
    }

    /// Draws one shipment, appending its lines (at most `cap` lines in total) to `lines`.
    fn draw(
        &self,
        rng: &mut Rng,
        window: Window,
        pin: Pin,
        cap: usize,
        lines: &mut Vec<LineDraft>,
    ) -> ShipmentDraft {
        let dest_i = pin.dest.map_or_else(|| self.dests.sample(rng), usize::from);
        let dest = &DESTINATIONS[dest_i];
        let group = pin.group.map_or_else(|| self.groups.sample(rng), usize::from);
        let from_rdc = pin.vendor.is_none() && rng.random_bool(FROM_RDC_SHARE);
        let vendor = if from_rdc {
            None
        } else {
            let (ids, weights) = &self.vendors[group];
            Some(pin.vendor.unwrap_or_else(|| ids[weights.sample(rng)]))
        };
        let inco = if from_rdc { 0 } else { self.inco.sample(rng) as u8 };
        let project = rng.random_range(0..dest.project_codes.len()) as u8;
        let scheduled = window.day(rng);

        // Lines: products of the group, packs log-normal around the product's median.
        let wanted = self.line_counts.sample(rng) + 1;
        let start = lines.len();
        let room = cap - start;
        let (products, product_weights) = &self.products[group];
        let mut weight = 0.0;
        for _ in 0..wanted.min(room) {
            let product_i = products[product_weights.sample(rng)];
            let product = &PRODUCTS[product_i as usize];
            let packs = (product.median_packs * log_normal(rng, 1.0)).ceil().max(1.0) as u64;
            let factor = vendor.map_or(1.05, |v| VENDORS[v as usize].price_factor);
            let pack_price = round2(product.pack_price * factor * log_normal(rng, 0.08)).max(0.01);
            let kg = packs as f64 * product.pack_kg * log_normal(rng, 0.1);
            // Regional centres restock from the group's vendors, so any of their sites fits.
            let site_vendor = match vendor {
                Some(v) => v,
                None => {
                    let (ids, weights) = &self.vendors[group];
                    ids[weights.sample(rng)]
                }
            };
            let site = rng.random_range(0..VENDORS[site_vendor as usize].sites.len()) as u8;
            let insurance =
                rng.random_bool(0.97).then(|| dest.insurance_rate * log_normal(rng, 0.1));
            weight += kg;
            lines.push(LineDraft {
                product: product_i,
                packs,
                pack_price,
                site,
                site_vendor,
                insurance,
            });
        }
        let weight_kg = weight.round().max(1.0);

        // Mode: heavy loads favour ocean and charter; trucks only where roads reach.
        let heavy = |limit: f64, yes: f64, no: f64| if weight_kg > limit { yes } else { no };
        let mode_weights = [
            60.0 * heavy(5000.0, 0.3, 1.0),
            if dest.truck_ok { 28.0 } else { 2.0 },
            heavy(3000.0, 12.0, 0.5),
            heavy(4000.0, 15.0, 1.0),
        ];
        let mode = pick(rng, &mode_weights);
        let params = &MODES[mode];
        let freight_usd =
            round2((params.fee + params.per_kg * weight_kg) * dest.route * log_normal(rng, 0.25));

        // Dates: delays grow with the route's remoteness.
        let remote = if dest.route >= 1.3 { 1.5 } else { 1.0 };
        let delay_days = if rng.random_bool((params.late_share * remote).min(1.0)) {
            let mean = Exp::new(1.0 / params.mean_delay).expect("positive rate");
            1 + mean.sample(rng) as i32
        } else if rng.random_bool(0.7) {
            0
        } else {
            -rng.random_range(1..=10)
        };
        let production = rng.random_range(20..90) * DAY;
        let po_sent =
            rng.random_bool(0.96).then_some(scheduled - production - params.transit_days * DAY);
        let has_pq = rng.random_bool(0.8);
        let pq_sent = (has_pq && rng.random_bool(0.9)).then(|| {
            scheduled - production - params.transit_days * DAY - rng.random_range(10..150) * DAY
        });
        let recorded_after = rng.random_range(0..=7) * DAY;

        let freight_status = {
            let [recorded, included] = if from_rdc { [0.55, 0.38] } else { [0.88, 0.07] };
            let u: f64 = rng.random();
            if u < recorded {
                FreightStatus::Recorded
            } else if u < recorded + included {
                FreightStatus::IncludedInCommodity
            } else {
                FreightStatus::InvoicedSeparately
            }
        };
        let weight_recorded = rng.random_bool(0.9);

        ShipmentDraft {
            dest: dest_i as u8,
            group: group as u8,
            vendor,
            inco,
            project,
            mode: mode as u8,
            scheduled,
            po_sent,
            pq_sent,
            has_pq,
            delay_days,
            recorded_after,
            weight_kg,
            weight_recorded,
            freight_usd,
            freight_status,
            lines: start..lines.len(),
            oversampled: false,
        }
    }
}

/// Picks an index with probability proportional to `weights`.
fn pick(rng: &mut Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.len() - 1
}

fn date(day: i64) -> NaiveDate {
    // Days come from the validated `--start..=--end` window minus at most a few hundred days.
    DateTime::from_timestamp(day, 0).expect("date within range").date_naive()
}

fn weight_band(kg: f64) -> &'static str {
    match kg {
        w if w < 100.0 => "0-100kg",
        w if w < 500.0 => "100-500kg",
        w if w < 2000.0 => "500-2000kg",
        w if w < 10_000.0 => "2000-10000kg",
        _ => "10000kg+",
    }
}

/// Turns the drafts into the records of the three shipment topics.
fn render(
    shipments: &[ShipmentDraft],
    lines: &[LineDraft],
    first_line_id: u64,
    first_shipment: u64,
) -> ShipmentRecords {
    let mut out = ShipmentRecords {
        lines: Vec::with_capacity(lines.len()),
        freight: Vec::with_capacity(shipments.len()),
        products: Vec::with_capacity(lines.len()),
    };
    for (n, s) in shipments.iter().enumerate() {
        let number = first_shipment + n as u64;
        let dest = &DESTINATIONS[s.dest as usize];
        let group = GROUPS[s.group as usize].0;
        let mode = MODES[s.mode as usize].mode;
        let (ship_kind, order_kind) = if s.vendor.is_some() {
            (DocKind::Asn, DocKind::Po)
        } else {
            (DocKind::Dn, DocKind::So)
        };
        let shipment_id = DocRef { kind: ship_kind, number };
        let vendor = s.vendor.map_or(RDC_VENDOR, |v| VENDORS[v as usize].name);
        let fulfill_via = if s.vendor.is_some() { "Direct Drop" } else { "From RDC" };
        let inco = if s.vendor.is_some() { INCO_TERMS[s.inco as usize].name } else { RDC_INCO };
        let scheduled = date(s.scheduled);
        let delivered_day = s.scheduled + i64::from(s.delay_days) * DAY;
        let delivered = date(delivered_day);
        let first_line_id_here = first_line_id + s.lines.start as u64;

        let mut value_total = 0.0;
        let mut insurance_total = 0.0;
        for (k, i) in s.lines.clone().enumerate() {
            let line = &lines[i];
            let product = &PRODUCTS[line.product as usize];
            let id = first_line_id + i as u64;
            let value = round2(line.packs as f64 * line.pack_price);
            let insurance = line.insurance.map(|rate| round2(value * rate));
            value_total += value;
            insurance_total += insurance.unwrap_or(0.0);
            let see_first = Measure::SeeLine { shipment: shipment_id, line_id: first_line_id_here };
            let weight_text = match (s.weight_recorded, k) {
                (false, _) => Measure::WeightCapturedSeparately,
                (true, 0) => Measure::Value(s.weight_kg),
                (true, _) => see_first,
            };
            let freight_text = match (s.freight_status, k) {
                (FreightStatus::IncludedInCommodity, _) => Measure::FreightIncluded,
                (FreightStatus::InvoicedSeparately, _) => Measure::InvoicedSeparately,
                (FreightStatus::Recorded, 0) => Measure::Value(s.freight_usd),
                (FreightStatus::Recorded, _) => see_first,
            };
            let unit_price = round4(line.pack_price / f64::from(product.units_per_pack));
            out.lines.push(Shipment {
                id,
                project_code: dest.project_codes[s.project as usize].into(),
                pq_number: s.has_pq.then_some(DocRef { kind: DocKind::Pq, number }),
                po_so_number: DocRef { kind: order_kind, number },
                asn_dn_number: shipment_id,
                country: dest.country.into(),
                managed_by: dest.managed_by.into(),
                fulfill_via: fulfill_via.into(),
                vendor_inco_term: inco.into(),
                shipment_mode: mode,
                pq_first_sent_date: s.pq_sent.map(date),
                po_sent_date: s.po_sent.map(date),
                scheduled_delivery_date: scheduled,
                delivered_date: delivered,
                delivery_recorded_date: date(delivered_day + s.recorded_after),
                product_group: group,
                sub_classification: product.sub_classification.into(),
                vendor: vendor.into(),
                item_description: product.description.into(),
                molecule_test_type: product.molecule.into(),
                brand: product.brand.into(),
                dosage: product.dosage.into(),
                dosage_form: product.form.into(),
                unit_of_measure: product.units_per_pack,
                line_item_quantity: line.packs,
                line_item_value: value,
                pack_price: line.pack_price,
                unit_price,
                manufacturing_site: VENDORS[line.site_vendor as usize].sites[line.site as usize]
                    .into(),
                first_line_designation: k == 0,
                weight_kg: weight_text,
                freight_cost_usd: freight_text,
                line_item_insurance_usd: insurance,
                oversampled: s.oversampled,
            });
            out.products.push(ProductLine {
                line_id: id,
                shipment_id,
                product_group: group,
                sub_classification: product.sub_classification.into(),
                molecule_test_type: product.molecule.into(),
                brand: product.brand.into(),
                dosage_form: product.form.into(),
                vendor: vendor.into(),
                country: dest.country.into(),
                shipment_mode: mode,
                delivered_date: delivered,
                packs: line.packs,
                units: line.packs * u64::from(product.units_per_pack),
                line_item_value: value,
                pack_price: line.pack_price,
                unit_price,
                oversampled: s.oversampled,
            });
        }

        out.freight.push(FreightFact {
            shipment_id,
            first_line_id: first_line_id_here,
            line_count: s.lines.len() as u32,
            country: dest.country.into(),
            vendor: vendor.into(),
            fulfill_via: fulfill_via.into(),
            vendor_inco_term: inco.into(),
            shipment_mode: mode,
            product_group: group,
            scheduled_delivery_date: scheduled,
            delivered_date: delivered,
            delay_days: s.delay_days,
            late: s.delay_days > 0,
            line_item_value: round2(value_total),
            weight_kg: s.weight_kg,
            weight_recorded: s.weight_recorded,
            weight_band: weight_band(s.weight_kg).into(),
            freight_cost_usd: s.freight_usd,
            freight_recorded: s.freight_status == FreightStatus::Recorded,
            freight_status: s.freight_status,
            freight_cost_per_kg: round4(s.freight_usd / s.weight_kg),
            insurance_usd: round2(insurance_total),
            oversampled: s.oversampled,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::generate::orders::tests::year_2024;
    use crate::generate::rng::{self, Stream};

    fn sample(boost: f64, chunks: u64) -> ShipmentRecords {
        let model = ShipmentModel::new();
        let mut all = ShipmentRecords::default();
        for chunk in 0..chunks {
            let mut rng = rng::stream(9, Stream::Shipments, chunk);
            let part =
                model.chunk(&mut rng, year_2024(), 1024, boost, chunk * 1024 + 1, chunk * 1024 + 1);
            all.lines.extend(part.lines);
            all.freight.extend(part.freight);
            all.products.extend(part.products);
        }
        all
    }

    #[test]
    fn chunk_has_exact_line_count_and_consistent_ids() {
        let records = sample(2.0, 3);
        assert_eq!(records.lines.len(), 3 * 1024);
        assert_eq!(records.products.len(), records.lines.len());
        let ids: HashSet<u64> = records.lines.iter().map(|l| l.id).collect();
        assert_eq!(ids.len(), records.lines.len(), "line ids are unique");
        for (line, product) in records.lines.iter().zip(&records.products) {
            assert_eq!(line.id, product.line_id);
            assert_eq!(line.asn_dn_number, product.shipment_id);
            assert_eq!(line.line_item_value, product.line_item_value);
        }
        let facts: HashMap<DocRef, &FreightFact> =
            records.freight.iter().map(|f| (f.shipment_id, f)).collect();
        assert_eq!(facts.len(), records.freight.len(), "shipment ids are unique");
        let lines_per_shipment = records.lines.iter().fold(HashMap::new(), |mut m, l| {
            *m.entry(l.asn_dn_number).or_insert(0u32) += 1;
            m
        });
        for (shipment, count) in lines_per_shipment {
            assert_eq!(facts[&shipment].line_count, count);
        }
    }

    #[test]
    fn first_line_text_matches_the_clean_fact() {
        let records = sample(1.0, 2);
        let facts: HashMap<DocRef, &FreightFact> =
            records.freight.iter().map(|f| (f.shipment_id, f)).collect();
        let mut notes = 0;
        for line in &records.lines {
            let fact = facts[&line.asn_dn_number];
            match line.freight_cost_usd {
                Measure::Value(v) => {
                    assert!(line.first_line_designation);
                    assert_eq!(v, fact.freight_cost_usd);
                    assert!(fact.freight_recorded);
                }
                Measure::SeeLine { shipment, line_id } => {
                    assert_eq!(shipment, line.asn_dn_number);
                    assert_eq!(line_id, fact.first_line_id);
                    assert!(!line.first_line_designation);
                }
                _ => {
                    notes += 1;
                    assert!(!fact.freight_recorded);
                }
            }
            if let Measure::Value(w) = line.weight_kg {
                assert_eq!(w, fact.weight_kg);
            }
        }
        assert!(notes > 0, "some freight costs should be notes, as in the source data");
    }

    #[test]
    fn freight_cost_per_kg_orders_modes() {
        let records = sample(1.0, 12);
        let per_kg = |mode: ShipmentMode| {
            let (cost, kg) = records
                .freight
                .iter()
                .filter(|f| f.shipment_mode == mode)
                .fold((0.0, 0.0), |(c, k), f| (c + f.freight_cost_usd, k + f.weight_kg));
            assert!(kg > 0.0, "no {mode:?} shipments");
            cost / kg
        };
        let air = per_kg(ShipmentMode::Air);
        let charter = per_kg(ShipmentMode::AirCharter);
        let truck = per_kg(ShipmentMode::Truck);
        let ocean = per_kg(ShipmentMode::Ocean);
        assert!(
            air > charter && charter > truck && truck > ocean,
            "{air} {charter} {truck} {ocean}"
        );
    }

    #[test]
    fn ocean_is_slowest_and_latest() {
        let records = sample(1.0, 12);
        let late_share = |mode: ShipmentMode| {
            let of_mode: Vec<_> =
                records.freight.iter().filter(|f| f.shipment_mode == mode).collect();
            of_mode.iter().filter(|f| f.late).count() as f64 / of_mode.len() as f64
        };
        assert!(late_share(ShipmentMode::Ocean) > late_share(ShipmentMode::Air));
    }

    #[test]
    fn rare_boost_raises_rare_groups() {
        let share = |r: &ShipmentRecords| {
            let rare = r
                .lines
                .iter()
                .filter(|l| matches!(l.product_group, ProductGroup::Antm | ProductGroup::Mrdt))
                .count();
            rare as f64 / r.lines.len() as f64
        };
        let plain = share(&sample(1.0, 6));
        let boosted = share(&sample(3.0, 6));
        assert!(boosted > 2.0 * plain, "{plain} -> {boosted}");
    }

    #[test]
    fn dates_are_ordered() {
        for line in sample(2.0, 1).lines {
            assert!(line.delivery_recorded_date >= line.delivered_date);
            if let Some(po) = line.po_sent_date {
                assert!(po < line.scheduled_delivery_date);
                if let Some(pq) = line.pq_first_sent_date {
                    assert!(pq < po);
                }
            }
        }
    }
}
