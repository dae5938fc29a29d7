//! Where a unit stands, in one sentence.

use crate::forms::Rollup;
use crate::i18n::Lang;
use crate::indices::standing::Standing;

/// «Hạng 7/40 trong Thành phố Huế; bình quân Thành phố Huế: 80,20» — or, for a unit that
/// may not be ranked, why not.
pub fn standing_text(standing: &Standing, lang: Lang) -> String {
    let parent = &standing.parent_name;
    let figure = standing
        .parent_value
        .as_ref()
        .and_then(|v| v.value)
        .map_or_else(|| "—".to_string(), |v| lang.number(v, 2));
    let how = match standing.rollup {
        Rollup::Pooled => lang.pick("chỉ số chung của", "overall figure of"),
        Rollup::MeanOfChildren => lang.pick("bình quân", "mean of"),
        Rollup::Weighted => lang.pick("bình quân theo số hồ sơ của", "dossier-weighted mean of"),
    };
    let place = match (standing.rank, standing.unranked) {
        (Some(rank), _) => format!(
            "{} {rank}/{} {} {parent}",
            lang.pick("Hạng", "Rank"),
            standing.ranked,
            lang.pick("trong", "in")
        ),
        (None, why) => format!(
            "{} {parent} ({}; {} {}/{} {})",
            lang.pick("Chưa được xếp hạng trong", "Not ranked in"),
            why.map(|w| w.message().get(lang).to_string()).unwrap_or_default(),
            lang.pick("đã xếp hạng", "ranked"),
            standing.ranked,
            standing.siblings,
            lang.pick("đơn vị", "units")
        ),
    };
    format!("{place}; {how} {parent}: {figure}")
}
