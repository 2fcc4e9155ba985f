//! Pieces every chart kind shares: fonts and colours, the "no data" picture, axis ranges that
//! cannot be empty, category labels on a numeric axis, and a legend panel.

use std::ops::Range;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ChartError;
use super::font::FAMILY;

/// Colours for series and bars: the Okabe–Ito set, which stays distinct for colour-blind
/// readers, then five more so a dozen categories do not repeat a colour.
pub const PALETTE: [RGBColor; 12] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
    RGBColor(117, 112, 179),
    RGBColor(102, 166, 30),
    RGBColor(166, 118, 29),
    RGBColor(153, 153, 153),
];

/// The colour of series `i`; colours repeat after the palette runs out.
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Grey for secondary text and missing cells.
pub const GREY: RGBColor = RGBColor(110, 110, 110);

// plotters draws text at about 1/1.24 of the size it is given, so the sizes below come out as
// roughly 26, 16 and 14 pixels.

/// Title text: large enough to read in a thumbnail of the report page.
pub fn title_style() -> TextStyle<'static> {
    (FAMILY, 32).into_font().color(&BLACK)
}

/// Axis descriptions ("Fraud share (%)").
pub fn desc_style() -> TextStyle<'static> {
    (FAMILY, 20).into_font().color(&BLACK)
}

/// Tick labels and legend entries.
pub fn label_style() -> TextStyle<'static> {
    (FAMILY, 17).into_font().color(&BLACK)
}

/// The look every chart's axes share: our label and axis-title fonts, no minor grid lines and a
/// faint major grid. Chart kinds set their own labels and formatters before calling this.
pub fn house_mesh<'m, 'a, 'b, X, Y, DB>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB>
where
    X: Ranged,
    Y: Ranged,
    DB: DrawingBackend,
{
    mesh.label_style(label_style())
        .axis_desc_style(desc_style())
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.12))
}

/// Pixels per character of tick label text, a little over DejaVu Sans' average advance.
pub const CHAR_PX: u32 = 9;

/// The area below the title of a chart drawn with [`title_style`], with some air above it.
pub fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    root.margin(12, 0, 0, 0).titled(title, title_style()).or_draw(title)
}

/// Converts plotters' many error types into [`ChartError::Draw`] for one chart.
pub trait OrDraw<T> {
    /// The error, if any, as a drawing error of the chart titled `title`.
    fn or_draw(self, title: &str) -> Result<T, ChartError>;
}

impl<T, E: std::fmt::Display> OrDraw<T> for Result<T, E> {
    fn or_draw(self, title: &str) -> Result<T, ChartError> {
        self.map_err(|e| ChartError::Draw { title: title.to_string(), message: e.to_string() })
    }
}

/// Draws the picture of a chart without data: its title, "no data" and, when given, a hint
/// such as which job to run.
pub fn no_data<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    hint: Option<&str>,
) -> Result<(), ChartError> {
    root.fill(&WHITE).or_draw(title)?;
    let (w, h) = root.dim_in_pixel();
    let (cx, cy) = (w as i32 / 2, h as i32 / 2);
    let centre = Pos::new(HPos::Center, VPos::Center);
    root.draw(&Text::new(title.to_string(), (cx, 32), title_style().pos(centre))).or_draw(title)?;
    let big = (FAMILY, 40).into_font().color(&GREY).pos(centre);
    root.draw(&Text::new("no data", (cx, cy), big)).or_draw(title)?;
    if let Some(hint) = hint {
        let small = (FAMILY, 18).into_font().color(&GREY).pos(centre);
        root.draw(&Text::new(hint.to_string(), (cx, cy + 45), small)).or_draw(title)?;
    }
    Ok(())
}

/// The smallest and largest finite value, or `None` when there is none.
pub fn finite_bounds(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|v| v.is_finite()).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// A value axis for bars: it always contains zero (bars grow from it), has 10 % headroom for
/// value labels, and never has zero width, which plotters cannot scale.
pub fn bar_axis(lo: f64, hi: f64) -> Range<f64> {
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    let span = hi - lo;
    if span <= 0.0 {
        return 0.0..1.0;
    }
    let pad = span * 0.1;
    (if lo < 0.0 { lo - pad } else { 0.0 })..(if hi > 0.0 { hi + pad } else { 0.0 })
}

/// A value axis for lines: 5 % padding on both sides, one unit either side of a lone value.
pub fn line_axis(lo: f64, hi: f64) -> Range<f64> {
    let span = hi - lo;
    if span <= 0.0 {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return (lo - pad)..(hi + pad);
    }
    (lo - span * 0.05)..(hi + span * 0.05)
}

/// A numeric axis with one whole-number position per category, from -0.5 to n - 0.5, so each
/// category sits in the middle of its own slot.
pub fn category_axis(n: usize) -> Range<f64> {
    -0.5..(n.max(1) as f64 - 0.5)
}

/// The category at axis position `v`, or an empty label between categories.
pub fn category_label(labels: &[String], v: f64) -> String {
    let i = v.round();
    if (v - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    labels.get(i as usize).cloned().unwrap_or_default()
}

/// `text` cut to `max` characters with an ellipsis, so one long name cannot squeeze the plot.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// Pixels a label of `chars` characters needs at the tick label size, plus a gap.
pub fn label_width(chars: usize) -> u32 {
    (chars as u32 * CHAR_PX + 16).clamp(40, 300)
}

/// Width of the legend panel on the right of a chart with these series names.
pub fn legend_width<'a>(names: impl IntoIterator<Item = &'a str>) -> u32 {
    let longest = names.into_iter().map(|n| n.chars().count().min(24)).max().unwrap_or(0);
    (longest as u32 * CHAR_PX + 50).clamp(100, 280)
}

/// Draws a legend, one colour swatch and name per line, at the top of `area`.
pub fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor)],
    title: &str,
) -> Result<(), ChartError> {
    let top = 70;
    for (i, (name, colour)) in entries.iter().enumerate() {
        let y = top + i as i32 * 26;
        area.draw(&Rectangle::new([(8, y - 7), (24, y + 7)], colour.filled())).or_draw(title)?;
        let style = label_style().pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(shorten(name, 24), (32, y), style)).or_draw(title)?;
    }
    Ok(())
}

/// The text of every `<text>` element of an SVG document, trimmed, in document order.
#[cfg(test)]
pub fn svg_texts(svg: &str) -> Vec<(String, f64)> {
    let doc = roxmltree::Document::parse(svg).expect("charts must write well-formed SVG");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let y = n.attribute("y").and_then(|y| y.parse().ok()).unwrap_or(f64::NAN);
            (n.text().unwrap_or_default().trim().to_string(), y)
        })
        .collect()
}

/// Whether an SVG document has a `<text>` element that reads exactly `text`.
#[cfg(test)]
pub fn has_text(svg: &str, text: &str) -> bool {
    svg_texts(svg).iter().any(|(t, _)| t == text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_never_have_zero_width() {
        assert_eq!(bar_axis(0.0, 0.0), 0.0..1.0);
        assert_eq!(bar_axis(5.0, 5.0), 0.0..5.5);
        assert_eq!(bar_axis(-2.0, -2.0), -2.2..0.0);
        assert_eq!(bar_axis(-1.0, 3.0), -1.4..3.4);
        assert_eq!(line_axis(0.0, 0.0), -1.0..1.0);
        assert_eq!(line_axis(10.0, 10.0), 9.0..11.0);
        assert_eq!(line_axis(0.0, 10.0), -0.5..10.5);
        assert_eq!(category_axis(0), -0.5..0.5);
        assert_eq!(category_axis(3), -0.5..2.5);
    }

    #[test]
    fn bounds_skip_non_finite_values() {
        assert_eq!(finite_bounds([]), None);
        assert_eq!(finite_bounds([f64::NAN, f64::INFINITY]), None);
        assert_eq!(finite_bounds([3.0, f64::NAN, -1.0, f64::NEG_INFINITY]), Some((-1.0, 3.0)));
    }

    #[test]
    fn labels_only_at_whole_positions() {
        let labels = vec!["a".to_string(), "b".to_string()];
        assert_eq!(category_label(&labels, 1.0), "b");
        assert_eq!(category_label(&labels, 0.5), "");
        assert_eq!(category_label(&labels, -1.0), "");
        assert_eq!(category_label(&labels, 2.0), "");
        assert_eq!(shorten("Electronics", 20), "Electronics");
        assert_eq!(shorten("abcdef", 4), "abc…");
    }
}
