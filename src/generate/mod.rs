//! Synthetic data generation (placeholder until the generator lands).

pub mod model;
