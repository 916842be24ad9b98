//! How distance weighs in relevance, as the caller tunes it.
//!
//! By default a place keeps half its text score every half-life (half the radius, or
//! [`super::DEFAULT_HALF_LIFE_M`]): near and relevant both count. Callers asked search engines
//! for more (Pelias's `focus.scale` and `focus.weight`, Typesense's distance bands), and
//! Elasticsearch's decay functions are the vocabulary people know, so [`DistanceRanking`]
//! takes theirs: a shape (`exp`, `gauss`, `linear`), the `scale` at which the decay reaches
//! `decay_value`, an `offset` within which nothing decays, and a `weight` between pure text
//! relevance (0) and the full decay (1). With bands, places are ranked by band first (the
//! nearest band first) and by text relevance alone within a band. The defaults give the order
//! lieux always gave: an exponential that halves every half-life, fully weighted.

/// The shape of the decay with distance, as Elasticsearch's decay functions name them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Decay {
    /// `decay_value ^ (d / scale)`: halves every `scale` by default.
    #[default]
    Exp,
    /// `decay_value ^ ((d / scale)²)`: flat near the position, then falling fast.
    Gauss,
    /// `1 - (1 - decay_value) · d / scale`, down to 0 at `scale / (1 - decay_value)`.
    Linear,
}

/// How distance weighs in the relevance of a search with a position.
#[derive(Clone, Debug, PartialEq)]
pub struct DistanceRanking {
    /// The decay's shape.
    pub decay: Decay,
    /// The distance past `offset_m` at which the decay reaches `decay_value`, in metres;
    /// `None`: half the radius (at least 100 m), or [`super::DEFAULT_HALF_LIFE_M`].
    pub scale_m: Option<f64>,
    /// Within this distance nothing decays, in metres.
    pub offset_m: f64,
    /// What the decay is at `scale_m` past `offset_m`, in `(0, 1)`.
    pub decay_value: f64,
    /// 0: text relevance alone; 1: the text score times the decay. In between, the score
    /// times `1 - weight + weight · decay`.
    pub weight: f64,
    /// Upper bounds of distance bands, in metres, increasing: a place within the first
    /// ranks before every place of the second, and so on (places beyond the last come
    /// last); within a band, by text relevance alone. Empty: no bands.
    pub bands_m: Vec<f64>,
}

impl Default for DistanceRanking {
    fn default() -> Self {
        Self {
            decay: Decay::Exp,
            scale_m: None,
            offset_m: 0.0,
            decay_value: 0.5,
            weight: 1.0,
            bands_m: Vec::new(),
        }
    }
}

impl DistanceRanking {
    /// The share of its text score that a place `distance_m` away keeps, with the decay's
    /// `scale_m` resolved: in `[0, 1]`.
    #[must_use]
    pub fn factor(&self, distance_m: f64, scale_m: f64) -> f64 {
        if !self.bands_m.is_empty() {
            return 1.0;
        }
        let past = ((distance_m - self.offset_m) / scale_m).max(0.0);
        let decay = match self.decay {
            // `exp2` of a multiple of `log2(0.5) = -1` keeps the default bit for bit what it
            // was: `0.5 ^ (d / scale)` as `2 ^ (-d / scale)`.
            Decay::Exp => (past * self.decay_value.log2()).exp2(),
            Decay::Gauss => (past * past * self.decay_value.log2()).exp2(),
            Decay::Linear => (1.0 - (1.0 - self.decay_value) * past).max(0.0),
        };
        if self.weight >= 1.0 {
            decay
        } else {
            1.0 - self.weight + self.weight * decay
        }
    }

    /// The band of a place `distance_m` away: its index among `bands_m`, or their number
    /// beyond the last (and 0 without bands).
    #[must_use]
    pub fn band(&self, distance_m: f64) -> u32 {
        let band = self.bands_m.partition_point(|bound| *bound < distance_m);
        u32::try_from(band).unwrap_or(u32::MAX)
    }

    /// Whether distance ranks in bands.
    #[must_use]
    pub fn has_bands(&self) -> bool {
        !self.bands_m.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranking(decay: Decay, decay_value: f64, offset_m: f64, weight: f64) -> DistanceRanking {
        DistanceRanking {
            decay,
            decay_value,
            offset_m,
            weight,
            ..DistanceRanking::default()
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn the_decays_follow_elasticsearchs_formulas() {
        let scale = 2000.0;
        for decay_value in [0.1, 0.5, 0.9] {
            for offset in [0.0, 500.0] {
                let at = |shape, d: f64| ranking(shape, decay_value, offset, 1.0).factor(d, scale);
                for d in [0.0, 100.0, 500.0, 1000.0, 2500.0, 4000.0, 20_000.0] {
                    let x = (d - offset).max(0.0);
                    // Elasticsearch: exp(λ·x), λ = ln(decay)/scale.
                    let exp = ((decay_value.ln() / scale) * x).exp();
                    // exp(-x² / 2σ²), σ² = -scale² / (2 ln(decay)).
                    let sigma_2 = -scale * scale / (2.0 * decay_value.ln());
                    let gauss = (-x * x / (2.0 * sigma_2)).exp();
                    // max(0, (s - x) / s), s = scale / (1 - decay).
                    let s = scale / (1.0 - decay_value);
                    let linear = ((s - x) / s).max(0.0);
                    assert!(
                        close(at(Decay::Exp, d), exp),
                        "exp {decay_value} {offset} {d}"
                    );
                    assert!(
                        close(at(Decay::Gauss, d), gauss),
                        "gauss {decay_value} {offset} {d}"
                    );
                    assert!(
                        close(at(Decay::Linear, d), linear),
                        "linear {decay_value} {offset} {d}"
                    );
                }
                // At the scale past the offset, every shape reaches the decay value.
                for shape in [Decay::Exp, Decay::Gauss, Decay::Linear] {
                    let reached =
                        ranking(shape, decay_value, offset, 1.0).factor(offset + scale, scale);
                    assert!(close(reached, decay_value), "{shape:?}");
                }
            }
        }
    }

    #[test]
    fn the_default_halves_every_half_life_as_before() {
        let default = DistanceRanking::default();
        for d in [0.0, 1.0, 1234.5, 10_000.0, 87_654.3] {
            assert_eq!(default.factor(d, 10_000.0), (-d / 10_000.0).exp2());
        }
    }

    #[test]
    fn the_weight_goes_from_text_alone_to_the_full_decay() {
        for d in [0.0, 3000.0, 50_000.0] {
            assert_eq!(ranking(Decay::Gauss, 0.5, 0.0, 0.0).factor(d, 1000.0), 1.0);
            let full = ranking(Decay::Gauss, 0.5, 0.0, 1.0).factor(d, 1000.0);
            let half = ranking(Decay::Gauss, 0.5, 0.0, 0.5).factor(d, 1000.0);
            assert!(close(half, 0.5 + 0.5 * full));
        }
    }

    #[test]
    fn bands_count_from_the_nearest() {
        let bands = DistanceRanking {
            bands_m: vec![500.0, 2000.0, 5000.0],
            ..DistanceRanking::default()
        };
        let found: Vec<u32> = [0.0, 500.0, 500.1, 2000.0, 4999.0, 5000.1, 1e7]
            .map(|d| bands.band(d))
            .to_vec();
        assert_eq!(found, [0, 0, 1, 1, 2, 3, 3]);
        assert_eq!(
            bands.factor(4000.0, 1000.0),
            1.0,
            "text alone within a band"
        );
        assert_eq!(DistanceRanking::default().band(1e9), 0);
    }
}
