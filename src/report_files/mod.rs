//! The official report as files to attach to a document: an Excel workbook for those who
//! work on the figures, and an A4 PDF in the Vietnamese administrative style (Decree
//! 30/2020's header block) that prints in black and white. Both show the same
//! [`OfficialReport`](crate::app::official_report::OfficialReport), with the method stated.

pub mod pdf;
pub mod xlsx;

use crate::app::official_report::OfficialReport;
use crate::i18n::Lang;
use crate::present::period_name;

/// The file formats of the official report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFile {
    Xlsx,
    Pdf,
}

impl ReportFile {
    pub fn parse(extension: &str) -> Option<ReportFile> {
        match extension {
            "xlsx" => Some(ReportFile::Xlsx),
            "pdf" => Some(ReportFile::Pdf),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ReportFile::Xlsx => "xlsx",
            ReportFile::Pdf => "pdf",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ReportFile::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ReportFile::Pdf => "application/pdf",
        }
    }

    /// The file's bytes.
    pub fn render(self, doc: &OfficialReport, lang: Lang) -> Result<Vec<u8>, String> {
        match self {
            ReportFile::Xlsx => xlsx::workbook(doc, lang).map_err(|e| e.to_string()),
            ReportFile::Pdf => pdf::document(doc, lang),
        }
    }

    /// `bao-cao-sipas-P1-2025Q3.pdf`: ASCII only, so every browser keeps it.
    pub fn file_name(self, doc: &OfficialReport) -> String {
        let safe = |text: &str| -> String {
            text.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        };
        format!(
            "bao-cao-{}-{}-{}.{}",
            safe(&doc.report.form),
            safe(&doc.report.unit),
            safe(&doc.report.period.replace("..", "_")),
            self.extension()
        )
    }
}

/// The period in words, with its days: «Quý 3/2025 (01/07/2025 – 30/09/2025)».
pub fn period_text(doc: &OfficialReport, lang: Lang) -> String {
    let report = &doc.report;
    let name = period_name(&report.period, report.from, report.to, lang);
    if report.period.contains("..") {
        name
    } else {
        format!("{name} ({} – {})", lang.date(report.from), lang.date(report.to))
    }
}

/// The report's title under «BÁO CÁO».
pub fn title(doc: &OfficialReport, lang: Lang) -> String {
    format!(
        "{} {} — {}",
        lang.pick(
            "Kết quả khảo sát sự hài lòng của người dân, tổ chức đối với sự phục vụ của",
            "Citizen and business satisfaction with the service of"
        ),
        doc.report.name,
        period_name(&doc.report.period, doc.report.from, doc.report.to, lang)
    )
}

/// An index's name in the form, or its id.
pub fn label(doc: &OfficialReport, id: &str, lang: Lang) -> String {
    doc.form
        .index(id)
        .map(|i| i.label.get(lang).to_string())
        .unwrap_or_else(|| id.to_string())
}

/// What kind of index `id` is on the form: the headline, an element, a criterion.
pub fn kind(doc: &OfficialReport, id: &str, lang: Lang) -> &'static str {
    let form = &doc.form;
    if id == form.headline {
        return lang.pick("Chỉ số chung", "Headline");
    }
    if form.index(id).and_then(|i| i.group.as_deref()) == Some("element") {
        return lang.pick("Yếu tố", "Element");
    }
    if crate::indices::focus::criteria(form).contains(&id) {
        return lang.pick("Tiêu chí", "Criterion");
    }
    lang.pick("Chỉ số khác", "Other")
}
