//! The official report as an A4 PDF in the Vietnamese administrative style: Decree
//! 30/2020's header block (the agency on the left, the national motto on the right), the
//! title, the period, the headline and the elements with bars, the weakest criteria, the
//! method, and the ranking of child units as an appendix with n and sample status. Black
//! and grey only, so it prints the same on any printer. Drawn with the printed-codes
//! pages (`codes::drawing`) and their embedded fonts (DejaVu Sans: Decree 30 asks for
//! Times New Roman, which we may not embed; DejaVu covers every Vietnamese letter).

use super::{label, period_text, title};
use crate::app::official_report::OfficialReport;
use crate::codes::drawing::{A4, Align, MM, Page};
use crate::codes::fonts::{self, Weight};
use crate::i18n::Lang;
use crate::indices::report::IndexValue;
use crate::present::charts::Scale;
use crate::present::{band, method::method_lines, sample_text, standing_text};

const LEFT: f32 = 30.0 * MM;
const RIGHT: f32 = 15.0 * MM;
const TOP: f32 = 20.0 * MM;
const BOTTOM: f32 = 20.0 * MM;
const BODY: f32 = 11.0;

/// Pages filled from the top down, a new one started when the next block does not fit.
struct Flow {
    pages: Vec<Page>,
    y: f32,
}

impl Flow {
    fn new() -> Flow {
        Flow {
            pages: vec![Page::new(A4.0, A4.1)],
            y: TOP,
        }
    }

    fn width() -> f32 {
        A4.0 - LEFT - RIGHT
    }

    fn page(&mut self) -> &mut Page {
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Page::new(A4.0, A4.1));
        self.y = TOP;
    }

    /// Starts a new page unless `height` more fits on this one.
    fn need(&mut self, height: f32) {
        if self.y + height > A4.1 - BOTTOM {
            self.new_page();
        }
    }

    /// A paragraph across the text width.
    fn text(&mut self, text: &str, size: f32, weight: Weight, align: Align) {
        let lines = fonts::wrap(&fonts::printable(text), size, weight, Flow::width()).len();
        self.need(lines as f32 * size * 1.25);
        let y = self.y + size;
        let (x, width) = (LEFT, Flow::width());
        self.y = self.page().paragraph(x, y, width, size, weight, align, 0.0, text) - size + size * 0.35;
    }

    fn gap(&mut self, points: f32) {
        self.y += points;
    }

    fn heading(&mut self, text: &str) {
        self.need(BODY * 5.0);
        self.gap(4.0);
        self.text(text, BODY + 1.0, Weight::Bold, Align::Left);
    }

    /// A table: `columns` as (header, share of the width, right-aligned), the header
    /// repeated on each page it runs onto; a row may carry a bar (value on `scale`) drawn
    /// in the column named by `bar_column`.
    fn table(
        &mut self,
        columns: &[(&str, f32, bool)],
        rows: &[Vec<String>],
        bars: Option<(usize, Scale, &[Option<f64>])>,
    ) {
        let size = BODY - 1.5;
        let width = Flow::width();
        let lefts: Vec<f32> = columns
            .iter()
            .scan(LEFT, |x, (_, share, _)| {
                let at = *x;
                *x += share * width;
                Some(at)
            })
            .collect();
        let cell_lines = |text: &str, column: usize, weight: Weight| {
            fonts::wrap(
                &fonts::printable(text),
                size,
                weight,
                columns[column].1 * width - 6.0,
            )
        };
        let header = |flow: &mut Flow| {
            let lines: Vec<Vec<String>> = columns
                .iter()
                .enumerate()
                .map(|(i, (name, _, _))| cell_lines(name, i, Weight::Bold))
                .collect();
            let height = lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * size * 1.25 + 6.0;
            let top = flow.y;
            flow.page().fill(LEFT, top, width, height, 0.88);
            for (i, column_lines) in lines.iter().enumerate() {
                for (at, line) in column_lines.iter().enumerate() {
                    flow.cell(
                        lefts[i],
                        columns[i].1 * width,
                        top + 3.0 + size + at as f32 * size * 1.25,
                        line,
                        size,
                        Weight::Bold,
                        columns[i].2,
                    );
                }
            }
            flow.y += height;
        };
        self.need(size * 6.0);
        header(self);
        for (r, row) in rows.iter().enumerate() {
            let lines: Vec<Vec<String>> = row
                .iter()
                .enumerate()
                .map(|(i, text)| cell_lines(text, i, Weight::Regular))
                .collect();
            let height = lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * size * 1.25 + 5.0;
            if self.y + height > A4.1 - BOTTOM {
                self.new_page();
                header(self);
            }
            let top = self.y;
            if let Some((column, scale, values)) = bars
                && let Some(Some(value)) = values.get(r)
            {
                let full = columns[column].1 * width - 6.0;
                let share = ((*value - scale.low) / (scale.high - scale.low)).clamp(0.0, 1.0) as f32;
                self.page()
                    .fill(lefts[column] + 3.0, top + 3.0, full * share, height - 6.0, 0.55);
            }
            for (i, column_lines) in lines.iter().enumerate() {
                for (at, line) in column_lines.iter().enumerate() {
                    self.cell(
                        lefts[i],
                        columns[i].1 * width,
                        top + 2.5 + size + at as f32 * size * 1.25,
                        line,
                        size,
                        Weight::Regular,
                        columns[i].2,
                    );
                }
            }
            self.y += height;
            let rule = self.y - 0.4;
            self.page().fill(LEFT, rule, width, 0.4, 0.6);
        }
        self.gap(6.0);
    }

    #[allow(clippy::too_many_arguments)]
    fn cell(
        &mut self,
        left: f32,
        width: f32,
        baseline: f32,
        text: &str,
        size: f32,
        weight: Weight,
        right: bool,
    ) {
        let x = if right {
            left + width - 3.0 - fonts::width(text, size, weight)
        } else {
            left + 3.0
        };
        self.page()
            .paragraph(x, baseline, width, size, weight, Align::Left, 0.0, text);
    }
}

/// The header block of Decree 30/2020 (Phụ lục I): the governing body and the agency,
/// capitals, on the left; the national name and motto on the right, each with its rule;
/// the place and date under the motto.
fn header_block(flow: &mut Flow, doc: &OfficialReport, lang: Lang) {
    let column = Flow::width() * 0.42;
    let right_left = LEFT + Flow::width() * 0.38;
    let right_width = Flow::width() * 0.62;
    let page = flow.page();
    let mut y = TOP + 11.0;
    if let Some(parent) = doc.parent() {
        y = page.paragraph(
            LEFT,
            y,
            column,
            11.0,
            Weight::Regular,
            Align::Center,
            0.0,
            &parent.name.to_uppercase(),
        );
    }
    y = page.paragraph(
        LEFT,
        y,
        column,
        11.0,
        Weight::Bold,
        Align::Center,
        0.0,
        &doc.report.name.to_uppercase(),
    );
    page.fill(LEFT + column * 0.3, y - 8.0, column * 0.4, 0.6, 0.0);
    page.paragraph(
        LEFT,
        y + 8.0,
        column,
        11.0,
        Weight::Regular,
        Align::Center,
        0.0,
        lang.pick("Số:        /BC-", "No.:        /BC-"),
    );
    let motto = lang.pick(
        "Độc lập - Tự do - Hạnh phúc",
        "Independence - Freedom - Happiness",
    );
    let nation = lang.pick(
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "SOCIALIST REPUBLIC OF VIET NAM",
    );
    let mut r = page.paragraph(
        right_left,
        TOP + 11.0,
        right_width,
        11.0,
        Weight::Bold,
        Align::Center,
        0.0,
        nation,
    );
    r = page.paragraph(
        right_left,
        r,
        right_width,
        12.0,
        Weight::Bold,
        Align::Center,
        0.0,
        motto,
    );
    let motto_width = fonts::width(motto, 12.0, Weight::Bold);
    page.fill(
        right_left + (right_width - motto_width) / 2.0,
        r - 9.0,
        motto_width,
        0.6,
        0.0,
    );
    let day = doc.generated;
    let dated = match lang {
        Lang::Vi => format!(
            "……, ngày {} tháng {} năm {}",
            day.format("%d"),
            day.format("%m"),
            day.format("%Y")
        ),
        Lang::En => format!("……, {}", lang.date(day)),
    };
    let end = page.paragraph(
        right_left,
        r + 8.0,
        right_width,
        11.0,
        Weight::Regular,
        Align::Center,
        0.0,
        &dated,
    );
    flow.y = end.max(y + 20.0) + 10.0;
}

fn percent(value: Option<f64>, lang: Lang) -> String {
    value.map_or_else(|| "—".to_string(), |v| lang.number(v, 2))
}

fn change(value: &IndexValue, lang: Lang) -> String {
    match value.change {
        Some(c) if c > 0.0 => format!("+{}", lang.number(c, 2)),
        Some(c) if c < 0.0 => format!("−{}", lang.number(-c, 2)),
        Some(c) => lang.number(c, 2),
        None => String::new(),
    }
}

/// The document's bytes.
pub fn document(doc: &OfficialReport, lang: Lang) -> Result<Vec<u8>, String> {
    let t = |vi: &'static str, en: &'static str| lang.pick(vi, en);
    let report = &doc.report;
    let mut flow = Flow::new();
    header_block(&mut flow, doc, lang);
    flow.text(t("BÁO CÁO", "REPORT"), 14.0, Weight::Bold, Align::Center);
    flow.text(&title(doc, lang), 12.0, Weight::Bold, Align::Center);
    let rule = Flow::width() * 0.2;
    let y = flow.y;
    flow.page()
        .fill(LEFT + (Flow::width() - rule) / 2.0, y, rule, 0.6, 0.0);
    flow.gap(12.0);

    flow.heading(t("I. KHÁI QUÁT", "I. OVERVIEW"));
    let method = &report.method;
    let mut overview = vec![
        format!("- {}: {}.", t("Kỳ khảo sát", "Period"), period_text(doc, lang)),
        format!(
            "- {}: {} {} ({}: {}).",
            t("Số phiếu", "Responses"),
            lang.number(report.responses as f64, 0),
            t("phiếu", "responses"),
            t("kỳ trước", "previous period"),
            lang.number(report.previous.responses as f64, 0)
        ),
        format!(
            "- {}: {}.",
            t("Người trả lời được tính", "Who is counted"),
            crate::present::method::population_text(method.population, &method.channels, lang)
        ),
        format!(
            "- {}: {} ({} {}).",
            t("Cách tổng hợp", "Roll-up"),
            method.rollup.label().get(lang),
            t("phiếu", "questionnaire"),
            report.form_version
        ),
    ];
    let sample = sample_text(&report.sample, lang);
    if !sample.is_empty() {
        overview.push(format!("- {}: {sample}.", t("Cỡ mẫu", "Sample")));
    }
    for line in overview {
        flow.text(&line, BODY, Weight::Regular, Align::Left);
    }

    flow.heading(t("II. KẾT QUẢ", "II. RESULTS"));
    let headline = report.indices.get(&report.headline);
    flow.text(
        &format!(
            "1. {}: {} %{}",
            label(doc, &report.headline, lang),
            percent(headline.and_then(|h| h.value), lang),
            headline
                .map(|h| {
                    let mut notes = vec![band(h.value).1.get(lang).to_string()];
                    if !change(h, lang).is_empty() {
                        notes.push(format!(
                            "{} {}",
                            change(h, lang),
                            t("điểm so với kỳ trước", "points since the previous period")
                        ));
                    }
                    if h.low_sample {
                        notes.push(t("mẫu nhỏ", "small sample").to_string());
                    }
                    format!(" ({})", notes.join("; "))
                })
                .unwrap_or_default()
        ),
        BODY,
        Weight::Bold,
        Align::Left,
    );
    if let Some(standing) = &doc.standing {
        flow.text(
            &format!("{}.", standing_text(standing, lang)),
            BODY,
            Weight::Regular,
            Align::Left,
        );
    }

    let cards = crate::present::cards(&doc.form, &report.indices, lang);
    if !cards.is_empty() {
        flow.gap(4.0);
        flow.text(
            &format!("2. {}", t("Kết quả theo từng yếu tố", "By element")),
            BODY,
            Weight::Bold,
            Align::Left,
        );
        let values: Vec<Option<f64>> = cards
            .iter()
            .map(|c| report.indices.get(&c.id).and_then(|v| v.value))
            .collect();
        let scale = Scale::around(values.iter().flatten().copied());
        let rows: Vec<Vec<String>> = cards
            .iter()
            .map(|card| {
                let value = report.indices.get(&card.id);
                vec![
                    card.label.clone(),
                    card.value.clone(),
                    card.n.clone(),
                    value.map(|v| change(v, lang)).unwrap_or_default(),
                    format!(
                        "{}{}",
                        card.band_text,
                        if card.low_sample {
                            t("; mẫu nhỏ", "; small sample")
                        } else {
                            ""
                        }
                    ),
                    String::new(),
                ]
            })
            .collect();
        let bar_header = format!(
            "{} {}–{}",
            t("Biểu đồ, thang", "Chart, scale"),
            scale.low,
            scale.high
        );
        flow.table(
            &[
                (t("Yếu tố", "Element"), 0.34, false),
                ("%", 0.09, true),
                ("n", 0.08, true),
                (t("Thay đổi", "Change"), 0.10, true),
                (t("Mức", "Level"), 0.19, false),
                (bar_header.as_str(), 0.20, false),
            ],
            &rows,
            Some((5, scale, values.as_slice())),
        );
    }

    if !doc.focus.weakest.is_empty() {
        flow.text(
            &format!(
                "3. {}",
                t("Các tiêu chí có tỷ lệ hài lòng thấp nhất", "The weakest criteria")
            ),
            BODY,
            Weight::Bold,
            Align::Left,
        );
        for (at, criterion) in doc.focus.weakest.iter().enumerate() {
            flow.text(
                &format!(
                    "{}) {}: {} % (n = {}{})",
                    at + 1,
                    label(doc, &criterion.id, lang),
                    percent(criterion.value.value, lang),
                    lang.number(criterion.value.n as f64, 0),
                    if criterion.value.low_sample {
                        t("; mẫu nhỏ", "; small sample")
                    } else {
                        ""
                    }
                ),
                BODY,
                Weight::Regular,
                Align::Left,
            );
        }
    }
    if !doc.focus.lowest.is_empty() {
        let names = |list: &[crate::indices::focus::RankedUnit]| -> String {
            list.iter()
                .map(|u| {
                    format!(
                        "{} ({}, {} {})",
                        u.name,
                        lang.number(u.value, 2),
                        t("hạng", "rank"),
                        u.rank
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        flow.text(
            &format!("4. {}", t("Đơn vị trực thuộc", "Units below")),
            BODY,
            Weight::Bold,
            Align::Left,
        );
        flow.text(
            &format!("- {}: {}.", t("Cao nhất", "Highest"), names(&doc.focus.highest)),
            BODY,
            Weight::Regular,
            Align::Left,
        );
        flow.text(
            &format!("- {}: {}.", t("Thấp nhất", "Lowest"), names(&doc.focus.lowest)),
            BODY,
            Weight::Regular,
            Align::Left,
        );
        flow.text(
            t("(Xếp hạng chi tiết: Phụ lục I.)", "(Full ranking: Appendix I.)"),
            BODY,
            Weight::Regular,
            Align::Left,
        );
    }

    flow.heading(t("III. GHI CHÚ PHƯƠNG PHÁP", "III. METHOD"));
    for (what, how) in method_lines(report, lang) {
        flow.text(
            &format!("- {what}: {how}."),
            BODY - 1.0,
            Weight::Regular,
            Align::Left,
        );
    }
    flow.gap(8.0);
    flow.text(
        &format!(
            "{} {}.",
            t("Báo cáo lập bằng sipas ngày", "Report made with sipas on"),
            lang.date(doc.generated)
        ),
        BODY - 1.0,
        Weight::Regular,
        Align::Left,
    );

    if !report.children.is_empty() {
        appendix(&mut flow, doc, lang);
    }
    by_respondent(&mut flow, doc, lang);
    number_pages(&mut flow);
    crate::codes::render::pdf::render(&flow.pages, &title(doc, lang))
}

/// Phụ lục I: the ranking, with n and the sample against its target; units that may not
/// be ranked listed after, with the reason.
fn appendix(flow: &mut Flow, doc: &OfficialReport, lang: Lang) {
    let t = |vi: &'static str, en: &'static str| lang.pick(vi, en);
    let report = &doc.report;
    flow.new_page();
    flow.text(t("Phụ lục I", "Appendix I"), 13.0, Weight::Bold, Align::Center);
    flow.text(
        &format!(
            "{} — {}",
            t("XẾP HẠNG CÁC ĐƠN VỊ TRỰC THUỘC", "RANKING OF THE UNITS BELOW"),
            label(doc, &report.rank_by, lang).to_uppercase()
        ),
        12.0,
        Weight::Bold,
        Align::Center,
    );
    flow.text(
        &format!(
            "({} {} — {})",
            t("Kèm theo Báo cáo", "Attached to the report of"),
            report.name,
            period_text(doc, lang)
        ),
        BODY - 1.0,
        Weight::Regular,
        Align::Center,
    );
    flow.gap(6.0);
    let rows: Vec<Vec<String>> = report
        .children
        .iter()
        .map(|child| {
            let index = child.indices.get(&report.rank_by);
            vec![
                child.rank.map(|r| r.to_string()).unwrap_or_else(|| "—".into()),
                child.name.clone(),
                percent(index.and_then(|v| v.value), lang),
                lang.number(child.responses as f64, 0),
                index.map(|v| change(v, lang)).unwrap_or_default(),
                sample_text(&child.sample, lang),
                child
                    .unranked
                    .map(|why| why.message().get(lang).to_string())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    flow.table(
        &[
            (t("Hạng", "Rank"), 0.07, true),
            (t("Đơn vị", "Unit"), 0.27, false),
            ("%", 0.09, true),
            (t("Số phiếu", "Responses"), 0.10, true),
            (t("Thay đổi", "Change"), 0.09, true),
            (t("Cỡ mẫu", "Sample"), 0.22, false),
            (t("Ghi chú", "Note"), 0.16, false),
        ],
        &rows,
        None,
    );
    flow.text(
        t(
            "Chỉ xếp hạng đơn vị có giá trị, không phải mẫu nhỏ và đạt cỡ mẫu (hoặc chưa có số hồ sơ); các đơn vị khác ở cuối bảng kèm lý do.",
            "Only units with a value, not a small sample and with their sample target met (or no dossier counts) are ranked; the others come last, with the reason.",
        ),
        BODY - 1.5,
        Weight::Regular,
        Align::Left,
    );
}

/// Phụ lục II: satisfaction by who answered, small groups merged or left out.
fn by_respondent(flow: &mut Flow, doc: &OfficialReport, lang: Lang) {
    let t = |vi: &'static str, en: &'static str| lang.pick(vi, en);
    let views =
        crate::present::breakdown::breakdown_views(&doc.form, &doc.breakdowns, doc.report.min_sample, lang);
    let Some(measure) = &doc.breakdowns.measure else {
        return;
    };
    if views.iter().all(|v| v.groups.is_empty()) {
        return;
    }
    flow.new_page();
    let numbered = if doc.report.children.is_empty() {
        t("Phụ lục I", "Appendix I")
    } else {
        t("Phụ lục II", "Appendix II")
    };
    flow.text(numbered, 13.0, Weight::Bold, Align::Center);
    flow.text(
        &format!(
            "{} — {}",
            t("KẾT QUẢ THEO NHÓM NGƯỜI TRẢ LỜI", "RESULTS BY RESPONDENT"),
            label(doc, &measure.index, lang).to_uppercase()
        ),
        12.0,
        Weight::Bold,
        Align::Center,
    );
    flow.gap(6.0);
    for view in views.iter().filter(|v| !v.groups.is_empty()) {
        let rows: Vec<Vec<String>> = view
            .groups
            .iter()
            .map(|g| {
                vec![
                    g.name.clone(),
                    lang.number(g.n as f64, 0),
                    lang.number(g.value, 2),
                ]
            })
            .collect();
        flow.table(
            &[
                (view.title.as_str(), 0.6, false),
                ("n", 0.15, true),
                ("%", 0.25, true),
            ],
            &rows,
            None,
        );
        if !view.note.is_empty() {
            flow.text(&view.note, BODY - 1.5, Weight::Regular, Align::Left);
        }
    }
}

/// Page numbers centred in the top margin, none on the first page (Decree 30).
fn number_pages(flow: &mut Flow) {
    for (at, page) in flow.pages.iter_mut().enumerate().skip(1) {
        page.paragraph(
            LEFT,
            12.0 * MM,
            Flow::width(),
            10.0,
            Weight::Regular,
            Align::Center,
            0.0,
            &(at + 1).to_string(),
        );
    }
}
