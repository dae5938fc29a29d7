//! The official report as one use case: a unit's report with where it stands among its
//! siblings, what to fix first and the agencies above it (for the header of a document
//! in the style of Decree 30/2020), ready for the files of [`crate::report_files`]. The
//! dashboard's «Tải báo cáo» and `sipas report --format xlsx|pdf` both call [`load`].

use crate::app::breakdowns::{self, BreakdownQuery, Breakdowns};
use crate::db::units::Unit;
use crate::db::{self, DbConnection};
use crate::forms::{Form, FormRegistry};
use crate::indices::focus::Focus;
use crate::indices::standing::Standing;
use crate::indices::{Report, ReportError, ReportRequest, build};

/// Everything an official report file shows.
pub struct OfficialReport {
    pub report: Report,
    pub form: Form,
    /// The unit, then the units above it, up to the root.
    pub lineage: Vec<Unit>,
    pub standing: Option<Standing>,
    pub focus: Focus,
    /// Satisfaction by who answered.
    pub breakdowns: Breakdowns,
    /// The local day the file is made.
    pub generated: chrono::NaiveDate,
}

impl OfficialReport {
    /// The unit the report is about.
    pub fn unit(&self) -> Option<&Unit> {
        self.lineage.first()
    }

    /// The unit directly above, whose name heads a document as the governing body.
    pub fn parent(&self) -> Option<&Unit> {
        self.lineage.get(1)
    }
}

pub fn load(
    conn: &mut DbConnection,
    forms: &FormRegistry,
    request: &ReportRequest<'_>,
    generated: chrono::NaiveDate,
) -> Result<OfficialReport, ReportError> {
    let report = build(conn, forms, request)?;
    let form = forms
        .current(&report.form)
        .ok_or_else(|| ReportError::UnknownForm {
            form: report.form.clone(),
            known: forms.ids(),
        })?
        .form
        .clone();
    let lineage = db::units::lineage(conn, &report.unit)?;
    let standing = crate::app::dashboard::standing(conn, forms, &lineage, request)?;
    let focus = Focus::of(&form, &report);
    let breakdowns = breakdowns::load(
        conn,
        &BreakdownQuery {
            unit: &report.unit,
            form: &form,
            period: request.period,
            field: request.field,
            population: request.population,
            min_sample: request.min_sample,
        },
    )?;
    Ok(OfficialReport {
        report,
        form,
        lineage,
        standing,
        focus,
        breakdowns,
        generated,
    })
}
