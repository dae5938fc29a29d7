//! What every HTML page shares: the language, the language switch, rendering.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::auth::secrets::Secrets;
use crate::auth::{Identity, Role};
use crate::config::Settings;
use crate::i18n::{LANG_PARAM, Lang};
use crate::web::csrf;

use super::error::AppError;

/// The context of the base layout (`templates/base.html`), held by every page struct.
#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    /// The current address with the other language chosen.
    pub switch_href: String,
    /// Whether the request chose a language explicitly (`?lang=`), to remember it.
    chose_lang: bool,
    /// The token the page's forms carry (empty on pages without forms that change state).
    pub csrf: String,
    /// The signed-in user's menu.
    pub nav: Option<Nav>,
    /// Cookies the response must set (a first CSRF cookie).
    cookies: Vec<Cookie<'static>>,
}

/// The menu of a signed-in user.
#[derive(Debug, Clone)]
pub struct Nav {
    pub name: String,
    pub links: Vec<NavLink>,
}

#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: String,
    pub label: &'static str,
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
            csrf: String::new(),
            nav: None,
            cookies: Vec::new(),
        }
    }

    /// The same page in `lang`, chosen by the reader (a button that posts the page's
    /// answers): remembered in the cookie like `?lang=`.
    pub fn in_lang(mut self, lang: Lang) -> Page {
        self.lang = lang;
        self.chose_lang = true;
        self
    }

    /// A page with forms that change state: it carries this browser's CSRF token.
    pub fn with_forms(req: &HttpRequest, secrets: &Secrets, settings: &Settings) -> Page {
        let mut page = Page::new(req);
        let (token, cookie) = csrf::token(req, secrets, settings.secure_cookies());
        page.csrf = token;
        page.cookies.extend(cookie);
        page
    }

    /// A page for a signed-in user: their menu, and the CSRF token of their forms (signing
    /// out is one).
    pub fn signed_in(req: &HttpRequest, identity: &Identity, secrets: &Secrets, settings: &Settings) -> Page {
        let mut page = Page::with_forms(req, secrets, settings);
        let lang = page.lang;
        let mut links = Vec::new();
        if identity.is_admin() {
            links.push(NavLink {
                href: "/admin/".into(),
                label: lang.pick("Quản trị", "Admin"),
            });
        }
        for unit in identity.units_with(Role::Official) {
            links.push(NavLink {
                href: format!("/units/{unit}"),
                label: lang.pick("Đơn vị", "My unit"),
            });
        }
        if identity.is_admin() || !identity.units_with(Role::Staff).is_empty() {
            links.push(NavLink {
                href: "/staff/".into(),
                label: lang.pick("Quầy", "Desks"),
            });
        }
        links.push(NavLink {
            href: "/account".into(),
            label: lang.pick("Tài khoản", "Account"),
        });
        page.nav = Some(Nav {
            name: identity.display_name().to_string(),
            links,
        });
        page
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
    for cookie in &page.cookies {
        response.cookie(cookie.clone());
    }
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
