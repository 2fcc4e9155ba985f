//! Base sample of e-commerce orders (topic `fraud_analysis`) and the fraud model.
//!
//! An order is drawn feature by feature: buyer (a returning buyer with a stable profile, or a
//! brand-new account), product and price, quantity, payment method, device, time of day, and
//! whether the shipping address or the IP country differ from the billing country. The fraud
//! label is then drawn from a logistic model over those features, so fraud concentrates where it
//! does in practice: high amounts, very new accounts, address or IP mismatch, night hours, and
//! some payment methods and categories. The model's intercept is calibrated once per data set so
//! that the base sample hits `--fraud-share`.

use chrono::{DateTime, Timelike, Utc};
use rand::RngExt;
use rand::distr::weighted::WeightedIndex;
use rand_distr::{Distribution, Exp, StandardNormal};

use super::catalog::{
    CATEGORIES, DEVICES, GENDERS, HOUR_WEIGHTS, INCOME_BANDS, MARKETS, PAYMENT_METHODS, rare_flags,
};
use super::model::Order;
use super::rng::{self, Rng, Stream, round2, sigmoid};

const DAY: i64 = 86_400;

/// A half-open span of event times, seconds since the Unix epoch.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    pub start: i64,
    pub end: i64,
}

impl Window {
    /// A uniformly drawn day (its midnight) inside the window.
    pub(crate) fn day(&self, rng: &mut Rng) -> i64 {
        let t = rng.random_range(self.start..self.end.max(self.start + 1));
        t.div_euclid(DAY) * DAY
    }
}

/// Per-chunk state: the time window and the counter that hands out fresh buyer ids.
pub(crate) struct ChunkCtx {
    pub window: Window,
    next_new_user: u64,
}

/// Fresh buyer ids start here, far above every returning buyer's id.
const NEW_USER_BASE: u64 = 5_000_000_000;
/// Room for fresh ids per chunk: at most one per order, base or synthetic.
const NEW_USERS_PER_CHUNK: u64 = 1 << 16;

impl ChunkCtx {
    pub(crate) fn new(window: Window, chunk: u64) -> Self {
        ChunkCtx { window, next_new_user: NEW_USER_BASE + chunk * NEW_USERS_PER_CHUNK }
    }

    /// A buyer id no other order of the data set uses.
    pub(crate) fn new_user(&mut self) -> u64 {
        self.next_new_user += 1;
        self.next_new_user
    }
}

/// An order while its chunk is built: the record in compact form (catalogue indices instead of
/// names, epoch seconds instead of a date), cheap to copy, sort and interpolate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct OrderDraft {
    pub user_id: u64,
    pub product_id: u32,
    pub category: u8,
    pub sub: u8,
    pub market: u8,
    pub city: u8,
    pub ip_market: u8,
    pub payment: u8,
    pub device: u8,
    pub gender: u8,
    pub income: u8,
    pub customer_age: u8,
    pub quantity: u32,
    pub unit_price: f64,
    pub time: i64,
    pub account_age_days: u32,
    pub address_mismatch: bool,
    pub is_fraud: bool,
    pub oversampled: bool,
}

impl OrderDraft {
    pub(crate) fn amount(&self) -> f64 {
        round2(self.unit_price * f64::from(self.quantity))
    }

    pub(crate) fn hour(&self) -> u8 {
        (self.time.rem_euclid(DAY) / 3600) as u8
    }

    pub(crate) fn ip_mismatch(&self) -> bool {
        self.ip_market != self.market
    }
}

/// Catalogue values an order draw may be pinned to (used by the rare-category boost).
#[derive(Clone, Copy, Default)]
pub(crate) struct Pin {
    pub category: Option<u8>,
    pub market: Option<u8>,
}

#[derive(Clone, Copy, Debug)]
enum FraudModel {
    Never,
    Always,
    /// Log-odds intercept added to the feature score.
    Logistic(f64),
}

/// Returning buyers per unit of market weight.
const BUYERS_PER_WEIGHT: u64 = 40_000;
/// Share of orders placed by brand-new accounts.
const NEW_ACCOUNT_SHARE: f64 = 0.06;
const ADDRESS_MISMATCH_SHARE: f64 = 0.07;
const IP_MISMATCH_SHARE: f64 = 0.05;
/// Units per order and their weights.
const QUANTITIES: [(u32, u32); 8] =
    [(1, 700), (2, 170), (3, 60), (4, 30), (5, 20), (6, 10), (8, 6), (10, 4)];
/// Base orders drawn to calibrate the fraud intercept: the share lands within about 0.1 point.
const CALIBRATION_ORDERS: usize = 50_000;

/// Draws base orders; built once per data set and shared by all chunks.
pub(crate) struct OrderModel {
    seed: u64,
    /// Midnight of `--start`; returning buyers signed up before it.
    start: i64,
    categories: WeightedIndex<u32>,
    markets: WeightedIndex<u32>,
    payments: WeightedIndex<u32>,
    devices: WeightedIndex<u32>,
    genders: WeightedIndex<u32>,
    incomes: WeightedIndex<u32>,
    hours: WeightedIndex<u32>,
    quantities: WeightedIndex<u32>,
    fraud: FraudModel,
    /// Days since sign-up of a brand-new account (mean 5, capped at 29).
    new_account_age: Exp<f64>,
    /// Extra tenure of returning buyers, days (mean 700).
    tenure: Exp<f64>,
    pub rare_category: Vec<bool>,
    pub rare_market: Vec<bool>,
}

fn weighted(weights: impl IntoIterator<Item = u32>) -> WeightedIndex<u32> {
    // The catalogues are constants with positive weights, checked by their unit tests.
    WeightedIndex::new(weights).expect("catalogue weights are positive")
}

impl OrderModel {
    /// Builds the model and calibrates the fraud intercept for `fraud_share` over `window`.
    pub(crate) fn new(seed: u64, window: Window, fraud_share: f64) -> Self {
        let mut model = OrderModel {
            seed,
            start: window.start,
            categories: weighted(CATEGORIES.iter().map(|c| c.weight)),
            markets: weighted(MARKETS.iter().map(|m| m.weight)),
            payments: weighted(PAYMENT_METHODS.iter().map(|p| p.weight)),
            devices: weighted(DEVICES.iter().map(|d| d.weight)),
            genders: weighted(GENDERS.iter().map(|g| g.weight)),
            incomes: weighted(INCOME_BANDS.iter().map(|i| i.weight)),
            hours: weighted(HOUR_WEIGHTS),
            quantities: weighted(QUANTITIES.iter().map(|q| q.1)),
            fraud: FraudModel::Never,
            new_account_age: Exp::new(1.0 / 5.0).expect("positive rate"),
            tenure: Exp::new(1.0 / 700.0).expect("positive rate"),
            rare_category: rare_flags(CATEGORIES.iter().map(|c| c.weight)),
            rare_market: rare_flags(MARKETS.iter().map(|m| m.weight)),
        };
        model.fraud = if fraud_share <= 0.0 {
            FraudModel::Never
        } else if fraud_share >= 1.0 {
            FraudModel::Always
        } else {
            FraudModel::Logistic(model.calibrate(window, fraud_share))
        };
        model
    }

    /// Finds the intercept whose mean fraud probability over a fixed reference sample equals
    /// `share`. The sample depends only on the seed and the window, so every chunk, on any
    /// thread, uses the same intercept.
    fn calibrate(&self, window: Window, share: f64) -> f64 {
        let mut rng = rng::stream(self.seed, Stream::Calibration, 0);
        let mut ctx = ChunkCtx::new(window, 0);
        let scores: Vec<f64> = (0..CALIBRATION_ORDERS)
            .map(|_| self.score(&self.features(&mut rng, &mut ctx, Pin::default())))
            .collect();
        let mean = |bias: f64| scores.iter().map(|s| sigmoid(bias + s)).sum::<f64>();
        let target = share * scores.len() as f64;
        // The mean probability rises with the intercept, so bisection converges; 80 halvings of
        // a 80-wide bracket leave an error far below what a share can show.
        let (mut lo, mut hi) = (-60.0, 20.0);
        for _ in 0..80 {
            let mid = (lo + hi) / 2.0;
            if mean(mid) < target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        (lo + hi) / 2.0
    }

    /// Draws one base order, fraud label included.
    pub(crate) fn draw(&self, rng: &mut Rng, ctx: &mut ChunkCtx, pin: Pin) -> OrderDraft {
        let mut order = self.features(rng, ctx, pin);
        order.is_fraud = match self.fraud {
            FraudModel::Never => false,
            FraudModel::Always => true,
            FraudModel::Logistic(bias) => rng.random::<f64>() < sigmoid(bias + self.score(&order)),
        };
        order
    }

    /// Draws every feature of an order, without the label.
    fn features(&self, rng: &mut Rng, ctx: &mut ChunkCtx, pin: Pin) -> OrderDraft {
        let day = ctx.window.day(rng);
        let hour = self.hours.sample(rng) as i64;
        let time = day + hour * 3600 + rng.random_range(0..3600);

        // Buyer: a brand-new account, or a returning buyer whose profile is a pure function of
        // the id, so the same buyer looks the same in every order.
        let new_account = rng.random_bool(NEW_ACCOUNT_SHARE);
        let market = match pin.market {
            Some(m) => m as usize,
            None => self.markets.sample(rng),
        };
        let (user_id, mut profile) = if new_account {
            (ctx.new_user(), self.profile(rng, market))
        } else {
            let buyers = BUYERS_PER_WEIGHT * u64::from(MARKETS[market].weight);
            let u: f64 = rng.random();
            // Squaring skews activity towards low ids: a few buyers order often.
            let id = (market as u64 + 1) * 100_000_000 + 1 + (u * u * buyers as f64) as u64;
            let mut profile_rng = rng::stream(self.seed, Stream::BuyerProfile, id);
            (id, self.profile(&mut profile_rng, market))
        };
        if new_account {
            let age = self.new_account_age.sample(rng) as i64;
            profile.signup_day = day - age.min(29) * DAY;
        }
        let account_age_days = ((day - profile.signup_day) / DAY).max(0) as u32;

        // Product and price: each product has one list price; some orders get a discount.
        let category = match pin.category {
            Some(c) => c as usize,
            None => self.categories.sample(rng),
        };
        let cat = &CATEGORIES[category];
        let sub = rng.random_range(0..cat.subs.len());
        let u: f64 = rng.random();
        let rank = 1 + (u * u * u * 5000.0) as u32;
        let product_id = category as u32 * 100_000 + sub as u32 * 10_000 + rank;
        let mut unit_price = self.list_price(product_id, cat.price_median, cat.price_sigma);
        if rng.random_bool(0.2) {
            unit_price = round2(unit_price * (1.0 - rng.random_range(0.05..0.3))).max(0.5);
        }

        let ip_market = if rng.random_bool(IP_MISMATCH_SHARE) {
            let other = rng.random_range(1..MARKETS.len());
            ((market + other) % MARKETS.len()) as u8
        } else {
            market as u8
        };

        OrderDraft {
            user_id,
            product_id,
            category: category as u8,
            sub: sub as u8,
            market: market as u8,
            city: profile.city,
            ip_market,
            payment: self.payments.sample(rng) as u8,
            device: self.devices.sample(rng) as u8,
            gender: profile.gender,
            income: profile.income,
            customer_age: profile.age,
            quantity: QUANTITIES[self.quantities.sample(rng)].0,
            unit_price,
            time,
            account_age_days,
            address_mismatch: rng.random_bool(ADDRESS_MISMATCH_SHARE),
            is_fraud: false,
            oversampled: false,
        }
    }

    /// A buyer profile drawn from `rng` for a buyer billed in `market`.
    fn profile(&self, rng: &mut Rng, market: usize) -> Profile {
        let z: f64 = StandardNormal.sample(rng);
        let age = (38.0 + 13.0 * z).clamp(18.0, 85.0) as u8;
        // Returning buyers signed up between a month and about ten years before the data set.
        let tenure = 30 + self.tenure.sample(rng) as i64;
        Profile {
            city: rng.random_range(0..MARKETS[market].cities.len()) as u8,
            age,
            gender: self.genders.sample(rng) as u8,
            income: self.incomes.sample(rng) as u8,
            signup_day: self.start - tenure.min(4000) * DAY,
        }
    }

    /// The list price of a product: log-normal around its category median, ending in .99.
    fn list_price(&self, product_id: u32, median: f64, sigma: f64) -> f64 {
        let mut rng = rng::stream(self.seed, Stream::ProductPrice, u64::from(product_id));
        let z: f64 = StandardNormal.sample(&mut rng);
        let price = median * (sigma * z).exp();
        if price > 10.0 { price.round() - 0.01 } else { round2(price.max(0.99)) }
    }

    /// The fraud log-odds of an order, without the intercept.
    pub(crate) fn score(&self, o: &OrderDraft) -> f64 {
        let amount = o.amount().max(1.0);
        let account = match o.account_age_days {
            0 => 2.6,
            1..=6 => 2.0,
            7..=29 => 1.1,
            30..=179 => 0.4,
            _ => 0.0,
        };
        let night = if o.hour() < 6 { 1.3 } else { 0.0 };
        let age = match o.customer_age {
            0..=22 => 0.3,
            70.. => 0.5,
            _ => 0.0,
        };
        0.85 * (amount / 75.0).ln()
            + account
            + night
            + age
            + if o.address_mismatch { 1.7 } else { 0.0 }
            + if o.ip_mismatch() { 1.9 } else { 0.0 }
            + PAYMENT_METHODS[o.payment as usize].risk
            + CATEGORIES[o.category as usize].risk
            + MARKETS[o.market as usize].risk
            + DEVICES[o.device as usize].risk
    }

    /// Whether a draft carries a rare category or market.
    pub(crate) fn rare_pin(&self, o: &OrderDraft) -> Option<Pin> {
        let category = self.rare_category[o.category as usize].then_some(o.category);
        let market = self.rare_market[o.market as usize].then_some(o.market);
        (category.is_some() || market.is_some()).then_some(Pin { category, market })
    }
}

struct Profile {
    city: u8,
    age: u8,
    gender: u8,
    income: u8,
    signup_day: i64,
}

/// The public record of a draft, with its final id.
pub(crate) fn to_order(o: &OrderDraft, transaction_id: u64) -> Order {
    let market = &MARKETS[o.market as usize];
    let cat = &CATEGORIES[o.category as usize];
    // Event times come from a window inside `--start..=--end`, so they are always valid.
    let event_time = DateTime::<Utc>::from_timestamp(o.time, 0).expect("time within range");
    Order {
        transaction_id,
        user_id: o.user_id,
        product_id: o.product_id,
        category: cat.name.into(),
        sub_category: cat.subs[o.sub as usize].into(),
        unit_price: o.unit_price,
        quantity: o.quantity,
        total_amount: o.amount(),
        currency: market.currency.into(),
        payment_method: PAYMENT_METHODS[o.payment as usize].name.into(),
        hour_of_day: event_time.hour() as u8,
        event_time,
        device: DEVICES[o.device as usize].name.into(),
        city: market.cities[o.city as usize].into(),
        country: market.country.into(),
        customer_age: o.customer_age,
        gender: GENDERS[o.gender as usize].name.into(),
        income_band: INCOME_BANDS[o.income as usize].name.into(),
        account_age_days: o.account_age_days,
        shipping_billing_mismatch: o.address_mismatch,
        ip_country: MARKETS[o.ip_market as usize].country.into(),
        ip_country_mismatch: o.ip_mismatch(),
        is_fraud: o.is_fraud,
        oversampled: o.oversampled,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn year_2024() -> Window {
        Window { start: 1_704_067_200, end: 1_704_067_200 + 366 * DAY }
    }

    fn sample(model: &OrderModel, n: usize) -> Vec<OrderDraft> {
        let mut rng = rng::stream(7, Stream::Orders, 0);
        let mut ctx = ChunkCtx::new(year_2024(), 0);
        (0..n).map(|_| model.draw(&mut rng, &mut ctx, Pin::default())).collect()
    }

    fn share(orders: &[OrderDraft], pred: impl Fn(&OrderDraft) -> bool) -> f64 {
        orders.iter().filter(|o| pred(o)).count() as f64 / orders.len() as f64
    }

    #[test]
    fn base_fraud_share_matches_the_parameter() {
        for target in [0.01, 0.03, 0.2] {
            let model = OrderModel::new(42, year_2024(), target);
            let got = share(&sample(&model, 60_000), |o| o.is_fraud);
            assert!((got - target).abs() < 0.15 * target + 0.002, "target {target}, got {got}");
        }
        assert_eq!(
            share(&sample(&OrderModel::new(1, year_2024(), 0.0), 2000), |o| o.is_fraud),
            0.0
        );
        assert_eq!(
            share(&sample(&OrderModel::new(1, year_2024(), 1.0), 2000), |o| o.is_fraud),
            1.0
        );
    }

    #[test]
    fn fraud_concentrates_on_risky_features() {
        let orders = sample(&OrderModel::new(42, year_2024(), 0.03), 100_000);
        let fraud_rate = |pred: &dyn Fn(&OrderDraft) -> bool| {
            let (hit, all) = orders
                .iter()
                .filter(|o| pred(o))
                .fold((0, 0), |(h, a), o| (h + usize::from(o.is_fraud), a + 1));
            hit as f64 / all as f64
        };
        let base = fraud_rate(&|_| true);
        for (name, pred) in [
            ("new account", &(|o: &OrderDraft| o.account_age_days < 7) as &dyn Fn(&_) -> bool),
            ("address mismatch", &|o: &OrderDraft| o.address_mismatch),
            ("ip mismatch", &|o: &OrderDraft| o.ip_mismatch()),
            ("night", &|o: &OrderDraft| o.hour() < 6),
            ("amount over 500", &|o: &OrderDraft| o.amount() > 500.0),
        ] {
            let rate = fraud_rate(pred);
            assert!(rate > 2.0 * base, "{name}: {rate} vs base {base}");
        }
        assert!(
            fraud_rate(&|o| PAYMENT_METHODS[o.payment as usize].name == "Cash on Delivery") < base
        );
    }

    #[test]
    fn returning_buyers_keep_their_profile() {
        let orders = sample(&OrderModel::new(42, year_2024(), 0.03), 50_000);
        let mut seen = std::collections::HashMap::new();
        let mut repeats = 0;
        for o in orders.iter().filter(|o| o.user_id < NEW_USER_BASE) {
            let profile = (o.market, o.city, o.customer_age, o.gender, o.income);
            if let Some(previous) = seen.insert(o.user_id, profile) {
                assert_eq!(previous, profile, "buyer {}", o.user_id);
                repeats += 1;
            }
        }
        assert!(repeats > 0, "expected some returning buyers");
    }

    #[test]
    fn orders_stay_inside_the_window_and_are_consistent() {
        let window = year_2024();
        for o in sample(&OrderModel::new(42, window, 0.03), 20_000) {
            assert!(o.time >= window.start && o.time < window.end);
            assert!(o.unit_price > 0.0 && o.quantity >= 1);
            let order = to_order(&o, 1);
            assert_eq!(order.total_amount, round2(order.unit_price * f64::from(order.quantity)));
            assert_eq!(order.ip_country_mismatch, order.ip_country != order.country);
        }
    }
}
