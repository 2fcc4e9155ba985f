//! Bar charts: one value per category, vertical (few short categories, such as devices or
//! hours) or horizontal (many or long names, such as countries or products).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::common::{self, OrDraw};
use super::{ChartError, Unit};

/// Bars with a value label on each, as long as the labels fit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BarChart {
    /// The title above the chart.
    pub title: String,
    /// Description of the category axis, e.g. "Payment method".
    pub category_axis: String,
    /// Description of the value axis with its unit, e.g. "Fraud share (%)".
    pub value_axis: String,
    /// Category and value, drawn in this order (left to right, or top to bottom).
    pub bars: Vec<(String, f64)>,
    /// How values are written.
    pub unit: Unit,
    /// Bars grow to the right and categories are listed top to bottom.
    pub horizontal: bool,
    /// Shown under "no data", e.g. which job fills this chart.
    pub no_data_hint: Option<String>,
}

impl BarChart {
    /// The bars with a finite value; the others cannot be drawn and are left out.
    fn finite_bars(&self) -> Vec<(&str, f64)> {
        self.bars.iter().filter(|(_, v)| v.is_finite()).map(|(l, v)| (l.as_str(), *v)).collect()
    }

    /// Whether at least one bar has a finite value.
    pub fn has_data(&self) -> bool {
        !self.finite_bars().is_empty()
    }
}

/// More bars than this and value labels would overlap, so they are left out.
const MAX_VALUE_LABELS: usize = 16;

/// Draws `c` on `root`, PNG and SVG alike.
///
/// # Errors
/// Fails only when the backend fails; bad data draws "no data".
pub fn draw<DB: DrawingBackend>(
    c: &BarChart,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError> {
    let t = c.title.as_str();
    let bars = c.finite_bars();
    let Some((lo, hi)) = common::finite_bounds(bars.iter().map(|b| b.1)) else {
        return common::no_data(root, t, c.no_data_hint.as_deref());
    };
    root.fill(&WHITE).or_draw(t)?;
    let body = common::titled(root, t)?;

    let n = bars.len();
    let values = common::bar_axis(lo, hi);
    let (width, _) = body.dim_in_pixel();
    let value_chars = [lo, hi].iter().map(|v| c.unit.format(*v).len()).max().unwrap_or(4);
    let fill = common::colour(0).filled();
    let show_values = n <= MAX_VALUE_LABELS;

    // Vertical bars whose names would have to be cut short are drawn horizontally instead.
    let slot_px = width.saturating_sub(140) / n as u32;
    let max_chars = (slot_px / common::CHAR_PX).clamp(3, 30) as usize;
    let longest = bars.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0);
    if c.horizontal || longest > max_chars {
        // The first bar goes at the top, which is the highest position on the y axis.
        let labels: Vec<String> = bars.iter().rev().map(|(l, _)| common::shorten(l, 30)).collect();
        let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1);
        // Room on the right for the value label of the longest bar.
        let right = if show_values { 10 + value_chars as u32 * common::CHAR_PX } else { 20 };
        let mut chart = ChartBuilder::on(&body)
            .margin(15)
            .margin_right(right)
            .x_label_area_size(50)
            .y_label_area_size(common::label_width(longest) + 30)
            .build_cartesian_2d(values, common::category_axis(n))
            .or_draw(t)?;
        common::house_mesh(
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(n)
                .y_label_formatter(&|v| common::category_label(&labels, *v))
                .x_label_formatter(&|v| c.unit.format(*v))
                .x_desc(c.value_axis.as_str())
                .y_desc(c.category_axis.as_str()),
        )
        .draw()
        .or_draw(t)?;
        let slot = |i: usize| (n - 1 - i) as f64;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
                Rectangle::new([(0.0, slot(i) - 0.35), (*v, slot(i) + 0.35)], fill)
            }))
            .or_draw(t)?;
        if show_values {
            chart
                .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
                    let (dx, h) = if *v < 0.0 { (-6, HPos::Right) } else { (6, HPos::Left) };
                    let style = common::label_style().pos(Pos::new(h, VPos::Center));
                    EmptyElement::at((*v, slot(i))) + Text::new(c.unit.format(*v), (dx, 0), style)
                }))
                .or_draw(t)?;
        }
    } else {
        let labels: Vec<String> = bars.iter().map(|(l, _)| common::shorten(l, max_chars)).collect();
        let mut chart = ChartBuilder::on(&body)
            .margin(15)
            .margin_right(25)
            .x_label_area_size(50)
            .y_label_area_size(common::label_width(value_chars) + 30)
            .build_cartesian_2d(common::category_axis(n), values)
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
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
                Rectangle::new([(i as f64 - 0.35, 0.0), (i as f64 + 0.35, *v)], fill)
            }))
            .or_draw(t)?;
        if show_values {
            chart
                .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
                    let (dy, va) = if *v < 0.0 { (6, VPos::Top) } else { (-6, VPos::Bottom) };
                    let style = common::label_style().pos(Pos::new(HPos::Center, va));
                    EmptyElement::at((i as f64, *v)) + Text::new(c.unit.format(*v), (0, dy), style)
                }))
                .or_draw(t)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::Chart;

    fn chart(bars: Vec<(&str, f64)>, horizontal: bool) -> Chart {
        Chart::Bar(BarChart {
            title: "Fraud share by category".into(),
            category_axis: "Category".into(),
            value_axis: "Fraud share (%)".into(),
            bars: bars.into_iter().map(|(l, v)| (l.to_string(), v)).collect(),
            unit: Unit::Percent,
            horizontal,
            no_data_hint: Some("run `ecomflow submit fraud_detection`".into()),
        })
    }

    #[test]
    fn empty_and_non_finite_bars_say_no_data() {
        for horizontal in [false, true] {
            for bars in [vec![], vec![("a", f64::NAN), ("b", f64::INFINITY)]] {
                let c = chart(bars, horizontal);
                assert!(!c.has_data());
                let svg = c.to_svg((600, 400)).unwrap();
                assert!(common::has_text(&svg, "no data"), "{svg}");
                assert!(svg.contains("ecomflow submit fraud_detection"));
                assert!(svg.contains("Fraud share by category"));
            }
        }
    }

    #[test]
    fn one_bar_or_zero_values_draw_a_chart() {
        for horizontal in [false, true] {
            for bars in [vec![("Books", 4.0)], vec![("Books", 0.0), ("Toys", 0.0)]] {
                let c = chart(bars, horizontal);
                assert!(c.has_data());
                let svg = c.to_svg((600, 400)).unwrap();
                assert!(!common::has_text(&svg, "no data"));
                assert!(common::has_text(&svg, "Books"), "{svg}");
            }
        }
    }

    #[test]
    fn non_finite_bars_are_left_out_and_labels_name_the_rest() {
        let c = chart(vec![("Books", 4.0), ("Toys", f64::NAN), ("Garden", -2.0)], false);
        let svg = c.to_svg((800, 500)).unwrap();
        assert!(common::has_text(&svg, "Books") && common::has_text(&svg, "Garden"));
        assert!(!common::has_text(&svg, "Toys"));
        assert!(common::has_text(&svg, "4.0%") && common::has_text(&svg, "-2.0%"));
        assert!(common::has_text(&svg, "Fraud share (%)"));
    }

    #[test]
    fn horizontal_bars_list_the_first_category_on_top() {
        let c = chart(vec![("First", 1.0), ("Second", 2.0)], true);
        let svg = c.to_svg((800, 500)).unwrap();
        let texts = common::svg_texts(&svg);
        let y_of = |label: &str| texts.iter().find(|(t, _)| t == label).unwrap().1;
        assert!(y_of("First") < y_of("Second"));
    }
}
