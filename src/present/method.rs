//! The method behind figures, written for people: which answers are counted, how a parent
//! is formed, the composite and ranking rules — stated on every page and file (DESIGN.md
//! §9).

use crate::i18n::Lang;
use crate::indices::{Population, Report};
use crate::tally::Channel;

pub fn channel_label(channel: Channel, lang: Lang) -> String {
    match channel {
        Channel::DeskQr => lang.pick("Mã QR / mã quầy", "Desk QR / code"),
        Channel::Ticket => lang.pick("Phiếu một lần", "Single-use ticket"),
        Channel::Paper => lang.pick("Phiếu giấy", "Paper"),
        Channel::Kiosk => lang.pick("Ki-ốt", "Kiosk"),
        Channel::Api => "API",
    }
    .to_string()
}

/// Which answers figures of `population` count, in words.
pub fn population_text(population: Population, channels: &[Channel], lang: Lang) -> String {
    let names: Vec<String> = channels
        .iter()
        .map(|c| channel_label(*c, lang).to_lowercase())
        .collect();
    match population {
        Population::Official if channels.len() < Channel::ALL.len() => format!(
            "{} ({})",
            lang.pick("người trả lời chính thức", "verified respondents"),
            names.join(", ")
        ),
        _ => lang.pick("mọi phiếu trả lời", "every answer").to_string(),
    }
}

/// The channels the report's other population counts.
pub fn other_channels(form: &crate::forms::Form, report: &Report) -> Vec<Channel> {
    match (report.other_population.population, &form.official_channels) {
        (Population::Official, Some(official)) => official.clone(),
        _ => Channel::ALL.to_vec(),
    }
}

/// «Cách tính»: the method the figures on the page follow.
pub fn method_lines(report: &Report, lang: Lang) -> Vec<(String, String)> {
    let t = |vi: &str, en: &str| lang.pick(vi, en).to_string();
    let method = &report.method;
    vec![
        (
            t("Cách tổng hợp", "Roll-up"),
            method.rollup.label().get(lang).to_string(),
        ),
        (
            t("Người trả lời được tính", "Who is counted"),
            population_text(method.population, &method.channels, lang),
        ),
        (
            t("Chỉ số tổng hợp", "Composite indices"),
            t(
                "chỉ có giá trị khi mọi thành phần đều có; n là n nhỏ nhất của các thành phần",
                "a value only when every component has one; n is the smallest component n",
            ),
        ),
        (t("Mẫu nhỏ", "Small sample"), format!("n < {}", method.min_sample)),
        (
            t("Cỡ mẫu cần đạt", "Sample target"),
            format!(
                "⌈N / (1 + N·e²)⌉, e = {} ({})",
                lang.number(method.sample_margin, 2),
                t("N: số hồ sơ trong kỳ", "N: dossiers in the period")
            ),
        ),
        (
            t("Xếp hạng", "Ranking"),
            t(
                "chỉ các đơn vị có giá trị, không phải mẫu nhỏ và đạt cỡ mẫu (hoặc chưa có số hồ sơ)",
                "only units with a value, not a small sample, and the sample target met (or no dossier counts)",
            ),
        ),
        (
            t("Phiên bản phiếu", "Questionnaire version"),
            method.form_version.clone(),
        ),
    ]
}
