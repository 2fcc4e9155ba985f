//! Histograms: counts per value bin, drawn from bins that were already counted (by Spark), so
//! the chart never needs the raw values.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{self, OrDraw};
use super::{ChartError, Unit};

/// One bin: values in `[lower, upper)` were seen `count` times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    /// Inclusive lower bound.
    pub lower: f64,
    /// Exclusive upper bound (the last bin also holds the maximum).
    pub upper: f64,
    /// How many values fell in the bin.
    pub count: f64,
}

impl Bin {
    fn drawable(&self) -> bool {
        self.lower.is_finite()
            && self.upper.is_finite()
            && self.upper >= self.lower
            && self.count.is_finite()
            && self.count >= 0.0
    }
}

/// Adjacent bars over a continuous x axis.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Histogram {
    /// The title above the chart.
    pub title: String,
    /// Description of the value axis with its unit, e.g. "Order total (USD)".
    pub x_label: String,
    /// Description of the count axis, e.g. "Orders".
    pub y_label: String,
    /// The bins in any order; bins with non-finite or reversed bounds are left out.
    pub bins: Vec<Bin>,
    /// Shown under "no data".
    pub no_data_hint: Option<String>,
}

impl Histogram {
    fn drawable_bins(&self) -> Vec<Bin> {
        self.bins.iter().copied().filter(Bin::drawable).collect()
    }

    /// Whether at least one bin can be drawn.
    pub fn has_data(&self) -> bool {
        !self.drawable_bins().is_empty()
    }
}

/// Draws `c` on `root`, PNG and SVG alike.
///
/// # Errors
/// Fails only when the backend fails; bad data draws "no data".
pub fn draw<DB: DrawingBackend>(
    c: &Histogram,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError> {
    let t = c.title.as_str();
    let bins = c.drawable_bins();
    let (Some((x_lo, _)), Some((_, x_hi)), Some((_, top))) = (
        common::finite_bounds(bins.iter().map(|b| b.lower)),
        common::finite_bounds(bins.iter().map(|b| b.upper)),
        common::finite_bounds(bins.iter().map(|b| b.count)),
    ) else {
        return common::no_data(root, t, c.no_data_hint.as_deref());
    };
    root.fill(&WHITE).or_draw(t)?;
    let body = common::titled(root, t)?;

    // A lone value makes a zero-width bin; give the axis some width around it.
    let x_range = if x_hi > x_lo { x_lo..x_hi } else { common::line_axis(x_lo, x_hi) };
    let y_range = common::bar_axis(0.0, top);
    let y_chars = Unit::Number.format(y_range.end).len();
    let mut chart = ChartBuilder::on(&body)
        .margin(15)
        .margin_right(30)
        .x_label_area_size(50)
        .y_label_area_size(common::label_width(y_chars) + 30)
        .build_cartesian_2d(x_range, y_range)
        .or_draw(t)?;
    common::house_mesh(
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(10)
            .x_label_formatter(&|v| Unit::Number.format(*v))
            .y_label_formatter(&|v| Unit::Number.format(*v))
            .x_desc(c.x_label.as_str())
            .y_desc(c.y_label.as_str()),
    )
    .draw()
    .or_draw(t)?;
    let fill = common::colour(0).filled();
    chart
        .draw_series(
            bins.iter().map(|b| Rectangle::new([(b.lower, 0.0), (b.upper, b.count)], fill)),
        )
        .or_draw(t)?;
    // A white outline separates neighbouring bins of similar height.
    chart
        .draw_series(
            bins.iter().map(|b| Rectangle::new([(b.lower, 0.0), (b.upper, b.count)], WHITE)),
        )
        .or_draw(t)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::Chart;

    fn chart(bins: Vec<(f64, f64, f64)>) -> Chart {
        Chart::Histogram(Histogram {
            title: "Order totals".into(),
            x_label: "Order total (USD)".into(),
            y_label: "Orders".into(),
            bins: bins
                .into_iter()
                .map(|(lower, upper, count)| Bin { lower, upper, count })
                .collect(),
            no_data_hint: None,
        })
    }

    #[test]
    fn no_bins_or_broken_bins_say_no_data() {
        for c in [
            chart(vec![]),
            chart(vec![(f64::NAN, 1.0, 3.0), (0.0, f64::INFINITY, 1.0)]),
            chart(vec![(2.0, 1.0, 3.0), (0.0, 1.0, f64::NAN), (0.0, 1.0, -1.0)]),
        ] {
            assert!(!c.has_data());
            assert!(common::has_text(&c.to_svg((600, 400)).unwrap(), "no data"));
        }
    }

    #[test]
    fn one_bin_and_a_zero_width_bin_draw() {
        for c in [chart(vec![(10.0, 20.0, 5.0)]), chart(vec![(7.0, 7.0, 12.0)])] {
            assert!(c.has_data());
            let svg = c.to_svg((600, 400)).unwrap();
            assert!(!common::has_text(&svg, "no data"));
            assert!(common::has_text(&svg, "Order total (USD)"));
        }
    }

    #[test]
    fn bins_draw_one_filled_bar_each() {
        let c = chart(vec![(0.0, 10.0, 4.0), (10.0, 20.0, 0.0), (20.0, 30.0, 9.0)]);
        let svg = c.to_svg((600, 400)).unwrap();
        let fill = "fill=\"#0072B2\"";
        assert_eq!(svg.matches(fill).count(), 3, "{svg}");
    }
}
