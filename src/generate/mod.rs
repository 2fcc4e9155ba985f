//! Synthetic data generation (placeholder until the generator lands).
