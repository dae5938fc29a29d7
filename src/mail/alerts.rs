//! Alert rules, checked by the worker: when one holds, its unit's officials (and whoever
//! set it) get one mail for that rule and period — the month for `below` and `drop`, the
//! week for `comments`, the day for `burst` — however often the rule is checked.

use askama::Template;
use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, Utc};

use super::Composed;
use crate::config::Settings;
use crate::db::alerts::{AlertKind, AlertRule};
use crate::db::comments::{self, CommentQuery};
use crate::db::users::User;
use crate::db::{self, DbConnection};
use crate::forms::FormRegistry;
use crate::i18n::{Lang, Message};
use crate::indices::{Period, Population, Report, ReportError, ReportRequest, build};
use crate::present::Figure;

/// What a rule that holds found, in both languages.
pub struct Finding {
    /// The period it is sent once for (`2026-11`, `2026-11-23`, …).
    pub period: String,
    pub headline: Message,
    pub details: Vec<Message>,
}

/// What an alert says, for its two templates.
pub struct Alert {
    pub lang: Lang,
    pub unit_name: String,
    pub headline: String,
    pub details: Vec<String>,
    pub link: String,
}

impl Alert {
    pub fn t<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(vi, en)
    }
}

#[derive(Template)]
#[template(path = "mail/alert.html")]
struct AlertHtml<'a> {
    a: &'a Alert,
}

#[derive(Template)]
#[template(path = "mail/alert.txt")]
struct AlertText<'a> {
    a: &'a Alert,
}

/// The month of `today` so far.
fn month_to_date(today: NaiveDate) -> Period {
    Period::parse(&today.format("%Y-%m").to_string()).expect("a month parses")
}

/// Checks one rule at `now`; `None` when it does not hold.
pub fn check(
    conn: &mut DbConnection,
    forms: &FormRegistry,
    settings: &Settings,
    rule: &AlertRule,
    now: DateTime<Utc>,
) -> Result<Option<Finding>, ReportError> {
    let today = now.with_timezone(&settings.tz()).date_naive();
    match rule.kind {
        AlertKind::Below | AlertKind::Drop => check_month(conn, forms, settings, rule, today),
        AlertKind::Comments => check_comments(conn, rule, today),
        AlertKind::Burst => check_burst(conn, rule, now, today),
    }
}

/// `below` and `drop`: this month's figures so far.
fn check_month(
    conn: &mut DbConnection,
    forms: &FormRegistry,
    settings: &Settings,
    rule: &AlertRule,
    today: NaiveDate,
) -> Result<Option<Finding>, ReportError> {
    let request = ReportRequest {
        unit: &rule.unit_code,
        form: &rule.form_id,
        period: month_to_date(today),
        rollup: None,
        rank_by: None,
        min_sample: settings.min_sample,
        field: None,
        population: Population::Official,
        sample_margin: settings.sample_margin,
    };
    let report = build(conn, forms, &request)?;
    let Some(registered) = forms.current(&rule.form_id) else {
        return Ok(None);
    };
    let shown = |id: &str, lang: Lang| Figure::new(&registered.form, id, report.indices.get(id), lang);
    let month = today.format("%m/%Y").to_string();
    let headline_and_details = if rule.kind == AlertKind::Below {
        below(rule, &report, &shown, &month)
    } else {
        dropped(rule, &report, &shown, &month)
    };
    Ok(headline_and_details.map(|(headline, details)| Finding {
        period: today.format("%Y-%m").to_string(),
        headline,
        details,
    }))
}

/// A figure of the report, formatted for people in one language.
type Shown<'a> = dyn Fn(&str, Lang) -> Figure + 'a;

/// `below`: the watched index (the headline by default) under the threshold.
fn below(
    rule: &AlertRule,
    report: &Report,
    shown: &Shown<'_>,
    month: &str,
) -> Option<(Message, Vec<Message>)> {
    let index = rule.index_id.clone().unwrap_or_else(|| report.headline.clone());
    let value = report.indices.get(&index).filter(|v| v.n >= rule.min_n)?;
    if value.value.is_none_or(|v| v >= rule.threshold) {
        return None;
    }
    let (vi, en) = (shown(&index, Lang::Vi), shown(&index, Lang::En));
    let headline = Message::new(
        format!(
            "{} tháng {month}: {} % (n = {}), dưới {}",
            vi.label,
            vi.value,
            vi.n,
            Lang::Vi.number(rule.threshold, 2)
        ),
        format!(
            "{} in {month}: {} % (n = {}), below {}",
            en.label,
            en.value,
            en.n,
            Lang::En.number(rule.threshold, 2)
        ),
    );
    Some((headline, Vec::new()))
}

/// `drop`: the watched index (or every index) fallen more than the threshold.
fn dropped(
    rule: &AlertRule,
    report: &Report,
    shown: &Shown<'_>,
    month: &str,
) -> Option<(Message, Vec<Message>)> {
    let watched: Vec<String> = match &rule.index_id {
        Some(index) => vec![index.clone()],
        None => report.indices.0.iter().map(|(id, _)| id.clone()).collect(),
    };
    let fallen: Vec<Message> = watched
        .iter()
        .filter(|id| {
            report
                .indices
                .get(id)
                .is_some_and(|v| v.n >= rule.min_n && v.change.is_some_and(|c| c < -rule.threshold))
        })
        .map(|id| {
            let (vi, en) = (shown(id, Lang::Vi), shown(id, Lang::En));
            Message::new(
                format!("{}: {} % ({} điểm)", vi.label, vi.value, vi.change),
                format!("{}: {} % ({} points)", en.label, en.value, en.change),
            )
        })
        .collect();
    if fallen.is_empty() {
        return None;
    }
    let headline = Message::new(
        format!(
            "{} chỉ số giảm hơn {} điểm trong tháng {month} so với tháng trước",
            fallen.len(),
            Lang::Vi.number(rule.threshold, 2)
        ),
        format!(
            "{} indices fell more than {} points in {month} since the month before",
            fallen.len(),
            Lang::En.number(rule.threshold, 2)
        ),
    );
    Some((headline, fallen))
}

/// `comments`: more comments than the threshold since Monday.
fn check_comments(
    conn: &mut DbConnection,
    rule: &AlertRule,
    today: NaiveDate,
) -> Result<Option<Finding>, ReportError> {
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    let units = db::units::subtree_codes(conn, &rule.unit_code)?;
    let versions: Vec<i64> = db::forms::versions_of(conn, &rule.form_id)?
        .iter()
        .map(|v| v.id)
        .collect();
    let query = CommentQuery {
        units: &units,
        versions: &versions,
        from: monday,
        to: today,
        search: None,
        field: None,
        status: None,
    };
    let count = comments::count(conn, &query)?;
    if (count as f64) <= rule.threshold {
        return Ok(None);
    }
    Ok(Some(Finding {
        period: monday.to_string(),
        headline: Message::new(
            format!(
                "{count} góp ý trong tuần từ {} (ngưỡng {})",
                Lang::Vi.date(monday),
                Lang::Vi.number(rule.threshold, 0)
            ),
            format!(
                "{count} comments in the week from {} (threshold {})",
                Lang::En.date(monday),
                Lang::En.number(rule.threshold, 0)
            ),
        ),
        details: Vec::new(),
    }))
}

/// `burst`: desks that received more answers than the threshold in the last hour.
fn check_burst(
    conn: &mut DbConnection,
    rule: &AlertRule,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Option<Finding>, ReportError> {
    let units = db::units::subtree_codes(conn, &rule.unit_code)?;
    let desks = db::desks::list(conn, Some(&units))?;
    let ids: Vec<i64> = desks.iter().map(|d| d.id).collect();
    let counts = db::responses::per_desk_since(conn, &ids, (now - Duration::hours(1)).naive_utc())?;
    let bursts: Vec<Message> = counts
        .iter()
        .filter(|(_, count)| (*count as f64) > rule.threshold)
        .filter_map(|(desk, count)| {
            let desk = desks.iter().find(|d| Some(d.id) == *desk)?;
            Some(Message::new(
                format!(
                    "{} ({}): {count} phiếu trong một giờ qua",
                    desk.name, desk.unit_code
                ),
                format!(
                    "{} ({}): {count} responses in the last hour",
                    desk.name, desk.unit_code
                ),
            ))
        })
        .collect();
    if bursts.is_empty() {
        return Ok(None);
    }
    Ok(Some(Finding {
        period: today.to_string(),
        headline: Message::new(
            format!(
                "Số phiếu tăng vọt bất thường tại {} quầy (hơn {} phiếu một giờ) — có thể bị gian lận",
                bursts.len(),
                Lang::Vi.number(rule.threshold, 0)
            ),
            format!(
                "An unusual burst of responses at {} desks (more than {} an hour) — possibly ballot-stuffing",
                bursts.len(),
                Lang::En.number(rule.threshold, 0)
            ),
        ),
        details: bursts,
    }))
}

/// The mail of a finding for one reader.
pub fn compose(
    rule: &AlertRule,
    unit_name: &str,
    finding: &Finding,
    reader: &User,
    settings: &Settings,
) -> Composed {
    let lang = Lang::parse(&reader.language).unwrap_or(settings.language);
    let alert = Alert {
        lang,
        unit_name: unit_name.to_string(),
        headline: finding.headline.get(lang).to_string(),
        details: finding.details.iter().map(|d| d.get(lang).to_string()).collect(),
        link: format!(
            "{}/units/{}?form={}",
            settings.public_base_url(),
            rule.unit_code,
            rule.form_id
        ),
    };
    Composed {
        dedup_key: format!("alert:{}:{}:{}", rule.id, finding.period, reader.id),
        recipient: reader.email.clone(),
        subject: format!(
            "[sipas] {} — {}: {}",
            alert.t("Cảnh báo", "Alert"),
            alert.unit_name,
            alert.headline
        ),
        text: AlertText { a: &alert }.render().unwrap_or_default(),
        html: AlertHtml { a: &alert }.render().unwrap_or_default(),
    }
}

/// Checks every rule at `now` and queues the mails of those that hold, each reader's
/// mails of one finding in one transaction; how many mails were queued.
pub fn check_all(
    conn: &mut DbConnection,
    forms: &FormRegistry,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<usize, ReportError> {
    let mut queued = 0;
    for rule in db::alerts::list(conn, None)? {
        let finding = match check(conn, forms, settings, &rule, now) {
            Ok(Some(finding)) => finding,
            Ok(None) => continue,
            // A rule whose unit or form is gone stays quiet.
            Err(
                ReportError::UnknownUnit(_)
                | ReportError::UnknownForm { .. }
                | ReportError::UnknownIndex { .. },
            ) => {
                continue;
            }
            Err(other) => return Err(other),
        };
        let mut readers =
            db::users::with_grant_on(conn, crate::auth::Role::Official.as_str(), &rule.unit_code)?;
        if let Some(author) = rule.created_by
            && !readers.iter().any(|r| r.id == author)
            && let Some(user) = db::users::find(conn, author)?.filter(|u| !u.disabled)
        {
            readers.push(user);
        }
        let unit_name =
            db::units::find(conn, &rule.unit_code)?.map_or_else(|| rule.unit_code.clone(), |u| u.name);
        let mails: Vec<Composed> = readers
            .iter()
            .map(|reader| compose(&rule, &unit_name, &finding, reader, settings))
            .collect();
        queued += db::write_transaction(conn, |conn| -> diesel::QueryResult<usize> {
            let mut queued = 0;
            for mail in &mails {
                queued += usize::from(mail.queue(conn, "alert")?);
            }
            Ok(queued)
        })?;
    }
    Ok(queued)
}
