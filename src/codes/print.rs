//! Printable documents: a desk's poster and sheets of tickets, in the formats people ask
//! for. The command line and the staff pages both print through here.

use askama::Template;
use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::poster::{PosterText, poster};
use super::qr::{QrMatrix, Robustness};
use super::render;
use super::sheets::{self, Card};
use crate::db::desks::Desk;
use crate::db::tickets::Ticket;
use crate::db::units::Unit;
use crate::desks::survey_url;

/// How tickets are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// A4 sheets of ten cut-out cards.
    Sheet,
    /// One 80 mm receipt per ticket.
    Thermal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TicketFormat {
    Pdf,
    /// A print-ready web page (CSS `@page`).
    Html,
    /// `code,url,expires_at`, for other software.
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PosterFormat {
    Pdf,
    Png,
    Svg,
}

impl PosterFormat {
    pub fn parse(extension: &str) -> Option<PosterFormat> {
        match extension {
            "pdf" => Some(PosterFormat::Pdf),
            "png" => Some(PosterFormat::Png),
            "svg" => Some(PosterFormat::Svg),
            _ => None,
        }
    }
}

/// A document and its media type.
pub struct Document {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub extension: &'static str,
}

/// The cards of tickets of one desk.
pub fn cards(tickets: &[Ticket], desk: &Desk, unit: &Unit, base_url: &str, time_zone: Tz) -> Vec<Card> {
    tickets
        .iter()
        .map(|t| Card {
            code: t.code.clone(),
            url: survey_url(base_url, &t.code),
            expires_at: t.expires_at,
            last_day: last_day(t, time_zone),
            place: format!("{} — {}", unit.name, desk.name),
        })
        .collect()
}

/// The last day a ticket works, where it is used: the day before it expires when it
/// expires at midnight.
pub fn last_day(ticket: &Ticket, time_zone: Tz) -> NaiveDate {
    let expires = Utc
        .from_utc_datetime(&ticket.expires_at)
        .with_timezone(&time_zone);
    let day = expires.date_naive();
    if expires.time() == NaiveTime::MIN {
        day.pred_opt().unwrap_or(day)
    } else {
        day
    }
}

/// A desk's poster; its form takes about `minutes`.
pub fn poster_document(
    desk: &Desk,
    unit: &Unit,
    base_url: &str,
    minutes: u64,
    format: PosterFormat,
) -> Result<Document, String> {
    let url = survey_url(base_url, &desk.code);
    let page = poster(&PosterText {
        unit: &unit.name,
        desk: &desk.name,
        code: &desk.code,
        url: &url,
        minutes,
    })
    .map_err(|e| e.0)?;
    Ok(match format {
        PosterFormat::Pdf => Document {
            bytes: render::pdf::render(&[page], &format!("Áp phích khảo sát — {}", desk.name))?,
            content_type: "application/pdf",
            extension: "pdf",
        },
        PosterFormat::Png => Document {
            bytes: render::png::render(&page, 150.0)?,
            content_type: "image/png",
            extension: "png",
        },
        PosterFormat::Svg => Document {
            bytes: render::svg::render(&page).into_bytes(),
            content_type: "image/svg+xml",
            extension: "svg",
        },
    })
}

struct HtmlCard<'a> {
    card: &'a Card,
    qr_svg: String,
    instruction: String,
}

#[derive(Template)]
#[template(path = "print/tickets.html")]
struct TicketsHtml<'a> {
    thermal: bool,
    cards: Vec<HtmlCard<'a>>,
}

/// Tickets laid out and rendered; `progress` is told how many cards are done.
pub fn tickets_document(
    cards: &[Card],
    layout: Layout,
    format: TicketFormat,
    progress: &dyn Fn(usize),
) -> Result<Document, String> {
    match format {
        TicketFormat::Csv => {
            progress(cards.len());
            Ok(Document {
                bytes: sheets::csv(cards).into_bytes(),
                content_type: "text/csv; charset=utf-8",
                extension: "csv",
            })
        }
        TicketFormat::Html => {
            let mut html_cards = Vec::with_capacity(cards.len());
            for card in cards {
                let qr = QrMatrix::encode(&card.url, Robustness::Ticket).map_err(|e| e.0)?;
                html_cards.push(HtmlCard {
                    card,
                    qr_svg: qr.svg(),
                    instruction: card.instruction(),
                });
                progress(html_cards.len());
            }
            let page = TicketsHtml {
                thermal: layout == Layout::Thermal,
                cards: html_cards,
            };
            let html = page.render().map_err(|e| e.to_string())?;
            Ok(Document {
                bytes: html.into_bytes(),
                content_type: "text/html; charset=utf-8",
                extension: "html",
            })
        }
        TicketFormat::Pdf => {
            let mut pages = Vec::new();
            let step = if layout == Layout::Sheet {
                sheets::PER_SHEET
            } else {
                1
            };
            for (done, chunk) in cards.chunks(step).enumerate() {
                let laid_out = match layout {
                    Layout::Sheet => sheets::a4_sheets(chunk),
                    Layout::Thermal => sheets::thermal(chunk),
                };
                pages.extend(laid_out.map_err(|e| e.0)?);
                progress(((done + 1) * step).min(cards.len()));
            }
            let bytes = render::pdf::render(&pages, "Phiếu khảo sát sự hài lòng")?;
            Ok(Document {
                bytes,
                content_type: "application/pdf",
                extension: "pdf",
            })
        }
    }
}
