//! `/units/{code}/alerts`: the unit's alert rules, for its officials (and admins) to set
//! and remove. Each rule mails the unit's officials once per period when it holds.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::super::AppError;
use super::super::pages::{self, Page};
use crate::auth::secrets::Secrets;
use crate::config::Settings;
use crate::db::alerts::{AlertKind, AlertRule, NewAlertRule};
use crate::db::units::Unit;
use crate::db::{self, Database, DbError};
use crate::desks::DEFAULT_FORM;
use crate::forms::FormRegistry;
use crate::i18n::{Lang, Message};
use crate::web::extract::{Guarded, UnitAccess};

/// A rule as the page lists it.
struct RuleRow {
    id: i64,
    text: String,
    /// Why it cannot fire at the unit's volume, or empty.
    warning: String,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage<'a> {
    page: Page,
    unit: &'a Unit,
    rules: Vec<RuleRow>,
    forms: Vec<(String, String)>,
    /// The indices for the index choice, grouped by questionnaire: (its title, [(id,
    /// label)]).
    indices: Vec<(String, Vec<(String, String)>)>,
    /// No SMTP server is configured: rules are kept but no mail leaves.
    mail_off: bool,
    form: RuleForm,
    notice: &'a str,
    error: String,
}

/// A rule in words, e.g. «SIPAS dưới 80 với n ≥ 30 trong tháng».
fn describe(rule: &AlertRule, forms: &FormRegistry, lang: Lang) -> String {
    let index = |id: &Option<String>| {
        let form = forms.current(&rule.form_id);
        let id = id
            .clone()
            .or_else(|| form.as_ref().map(|f| f.form.headline.clone()))
            .unwrap_or_default();
        form.and_then(|f| f.form.index(&id).map(|i| i.label.get(lang).to_string()))
            .unwrap_or(id)
    };
    let threshold = lang.number(rule.threshold, if rule.threshold.fract() == 0.0 { 0 } else { 2 });
    match rule.kind {
        AlertKind::Below => format!(
            "{} {} {threshold} {} n ≥ {} {}",
            index(&rule.index_id),
            lang.pick("dưới", "below"),
            lang.pick("với", "with"),
            rule.min_n,
            lang.pick("trong tháng", "in a month")
        ),
        AlertKind::Drop => format!(
            "{} {} {threshold} {} ({} n ≥ {})",
            match &rule.index_id {
                Some(_) => index(&rule.index_id),
                None => lang.pick("Một chỉ số bất kỳ", "Any index").to_string(),
            },
            lang.pick("giảm hơn", "falls more than"),
            lang.pick("điểm so với tháng trước", "points since the month before"),
            lang.pick("với", "with"),
            rule.min_n
        ),
        AlertKind::Comments => format!(
            "{} {threshold} {}",
            lang.pick("Hơn", "More than"),
            lang.pick("góp ý trong một tuần", "comments in a week")
        ),
        AlertKind::Burst => format!(
            "{} {threshold} {}",
            lang.pick("Một quầy nhận hơn", "A desk receives more than"),
            lang.pick(
                "phiếu trong một giờ (nghi gian lận)",
                "responses within an hour (possible ballot-stuffing)"
            )
        ),
    }
}

/// The rule form as typed.
#[derive(Deserialize, Clone)]
pub struct RuleForm {
    #[serde(default = "below")]
    kind: String,
    #[serde(default = "default_form")]
    form: String,
    #[serde(default)]
    index: String,
    #[serde(default)]
    threshold: String,
    #[serde(default)]
    min_n: String,
}

fn below() -> String {
    "below".into()
}
fn default_form() -> String {
    DEFAULT_FORM.into()
}

impl Default for RuleForm {
    fn default() -> Self {
        RuleForm {
            kind: below(),
            form: default_form(),
            index: String::new(),
            threshold: "80".into(),
            min_n: String::new(),
        }
    }
}

impl RuleForm {
    /// The rule it asks for, or why not.
    fn check(
        &self,
        forms: &FormRegistry,
        min_sample: u32,
    ) -> Result<(AlertKind, String, Option<String>, f64, i64), Message> {
        let kind = AlertKind::parse(&self.kind)
            .ok_or_else(|| Message::new("Hãy chọn một loại cảnh báo.", "Choose a kind of alert."))?;
        let form = forms.current(&self.form).ok_or_else(|| {
            Message::new(
                format!("Không có phiếu khảo sát «{}».", self.form),
                format!("There is no questionnaire «{}».", self.form),
            )
        })?;
        let index = Some(self.index.trim()).filter(|i| !i.is_empty() && kind.watches_an_index());
        if let Some(index) = index
            && form.form.index(index).is_none()
        {
            return Err(Message::new(
                format!("Phiếu «{}» không có chỉ số «{index}».", self.form),
                format!("Questionnaire «{}» has no index «{index}».", self.form),
            ));
        }
        let threshold = self
            .threshold
            .trim()
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|t| t.is_finite() && *t >= 0.0)
            .filter(|t| !kind.watches_an_index() || *t <= 100.0)
            .ok_or_else(|| {
                Message::new(
                    "Ngưỡng phải là một số không âm (điểm phần trăm: tối đa 100).",
                    "The threshold must be a number, not negative (percentage points: 100 at most).",
                )
            })?;
        let min_n = match self.min_n.trim() {
            "" => i64::from(min_sample),
            text => text
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=1_000_000).contains(n))
                .ok_or_else(|| {
                    Message::new(
                        "Số người trả lời tối thiểu phải là số nguyên từ 1.",
                        "The smallest number of answers must be a whole number from 1.",
                    )
                })?,
        };
        Ok((
            kind,
            form.form.id.clone(),
            index.map(str::to_string),
            threshold,
            min_n,
        ))
    }
}

async fn render(
    req: &HttpRequest,
    access: &UnitAccess,
    status: StatusCode,
    form: RuleForm,
    notice: &str,
    error: String,
) -> Result<HttpResponse, AppError> {
    let data = |name: &str| AppError::internal(format!("{name} is not configured"));
    let db = req
        .app_data::<web::Data<Database>>()
        .ok_or_else(|| data("database"))?;
    let forms = req
        .app_data::<web::Data<FormRegistry>>()
        .ok_or_else(|| data("forms"))?;
    let secrets = req
        .app_data::<web::Data<Secrets>>()
        .ok_or_else(|| data("secrets"))?;
    let settings = req
        .app_data::<web::Data<Settings>>()
        .ok_or_else(|| data("settings"))?;
    let page = Page::signed_in(req, &access.identity, secrets, settings);
    let code = access.unit.code.clone();
    let month_cache = req
        .app_data::<web::Data<crate::indices::trend::MonthCache>>()
        .ok_or_else(|| data("month cache"))?
        .clone();
    let (registry, today) = (forms.clone(), super::today(settings)?);
    // Each rule with the busiest month of its questionnaire in the unit (once per form).
    let rules = db
        .run(
            move |conn| -> Result<Vec<(AlertRule, Option<i64>)>, crate::indices::ReportError> {
                let rules = db::alerts::list(conn, Some(&code))?;
                let mut busiest: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
                let mut out = Vec::new();
                for rule in rules {
                    let reach = match (rule.kind.as_str(), registry.current(&rule.form_id)) {
                        ("below" | "drop", Some(form)) => {
                            if !busiest.contains_key(&rule.form_id) {
                                let most = crate::app::alert_reach::busiest_month(
                                    conn,
                                    &month_cache,
                                    &code,
                                    &form.form,
                                    today,
                                )?;
                                busiest.insert(rule.form_id.clone(), most);
                            }
                            busiest.get(&rule.form_id).copied()
                        }
                        _ => None,
                    };
                    out.push((rule, reach));
                }
                Ok(out)
            },
        )
        .await?;
    let lang = page.lang;
    let all = forms.all();
    pages::render(
        &page,
        status,
        &AlertsPage {
            page: page.clone(),
            unit: &access.unit,
            rules: rules
                .iter()
                .map(|(r, busiest)| RuleRow {
                    id: r.id,
                    text: describe(r, forms, lang),
                    warning: match busiest {
                        Some(most) if *most < r.min_n => format!(
                            "{} {} {} n ≥ {}.",
                            lang.pick(
                                "Quy tắc này không thể xảy ra với lượng phiếu hiện nay: tháng nhiều nhất trong 12 tháng qua có",
                                "This rule cannot fire at the unit's volume: the busiest of the last 12 months had"
                            ),
                            lang.number(*most as f64, 0),
                            lang.pick("phiếu, quy tắc cần", "answers, the rule needs"),
                            r.min_n
                        ),
                        _ => String::new(),
                    },
                })
                .collect(),
            forms: all
                .iter()
                .map(|f| (f.form.id.clone(), f.form.title.get(lang).to_string()))
                .collect(),
            indices: all
                .iter()
                .map(|f| {
                    let indices = f
                        .form
                        .indices
                        .iter()
                        .map(|i| (i.id.clone(), i.label.get(lang).to_string()))
                        .collect();
                    (f.form.title.get(lang).to_string(), indices)
                })
                .collect(),
            mail_off: settings.smtp_host.trim().is_empty(),
            form,
            notice,
            error,
        },
    )
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    ok: String,
}

/// `GET /units/{code}/alerts`
pub async fn list(
    req: HttpRequest,
    access: UnitAccess,
    done: web::Query<Done>,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::of_request(&req);
    let notice = match done.ok.as_str() {
        "added" => lang.pick("Đã thêm quy tắc.", "Rule added."),
        "removed" => lang.pick("Đã xóa quy tắc.", "Rule removed."),
        _ => "",
    };
    render(
        &req,
        &access,
        StatusCode::OK,
        RuleForm::default(),
        notice,
        String::new(),
    )
    .await
}

fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((LOCATION, to)).finish()
}

/// `POST /units/{code}/alerts`
pub async fn add(
    Guarded(access, web::Form(form)): Guarded<UnitAccess, web::Form<RuleForm>>,
    req: HttpRequest,
    db: web::Data<Database>,
    forms: web::Data<FormRegistry>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let (kind, form_id, index, threshold, min_n) = match form.check(&forms, settings.min_sample) {
        Ok(rule) => rule,
        Err(refused) => {
            let error = refused.get(Lang::of_request(&req)).to_string();
            return render(&req, &access, StatusCode::UNPROCESSABLE_ENTITY, form, "", error).await;
        }
    };
    let (unit, author) = (access.unit.code.clone(), access.identity.user_id());
    db.run(move |conn| {
        let rule = NewAlertRule {
            unit_code: &unit,
            form_id: &form_id,
            kind: kind.as_str(),
            index_id: index.as_deref(),
            threshold,
            min_n,
            created_by: author,
            created_at: db::now(),
        };
        db::alerts::insert(conn, &rule).map_err(DbError::from)
    })
    .await?;
    Ok(see_other(format!("/units/{}/alerts?ok=added", access.unit.code)))
}

/// `POST /units/{code}/alerts/{id}/delete`
pub async fn delete(
    access: UnitAccess,
    path: web::Path<(String, i64)>,
    db: web::Data<Database>,
) -> Result<HttpResponse, AppError> {
    let (_, id) = path.into_inner();
    let unit = access.unit.code.clone();
    let removed = db
        .run(move |conn| db::alerts::delete(conn, &unit, id).map_err(DbError::from))
        .await?;
    if !removed {
        return Err(AppError::page_not_found());
    }
    Ok(see_other(format!(
        "/units/{}/alerts?ok=removed",
        access.unit.code
    )))
}
