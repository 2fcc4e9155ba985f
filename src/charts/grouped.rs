//! Grouped bar charts: several series side by side in each category, e.g. precision, recall and
//! F1 of the risk score at each threshold.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::common::{self, OrDraw};
use super::{ChartError, Series, Unit};

/// Categories along the x axis, one bar per series in each, and a legend on the right.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupedBarChart {
    /// The title above the chart.
    pub title: String,
    /// Description of the category axis.
    pub category_axis: String,
    /// Description of the value axis with its unit.
    pub value_axis: String,
    /// The categories, left to right.
    pub categories: Vec<String>,
    /// One value per category each; a missing or non-finite value leaves a gap.
    pub series: Vec<Series>,
    /// How values are written.
    pub unit: Unit,
    /// Shown under "no data".
    pub no_data_hint: Option<String>,
}

impl GroupedBarChart {
    fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.series.iter().flat_map(|s| s.values.iter().take(self.categories.len()).copied())
    }

    /// Whether any series has a finite value for an existing category.
    pub fn has_data(&self) -> bool {
        common::finite_bounds(self.values()).is_some()
    }
}

/// With more bars than this, value labels would overlap and are left out.
const MAX_VALUE_LABELS: usize = 18;

/// Draws `c` on `root`, PNG and SVG alike.
///
/// # Errors
/// Fails only when the backend fails; bad data draws "no data".
pub fn draw<DB: DrawingBackend>(
    c: &GroupedBarChart,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError> {
    let t = c.title.as_str();
    let Some((lo, hi)) = common::finite_bounds(c.values()) else {
        return common::no_data(root, t, c.no_data_hint.as_deref());
    };
    root.fill(&WHITE).or_draw(t)?;

    let body = common::titled(root, t)?;
    let (width, _) = body.dim_in_pixel();
    let legend_w = common::legend_width(c.series.iter().map(|s| s.name.as_str()));
    let (plot, legend) = body.split_horizontally(width.saturating_sub(legend_w));

    let n = c.categories.len();
    let k = c.series.len().max(1);
    let value_chars = [lo, hi].iter().map(|v| c.unit.format(*v).len()).max().unwrap_or(4);
    let slot_px = width.saturating_sub(legend_w + 140) / n as u32;
    let max_chars = (slot_px / common::CHAR_PX).clamp(3, 30) as usize;
    let labels: Vec<String> = c.categories.iter().map(|l| common::shorten(l, max_chars)).collect();
    let mut chart = ChartBuilder::on(&plot)
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(common::label_width(value_chars) + 30)
        .build_cartesian_2d(common::category_axis(n), common::bar_axis(lo, hi))
        .or_draw(t)?;
    common::house_mesh(
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|v| common::category_label(&labels, *v))
            .y_label_formatter(&|v| c.unit.format(*v))
            .x_desc(c.category_axis.as_str())
            .y_desc(c.value_axis.as_str()),
    )
    .draw()
    .or_draw(t)?;

    // Each category owns 0.8 of its slot, split evenly between the series.
    let bar_w = 0.8 / k as f64;
    let bars: Vec<(usize, f64, f64)> = c
        .series
        .iter()
        .enumerate()
        .flat_map(|(j, s)| {
            s.values
                .iter()
                .take(n)
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(move |(i, v)| (j, i as f64 - 0.4 + j as f64 * bar_w, *v))
        })
        .collect();
    chart
        .draw_series(bars.iter().map(|(j, x, v)| {
            Rectangle::new([(*x + 0.01, 0.0), (*x + bar_w - 0.01, *v)], common::colour(*j).filled())
        }))
        .or_draw(t)?;
    if bars.len() <= MAX_VALUE_LABELS {
        let small = (super::font::FAMILY, 12).into_font().color(&BLACK);
        chart
            .draw_series(bars.iter().map(|(_, x, v)| {
                let (dy, va) = if *v < 0.0 { (4, VPos::Top) } else { (-4, VPos::Bottom) };
                let style = small.clone().pos(Pos::new(HPos::Center, va));
                EmptyElement::at((*x + bar_w / 2.0, *v))
                    + Text::new(c.unit.format(*v), (0, dy), style)
            }))
            .or_draw(t)?;
    }

    let entries: Vec<_> =
        c.series.iter().enumerate().map(|(j, s)| (s.name.clone(), common::colour(j))).collect();
    common::draw_legend(&legend, &entries, t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::Chart;

    fn chart(categories: &[&str], series: Vec<(&str, Vec<f64>)>) -> Chart {
        Chart::Grouped(GroupedBarChart {
            title: "Risk score".into(),
            category_axis: "Threshold".into(),
            value_axis: "Share (%)".into(),
            categories: categories.iter().map(|c| c.to_string()).collect(),
            series: series
                .into_iter()
                .map(|(n, v)| Series { name: n.to_string(), values: v })
                .collect(),
            unit: Unit::Percent,
            no_data_hint: None,
        })
    }

    #[test]
    fn no_categories_no_series_or_only_nan_say_no_data() {
        for c in [
            chart(&[], vec![("precision", vec![1.0])]),
            chart(&["0.2"], vec![]),
            chart(&["0.2", "0.4"], vec![("precision", vec![f64::NAN, f64::NEG_INFINITY])]),
        ] {
            assert!(!c.has_data());
            assert!(common::has_text(&c.to_svg((600, 400)).unwrap(), "no data"));
        }
    }

    #[test]
    fn one_value_draws_bars_and_a_legend() {
        let c = chart(&["0.2"], vec![("precision", vec![40.0]), ("recall", vec![f64::NAN])]);
        let svg = c.to_svg((600, 400)).unwrap();
        assert!(!common::has_text(&svg, "no data"));
        // Both series are named in the legend even though recall has no drawable value.
        assert!(common::has_text(&svg, "precision") && common::has_text(&svg, "recall"));
        assert!(common::has_text(&svg, "40.0%"));
    }

    #[test]
    fn short_series_leave_gaps_instead_of_failing() {
        let c = chart(&["a", "b", "c"], vec![("x", vec![1.0]), ("y", vec![1.0, 2.0, 3.0, 9.0])]);
        let svg = c.to_svg((600, 400)).unwrap();
        // The extra fourth value of y has no category and must not be drawn.
        assert!(!common::has_text(&svg, "9.0%"));
        assert!(common::has_text(&svg, "3.0%"));
    }
}
