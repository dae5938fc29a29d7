//! The statistics behind every index: Wilson intervals for proportions, and the rounding
//! reports use.

/// The normal quantile of a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The 95% Wilson score interval of `k` successes in `n` trials, as fractions. Unlike the
/// textbook `p ± z·√(p(1−p)/n)` it stays inside [0, 1] and is honest for small `n` and
/// for shares near 0 or 100%.
pub fn wilson(k: f64, n: f64) -> (f64, f64) {
    if n <= 0.0 {
        return (0.0, 1.0);
    }
    let p = k / n;
    let z2 = Z95 * Z95;
    let centre = p + z2 / (2.0 * n);
    let spread = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let denominator = 1.0 + z2 / n;
    (
        ((centre - spread) / denominator).max(0.0),
        ((centre + spread) / denominator).min(1.0),
    )
}

/// A percentage (never negative) rounded half-up to two decimals (82.665 → 82.67). The
/// tiny nudge keeps a value whose binary form falls just short of the half (82.665 is
/// stored as 82.66499…) from rounding down.
pub fn round2(x: f64) -> f64 {
    (x * 100.0 + 0.5 + 1e-7).floor() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_published_values() {
        // Newcombe (1998), Statistics in Medicine 17, table I: 81/263 → 0.2553–0.3662.
        let (lo, hi) = wilson(81.0, 263.0);
        assert!(
            (lo - 0.2553).abs() < 5e-5 && (hi - 0.3662).abs() < 5e-5,
            "{lo} {hi}"
        );
        // 15/148 → 0.0624–0.1605; 0/10 → 0–0.2775; 10/10 → 0.7225–1.
        let (lo, hi) = wilson(15.0, 148.0);
        assert!(
            (lo - 0.0624).abs() < 5e-5 && (hi - 0.1605).abs() < 5e-5,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson(0.0, 10.0);
        assert!(lo == 0.0 && (hi - 0.2775).abs() < 5e-5, "{hi}");
        let (lo, hi) = wilson(10.0, 10.0);
        assert!(
            (lo - 0.7225).abs() < 5e-5 && (hi - 1.0).abs() < 1e-12,
            "{lo} {hi}"
        );
    }

    #[test]
    fn rounding_is_half_up() {
        assert_eq!(round2(82.665), 82.67);
        assert_eq!(round2(82.664_999), 82.66);
        assert_eq!(round2(2.0 / 3.0 * 100.0), 66.67);
        assert_eq!(round2(100.0), 100.0);
        assert_eq!(round2(0.005), 0.01);
        assert_eq!(round2(0.0), 0.0);
    }
}
