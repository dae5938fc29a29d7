//! Vietnamese first, English second: the language of a page or a message.

use std::borrow::Cow;
use std::fmt;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::{Deserialize, Serialize};

/// Name of the query parameter and cookie that carry an explicit language choice.
pub const LANG_PARAM: &str = "lang";

/// A language sipas speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// The BCP 47 tag, for `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The other language, offered by the switch on every page.
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// Picks the Vietnamese or the English text.
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    /// A number with `decimals` digits after the point, as this language writes it:
    /// `1.234,56` in Vietnamese, `1,234.56` in English.
    pub fn number(self, value: f64, decimals: usize) -> String {
        let text = format!("{:.*}", decimals, value.abs());
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        let (group, point) = match self {
            Lang::Vi => ('.', ','),
            Lang::En => (',', '.'),
        };
        let mut out = String::new();
        if value < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
            out.push('-');
        }
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                out.push(group);
            }
            out.push(digit);
        }
        if !fraction.is_empty() {
            out.push(point);
            out.push_str(fraction);
        }
        out
    }

    /// A day as this language writes it: `22/11/2026` in Vietnamese, `22 Nov 2026` in
    /// English.
    pub fn date(self, day: chrono::NaiveDate) -> String {
        match self {
            Lang::Vi => day.format("%d/%m/%Y").to_string(),
            Lang::En => day.format("%-d %b %Y").to_string(),
        }
    }

    /// Parses `vi` or `en` (also `vi-VN`, `en-GB`...).
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language a request asks for: `?lang=`, then the `lang` cookie, then the first
    /// known language of `Accept-Language`, else Vietnamese.
    pub fn of_request(req: &HttpRequest) -> Lang {
        let from_query = req.query_string().split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == LANG_PARAM).then(|| Lang::parse(value)).flatten()
        });
        from_query
            .or_else(|| req.cookie(LANG_PARAM).and_then(|c| Lang::parse(c.value())))
            .or_else(|| {
                let header = req.headers().get(actix_web::http::header::ACCEPT_LANGUAGE)?;
                accept_language(header.to_str().ok()?)
            })
            .unwrap_or_default()
    }
}

/// The most preferred language of an `Accept-Language` header that sipas speaks.
fn accept_language(header: &str) -> Option<Lang> {
    let mut choices: Vec<(f32, Lang)> = header
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let lang = Lang::parse(parts.next()?)?;
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q=")?.parse::<f32>().ok())
                .unwrap_or(1.0);
            Some((quality, lang))
        })
        .collect();
    // A stable sort keeps the header's order among equal qualities.
    choices.sort_by(|a, b| b.0.total_cmp(&a.0));
    choices.first().filter(|(q, _)| *q > 0.0).map(|(_, l)| *l)
}

impl FromRequest for Lang {
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Lang, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Lang::of_request(req)))
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Something that can explain itself to a person in either language.
pub trait Localized {
    fn message(&self) -> Message;
}

/// A text a person will read, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub vi: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Message {
    pub fn new(vi: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Message {
        Message {
            vi: vi.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.vi, &self.en)
    }

    /// The text in `lang` as a sentence on a page: the command line prints these after
    /// `sipas: ` in lower case, a page starts them with a capital.
    pub fn sentence(&self, lang: Lang) -> String {
        let text = self.get(lang);
        let mut chars = text.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    }
}

impl fmt::Display for Message {
    /// Vietnamese, the product's first language; callers that know the reader's language
    /// use [`Message::get`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.vi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn numbers_and_dates_are_written_the_local_way() {
        assert_eq!(Lang::Vi.number(82.66, 2), "82,66");
        assert_eq!(Lang::En.number(82.66, 2), "82.66");
        assert_eq!(Lang::Vi.number(1234567.0, 0), "1.234.567");
        assert_eq!(Lang::En.number(1234567.891, 1), "1,234,567.9");
        assert_eq!(Lang::Vi.number(-3.5, 2), "-3,50");
        assert_eq!(Lang::En.number(-0.001, 2), "0.00");
        assert_eq!(Lang::Vi.number(999.999, 2), "1.000,00");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        assert_eq!(Lang::Vi.date(day), "02/11/2026");
        assert_eq!(Lang::En.date(day), "2 Nov 2026");
    }

    #[test]
    fn accept_language_prefers_highest_quality_known_language() {
        assert_eq!(accept_language("en-US,en;q=0.9,vi;q=0.8"), Some(Lang::En));
        assert_eq!(accept_language("fr-FR, vi;q=0.9, en;q=0.5"), Some(Lang::Vi));
        assert_eq!(accept_language("en;q=0.2, vi-VN;q=0.7"), Some(Lang::Vi));
        assert_eq!(accept_language("fr, de"), None);
        assert_eq!(accept_language("en;q=0"), None);
    }

    #[test]
    fn query_beats_cookie_beats_header() {
        let req = TestRequest::default()
            .uri("/?x=1&lang=en")
            .cookie(actix_web::cookie::Cookie::new("lang", "vi"))
            .to_http_request();
        assert_eq!(Lang::of_request(&req), Lang::En);
        let req = TestRequest::default()
            .cookie(actix_web::cookie::Cookie::new("lang", "en"))
            .insert_header(("accept-language", "vi"))
            .to_http_request();
        assert_eq!(Lang::of_request(&req), Lang::En);
        let req = TestRequest::default()
            .insert_header(("accept-language", "en-GB"))
            .to_http_request();
        assert_eq!(Lang::of_request(&req), Lang::En);
        assert_eq!(
            Lang::of_request(&TestRequest::default().to_http_request()),
            Lang::Vi
        );
    }
}
