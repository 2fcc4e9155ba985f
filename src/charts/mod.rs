//! Charts: the pictures of the report stage, drawn with plotters as PNG and SVG.
//!
//! This is the last step of the pipeline: `report` turns the insights that Spark jobs stored in
//! HBase into the chart values defined here and asks this module to draw them. Nothing in here
//! talks to a server.
//!
//! One file per chart kind ([`bar`], [`grouped`], [`line`], [`histogram`], [`heatmap`]). Each
//! kind has exactly one drawing function, generic over plotters' `DrawingBackend`, so the PNG
//! and the SVG of a chart come from the same code and cannot drift apart. [`Chart`] wraps the
//! kinds in one type so a report can hold and render a list of them.
//!
//! Data is never trusted to be drawable: an empty series, values that are all NaN or infinite,
//! or a range of zero width give a chart that says "no data" (or a widened axis for a single
//! point), never a panic. Non-finite values inside otherwise good data are left out.

pub mod bar;
mod common;
pub mod font;
pub mod grouped;
pub mod heatmap;
pub mod histogram;
pub mod line;

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

pub use bar::BarChart;
use common::OrDraw;
pub use grouped::GroupedBarChart;
pub use heatmap::Heatmap;
pub use histogram::{Bin, Histogram};
pub use line::LineChart;

/// Default picture size in pixels: wide enough for a dozen labelled bars, and the same
/// proportions as a laptop screen.
pub const SIZE: (u32, u32) = (1000, 600);

/// A failure to draw or write a chart.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// plotters refused to draw (a backend error or a font that cannot lay out text).
    #[error("cannot draw chart \"{title}\": {message}")]
    Draw {
        /// The chart's title.
        title: String,
        /// plotters' own message.
        message: String,
    },
    /// The PNG or SVG file could not be written.
    #[error("cannot write chart file {path}: {message}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O or encoder message.
        message: String,
    },
}

/// How values are written on axes and next to bars; the unit is part of the axis label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unit {
    /// Plain numbers with k/M suffixes for large ones (counts, USD, kg).
    #[default]
    Number,
    /// Values already multiplied by 100, written with one decimal and a `%` sign.
    Percent,
    /// Ratios between -1 and 1 (correlations, precision), two decimals.
    Ratio,
}

impl Unit {
    /// `v` as text in this unit, short enough for an axis tick.
    pub fn format(self, v: f64) -> String {
        match self {
            Unit::Number => short_number(v),
            Unit::Percent => format!("{v:.1}%"),
            Unit::Ratio => format!("{v:.2}"),
        }
    }
}

/// `v` with at most three significant digits and a k/M/B suffix: `1234567.0` → `1.23M`.
pub fn short_number(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    let a = v.abs();
    let (scaled, suffix) = match a {
        a if a >= 1e9 => (v / 1e9, "B"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e3 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let s = scaled.abs();
    let digits = if s == 0.0 || s >= 100.0 || (s.fract() == 0.0 && suffix.is_empty()) {
        0
    } else if s >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{scaled:.digits$}");
    // "2.50k" reads better as "2.5k"; integers stay as they are.
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}{suffix}")
}

/// A chart of any kind, so a report can keep its charts in one list and render them in parallel.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// One bar per category.
    Bar(BarChart),
    /// Several series side by side per category.
    Grouped(GroupedBarChart),
    /// One or more series over an ordered x axis (days, months).
    Line(LineChart),
    /// Counts per value bin.
    Histogram(Histogram),
    /// A matrix of values between -1 and 1.
    Heatmap(Heatmap),
}

impl Chart {
    /// The chart's title.
    pub fn title(&self) -> &str {
        match self {
            Chart::Bar(c) => &c.title,
            Chart::Grouped(c) => &c.title,
            Chart::Line(c) => &c.title,
            Chart::Histogram(c) => &c.title,
            Chart::Heatmap(c) => &c.title,
        }
    }

    /// Whether the chart has anything to draw; `false` means it renders as "no data".
    pub fn has_data(&self) -> bool {
        match self {
            Chart::Bar(c) => c.has_data(),
            Chart::Grouped(c) => c.has_data(),
            Chart::Line(c) => c.has_data(),
            Chart::Histogram(c) => c.has_data(),
            Chart::Heatmap(c) => c.has_data(),
        }
    }

    /// Draws the chart on any plotters drawing area (bitmap, SVG, or a part of either).
    ///
    /// # Errors
    /// Fails when the backend fails; bad data never fails, it draws "no data".
    pub fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), ChartError> {
        font::ensure_registered();
        match self {
            Chart::Bar(c) => bar::draw(c, root),
            Chart::Grouped(c) => grouped::draw(c, root),
            Chart::Line(c) => line::draw(c, root),
            Chart::Histogram(c) => histogram::draw(c, root),
            Chart::Heatmap(c) => heatmap::draw(c, root),
        }
    }

    /// The chart as an SVG document of `size` pixels.
    ///
    /// # Errors
    /// Fails when plotters cannot draw (see [`Chart::draw`]).
    pub fn to_svg(&self, size: (u32, u32)) -> Result<String, ChartError> {
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
            self.draw(&root)?;
            root.present().or_draw(self.title())?;
        }
        Ok(svg)
    }

    /// Writes the chart as an SVG file of `size` pixels.
    ///
    /// # Errors
    /// Fails when drawing fails or the file cannot be written.
    pub fn write_svg(&self, path: &Path, size: (u32, u32)) -> Result<(), ChartError> {
        let svg = self.to_svg(size)?;
        std::fs::write(path, svg)
            .map_err(|e| ChartError::Write { path: path.to_path_buf(), message: e.to_string() })
    }

    /// Writes the chart as a PNG file of `size` pixels.
    ///
    /// # Errors
    /// Fails when drawing fails or the file cannot be encoded or written.
    pub fn write_png(&self, path: &Path, size: (u32, u32)) -> Result<(), ChartError> {
        let root = BitMapBackend::new(path, size).into_drawing_area();
        self.draw(&root)?;
        // The bitmap backend encodes and writes the file in present(); a failure there is an
        // I/O or encoder problem with the path, not a drawing one.
        root.present()
            .map_err(|e| ChartError::Write { path: path.to_path_buf(), message: e.to_string() })
    }
}

impl From<BarChart> for Chart {
    fn from(c: BarChart) -> Chart {
        Chart::Bar(c)
    }
}

impl From<GroupedBarChart> for Chart {
    fn from(c: GroupedBarChart) -> Chart {
        Chart::Grouped(c)
    }
}

impl From<LineChart> for Chart {
    fn from(c: LineChart) -> Chart {
        Chart::Line(c)
    }
}

impl From<Histogram> for Chart {
    fn from(c: Histogram) -> Chart {
        Chart::Histogram(c)
    }
}

impl From<Heatmap> for Chart {
    fn from(c: Heatmap) -> Chart {
        Chart::Heatmap(c)
    }
}

/// One named series of values, for grouped bars and line charts.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The legend text.
    pub name: String,
    /// One value per category or x position; NaN marks a missing value.
    pub values: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_keep_three_digits() {
        assert_eq!(short_number(0.0), "0");
        assert_eq!(short_number(7.0), "7");
        assert_eq!(short_number(0.126), "0.13");
        assert_eq!(short_number(2.5), "2.5");
        assert_eq!(short_number(950.0), "950");
        assert_eq!(short_number(5000.0), "5k");
        assert_eq!(short_number(12_345.0), "12.3k");
        assert_eq!(short_number(250_000.0), "250k");
        assert_eq!(short_number(1_234_567.0), "1.23M");
        assert_eq!(short_number(-2_000_000_000.0), "-2B");
        assert_eq!(short_number(f64::NAN), "n/a");
        assert_eq!(Unit::Percent.format(4.25), "4.2%");
        assert_eq!(Unit::Ratio.format(-0.5), "-0.50");
    }

    /// The SVG of a small bar chart must equal `tests/golden/bar-small.svg` byte for byte, so a
    /// plotters upgrade or a layout change shows up as a diff to review. Set
    /// `ECOMFLOW_UPDATE_GOLDEN=1` to rewrite the file after checking the new picture.
    #[test]
    fn small_bar_chart_svg_matches_golden_file() {
        let chart = Chart::Bar(BarChart {
            title: "Fraud share by device".into(),
            category_axis: "Device".into(),
            value_axis: "Fraud share (%)".into(),
            bars: vec![("desktop".into(), 2.5), ("mobile".into(), 4.0), ("tablet".into(), 3.25)],
            unit: Unit::Percent,
            horizontal: false,
            no_data_hint: None,
        });
        let svg = chart.to_svg((480, 320)).unwrap();
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/bar-small.svg");
        if std::env::var_os("ECOMFLOW_UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &svg).unwrap();
        }
        let golden = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(golden == svg, "SVG differs from {}; new output:\n{svg}", path.display());
    }

    #[test]
    fn every_kind_writes_png_and_svg_files() {
        let dir = tempfile::tempdir().unwrap();
        let chart = Chart::Line(LineChart {
            title: "t".into(),
            x_label: "Day".into(),
            y_label: "Orders".into(),
            x: vec!["a".into(), "b".into()],
            series: vec![Series { name: "orders".into(), values: vec![1.0, 3.0] }],
            unit: Unit::Number,
            no_data_hint: None,
        });
        chart.write_png(&dir.path().join("c.png"), (300, 200)).unwrap();
        chart.write_svg(&dir.path().join("c.svg"), (300, 200)).unwrap();
        let png = std::fs::read(dir.path().join("c.png")).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let svg = std::fs::read_to_string(dir.path().join("c.svg")).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);

        let err = chart.write_png(&dir.path().join("missing/c.png"), (300, 200)).unwrap_err();
        assert!(matches!(err, ChartError::Write { .. }), "{err}");
    }
}
