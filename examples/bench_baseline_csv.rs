//! A baseline for `scripts/bench/generate`: the simplest single-threaded writer of a 16-column
//! CSV of random order-like rows, through a buffered file and `write!`.
//!
//! It shows what one core does with no realism (no fraud model, no oversampling, no JSON) so the
//! generator's throughput has a yardstick measured on the same machine in the same run. It does
//! not guarantee anything about its data beyond the column count.
//!
//! Usage: `cargo run --release --example bench_baseline_csv -- OUT_FILE BYTES`
//! Prints one line: `baseline_csv bytes=… rows=… seconds=… mb_per_s=… rows_per_s=…`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

const CATEGORIES: [&str; 6] = ["Electronics", "Fashion", "Books", "Grocery", "Beauty", "Toys"];
const COUNTRIES: [&str; 5] = ["United States", "India", "Germany", "Brazil", "Japan"];
const PAYMENTS: [&str; 4] = ["Credit Card", "Debit Card", "PayPal", "Bank Transfer"];

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(bytes)) = (args.next(), args.next()) else {
        eprintln!("usage: bench_baseline_csv OUT_FILE BYTES");
        std::process::exit(2);
    };
    let Ok(target) = bytes.parse::<u64>() else {
        eprintln!("BYTES must be a whole number, got {bytes:?}");
        std::process::exit(2);
    };

    let started = Instant::now();
    let mut rng = Pcg64Mcg::seed_from_u64(42);
    let mut out =
        CountingWriter { inner: BufWriter::with_capacity(1 << 20, File::create(&path)?), bytes: 0 };
    writeln!(
        out,
        "id,user_id,product_id,category,price,quantity,amount,payment,country,age,\
         account_age_days,hour,device_mobile,ip_mismatch,is_fraud,day"
    )?;
    let mut rows = 0u64;
    while out.bytes < target {
        let price: f64 = rng.random_range(1.0..500.0);
        let quantity: u32 = rng.random_range(1..5);
        writeln!(
            out,
            "{},{},{},{},{:.2},{},{:.2},{},{},{},{},{},{},{},{},2024-{:02}-{:02}",
            rows + 1,
            rng.random_range(1..2_000_000u64),
            rng.random_range(1..100_000u32),
            CATEGORIES[rng.random_range(0..CATEGORIES.len())],
            price,
            quantity,
            price * f64::from(quantity),
            PAYMENTS[rng.random_range(0..PAYMENTS.len())],
            COUNTRIES[rng.random_range(0..COUNTRIES.len())],
            rng.random_range(18..80u8),
            rng.random_range(0..3000u32),
            rng.random_range(0..24u8),
            rng.random_bool(0.55),
            rng.random_bool(0.05),
            rng.random_bool(0.03),
            rng.random_range(1..=12u8),
            rng.random_range(1..=28u8),
        )?;
        rows += 1;
    }
    out.inner.flush()?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "baseline_csv bytes={} rows={rows} seconds={seconds:.3} mb_per_s={:.1} rows_per_s={:.0}",
        out.bytes,
        out.bytes as f64 / 1e6 / seconds,
        rows as f64 / seconds
    );
    Ok(())
}

/// Counts bytes on their way to the file, so the loop knows when the target is reached.
struct CountingWriter<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
