//! A report's period as people name it.

use crate::i18n::Lang;

/// `Năm 2025`, `Quý 3/2025`, `Tháng 07/2025`, or `01/07/2025 – 15/08/2025` for a range of
/// days, from a period's label (`2025`, `2025Q3`, `2025-07`, `2025-07-01..2025-08-15`).
pub fn period_name(label: &str, from: chrono::NaiveDate, to: chrono::NaiveDate, lang: Lang) -> String {
    if label.contains("..") {
        format!("{} – {}", lang.date(from), lang.date(to))
    } else if let Some((year, quarter)) = label.split_once('Q') {
        format!("{} {quarter}/{year}", lang.pick("Quý", "Quarter"))
    } else if let Some((year, month)) = label.split_once('-') {
        format!("{} {month}/{year}", lang.pick("Tháng", "Month"))
    } else {
        format!("{} {label}", lang.pick("Năm", "Year"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_named_as_people_say_them() {
        let d = |t: &str| t.parse::<chrono::NaiveDate>().unwrap();
        let (from, to) = (d("2025-07-01"), d("2025-09-30"));
        assert_eq!(period_name("2025Q3", from, to, Lang::Vi), "Quý 3/2025");
        assert_eq!(period_name("2025-07", from, to, Lang::Vi), "Tháng 07/2025");
        assert_eq!(period_name("2025", from, to, Lang::En), "Year 2025");
        assert_eq!(
            period_name("2025-07-01..2025-09-30", from, to, Lang::Vi),
            "01/07/2025 – 30/09/2025"
        );
    }
}
