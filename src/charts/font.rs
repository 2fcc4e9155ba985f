//! The font every chart is drawn with, embedded in the binary.
//!
//! plotters is built without fontconfig/freetype, so it has no fonts of its own: text goes
//! through its ab_glyph backend, which only knows the fonts registered here. Embedding DejaVu
//! Sans (Bitstream Vera licence, `assets/fonts/DejaVuSans-LICENSE.txt`) means a PNG renders the
//! same on a server without any system fonts. SVG files only name the family; the viewer
//! supplies the glyphs.

use std::sync::OnceLock;

use plotters::style::FontStyle;

/// DejaVu Sans 2.37 from Debian's `fonts-dejavu-core`.
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The family name charts ask for.
///
/// It doubles as the CSS `font-family` list written into SVG files, so a viewer that has
/// DejaVu Sans uses it (and the text fits the layout computed here), and any other viewer falls
/// back to its own sans-serif font.
pub const FAMILY: &str = "DejaVu Sans, sans-serif";

/// Registers the embedded font under [`FAMILY`] and under plotters' default `sans-serif`.
///
/// Safe to call from many threads; the work happens once. Returns `false` when the embedded
/// bytes are not a font, which only a broken build can cause; text then fails to draw with an
/// error instead of a panic.
pub fn ensure_registered() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| {
        [FAMILY, "sans-serif"].iter().all(|name| {
            plotters::style::register_font(name, FontStyle::Normal, DEJAVU_SANS).is_ok()
                && plotters::style::register_font(name, FontStyle::Bold, DEJAVU_SANS).is_ok()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_font_registers_and_measures_text() {
        use plotters::style::{FontDesc, IntoFont};

        assert!(ensure_registered());
        let font: FontDesc = (FAMILY, 20.0).into_font();
        let (w, h) = font.box_size("no data").unwrap();
        // Seven glyphs at 20 px are wider than tall, and neither is zero.
        assert!(w > 50 && w < 140, "width {w}");
        assert!(h > 10 && h < 30, "height {h}");
    }
}
