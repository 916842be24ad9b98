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

    #[test]
    fn chord_distances_equal_haversine() {
        let (a, b) = ((-0.5536, 47.4712), (-1.5534, 47.2184));
        let chord = chord_between(&unit_vector(a.0, a.1), &unit_vector(b.0, b.1));
        let d = distance_for_chord(chord);
        assert!((d - haversine_m(a.0, a.1, b.0, b.1)).abs() < 1e-6, "{d}");
        assert!((chord - chord_for_distance(d)).abs() < 1e-12);
    }
}
