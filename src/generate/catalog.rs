//! Static catalogues the generator draws from: product categories, markets, payment methods,
//! pharmaceutical products, vendors and destinations, each with its sampling weight and the
//! parameters that shape prices, fraud risk and freight cost.
//!
//! Weights are relative. Risk values are additive terms of the fraud model's log-odds (see
//! `orders.rs`); a positive risk makes fraud likelier. Names of the supply-chain tables follow the
//! public SCMS delivery-history data set so that the synthetic data reads like it.

use super::model::ProductGroup;

/// An order category with its sub-categories and price shape.
pub(crate) struct Category {
    pub name: &'static str,
    pub weight: u32,
    /// Log-odds added to the fraud score.
    pub risk: f64,
    /// Median list price, USD.
    pub price_median: f64,
    /// Spread of log list prices.
    pub price_sigma: f64,
    pub subs: &'static [&'static str],
}

pub(crate) const CATEGORIES: &[Category] = &[
    cat("Electronics", 18, 0.8, 180.0, 0.9, &["Smartphones", "Laptops", "Headphones", "Cameras"]),
    cat("Fashion", 20, 0.0, 40.0, 0.6, &["Clothing", "Shoes", "Bags", "Accessories"]),
    cat("Home & Kitchen", 14, 0.0, 55.0, 0.8, &["Cookware", "Furniture", "Decor", "Appliances"]),
    cat("Beauty", 9, -0.2, 25.0, 0.6, &["Skincare", "Makeup", "Fragrance", "Haircare"]),
    cat("Sports & Outdoors", 8, 0.0, 50.0, 0.8, &["Fitness", "Camping", "Cycling"]),
    cat("Books", 7, -0.7, 16.0, 0.5, &["Fiction", "Non-fiction", "Textbooks", "Comics"]),
    cat("Toys & Games", 6, -0.3, 28.0, 0.6, &["Board Games", "Puzzles", "Action Figures"]),
    cat("Grocery", 8, -0.9, 12.0, 0.5, &["Snacks", "Beverages", "Pantry"]),
    cat("Health", 4, 0.0, 22.0, 0.6, &["Vitamins", "Medical Supplies", "Personal Care"]),
    cat("Jewelry", 2, 1.0, 150.0, 1.0, &["Rings", "Necklaces", "Watches"]),
    cat("Gift Cards", 2, 1.6, 60.0, 0.6, &["Digital Gift Card", "Physical Gift Card"]),
    cat("Automotive", 2, 0.2, 65.0, 0.9, &["Parts", "Tools", "Car Electronics"]),
];

const fn cat(
    name: &'static str,
    weight: u32,
    risk: f64,
    price_median: f64,
    price_sigma: f64,
    subs: &'static [&'static str],
) -> Category {
    Category { name, weight, risk, price_median, price_sigma, subs }
}

/// A market (billing country) with its cities and currency.
pub(crate) struct Market {
    pub country: &'static str,
    pub currency: &'static str,
    pub weight: u32,
    /// Log-odds added to the fraud score.
    pub risk: f64,
    pub cities: &'static [&'static str],
}

pub(crate) const MARKETS: &[Market] = &[
    Market {
        country: "United States",
        currency: "USD",
        weight: 30,
        risk: 0.1,
        cities: &["New York", "Los Angeles", "Chicago", "Houston", "Seattle", "Washington, D.C."],
    },
    Market {
        country: "United Kingdom",
        currency: "GBP",
        weight: 10,
        risk: 0.0,
        cities: &["London", "Manchester", "Birmingham", "Leeds"],
    },
    Market {
        country: "Germany",
        currency: "EUR",
        weight: 9,
        risk: -0.2,
        cities: &["Berlin", "Munich", "Hamburg", "Cologne"],
    },
    Market {
        country: "France",
        currency: "EUR",
        weight: 7,
        risk: -0.1,
        cities: &["Paris", "Lyon", "Marseille", "Toulouse"],
    },
    Market {
        country: "India",
        currency: "INR",
        weight: 14,
        risk: 0.0,
        cities: &["Mumbai", "Delhi", "Bengaluru", "Hyderabad", "Chennai"],
    },
    Market {
        country: "Brazil",
        currency: "BRL",
        weight: 8,
        risk: 0.3,
        cities: &["São Paulo", "Rio de Janeiro", "Belo Horizonte"],
    },
    Market {
        country: "Canada",
        currency: "CAD",
        weight: 6,
        risk: -0.1,
        cities: &["Toronto", "Vancouver", "Montreal"],
    },
    Market {
        country: "Australia",
        currency: "AUD",
        weight: 5,
        risk: -0.1,
        cities: &["Sydney", "Melbourne", "Brisbane"],
    },
    Market {
        country: "Japan",
        currency: "JPY",
        weight: 6,
        risk: -0.4,
        cities: &["Tokyo", "Osaka"],
    },
    Market {
        country: "Mexico",
        currency: "MXN",
        weight: 2,
        risk: 0.3,
        cities: &["Mexico City", "Guadalajara", "Monterrey"],
    },
    Market {
        country: "Nigeria",
        currency: "NGN",
        weight: 2,
        risk: 0.6,
        cities: &["Lagos", "Abuja"],
    },
    Market {
        country: "South Africa",
        currency: "ZAR",
        weight: 1,
        risk: 0.4,
        cities: &["Johannesburg", "Cape Town"],
    },
];

/// A choice with a sampling weight and a fraud risk term.
pub(crate) struct Weighted {
    pub name: &'static str,
    pub weight: u32,
    pub risk: f64,
}

const fn w(name: &'static str, weight: u32, risk: f64) -> Weighted {
    Weighted { name, weight, risk }
}

pub(crate) const PAYMENT_METHODS: &[Weighted] = &[
    w("Credit Card", 35, 0.5),
    w("Debit Card", 20, 0.0),
    w("PayPal", 15, -0.2),
    w("Digital Wallet", 12, -0.3),
    w("Bank Transfer", 6, -0.6),
    w("Cash on Delivery", 5, -1.5),
    w("Buy Now Pay Later", 5, 0.6),
    w("Cryptocurrency", 1, 1.5),
    w("Gift Card", 1, 0.8),
];

pub(crate) const DEVICES: &[Weighted] =
    &[w("mobile", 55, 0.1), w("desktop", 35, 0.0), w("tablet", 10, -0.1)];

pub(crate) const GENDERS: &[Weighted] =
    &[w("Female", 49, 0.0), w("Male", 49, 0.0), w("Other", 2, 0.0)];

pub(crate) const INCOME_BANDS: &[Weighted] = &[
    w("Low", 18, 0.0),
    w("Lower-middle", 24, 0.0),
    w("Middle", 30, 0.0),
    w("Upper-middle", 18, 0.0),
    w("High", 10, 0.0),
];

/// Relative order volume per hour of day (UTC): busy evenings, quiet small hours.
pub(crate) const HOUR_WEIGHTS: [u32; 24] =
    [20, 12, 8, 6, 6, 9, 18, 30, 40, 50, 55, 60, 65, 60, 55, 55, 60, 65, 70, 75, 70, 60, 45, 30];

/// A pharmaceutical product (one SKU).
pub(crate) struct Product {
    pub group: ProductGroup,
    pub weight: u32,
    pub sub_classification: &'static str,
    pub molecule: &'static str,
    pub brand: &'static str,
    pub dosage: &'static str,
    pub form: &'static str,
    pub description: &'static str,
    /// Units per pack.
    pub units_per_pack: u32,
    /// Typical price per pack, USD.
    pub pack_price: f64,
    /// Shipping weight per pack, kg.
    pub pack_kg: f64,
    /// Median packs per line.
    pub median_packs: f64,
}

pub(crate) const PRODUCTS: &[Product] = &[
    Product {
        group: ProductGroup::Arv,
        weight: 14,
        sub_classification: "Adult",
        molecule: "Efavirenz",
        brand: "Generic",
        dosage: "600mg",
        form: "Tablet",
        description: "Efavirenz 600mg, tablets, 30 Tabs",
        units_per_pack: 30,
        pack_price: 6.2,
        pack_kg: 0.045,
        median_packs: 4000.0,
    },
    Product {
        group: ProductGroup::Arv,
        weight: 12,
        sub_classification: "Adult",
        molecule: "Lamivudine/Nevirapine/Zidovudine",
        brand: "Generic",
        dosage: "150/200/300mg",
        form: "Tablet",
        description: "Lamivudine/Nevirapine/Zidovudine 150/200/300mg, tablets, 60 Tabs",
        units_per_pack: 60,
        pack_price: 10.9,
        pack_kg: 0.08,
        median_packs: 3000.0,
    },
    Product {
        group: ProductGroup::Arv,
        weight: 10,
        sub_classification: "Adult",
        molecule: "Lamivudine/Zidovudine",
        brand: "Generic",
        dosage: "150/300mg",
        form: "Tablet",
        description: "Lamivudine/Zidovudine 150/300mg, tablets, 60 Tabs",
        units_per_pack: 60,
        pack_price: 8.4,
        pack_kg: 0.075,
        median_packs: 3000.0,
    },
    Product {
        group: ProductGroup::Arv,
        weight: 8,
        sub_classification: "Adult",
        molecule: "Tenofovir Disoproxil Fumarate/Lamivudine/Efavirenz",
        brand: "Generic",
        dosage: "300/300/600mg",
        form: "Tablet - FDC",
        description: "Efavirenz/Lamivudine/Tenofovir 600/300/300mg, \"FDC\" tablets, 30 Tabs",
        units_per_pack: 30,
        pack_price: 12.5,
        pack_kg: 0.06,
        median_packs: 5000.0,
    },
    Product {
        group: ProductGroup::Arv,
        weight: 4,
        sub_classification: "Adult",
        molecule: "Lopinavir/Ritonavir",
        brand: "Aluvia",
        dosage: "200/50mg",
        form: "Tablet - FDC",
        description: "Lopinavir/Ritonavir 200/50mg, tablets, 120 Tabs",
        units_per_pack: 120,
        pack_price: 41.0,
        pack_kg: 0.14,
        median_packs: 800.0,
    },
    Product {
        group: ProductGroup::Arv,
        weight: 5,
        sub_classification: "Pediatric",
        molecule: "Nevirapine",
        brand: "Generic",
        dosage: "10mg/ml",
        form: "Oral suspension",
        description: "Nevirapine 10mg/ml \"oral suspension\", Bottle, 240 ml",
        units_per_pack: 1,
        pack_price: 2.9,
        pack_kg: 0.3,
        median_packs: 1500.0,
    },
    Product {
        group: ProductGroup::Arv,
        weight: 4,
        sub_classification: "Pediatric",
        molecule: "Abacavir",
        brand: "Generic",
        dosage: "60mg",
        form: "Tablet",
        description: "Abacavir 60mg, dispersible tablets, 60 Tabs",
        units_per_pack: 60,
        pack_price: 7.1,
        pack_kg: 0.05,
        median_packs: 1200.0,
    },
    Product {
        group: ProductGroup::Hrdt,
        weight: 12,
        sub_classification: "HIV test",
        molecule: "HIV 1/2, Determine Complete HIV Kit",
        brand: "Determine",
        dosage: "N/A",
        form: "Test kit",
        description: "HIV 1/2, Determine Complete HIV Kit, 100 Tests",
        units_per_pack: 100,
        pack_price: 80.0,
        pack_kg: 0.9,
        median_packs: 400.0,
    },
    Product {
        group: ProductGroup::Hrdt,
        weight: 6,
        sub_classification: "HIV test",
        molecule: "HIV 1/2, Uni-Gold HIV Kit",
        brand: "Uni-Gold",
        dosage: "N/A",
        form: "Test kit",
        description: "HIV 1/2, Uni-Gold HIV Kit, 20 Tests",
        units_per_pack: 20,
        pack_price: 30.0,
        pack_kg: 0.5,
        median_packs: 500.0,
    },
    Product {
        group: ProductGroup::Hrdt,
        weight: 4,
        sub_classification: "HIV test",
        molecule: "HIV 1/2, Bioline Rapid Test Kit",
        brand: "Bioline",
        dosage: "N/A",
        form: "Test kit",
        description: "HIV 1/2, Bioline \"SD\" Rapid Test Kit, 25 Tests",
        units_per_pack: 25,
        pack_price: 22.0,
        pack_kg: 0.45,
        median_packs: 450.0,
    },
    Product {
        group: ProductGroup::Hrdt,
        weight: 3,
        sub_classification: "HIV test - Ancillary",
        molecule: "HIV, Lancets, Disposable",
        brand: "Generic",
        dosage: "N/A",
        form: "Test kit - Ancillary",
        description: "Lancets, disposable, sterile, 200 Pcs",
        units_per_pack: 200,
        pack_price: 6.0,
        pack_kg: 0.35,
        median_packs: 600.0,
    },
    Product {
        group: ProductGroup::Antm,
        weight: 2,
        sub_classification: "Malaria",
        molecule: "Quinine",
        brand: "Generic",
        dosage: "300mg",
        form: "Tablet",
        description: "Quinine sulphate 300mg, tablets, 1000 Tabs",
        units_per_pack: 1000,
        pack_price: 32.0,
        pack_kg: 0.6,
        median_packs: 300.0,
    },
    Product {
        group: ProductGroup::Antm,
        weight: 1,
        sub_classification: "Malaria",
        molecule: "Sulfadoxine/Pyrimethamine",
        brand: "Generic",
        dosage: "500/25mg",
        form: "Tablet",
        description: "Sulfadoxine/Pyrimethamine 500/25mg, tablets, 3 Tabs",
        units_per_pack: 3,
        pack_price: 0.4,
        pack_kg: 0.01,
        median_packs: 20000.0,
    },
    Product {
        group: ProductGroup::Act,
        weight: 7,
        sub_classification: "ACT",
        molecule: "Artemether/Lumefantrine",
        brand: "Coartem",
        dosage: "20/120mg",
        form: "Tablet",
        description: "Artemether/Lumefantrine 20/120mg, tablets, 24 Tabs",
        units_per_pack: 24,
        pack_price: 1.5,
        pack_kg: 0.02,
        median_packs: 30000.0,
    },
    Product {
        group: ProductGroup::Act,
        weight: 2,
        sub_classification: "ACT",
        molecule: "Artesunate/Amodiaquine",
        brand: "Generic",
        dosage: "100/270mg",
        form: "Tablet",
        description: "Artesunate/Amodiaquine 100/270mg, tablets, 6 Tabs",
        units_per_pack: 6,
        pack_price: 0.9,
        pack_kg: 0.015,
        median_packs: 25000.0,
    },
    Product {
        group: ProductGroup::Mrdt,
        weight: 2,
        sub_classification: "Malaria",
        molecule: "Malaria Antigen P.f., RDT",
        brand: "Paracheck",
        dosage: "N/A",
        form: "Test kit",
        description: "Malaria Antigen P.f., RDT Kit, 25 Tests",
        units_per_pack: 25,
        pack_price: 9.5,
        pack_kg: 0.4,
        median_packs: 2000.0,
    },
];

/// A vendor that ships directly to the destination.
pub(crate) struct Vendor {
    pub name: &'static str,
    pub weight: u32,
    /// Multiplier on list pack prices.
    pub price_factor: f64,
    pub groups: &'static [ProductGroup],
    pub sites: &'static [&'static str],
}

use ProductGroup::{Act, Antm, Arv, Hrdt, Mrdt};

pub(crate) const VENDORS: &[Vendor] = &[
    Vendor {
        name: "Aurobindo Pharma Limited",
        weight: 20,
        price_factor: 0.95,
        groups: &[Arv],
        sites: &["Aurobindo Unit III, India", "Aurobindo Unit VII (SEZ)\nMahabubnagar, India"],
    },
    Vendor {
        name: "Cipla Limited",
        weight: 14,
        price_factor: 1.0,
        groups: &[Arv, Antm],
        sites: &["Cipla, Goa, India", "Cipla, Kurkumbh, India"],
    },
    Vendor {
        name: "Hetero Labs Limited",
        weight: 10,
        price_factor: 0.92,
        groups: &[Arv],
        sites: &["Hetero Unit III Hyderabad IN"],
    },
    Vendor {
        name: "Strides Arcolab Limited",
        weight: 6,
        price_factor: 1.02,
        groups: &[Arv, Antm],
        sites: &["Strides, Bangalore, India."],
    },
    Vendor {
        name: "Ranbaxy Laboratories Ltd.",
        weight: 6,
        price_factor: 1.05,
        groups: &[Arv, Act],
        sites: &["Ranbaxy, Paonta Shahib, India"],
    },
    Vendor {
        name: "Mylan Laboratories Limited",
        weight: 8,
        price_factor: 0.97,
        groups: &[Arv],
        sites: &["Mylan (formerly Matrix) Nashik"],
    },
    Vendor {
        name: "Trinity Biotech, Plc",
        weight: 7,
        price_factor: 1.0,
        groups: &[Hrdt],
        sites: &["Trinity Biotech, Plc\nBray, Ireland"],
    },
    Vendor {
        name: "Alere Medical Co., Ltd.",
        weight: 6,
        price_factor: 1.08,
        groups: &[Hrdt, Mrdt],
        sites: &["Alere Medical Co., Ltd.", "Standard Diagnostics, Korea"],
    },
    Vendor {
        name: "Orgenics, Ltd",
        weight: 3,
        price_factor: 1.04,
        groups: &[Hrdt],
        sites: &["Orgenics, Yavne, Israel"],
    },
    Vendor {
        name: "Novartis Pharma AG",
        weight: 4,
        price_factor: 1.1,
        groups: &[Act],
        sites: &["Novartis Pharma AG, Switzerland", "Beijing Novartis Pharma Co. Ltd, China"],
    },
    Vendor {
        name: "Guilin Pharmaceutical Co., Ltd.",
        weight: 1,
        price_factor: 0.9,
        groups: &[Act, Antm],
        sites: &["Guilin OSD site, No 17, China"],
    },
    Vendor {
        name: "Premier Medical Corporation Ltd.",
        weight: 1,
        price_factor: 0.93,
        groups: &[Mrdt, Hrdt],
        sites: &["Premier Medical Corporation \"PMC\", India"],
    },
];

/// Vendor name of shipments that leave a regional distribution centre.
pub(crate) const RDC_VENDOR: &str = "SCMS from RDC";
/// INCO term of shipments from a regional distribution centre.
pub(crate) const RDC_INCO: &str = "N/A - From RDC";
/// INCO terms of direct-drop shipments, with weights.
pub(crate) const INCO_TERMS: &[Weighted] = &[
    w("EXW", 50, 0.0),
    w("FCA", 20, 0.0),
    w("DDP", 12, 0.0),
    w("CIP", 10, 0.0),
    w("DDU", 4, 0.0),
    w("DAP", 3, 0.0),
    w("CIF", 1, 0.0),
];

/// A destination country of the supply chain.
pub(crate) struct Destination {
    pub country: &'static str,
    pub weight: u32,
    /// Multiplier on freight cost: distance and access (landlocked, remote) of the route.
    pub route: f64,
    /// Trucks reach it from a regional hub.
    pub truck_ok: bool,
    pub project_codes: &'static [&'static str],
    pub managed_by: &'static str,
    /// Insurance rate on line value.
    pub insurance_rate: f64,
}

const PMO: &str = "PMO - US";

pub(crate) const DESTINATIONS: &[Destination] = &[
    dest("South Africa", 16, 0.9, true, &["116-ZA-T30", "100-ZA-T30"], "South Africa Field Office"),
    dest("Nigeria", 12, 1.1, false, &["104-NG-T30", "151-NG-T30"], PMO),
    dest("Côte d'Ivoire", 9, 1.0, false, &["107-CI-T30"], PMO),
    dest("Uganda", 8, 1.2, true, &["102-UG-T30", "108-UG-T30"], PMO),
    dest("Vietnam", 7, 1.0, false, &["110-VN-T30"], PMO),
    dest("Zambia", 7, 1.25, true, &["112-ZM-T30"], PMO),
    dest("Haiti", 6, 1.1, false, &["109-HT-T30"], "Haiti Field Office"),
    dest("Mozambique", 6, 1.05, true, &["113-MZ-T30"], PMO),
    dest("Zimbabwe", 5, 1.2, true, &["114-ZW-T30"], PMO),
    dest("Tanzania", 5, 1.1, true, &["111-TZ-T30"], PMO),
    dest("Rwanda", 4, 1.35, true, &["105-RW-T30"], PMO),
    dest("Congo, DRC", 3, 1.5, false, &["106-CD-T30"], PMO),
    dest("Ethiopia", 3, 1.3, false, &["103-ET-T30"], "Ethiopia Field Office"),
    dest("Guyana", 2, 1.3, false, &["115-GY-T30"], PMO),
    dest("Kenya", 2, 1.1, true, &["117-KE-T30"], PMO),
    dest("South Sudan", 1, 1.6, true, &["118-SS-T30"], PMO),
    dest("Burundi", 1, 1.45, true, &["119-BI-T30"], PMO),
    dest("Cameroon", 1, 1.2, false, &["120-CM-T30"], PMO),
    dest("Lebanon", 1, 0.95, false, &["121-LB-T30"], PMO),
];

const fn dest(
    country: &'static str,
    weight: u32,
    route: f64,
    truck_ok: bool,
    project_codes: &'static [&'static str],
    managed_by: &'static str,
) -> Destination {
    // Remote routes also cost more to insure.
    let insurance_rate = 0.004 + 0.006 * (route - 0.9);
    Destination { country, weight, route, truck_ok, project_codes, managed_by, insurance_rate }
}

/// Share of the weight total below which a catalogue entry counts as rare and gets boosted.
pub(crate) const RARE_SHARE: f64 = 0.03;

/// Flags the entries of a weighted table whose share of the total weight is below
/// [`RARE_SHARE`].
pub(crate) fn rare_flags(weights: impl Iterator<Item = u32> + Clone) -> Vec<bool> {
    let total: u32 = weights.clone().sum();
    weights.map(|w| f64::from(w) / f64::from(total) < RARE_SHARE).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_product_group_has_a_product_and_a_vendor() {
        for group in [Arv, Hrdt, Antm, Act, Mrdt] {
            assert!(PRODUCTS.iter().any(|p| p.group == group), "{group:?} has no product");
            assert!(VENDORS.iter().any(|v| v.groups.contains(&group)), "{group:?} has no vendor");
        }
    }

    #[test]
    fn rare_flags_mark_small_shares() {
        let flags = rare_flags(CATEGORIES.iter().map(|c| c.weight));
        let rare: Vec<_> =
            CATEGORIES.iter().zip(&flags).filter(|(_, r)| **r).map(|(c, _)| c.name).collect();
        assert_eq!(rare, ["Jewelry", "Gift Cards", "Automotive"]);
        assert!(rare_flags(DESTINATIONS.iter().map(|d| d.weight)).iter().any(|r| *r));
    }

    #[test]
    fn tables_are_not_empty() {
        assert!(CATEGORIES.iter().all(|c| !c.subs.is_empty() && c.weight > 0));
        assert!(MARKETS.iter().all(|m| !m.cities.is_empty() && m.weight > 0));
        assert!(VENDORS.iter().all(|v| !v.sites.is_empty() && !v.groups.is_empty()));
        assert!(DESTINATIONS.iter().all(|d| !d.project_codes.is_empty()));
    }
}
