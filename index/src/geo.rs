//! Positions on the globe.
//!
//! Places are compared as unit vectors on the sphere (x, y, z), as meilisearch does.
//! Straight-line (chord) distance between unit vectors orders points exactly as great-circle
//! distance does, so a chord bound is right everywhere: across the antimeridian, near the poles,
//! and at any radius, where flat longitude/latitude maths would stretch and cut. A radius in
//! metres becomes a chord length; exact distances are then computed with the haversine formula.

/// Mean Earth radius (IUGG), in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// The unit vector of a longitude/latitude in degrees.
#[must_use]
pub fn unit_vector(longitude: f64, latitude: f64) -> [f64; 3] {
    let (lon, lat) = (longitude.to_radians(), latitude.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

/// The longitude and latitude in degrees of a unit vector: those it was made from
/// ([`unit_vector`]) within a few units of the last place (1e-13°).
#[must_use]
pub fn position_of(unit: &[f64; 3]) -> (f64, f64) {
    (
        unit[1].atan2(unit[0]).to_degrees(),
        unit[2].clamp(-1.0, 1.0).asin().to_degrees(),
    )
}

/// The rectangle `[west, south, east, north]`, in degrees, around the positions
/// ([`position_of`]) of every unit vector within `chord` of `centre` (a point inside the sphere,
/// as a bounding sphere's centre is): a spherical cap's, widened by a margin far above rounding
/// (1e-9°). `None` when the cap reaches a pole or the antimeridian, where no such rectangle
/// of planar longitudes holds it, or when `centre` is too near the Earth's centre to say.
#[must_use]
pub fn cap_rect(centre: &[f64; 3], chord: f64) -> Option<[f64; 4]> {
    const MARGIN_DEG: f64 = 1e-9;
    let norm = (centre[0] * centre[0] + centre[1] * centre[1] + centre[2] * centre[2]).sqrt();
    if norm < 1e-6 {
        return None;
    }
    // A unit p with |p - c| <= chord has p·c >= (1 + |c|² - chord²) / 2: the cosine of its
    // angle to c's direction is at least that over |c|, so one minus that cosine is at most
    // (chord² - (1 - |c|)²) / 2|c|. Computed so, and the angle from it by its half-chord: the
    // cosine itself rounds to 1 for caps of a few metres, whose angle `acos` then loses.
    let inside = 1.0 - norm;
    let one_minus_cos = ((chord - inside) * (chord + inside) / (2.0 * norm)).max(0.0);
    let reach = 2.0 * (one_minus_cos / 2.0).sqrt().min(1.0).asin() + 1e-12;
    let (lon, lat) = position_of(&[centre[0] / norm, centre[1] / norm, centre[2] / norm]);
    let lat = lat.to_radians();
    if lat.abs() + reach >= std::f64::consts::FRAC_PI_2 {
        return None;
    }
    let half_width = (reach.sin() / lat.cos())
        .clamp(-1.0, 1.0)
        .asin()
        .to_degrees()
        + MARGIN_DEG;
    let (south, north) = (
        (lat - reach).to_degrees() - MARGIN_DEG,
        (lat + reach).to_degrees() + MARGIN_DEG,
    );
    let (west, east) = (lon - half_width, lon + half_width);
    (west > -180.0 && east < 180.0).then_some([west, south, east, north])
}

/// Great-circle distance in metres between two longitude/latitude pairs in degrees.
#[must_use]
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = phi2 - phi1;
    let d_lambda = (lon2 - lon1).to_radians();
    let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// The chord length between unit vectors that are `metres` apart on the sphere.
#[must_use]
pub fn chord_for_distance(metres: f64) -> f64 {
    let angle = (metres / EARTH_RADIUS_M).min(std::f64::consts::PI);
    2.0 * (angle / 2.0).sin()
}

/// The great-circle distance in metres between unit vectors `chord` apart.
#[must_use]
pub fn distance_for_chord(chord: f64) -> f64 {
    2.0 * EARTH_RADIUS_M * (chord / 2.0).min(1.0).asin()
}

/// The straight-line distance between two unit vectors.
#[must_use]
pub fn chord_between(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let (dx, dy, dz) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    (dx * dx + dy * dy + dz * dz).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_matches_a_known_distance() {
        // Angers town hall to Nantes town hall: about 80.9 km.
        let d = haversine_m(-0.5536, 47.4712, -1.5534, 47.2184);
        assert!((d - 80_300.0).abs() < 1_500.0, "{d}");
        assert!(haversine_m(10.0, 20.0, 10.0, 20.0).abs() < 1e-9);
    }

    proptest::proptest! {
        /// A bounding sphere's cap rectangle holds the position of every point of the sphere,
        /// and is no wider than the points' own rectangle needs.
        #[test]
        fn a_cap_rectangle_holds_the_positions_of_its_sphere(
            lon in -179.0f64..179.0,
            lat in -85.0f64..85.0,
            spread in 1e-6f64..2.0,
            offsets in proptest::collection::vec((-1.0f64..1.0, -1.0f64..1.0), 1..40),
        ) {
            let units: Vec<[f64; 3]> = offsets
                .iter()
                .map(|(dx, dy)| unit_vector(lon + dx * spread, (lat + dy * spread).clamp(-90.0, 90.0)))
                .collect();
            #[allow(clippy::cast_precision_loss)]
            let n = units.len() as f64;
            let centre = [0, 1, 2].map(|k| units.iter().map(|u| u[k]).sum::<f64>() / n);
            let chord = units.iter().map(|u| chord_between(u, &centre)).fold(0.0, f64::max);
            if let Some([west, south, east, north]) = cap_rect(&centre, chord) {
                for unit in &units {
                    let (x, y) = position_of(unit);
                    proptest::prop_assert!(
                        x >= west && x <= east && y >= south && y <= north,
                        "{x} {y} outside {west} {south} {east} {north}"
                    );
                }
                // Within a few times the spread: a cap, not the globe.
                proptest::prop_assert!(north - south <= 4.0 * spread + 1e-6);
            } else {
                // Only near a pole or the antimeridian (the points are within 3 spreads of
                // their centre, which is within one of (lon, lat)).
                let cos_lat = (lat.abs() + spread).min(89.9).to_radians().cos();
                proptest::prop_assert!(
                    lat.abs() + 3.0 * spread >= 90.0
                        || lon.abs() + spread + 4.5 * spread / cos_lat >= 180.0
                );
            }
        }
    }

    #[test]
    fn a_unit_vector_gives_back_its_position() {
        for (lon, lat) in [
            (-0.5536, 47.4712),
            (179.999, -89.5),
            (-180.0, 0.0),
            (2.35, 48.85),
        ] {
            let (x, y) = position_of(&unit_vector(lon, lat));
            let same_lon = (x - lon).abs() < 1e-12 || (x.abs() - 180.0).abs() < 1e-12;
            assert!(same_lon && (y - lat).abs() < 1e-12, "{lon} {lat}: {x} {y}");
        }
    }

    #[test]
    fn chord_distances_equal_haversine() {
        let (a, b) = ((-0.5536, 47.4712), (-1.5534, 47.2184));
        let chord = chord_between(&unit_vector(a.0, a.1), &unit_vector(b.0, b.1));
        let d = distance_for_chord(chord);
        assert!((d - haversine_m(a.0, a.1, b.0, b.1)).abs() < 1e-6, "{d}");
        assert!((chord - chord_for_distance(d)).abs() < 1e-12);
    }
}
