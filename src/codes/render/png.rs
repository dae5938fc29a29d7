//! A page as a grayscale PNG, drawn with the same fonts as the PDF.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};

use crate::codes::drawing::{Item, Page};
use crate::codes::fonts::Weight;

/// A grayscale canvas, 255 being white.
struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Canvas {
    /// Darkens a pixel towards `shade` by `coverage` (0 to 1).
    fn blend(&mut self, x: i64, y: i64, coverage: f32, shade: u8) {
        if x < 0 || y < 0 || x >= self.width as i64 || y >= self.height as i64 {
            return;
        }
        let pixel = &mut self.pixels[y as usize * self.width + x as usize];
        let target = f32::from(shade);
        let value = f32::from(*pixel) * (1.0 - coverage) + target * coverage.min(1.0);
        *pixel = value.round().clamp(0.0, 255.0) as u8;
    }

    fn fill(&mut self, x0: f32, y0: f32, x1: f32, y1: f32) {
        self.fill_gray(x0, y0, x1, y1, 0);
    }

    fn fill_gray(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, shade: u8) {
        for y in y0.round() as i64..y1.round() as i64 {
            for x in x0.round() as i64..x1.round() as i64 {
                self.blend(x, y, 1.0, shade);
            }
        }
    }
}

/// The page at `dpi` dots per inch, as PNG bytes.
pub fn render(page: &Page, dpi: f32) -> Result<Vec<u8>, String> {
    let scale = dpi / 72.0;
    let mut canvas = Canvas {
        width: (page.width * scale).round() as usize,
        height: (page.height * scale).round() as usize,
        pixels: Vec::new(),
    };
    canvas.pixels = vec![255; canvas.width * canvas.height];
    let regular = FontRef::try_from_slice(Weight::Regular.data()).map_err(|e| e.to_string())?;
    let bold = FontRef::try_from_slice(Weight::Bold.data()).map_err(|e| e.to_string())?;
    for item in &page.items {
        match item {
            Item::Qr { x, y, size, matrix } => {
                let module = size * scale / matrix.size as f32;
                for (row, column, length) in matrix.dark_runs() {
                    let left = x * scale + column as f32 * module;
                    let top = y * scale + row as f32 * module;
                    canvas.fill(left, top, left + length as f32 * module, top + module);
                }
            }
            Item::Text {
                x,
                y,
                size,
                weight,
                align,
                gray,
                text,
            } => {
                let font = if *weight == Weight::Bold { &bold } else { &regular };
                let px = PxScale::from(size * scale);
                let scaled = font.as_scaled(px);
                let mut pen = Page::text_start(*x, *size, *weight, *align, text) * scale;
                let baseline = y * scale;
                let shade = (gray * 255.0).round() as u8;
                for c in text.chars() {
                    let id = scaled.glyph_id(c);
                    let glyph = id.with_scale_and_position(px, point(pen, baseline));
                    pen += scaled.h_advance(id);
                    if let Some(outlined) = font.outline_glyph(glyph) {
                        let bounds = outlined.px_bounds();
                        outlined.draw(|gx, gy, coverage| {
                            canvas.blend(
                                bounds.min.x as i64 + i64::from(gx),
                                bounds.min.y as i64 + i64::from(gy),
                                coverage,
                                shade,
                            );
                        });
                    }
                }
            }
            Item::Fill {
                x,
                y,
                width,
                height,
                gray,
            } => {
                let shade = (gray * 255.0).round() as u8;
                canvas.fill_gray(
                    x * scale,
                    y * scale,
                    (x + width) * scale,
                    (y + height) * scale,
                    shade,
                );
            }
            Item::Frame {
                x,
                y,
                width,
                height,
                dashed,
            } => {
                let (x0, y0, x1, y1) = (x * scale, y * scale, (x + width) * scale, (y + height) * scale);
                let line = scale.max(1.0);
                let dash = if *dashed { 7.0 * scale } else { f32::MAX };
                let mut t = 0.0;
                while t < (x1 - x0).max(y1 - y0) {
                    let end = t + dash.min((x1 - x0).max(y1 - y0));
                    if t < x1 - x0 {
                        canvas.fill(x0 + t, y0, (x0 + end).min(x1), y0 + line);
                        canvas.fill(x0 + t, y1 - line, (x0 + end).min(x1), y1);
                    }
                    if t < y1 - y0 {
                        canvas.fill(x0, y0 + t, x0 + line, (y0 + end).min(y1));
                        canvas.fill(x1 - line, y0 + t, x1, (y0 + end).min(y1));
                    }
                    t = end + if *dashed { 5.0 * scale } else { 0.0 };
                }
            }
        }
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, canvas.width as u32, canvas.height as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: (dpi / 0.0254).round() as u32,
        yppu: (dpi / 0.0254).round() as u32,
        unit: png::Unit::Meter,
    }));
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer
        .write_image_data(&canvas.pixels)
        .map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(bytes)
}
