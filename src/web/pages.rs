//! What every HTML page shares: the language, the language switch, rendering.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::i18n::{LANG_PARAM, Lang};

use super::error::AppError;

/// The context of the base layout (`templates/base.html`), held by every page struct.
#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    /// The current address with the other language chosen.
    pub switch_href: String,
    /// Whether the request chose a language explicitly (`?lang=`), to remember it.
    chose_lang: bool,
}

impl Page {
    pub fn new(req: &HttpRequest) -> Page {
        let lang = Lang::of_request(req);
        let (lang_params, mut others): (Vec<&str>, Vec<&str>) = req
            .query_string()
            .split('&')
            .filter(|pair| !pair.is_empty())
            .partition(|pair| pair.split('=').next() == Some(LANG_PARAM));
        // The switch keeps the rest of the address (filters, a typed code) as it is.
        let switch = format!("{LANG_PARAM}={}", lang.other());
        others.push(&switch);
        Page {
            lang,
            switch_href: format!("{}?{}", req.path(), others.join("&")),
            chose_lang: !lang_params.is_empty(),
        }
    }

    /// The Vietnamese or English text, for templates: `{{ page.t("Xin chào", "Hello") }}`.
    pub fn t<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(vi, en)
    }

    /// The name of the other language, shown on the switch.
    pub fn other_language_name(&self) -> &'static str {
        match self.lang.other() {
            Lang::Vi => "Tiếng Việt",
            Lang::En => "English",
        }
    }
}

/// Renders a page template into a response with `status`, remembering an explicit
/// language choice in a cookie.
pub fn render(page: &Page, status: StatusCode, template: &impl Template) -> Result<HttpResponse, AppError> {
    let body = template.render()?;
    let mut response = HttpResponse::build(status);
    response.content_type("text/html; charset=utf-8");
    if page.chose_lang {
        response.cookie(
            Cookie::build(LANG_PARAM, page.lang.code())
                .path("/")
                .max_age(CookieDuration::days(365))
                .same_site(SameSite::Lax)
                .http_only(true)
                .finish(),
        );
    }
    Ok(response.body(body))
}
