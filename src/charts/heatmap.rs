//! Heatmaps: a matrix of values on a diverging colour scale, such as a correlation matrix,
//! with the value written in each cell and a colour bar on the right.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::common::{self, OrDraw};
use super::{ChartError, Unit};

/// Cells coloured from blue (the low end of `range`) through white to red (the high end).
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    /// The title above the chart.
    pub title: String,
    /// Column names, left to right.
    pub x_labels: Vec<String>,
    /// Row names, top to bottom.
    pub y_labels: Vec<String>,
    /// `values[row][column]`; NaN (or a missing cell) is drawn grey and marked "n/a".
    pub values: Vec<Vec<f64>>,
    /// The values at the two ends of the colour scale, e.g. (-1, 1) for correlations.
    pub range: (f64, f64),
    /// What the colour bar measures, e.g. "Pearson r".
    pub scale_label: String,
    /// Shown under "no data".
    pub no_data_hint: Option<String>,
}

impl Default for Heatmap {
    fn default() -> Heatmap {
        Heatmap {
            title: String::new(),
            x_labels: vec![],
            y_labels: vec![],
            values: vec![],
            range: (-1.0, 1.0),
            scale_label: String::new(),
            no_data_hint: None,
        }
    }
}

impl Heatmap {
    /// The value of a cell, NaN when the row or column is missing.
    fn cell(&self, row: usize, column: usize) -> f64 {
        self.values.get(row).and_then(|r| r.get(column)).copied().unwrap_or(f64::NAN)
    }

    /// Whether any cell inside the labelled rows and columns has a finite value.
    pub fn has_data(&self) -> bool {
        (0..self.y_labels.len())
            .any(|r| (0..self.x_labels.len()).any(|c| self.cell(r, c).is_finite()))
    }
}

const LOW: (f64, f64, f64) = (33.0, 102.0, 172.0);
const HIGH: (f64, f64, f64) = (178.0, 24.0, 43.0);

/// The colour of `v` on a blue–white–red scale between `lo` and `hi`.
pub fn scale_colour(v: f64, (lo, hi): (f64, f64)) -> RGBColor {
    if !v.is_finite() {
        return RGBColor(215, 215, 215);
    }
    // An empty range has no ends to lean towards: everything sits in the middle.
    let t = if hi > lo { ((v - lo) / (hi - lo)).clamp(0.0, 1.0) } else { 0.5 };
    // Distance from the middle decides how far from white the colour is.
    let (end, k) = if t < 0.5 { (LOW, 1.0 - t * 2.0) } else { (HIGH, t * 2.0 - 1.0) };
    let mix = |e: f64| (255.0 + (e - 255.0) * k).round() as u8;
    RGBColor(mix(end.0), mix(end.1), mix(end.2))
}

/// Cells per matrix beyond which the values are not written in the cells.
const MAX_ANNOTATED_CELLS: usize = 144;

/// Draws `c` on `root`, PNG and SVG alike.
///
/// # Errors
/// Fails only when the backend fails; bad data draws "no data".
pub fn draw<DB: DrawingBackend>(
    c: &Heatmap,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError> {
    let t = c.title.as_str();
    if !c.has_data() {
        return common::no_data(root, t, c.no_data_hint.as_deref());
    }
    root.fill(&WHITE).or_draw(t)?;

    let body = common::titled(root, t)?;
    let (width, height) = body.dim_in_pixel();
    let (plot, bar) = body.split_horizontally(width.saturating_sub(130));
    let (nx, ny) = (c.x_labels.len(), c.y_labels.len());

    // Row 0 goes at the top, the highest y position.
    let y_labels: Vec<String> = c.y_labels.iter().rev().map(|l| common::shorten(l, 24)).collect();
    let longest = y_labels.iter().map(|l| l.chars().count()).max().unwrap_or(1);
    let y_area = common::label_width(longest) + 10;
    let slot_px = width.saturating_sub(130 + y_area + 30) / nx as u32;
    let x_labels: Vec<String> =
        c.x_labels.iter().map(|l| common::shorten(l, (slot_px / 7).max(3) as usize)).collect();
    let mut chart = ChartBuilder::on(&plot)
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(y_area)
        .build_cartesian_2d(common::category_axis(nx), common::category_axis(ny))
        .or_draw(t)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(nx)
        .y_labels(ny)
        .x_label_formatter(&|v| common::category_label(&x_labels, *v))
        .y_label_formatter(&|v| common::category_label(&y_labels, *v))
        .x_label_style((super::font::FAMILY, 12).into_font().color(&BLACK))
        .y_label_style(common::label_style())
        .draw()
        .or_draw(t)?;

    let cells: Vec<(f64, f64, f64)> = (0..ny)
        .flat_map(|r| (0..nx).map(move |col| (col, r)))
        .map(|(col, r)| (col as f64, (ny - 1 - r) as f64, c.cell(r, col)))
        .collect();
    chart
        .draw_series(cells.iter().map(|(x, y, v)| {
            let fill = scale_colour(*v, c.range).filled();
            Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], fill)
        }))
        .or_draw(t)?;
    if cells.len() <= MAX_ANNOTATED_CELLS {
        let size = if nx <= 8 { 15 } else { 12 };
        chart
            .draw_series(cells.iter().map(|(x, y, v)| {
                let dark =
                    v.is_finite() && ((v - c.range.0) / (c.range.1 - c.range.0) - 0.5).abs() > 0.3;
                let colour = if dark { WHITE } else { BLACK };
                let style = (super::font::FAMILY, size)
                    .into_font()
                    .color(&colour)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                let text = if v.is_finite() { Unit::Ratio.format(*v) } else { "n/a".into() };
                Text::new(text, (*x, *y), style)
            }))
            .or_draw(t)?;
    }

    draw_colour_bar(&bar, c, height, t)
}

/// A vertical gradient from the top (high end) to the bottom (low end) with three labels.
fn draw_colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &Heatmap,
    height: u32,
    t: &str,
) -> Result<(), ChartError> {
    let (top, bottom) = (40i32, height as i32 - 70);
    let steps = 100;
    let span = (bottom - top).max(1) as f64;
    for s in 0..steps {
        let y0 = top + (span * s as f64 / steps as f64) as i32;
        let y1 = top + (span * (s + 1) as f64 / steps as f64) as i32;
        let v = c.range.1 - (c.range.1 - c.range.0) * (s as f64 + 0.5) / steps as f64;
        let fill = scale_colour(v, c.range).filled();
        area.draw(&Rectangle::new([(20, y0), (45, y1)], fill)).or_draw(t)?;
    }
    area.draw(&Rectangle::new([(20, top), (45, bottom)], BLACK.stroke_width(1))).or_draw(t)?;
    let style = common::label_style().pos(Pos::new(HPos::Left, VPos::Center));
    let mid = (c.range.0 + c.range.1) / 2.0;
    for (v, y) in [(c.range.1, top), (mid, (top + bottom) / 2), (c.range.0, bottom)] {
        area.draw(&Text::new(Unit::Ratio.format(v), (52, y), style.clone())).or_draw(t)?;
    }
    let label = common::label_style().pos(Pos::new(HPos::Left, VPos::Center));
    area.draw(&Text::new(c.scale_label.clone(), (10, top - 20), label)).or_draw(t)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::Chart;

    fn chart(labels: &[&str], values: Vec<Vec<f64>>) -> Chart {
        let labels: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
        Chart::Heatmap(Heatmap {
            title: "Correlation".into(),
            x_labels: labels.clone(),
            y_labels: labels,
            values,
            scale_label: "Pearson r".into(),
            ..Default::default()
        })
    }

    #[test]
    fn colours_run_from_blue_through_white_to_red() {
        assert_eq!(scale_colour(-1.0, (-1.0, 1.0)), RGBColor(33, 102, 172));
        assert_eq!(scale_colour(0.0, (-1.0, 1.0)), RGBColor(255, 255, 255));
        assert_eq!(scale_colour(1.0, (-1.0, 1.0)), RGBColor(178, 24, 43));
        assert_eq!(scale_colour(5.0, (-1.0, 1.0)), RGBColor(178, 24, 43));
        assert_eq!(scale_colour(f64::NAN, (-1.0, 1.0)), RGBColor(215, 215, 215));
        // A broken range must not divide by zero.
        assert_eq!(scale_colour(0.0, (0.0, 0.0)), RGBColor(255, 255, 255));
    }

    #[test]
    fn empty_or_all_nan_matrices_say_no_data() {
        for c in [
            chart(&[], vec![]),
            chart(&["a", "b"], vec![]),
            chart(&["a", "b"], vec![vec![f64::NAN, f64::NAN], vec![f64::INFINITY]]),
        ] {
            assert!(!c.has_data());
            assert!(common::has_text(&c.to_svg((600, 400)).unwrap(), "no data"));
        }
    }

    #[test]
    fn one_cell_and_missing_cells_draw() {
        let svg = chart(&["a"], vec![vec![1.0]]).to_svg((600, 400)).unwrap();
        assert!(common::has_text(&svg, "1.00") && !common::has_text(&svg, "no data"));

        let svg = chart(&["a", "b"], vec![vec![1.0, -0.25], vec![f64::NAN]]).to_svg((600, 400));
        let svg = svg.unwrap();
        assert!(common::has_text(&svg, "-0.25") && common::has_text(&svg, "n/a"), "{svg}");
        assert!(common::has_text(&svg, "Pearson r"));
    }
}
