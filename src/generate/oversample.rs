//! Oversampling: how a chunk's base sample grows into its final records.
//!
//! Two steps, both inside one chunk so that chunks stay independent:
//!
//! 1. **Rare boost.** Every base record that carries a rare catalogue value (a category, market,
//!    destination, vendor or product group whose weight is under 3 % of its table) is followed by
//!    `--rare-boost - 1` extra records on average, drawn fresh with that value pinned. They are
//!    whole new draws (new ids, new buyer or shipment details), so never duplicates, and the rare
//!    value's share grows about `--rare-boost` times.
//! 2. **Fraud neighbours (SMOTE).** If the chunk's orders hold fewer frauds than
//!    `--fraud-target` asks, the last records of the sequence are replaced by synthetic frauds.
//!    Each one interpolates between a base fraud and one of its five nearest base frauds (amount,
//!    account age, hour, customer age, mismatch flags; category and payment differences add
//!    distance), at a random point between them. Numbers are interpolated, categorical values
//!    come from the nearer parent, and the buyer is a fresh one-off id.
//!
//! The chunk keeps its exact record count, so `--rows N` means N and the fraud share after
//! oversampling equals the target to within one record per chunk. Oversampled records carry
//! `oversampled: true`.

use rand::RngExt;

use super::orders::{ChunkCtx, OrderDraft, OrderModel, Pin};
use super::rng::{Rng, lerp, round2};

/// Oversampling settings, validated by `DatasetSpec`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Oversampling {
    /// Fraud share after oversampling; never below the base share.
    pub fraud_target: f64,
    /// Expected copies of each record with a rare value, counting the original (1 = off).
    pub rare_boost: f64,
}

/// Nearest neighbours considered for each fraud parent.
const NEIGHBOURS: usize = 5;

/// How many boosted records follow one rare record: `rare_boost - 1` on average.
pub(crate) fn boost_extras(rng: &mut Rng, rare_boost: f64) -> usize {
    let extra = (rare_boost - 1.0).max(0.0);
    let whole = extra.floor();
    whole as usize + usize::from(rng.random_bool(extra - whole))
}

/// Builds exactly `count` orders for one chunk, sorted by event time.
pub(crate) fn chunk_orders(
    model: &OrderModel,
    rng: &mut Rng,
    ctx: &mut ChunkCtx,
    count: usize,
    params: Oversampling,
) -> Vec<OrderDraft> {
    let mut orders = Vec::with_capacity(count);
    while orders.len() < count {
        let order = model.draw(rng, ctx, Pin::default());
        orders.push(order);
        if let Some(pin) = model.rare_pin(&order) {
            for _ in 0..boost_extras(rng, params.rare_boost) {
                if orders.len() == count {
                    break;
                }
                let mut extra = model.draw(rng, ctx, pin);
                extra.oversampled = true;
                orders.push(extra);
            }
        }
    }
    add_fraud_neighbours(rng, ctx, &mut orders, params.fraud_target);
    // Stable, so equal times keep their draw order and the result stays deterministic.
    orders.sort_by_key(|o| o.time);
    orders
}

/// Replaces the tail of `orders` with synthetic frauds until the fraud share reaches `target`.
fn add_fraud_neighbours(
    rng: &mut Rng,
    ctx: &mut ChunkCtx,
    orders: &mut Vec<OrderDraft>,
    target: f64,
) {
    let count = orders.len();
    let wanted = ((target * count as f64).round() as usize).min(count);
    let mut frauds = orders.iter().filter(|o| o.is_fraud).count();
    let parents: Vec<OrderDraft> =
        orders.iter().filter(|o| o.is_fraud && !o.oversampled).copied().collect();
    if frauds >= wanted || parents.is_empty() {
        return;
    }

    // Keep the longest prefix whose frauds plus the synthetic ones filling the rest reach the
    // target. Dropping one record adds one synthetic fraud and removes at most one fraud, so the
    // sum moves by 0 or 1 per step and lands exactly on `wanted`.
    let mut keep = count;
    while frauds + (count - keep) < wanted {
        keep -= 1;
        if orders[keep].is_fraud {
            frauds -= 1;
        }
    }
    orders.truncate(keep);

    let features: Vec<Features> = parents.iter().map(Features::of).collect();
    for _ in keep..count {
        let a = rng.random_range(0..parents.len());
        let near = nearest(&features, a);
        let b = if near.is_empty() { a } else { near[rng.random_range(0..near.len())] };
        let t: f64 = rng.random();
        orders.push(interpolate(&parents[a], &parents[b], t, rng, ctx));
    }
}

/// The numeric position of an order for the neighbour search, plus the categorical values
/// that add distance when they differ.
struct Features {
    numbers: [f64; 7],
    category: u8,
    payment: u8,
}

impl Features {
    fn of(o: &OrderDraft) -> Self {
        let angle = f64::from(o.hour()) * std::f64::consts::TAU / 24.0;
        Features {
            numbers: [
                o.amount().max(1.0).ln(),
                f64::from(o.account_age_days).ln_1p() / 1.5,
                angle.sin(),
                angle.cos(),
                f64::from(o.customer_age) / 15.0,
                f64::from(u8::from(o.address_mismatch)),
                f64::from(u8::from(o.ip_mismatch())),
            ],
            category: o.category,
            payment: o.payment,
        }
    }

    fn distance(&self, other: &Features) -> f64 {
        let squares: f64 =
            self.numbers.iter().zip(&other.numbers).map(|(a, b)| (a - b) * (a - b)).sum();
        squares
            + if self.category != other.category { 1.0 } else { 0.0 }
            + if self.payment != other.payment { 0.5 } else { 0.0 }
    }
}

/// Indices of the (up to) [`NEIGHBOURS`] nearest other parents of parent `a`.
fn nearest(features: &[Features], a: usize) -> Vec<usize> {
    let mut best: Vec<(f64, usize)> = Vec::with_capacity(NEIGHBOURS + 1);
    for (i, f) in features.iter().enumerate() {
        if i == a {
            continue;
        }
        let d = features[a].distance(f);
        if best.len() < NEIGHBOURS || d < best[best.len() - 1].0 {
            let at = best.partition_point(|(bd, _)| *bd <= d);
            best.insert(at, (d, i));
            best.truncate(NEIGHBOURS);
        }
    }
    best.into_iter().map(|(_, i)| i).collect()
}

/// A synthetic fraud at point `t` between parents `a` (t = 0) and `b` (t = 1).
fn interpolate(
    a: &OrderDraft,
    b: &OrderDraft,
    t: f64,
    rng: &mut Rng,
    ctx: &mut ChunkCtx,
) -> OrderDraft {
    let nearer = if t < 0.5 { a } else { b };
    let mut o = *nearer;
    o.unit_price = round2(lerp(a.unit_price.ln(), b.unit_price.ln(), t).exp()).max(0.01);
    o.quantity = lerp(f64::from(a.quantity), f64::from(b.quantity), t).round().max(1.0) as u32;
    o.account_age_days =
        lerp(f64::from(a.account_age_days), f64::from(b.account_age_days), t).round() as u32;
    o.customer_age = lerp(f64::from(a.customer_age), f64::from(b.customer_age), t).round() as u8;

    // Hours live on a circle: 23:00 and 01:00 are two hours apart, not twenty-two.
    let (ha, hb) = (f64::from(a.hour()), f64::from(b.hour()));
    let mut step = hb - ha;
    if step > 12.0 {
        step -= 24.0;
    } else if step < -12.0 {
        step += 24.0;
    }
    let hour = (ha + t * step).round().rem_euclid(24.0) as i64;
    let day = nearer.time.div_euclid(86_400) * 86_400;
    o.time = day + hour * 3600 + rng.random_range(0..3600);

    o.user_id = ctx.new_user();
    o.is_fraud = true;
    o.oversampled = true;
    o
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::generate::orders::tests::year_2024;
    use crate::generate::rng::{self, Stream};

    fn chunks(model: &OrderModel, params: Oversampling, n: u64, count: usize) -> Vec<OrderDraft> {
        (0..n)
            .flat_map(|chunk| {
                let mut rng = rng::stream(3, Stream::Orders, chunk);
                let mut ctx = ChunkCtx::new(year_2024(), chunk);
                chunk_orders(model, &mut rng, &mut ctx, count, params)
            })
            .collect()
    }

    fn share(orders: &[OrderDraft], pred: impl Fn(&OrderDraft) -> bool) -> f64 {
        orders.iter().filter(|o| pred(o)).count() as f64 / orders.len() as f64
    }

    const OFF: Oversampling = Oversampling { fraud_target: 0.0, rare_boost: 1.0 };

    #[test]
    fn fraud_share_before_and_after_oversampling() {
        let model = OrderModel::new(3, year_2024(), 0.03);
        let base = chunks(&model, OFF, 12, 4096);
        assert_eq!(base.len(), 12 * 4096);
        assert!(base.iter().all(|o| !o.oversampled));
        let before = share(&base, |o| o.is_fraud);
        assert!((before - 0.03).abs() < 0.004, "base share {before}");

        let params = Oversampling { fraud_target: 0.10, rare_boost: 1.0 };
        let after = chunks(&model, params, 12, 4096);
        assert_eq!(after.len(), 12 * 4096, "oversampling keeps the record count");
        let got = share(&after, |o| o.is_fraud);
        assert!((got - 0.10).abs() < 0.0005, "share after oversampling {got}");
        let synthetic = share(&after, |o| o.oversampled);
        assert!(synthetic > 0.06 && synthetic < 0.08, "synthetic share {synthetic}");
    }

    #[test]
    fn rare_boost_raises_rare_shares() {
        let model = OrderModel::new(3, year_2024(), 0.03);
        let rare = |o: &OrderDraft| model.rare_category[o.category as usize];
        let plain = share(&chunks(&model, OFF, 8, 4096), rare);
        let boosted_orders =
            chunks(&model, Oversampling { fraud_target: 0.0, rare_boost: 3.0 }, 8, 4096);
        let boosted = share(&boosted_orders, rare);
        // Three copies of every rare record: share x becomes 3x / (1 + 2x).
        let expected = 3.0 * plain / (1.0 + 2.0 * plain);
        assert!((boosted - expected).abs() < 0.2 * expected, "{plain} -> {boosted}");
        assert!(boosted_orders.iter().any(|o| o.oversampled));
    }

    #[test]
    fn oversampling_makes_no_duplicates() {
        let model = OrderModel::new(3, year_2024(), 0.03);
        let params = Oversampling { fraud_target: 0.2, rare_boost: 3.0 };
        let orders = chunks(&model, params, 4, 4096);
        let key = |o: &OrderDraft| {
            let d = OrderDraft { is_fraud: false, oversampled: false, ..*o };
            format!("{d:?}")
        };
        let mut seen = HashSet::new();
        let duplicates = orders.iter().filter(|o| !seen.insert(key(o))).count();
        assert_eq!(duplicates, 0);
    }

    #[test]
    fn synthetic_frauds_lie_between_their_parents() {
        let mut rng = rng::stream(1, Stream::Orders, 0);
        let mut ctx = ChunkCtx::new(year_2024(), 0);
        let model = OrderModel::new(1, year_2024(), 0.5);
        let a = model.draw(&mut rng, &mut ctx, Pin::default());
        let b = OrderDraft { unit_price: a.unit_price * 4.0, account_age_days: 400, ..a };
        for _ in 0..100 {
            let t: f64 = rng.random();
            let o = interpolate(&a, &b, t, &mut rng, &mut ctx);
            assert!(o.is_fraud && o.oversampled);
            assert!(o.unit_price >= a.unit_price - 0.01 && o.unit_price <= b.unit_price + 0.01);
            let (lo, hi) = (a.account_age_days.min(400), a.account_age_days.max(400));
            assert!((lo..=hi).contains(&o.account_age_days));
            assert_ne!(o.user_id, a.user_id);
        }
    }

    #[test]
    fn boost_extras_averages_boost_minus_one() {
        let mut rng = rng::stream(1, Stream::Orders, 0);
        let n = 20_000;
        let total: usize = (0..n).map(|_| boost_extras(&mut rng, 2.5)).sum();
        let mean = total as f64 / f64::from(n);
        assert!((mean - 1.5).abs() < 0.03, "{mean}");
        assert_eq!(boost_extras(&mut rng, 1.0), 0);
    }
}
