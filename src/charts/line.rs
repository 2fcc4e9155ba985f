//! Line charts: one or more series over an ordered x axis of labels (days, months, thresholds).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{self, OrDraw};
use super::{ChartError, Series, Unit};

/// Lines over labelled x positions, with a legend when there is more than one series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineChart {
    /// The title above the chart.
    pub title: String,
    /// Description of the x axis, e.g. "Day".
    pub x_label: String,
    /// Description of the y axis with its unit.
    pub y_label: String,
    /// The x positions' labels, in order; the series' values line up with them.
    pub x: Vec<String>,
    /// The lines. NaN (or a missing value at the end) breaks a line: no point is invented.
    pub series: Vec<Series>,
    /// How y values are written.
    pub unit: Unit,
    /// Shown under "no data".
    pub no_data_hint: Option<String>,
}

impl LineChart {
    fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.series.iter().flat_map(|s| s.values.iter().take(self.x.len()).copied())
    }

    /// Whether any series has a finite value at an existing x position.
    pub fn has_data(&self) -> bool {
        common::finite_bounds(self.values()).is_some()
    }
}

/// At most this many x labels, so dates never overlap.
const MAX_X_LABELS: usize = 12;

/// With at most this many points every point gets a marker; beyond, only isolated points do.
const MAX_MARKERS: usize = 60;

/// Runs of consecutive finite values as `(x, y)` points.
fn segments(values: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![];
    let mut current = vec![];
    for (i, v) in values.iter().enumerate() {
        if v.is_finite() {
            current.push((i as f64, *v));
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Draws `c` on `root`, PNG and SVG alike.
///
/// # Errors
/// Fails only when the backend fails; bad data draws "no data".
pub fn draw<DB: DrawingBackend>(
    c: &LineChart,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError> {
    let t = c.title.as_str();
    let Some((lo, hi)) = common::finite_bounds(c.values()) else {
        return common::no_data(root, t, c.no_data_hint.as_deref());
    };
    root.fill(&WHITE).or_draw(t)?;

    let body = common::titled(root, t)?;
    let (width, _) = body.dim_in_pixel();
    let (plot, legend) = if c.series.len() > 1 {
        let legend_w = common::legend_width(c.series.iter().map(|s| s.name.as_str()));
        let (p, l) = body.split_horizontally(width.saturating_sub(legend_w));
        (p, Some(l))
    } else {
        (body, None)
    };

    let n = c.x.len();
    // Amounts and shares read best from zero; only data that dips below zero gets a tight axis.
    let y_range = if lo >= 0.0 { common::bar_axis(lo, hi) } else { common::line_axis(lo, hi) };
    let value_chars = c.unit.format(y_range.start).len().max(c.unit.format(y_range.end).len());
    let mut chart = ChartBuilder::on(&plot)
        .margin(15)
        .margin_right(25)
        .x_label_area_size(50)
        .y_label_area_size(common::label_width(value_chars) + 30)
        .build_cartesian_2d(common::category_axis(n), y_range)
        .or_draw(t)?;
    common::house_mesh(
        chart
            .configure_mesh()
            .x_labels(n.min(MAX_X_LABELS))
            .x_label_formatter(&|v| common::category_label(&c.x, *v))
            .y_label_formatter(&|v| c.unit.format(*v))
            .x_desc(c.x_label.as_str())
            .y_desc(c.y_label.as_str()),
    )
    .draw()
    .or_draw(t)?;

    // Thick lines read well over a few months but smear a year of days together.
    let stroke = if n > MAX_MARKERS { 2 } else { 3 };
    for (j, s) in c.series.iter().enumerate() {
        let colour = common::colour(j);
        let values = &s.values[..s.values.len().min(n)];
        for run in segments(values) {
            chart
                .draw_series(LineSeries::new(run.iter().copied(), colour.stroke_width(stroke)))
                .or_draw(t)?;
            if n <= MAX_MARKERS || run.len() == 1 {
                chart
                    .draw_series(run.iter().map(|p| Circle::new(*p, 4, colour.filled())))
                    .or_draw(t)?;
            }
        }
    }

    if let Some(legend) = legend {
        let entries: Vec<_> =
            c.series.iter().enumerate().map(|(j, s)| (s.name.clone(), common::colour(j))).collect();
        common::draw_legend(&legend, &entries, t)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::Chart;

    fn chart(x: &[&str], series: Vec<(&str, Vec<f64>)>) -> Chart {
        Chart::Line(LineChart {
            title: "Daily fraud share".into(),
            x_label: "Day".into(),
            y_label: "Fraud share (%)".into(),
            x: x.iter().map(|s| s.to_string()).collect(),
            series: series
                .into_iter()
                .map(|(n, v)| Series { name: n.to_string(), values: v })
                .collect(),
            unit: Unit::Percent,
            no_data_hint: Some("run the job".into()),
        })
    }

    #[test]
    fn lines_break_at_non_finite_values() {
        let s = segments(&[1.0, 2.0, f64::NAN, 3.0, f64::INFINITY, f64::NAN, 4.0, 5.0]);
        assert_eq!(
            s,
            vec![vec![(0.0, 1.0), (1.0, 2.0)], vec![(3.0, 3.0)], vec![(6.0, 4.0), (7.0, 5.0)]]
        );
        assert!(segments(&[]).is_empty());
        assert!(segments(&[f64::NAN]).is_empty());
    }

    #[test]
    fn nothing_finite_says_no_data() {
        for c in [
            chart(&[], vec![]),
            chart(&[], vec![("orders", vec![1.0])]),
            chart(&["2024-01-01"], vec![("orders", vec![f64::NAN])]),
        ] {
            assert!(!c.has_data());
            let svg = c.to_svg((600, 400)).unwrap();
            assert!(
                common::has_text(&svg, "no data") && common::has_text(&svg, "run the job"),
                "{svg}"
            );
        }
    }

    #[test]
    fn a_single_point_is_a_marker() {
        let c = chart(&["2024-01-01"], vec![("orders", vec![2.0])]);
        let svg = c.to_svg((600, 400)).unwrap();
        assert!(!common::has_text(&svg, "no data"));
        assert!(svg.contains("<circle"), "{svg}");
        assert!(common::has_text(&svg, "2024-01-01"));
    }

    #[test]
    fn many_days_get_few_labels_and_series_get_a_legend() {
        let days: Vec<String> = (1..=90).map(|d| format!("day{d:02}")).collect();
        let x: Vec<&str> = days.iter().map(String::as_str).collect();
        let a: Vec<f64> = (0..90).map(|i| i as f64).collect();
        let b: Vec<f64> =
            (0..90).map(|i| if i % 7 == 0 { f64::NAN } else { 90.0 - i as f64 }).collect();
        let svg = chart(&x, vec![("alpha", a), ("beta", b)]).to_svg((1000, 600)).unwrap();
        let labels = days.iter().filter(|d| common::has_text(&svg, d)).count();
        assert!((2..=MAX_X_LABELS).contains(&labels), "{labels} x labels");
        assert!(common::has_text(&svg, "alpha") && common::has_text(&svg, "beta"));
    }
}
