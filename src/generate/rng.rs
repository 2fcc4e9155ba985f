//! Seeding and small numeric helpers shared by the samplers.
//!
//! Every random stream is derived from (data set seed, purpose, index) by a fixed mixing
//! function, so a chunk, a buyer profile or a product price is the same whichever thread draws
//! it and in whatever order. The generator is PCG (`rand_pcg`), whose output is documented as
//! stable across versions, unlike `rand`'s `StdRng`.

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

/// The generator used everywhere: small state, fast, value-stable.
pub(crate) type Rng = Pcg64Mcg;

/// Purposes of derived streams; each gets its own constant so streams never overlap.
#[derive(Clone, Copy)]
#[repr(u64)]
pub(crate) enum Stream {
    Orders = 1,
    Shipments = 2,
    BuyerProfile = 3,
    ProductPrice = 4,
    Calibration = 5,
}

/// A generator for `(seed, stream, index)`.
pub(crate) fn stream(seed: u64, purpose: Stream, index: u64) -> Rng {
    Rng::seed_from_u64(mix(mix(seed ^ 0x9e37_79b9_7f4a_7c15, purpose as u64), index))
}

/// Combines two words into a well-scrambled one (the SplitMix64 finaliser over their sum).
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a.rotate_left(17) ^ b.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Rounds to cents.
pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Rounds to four decimals (per-unit prices of cheap tablets).
pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Linear interpolation from `a` (t = 0) to `b` (t = 1).
pub(crate) fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

/// The logistic function.
pub(crate) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng as _;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a = stream(42, Stream::Orders, 7).next_u64();
        assert_eq!(a, stream(42, Stream::Orders, 7).next_u64());
        assert_ne!(a, stream(42, Stream::Orders, 8).next_u64());
        assert_ne!(a, stream(42, Stream::Shipments, 7).next_u64());
        assert_ne!(a, stream(43, Stream::Orders, 7).next_u64());
    }

    #[test]
    fn rounding_helpers() {
        assert_eq!(round2(1.005_1), 1.01);
        assert_eq!(round4(0.123_456), 0.1235);
        assert_eq!(lerp(2.0, 4.0, 0.25), 2.5);
        assert!((sigmoid(0.0) - 0.5).abs() < 1e-12);
    }
}
