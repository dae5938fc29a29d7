//! The faces of a `faces` scale, drawn inline (no image or font to fetch, nothing that a
//! slow connection or a blocked host can lose): a circle coloured from red (worst) to
//! green (best) with a mouth from a frown to a smile. The words stay under each face, so
//! colour is never the only cue.

/// Fill colours from worst to best, picked by position on scales of two to five levels.
const COLOURS: [&str; 5] = ["#d93025", "#f08a24", "#f4c20d", "#8bc34a", "#1e8e3e"];

/// The face for option `at` (from 0, worst first) of `count`, as an SVG element.
pub fn face(at: usize, count: usize) -> String {
    let last = count.saturating_sub(1).max(1);
    // 0.0 = worst, 1.0 = best.
    let position = at.min(last) as f64 / last as f64;
    let colour = COLOURS[(position * 4.0).round() as usize];
    // The mouth's control point: below the corners for a smile, above them for a frown.
    let bend = 26.0 + (position - 0.5) * 16.0;
    format!(
        r##"<svg class="face" viewBox="0 0 40 40" width="34" height="34" aria-hidden="true" focusable="false"><circle cx="20" cy="20" r="18" fill="{colour}" stroke="#1a1a1a" stroke-width="1.5"/><circle cx="14" cy="16" r="2.2" fill="#1a1a1a"/><circle cx="26" cy="16" r="2.2" fill="#1a1a1a"/><path d="M12 27 Q20 {bend:.0} 28 27" fill="none" stroke="#1a1a1a" stroke-width="2.5" stroke-linecap="round"/></svg>"##
    )
}

#[cfg(test)]
mod tests {
    use super::face;

    #[test]
    fn faces_go_from_a_red_frown_to_a_green_smile() {
        let worst = face(0, 4);
        let best = face(3, 4);
        assert!(
            worst.contains("#d93025") && worst.contains("Q20 18 28"),
            "{worst}"
        );
        assert!(best.contains("#1e8e3e") && best.contains("Q20 34 28"), "{best}");
    }
}
