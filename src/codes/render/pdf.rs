//! Pages as a PDF, with the fonts embedded (only the glyphs used), so Vietnamese prints
//! the same on every computer.

use std::collections::{BTreeMap, BTreeSet};

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;

use crate::codes::drawing::{Item, Page};
use crate::codes::fonts::{self, Weight};

const IDENTITY: SystemInfo<'static> = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

/// Hands out object numbers.
struct Refs(i32);

impl Refs {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

/// A font as embedded: its glyphs renumbered for the subset, and their characters (so
/// text copied from the PDF is real text).
struct EmbeddedFont {
    weight: Weight,
    remapper: GlyphRemapper,
    characters: BTreeMap<u16, char>,
    resource: Name<'static>,
}

impl EmbeddedFont {
    fn new(weight: Weight, text: &BTreeSet<char>) -> EmbeddedFont {
        let mut remapper = GlyphRemapper::new();
        let mut characters = BTreeMap::new();
        for c in text {
            let new = remapper.remap(fonts::glyph(weight, *c));
            characters.entry(new).or_insert(*c);
        }
        let resource = match weight {
            Weight::Regular => Name(b"F1"),
            Weight::Bold => Name(b"F2"),
        };
        EmbeddedFont {
            weight,
            remapper,
            characters,
            resource,
        }
    }

    /// The text as the big-endian glyph numbers an Identity-H font shows.
    fn encode(&self, text: &str) -> Vec<u8> {
        text.chars()
            .flat_map(|c| {
                self.remapper
                    .get(fonts::glyph(self.weight, c))
                    .unwrap_or(0)
                    .to_be_bytes()
            })
            .collect()
    }

    fn write(&self, pdf: &mut Pdf, refs: &mut Refs) -> Result<Ref, String> {
        let (type0, cid, descriptor, file, cmap) =
            (refs.next(), refs.next(), refs.next(), refs.next(), refs.next());
        let face = self.weight.face();
        // A subset's name starts with six capitals and a plus sign.
        let name = format!(
            "SIPAS{}+{}",
            if self.weight == Weight::Bold { "B" } else { "R" },
            self.weight.postscript_name()
        );
        pdf.type0_font(type0)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);

        let mut cid_font = pdf.cid_font(cid);
        cid_font
            .subtype(CidFontType::Type2)
            .base_font(Name(name.as_bytes()))
            .system_info(IDENTITY)
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let widths: Vec<f32> = self
            .remapper
            .remapped_gids()
            .map(|old| fonts::advance(self.weight, old))
            .collect();
        cid_font.widths().consecutive(0, widths);
        cid_font.finish();

        let scale = 1000.0 / f32::from(face.units_per_em());
        let bbox = face.global_bounding_box();
        pdf.font_descriptor(descriptor)
            .name(Name(name.as_bytes()))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                f32::from(bbox.x_min) * scale,
                f32::from(bbox.y_min) * scale,
                f32::from(bbox.x_max) * scale,
                f32::from(bbox.y_max) * scale,
            ))
            .italic_angle(0.0)
            .ascent(f32::from(face.ascender()) * scale)
            .descent(f32::from(face.descender()) * scale)
            .cap_height(f32::from(face.capital_height().unwrap_or(face.ascender())) * scale)
            .stem_v(if self.weight == Weight::Bold { 140.0 } else { 80.0 })
            .font_file2(file);

        let subset = subsetter::subset(self.weight.data(), 0, &self.remapper)
            .map_err(|e| format!("font subset: {e:?}"))?;
        let compressed = miniz(&subset);
        pdf.stream(file, &compressed).filter(Filter::FlateDecode);

        let mut unicode = pdf_writer::types::UnicodeCmap::new(Name(b"Custom"), IDENTITY);
        for (glyph, c) in &self.characters {
            unicode.pair(*glyph, *c);
        }
        pdf.cmap(cmap, &unicode.finish());
        Ok(type0)
    }
}

/// Deflate-compressed bytes.
fn miniz(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("writing to memory cannot fail");
    encoder.finish().expect("writing to memory cannot fail")
}

/// The pages as one PDF document.
pub fn render(pages: &[Page], title: &str) -> Result<Vec<u8>, String> {
    let mut used: BTreeMap<Weight, BTreeSet<char>> = BTreeMap::new();
    for page in pages {
        for item in &page.items {
            if let Item::Text { weight, text, .. } = item {
                used.entry(*weight).or_default().extend(text.chars());
            }
        }
    }
    let fonts: Vec<EmbeddedFont> = used
        .iter()
        .map(|(w, chars)| EmbeddedFont::new(*w, chars))
        .collect();

    let mut pdf = Pdf::new();
    let mut refs = Refs(0);
    let (catalog, tree, info) = (refs.next(), refs.next(), refs.next());
    let page_refs: Vec<(Ref, Ref)> = pages.iter().map(|_| (refs.next(), refs.next())).collect();
    let mut font_refs = Vec::new();
    for font in &fonts {
        font_refs.push((font.resource, font.write(&mut pdf, &mut refs)?));
    }
    pdf.catalog(catalog).pages(tree);
    pdf.document_info(info)
        .title(pdf_writer::TextStr(title))
        .producer(pdf_writer::TextStr("sipas"));
    pdf.pages(tree)
        .kids(page_refs.iter().map(|(page, _)| *page))
        .count(pages.len() as i32);

    for (page, (page_ref, content_ref)) in pages.iter().zip(&page_refs) {
        let mut writer = pdf.page(*page_ref);
        writer
            .media_box(Rect::new(0.0, 0.0, page.width, page.height))
            .parent(tree)
            .contents(*content_ref);
        let mut resources = writer.resources();
        let mut font_dict = resources.fonts();
        for (name, font) in &font_refs {
            font_dict.pair(*name, *font);
        }
        font_dict.finish();
        resources.finish();
        writer.finish();
        let content = draw(page, &fonts);
        pdf.stream(*content_ref, &miniz(&content))
            .filter(Filter::FlateDecode);
    }
    Ok(pdf.finish())
}

fn draw(page: &Page, fonts: &[EmbeddedFont]) -> Vec<u8> {
    let mut content = Content::new();
    // PDF measures from the bottom left; the page from the top left.
    let flip = |y: f32| page.height - y;
    for item in &page.items {
        match item {
            Item::Qr { x, y, size, matrix } => {
                let module = size / matrix.size as f32;
                content.set_fill_gray(0.0);
                for (row, column, length) in matrix.dark_runs() {
                    content.rect(
                        x + column as f32 * module,
                        flip(y + (row + 1) as f32 * module),
                        length as f32 * module,
                        module,
                    );
                }
                content.fill_nonzero();
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
                let Some(font) = fonts.iter().find(|f| f.weight == *weight) else {
                    continue;
                };
                let start = Page::text_start(*x, *size, *weight, *align, text);
                content.set_fill_gray(*gray);
                content
                    .begin_text()
                    .set_font(font.resource, *size)
                    .next_line(start, flip(*y))
                    .show(Str(&font.encode(text)))
                    .end_text();
            }
            Item::Fill {
                x,
                y,
                width,
                height,
                gray,
            } => {
                content.set_fill_gray(*gray);
                content.rect(*x, flip(y + height), *width, *height).fill_nonzero();
            }
            Item::Frame {
                x,
                y,
                width,
                height,
                dashed,
            } => {
                content.save_state();
                content.set_stroke_gray(0.45).set_line_width(0.6);
                if *dashed {
                    content.set_dash_pattern([4.0, 3.0], 0.0);
                }
                content.rect(*x, flip(y + height), *width, *height).stroke();
                content.restore_state();
            }
        }
    }
    content.finish().to_vec()
}
