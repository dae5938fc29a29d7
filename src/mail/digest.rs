//! Digests: for each official who chose them, their unit's headline and element indices
//! (of the questionnaire most of the unit's desks ask) over the last whole week or month with the change since the one before, the three
//! best and three worst child units, the responses, and a link to the dashboard.

use askama::Template;
use chrono::{Datelike, Days, NaiveDate};

use super::Composed;
use crate::config::Settings;
use crate::db::users::User;
use crate::db::{self, DbConnection};
use crate::desks::DEFAULT_FORM;
use crate::forms::{Form, FormRegistry};
use crate::i18n::Lang;
use crate::indices::report::Report;
use crate::indices::{Period, Population, ReportError, ReportRequest, build};
use crate::present::{self, Figure};

/// How often an official hears from sipas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    Weekly,
    Monthly,
}

impl Cadence {
    /// As stored in `users.digest`; `None` for `none`.
    pub fn parse(text: &str) -> Option<Cadence> {
        match text {
            "weekly" => Some(Cadence::Weekly),
            "monthly" => Some(Cadence::Monthly),
            _ => None,
        }
    }

    /// The last whole week (Monday to Sunday) or month before `today`.
    pub fn last_period(self, today: NaiveDate) -> Period {
        let (from, to) = match self {
            Cadence::Weekly => {
                let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
                (monday - Days::new(7), monday - Days::new(1))
            }
            Cadence::Monthly => {
                let first = today.with_day(1).unwrap_or(today);
                let last_month_end = first - Days::new(1);
                (
                    last_month_end.with_day(1).unwrap_or(last_month_end),
                    last_month_end,
                )
            }
        };
        Period::days(&from.to_string(), &to.to_string()).expect("a week or month runs forward")
    }
}

/// A child unit in the best or worst three.
pub struct ChildLine {
    pub name: String,
    pub value: String,
    pub n: String,
    pub low_sample: bool,
}

/// What a digest says, for its two templates.
pub struct Digest {
    pub lang: Lang,
    pub cadence: Cadence,
    pub unit_name: String,
    pub period_text: String,
    pub headline: Figure,
    pub elements: Vec<Figure>,
    pub responses: String,
    pub previous_responses: String,
    pub best: Vec<ChildLine>,
    pub worst: Vec<ChildLine>,
    pub link: String,
    pub min_sample: u32,
    /// Units with answers that may not be ranked (a small sample, a sample target not
    /// met, no value), left out of the best and worst.
    pub unranked: usize,
}

impl Digest {
    pub fn t<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(vi, en)
    }

    fn title(&self) -> &'static str {
        match self.cadence {
            Cadence::Weekly => self.t("Bản tin tuần", "Weekly digest"),
            Cadence::Monthly => self.t("Bản tin tháng", "Monthly digest"),
        }
    }

    /// `82,66 % (+1,20)`: a figure with its change, for the text part.
    pub fn line(&self, figure: &Figure) -> String {
        let mut line = figure.value.clone();
        if figure.value != "—" {
            line.push_str(" %");
        }
        if !figure.change.is_empty() {
            line.push_str(&format!(" ({})", figure.change));
        }
        line
    }
}

#[derive(Template)]
#[template(path = "mail/digest.html")]
struct DigestHtml<'a> {
    d: &'a Digest,
}

#[derive(Template)]
#[template(path = "mail/digest.txt")]
struct DigestText<'a> {
    d: &'a Digest,
}

/// The digest of `report` (of `form`) for a reader.
pub fn compose(
    report: &Report,
    form: &Form,
    reader: &User,
    cadence: Cadence,
    settings: &Settings,
) -> Composed {
    let lang = Lang::parse(&reader.language).unwrap_or(settings.language);
    let label = |id: &str| {
        form.index(id)
            .map_or_else(|| id.to_string(), |i| i.label.get(lang).to_string())
    };
    let headline = Figure::new(form, &report.headline, report.indices.get(&report.headline), lang);
    let elements = present::layout(form, &report.indices, lang)
        .elements
        .into_iter()
        .map(|e| e.figure)
        .collect();
    // Best and worst among the units the report ranks (DESIGN.md §9: a value, not a small
    // sample, the sample target met or unknown), when there are at least two; the others
    // are only counted.
    let ranked: Vec<ChildLine> = report
        .children
        .iter()
        .filter(|c| c.rank.is_some())
        .map(|c| {
            let figure = Figure::new(form, &report.headline, c.indices.get(&report.headline), lang);
            ChildLine {
                name: c.name.clone(),
                value: figure.value,
                n: figure.n,
                low_sample: figure.low_sample,
            }
        })
        .collect();
    let unranked = report
        .children
        .iter()
        .filter(|c| c.rank.is_none() && c.responses > 0)
        .count();
    let ranked = if ranked.len() >= 2 { ranked } else { Vec::new() };
    // The worst three, lowest first, among those not already in the best three.
    let worst_count = ranked.len().saturating_sub(3).min(3);
    let mut ranked = ranked;
    let mut worst: Vec<ChildLine> = ranked.split_off(ranked.len() - worst_count);
    worst.reverse();
    ranked.truncate(3);
    let query = serde_urlencoded::to_string([
        ("form", report.form.as_str()),
        ("from", &report.from.to_string()),
        ("to", &report.to.to_string()),
    ])
    .unwrap_or_default();
    let digest = Digest {
        lang,
        cadence,
        unit_name: report.name.clone(),
        period_text: format!("{} – {}", lang.date(report.from), lang.date(report.to)),
        headline,
        elements,
        responses: lang.number(report.responses as f64, 0),
        previous_responses: lang.number(report.previous.responses as f64, 0),
        best: ranked,
        worst,
        link: format!("{}/units/{}?{query}", settings.public_base_url(), report.unit),
        min_sample: report.min_sample,
        unranked,
    };
    // «Bản tin tháng 11/2026»: a month is named as people name it; a week by its days.
    let subject_period = match digest.cadence {
        Cadence::Monthly => report.from.format("%m/%Y").to_string(),
        Cadence::Weekly => digest.period_text.clone(),
    };
    let subject = format!(
        "[sipas] {} {}: {} — {} {}",
        digest.title(),
        subject_period,
        digest.unit_name,
        label(&report.headline),
        digest.line(&digest.headline)
    );
    Composed {
        dedup_key: format!(
            "digest:{}:{}:{}:{}",
            reader.id, report.unit, report.from, report.to
        ),
        recipient: reader.email.clone(),
        subject,
        text: DigestText { d: &digest }.render().unwrap_or_default(),
        html: DigestHtml { d: &digest }.render().unwrap_or_default(),
    }
}

/// The questionnaire a unit's digest is about: the one most of its subtree's desks ask,
/// or the default one.
fn form_of(conn: &mut DbConnection, unit: &str) -> diesel::QueryResult<String> {
    let units = db::units::subtree_codes(conn, unit)?;
    let mut asked: Vec<(String, usize)> = Vec::new();
    for desk in db::desks::list(conn, Some(&units))? {
        match asked.iter_mut().find(|(form, _)| *form == desk.form_id) {
            Some((_, count)) => *count += 1,
            None => asked.push((desk.form_id, 1)),
        }
    }
    asked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(asked
        .into_iter()
        .next()
        .map_or_else(|| DEFAULT_FORM.to_string(), |(form, _)| form))
}

/// The digests due at `today` that were not queued yet: for every official who chose
/// them, one per unit they are an official of, over the last whole week or month.
pub fn due(
    conn: &mut DbConnection,
    forms: &FormRegistry,
    settings: &Settings,
    today: NaiveDate,
) -> Result<Vec<Composed>, ReportError> {
    let mut digests = Vec::new();
    for (reader, grants) in db::users::digest_readers(conn)? {
        let Some(cadence) = Cadence::parse(&reader.digest) else {
            continue;
        };
        let period = cadence.last_period(today);
        let units = grants
            .iter()
            .filter(|g| g.role == crate::auth::Role::Official.as_str())
            .filter_map(|g| g.unit_code.as_deref());
        for unit in units {
            let key = format!("digest:{}:{unit}:{}:{}", reader.id, period.from, period.to);
            if db::outbox::is_queued(conn, &key)? {
                continue;
            }
            let form = form_of(conn, unit)?;
            let request = ReportRequest {
                unit,
                form: &form,
                period,
                rollup: None,
                rank_by: None,
                min_sample: settings.min_sample,
                field: None,
                population: Population::Official,
                sample_margin: settings.sample_margin,
            };
            let report = match build(conn, forms, &request) {
                Ok(report) => report,
                // A unit removed since the grant, or a deployment without the form.
                Err(ReportError::UnknownUnit(_) | ReportError::UnknownForm { .. }) => continue,
                Err(other) => return Err(other),
            };
            let Some(registered) = forms.current(&report.form) else {
                continue;
            };
            digests.push(compose(&report, &registered.form, &reader, cadence, settings));
        }
    }
    Ok(digests)
}

/// Queues the digests due at `today`; how many were queued.
pub fn queue_due(
    conn: &mut DbConnection,
    forms: &FormRegistry,
    settings: &Settings,
    today: NaiveDate,
) -> Result<usize, ReportError> {
    let mut queued = 0;
    for digest in due(conn, forms, settings, today)? {
        if digest.queue(conn, "digest")? {
            queued += 1;
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_whole_week_and_month_before_a_day() {
        let d = |t: &str| t.parse::<NaiveDate>().unwrap();
        // Tuesday 1 December 2026: the week of 23–29 November, the month of November.
        let week = Cadence::Weekly.last_period(d("2026-12-01"));
        assert_eq!((week.from, week.to), (d("2026-11-23"), d("2026-11-29")));
        let month = Cadence::Monthly.last_period(d("2026-12-01"));
        assert_eq!((month.from, month.to), (d("2026-11-01"), d("2026-11-30")));
        // On a Monday, the week that ended the day before; in January, December.
        let week = Cadence::Weekly.last_period(d("2026-11-30"));
        assert_eq!((week.from, week.to), (d("2026-11-23"), d("2026-11-29")));
        let month = Cadence::Monthly.last_period(d("2026-01-15"));
        assert_eq!((month.from, month.to), (d("2025-12-01"), d("2025-12-31")));
    }
}
