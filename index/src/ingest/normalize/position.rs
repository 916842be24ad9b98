//! Whether a place's position agrees with its own codes.
//!
//! A point in the wrong place is worse than no point: the map sends people there. Two mistakes
//! are common in the sources, and both give a position that is valid on its own:
//! - latitude and longitude swapped (a point in Angers, 47.47 N 0.55 W, becomes one off the
//!   coast of Somalia);
//! - a position far from the commune the address names (a copied line, a geocoder's guess).
//!
//! The département of the place's INSEE code, or else of its postal code, has a box: that of its
//! communes' centres ([`DEPARTEMENT_BOXES`], from the gazetteer), widened by [`MARGIN_DEGREES`]
//! since a commune reaches beyond its centre. A position outside the box whose swap falls inside
//! it was swapped; any other position outside it is reported, and kept as the source gave it.

#[rustfmt::skip]
mod departements;

pub use departements::DEPARTEMENT_BOXES;

/// How far beyond its communes' centres a département's box reaches, in degrees (about 20 km).
pub const MARGIN_DEGREES: f64 = 0.2;

/// How a position fits the département of its codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// Inside (or no département is known for the codes: nothing to check against).
    Inside,
    /// Outside, but the swapped position is inside: latitude and longitude were swapped.
    Swapped,
    /// Outside, and not explained by a swap.
    Outside,
}

/// The départements a place's codes name: that of its INSEE code, or else those its postal
/// code may belong to (`20xxx` is Corse-du-Sud or Haute-Corse).
#[must_use]
pub fn departements_of(code_insee: Option<&str>, code_postal: &str) -> Vec<&'static str> {
    let known = |code: &str| {
        DEPARTEMENT_BOXES
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(c, _)| *c)
    };
    let overseas = |code: &str| code.starts_with("97") || code.starts_with("98");
    if let Some(insee) = code_insee.filter(|c| c.len() == 5) {
        let digits = if overseas(insee) { 3 } else { 2 };
        return insee.get(..digits).and_then(known).into_iter().collect();
    }
    if code_postal.len() != 5 {
        return Vec::new();
    }
    if code_postal.starts_with("20") {
        return ["2A", "2B"].into_iter().filter_map(known).collect();
    }
    let digits = if overseas(code_postal) { 3 } else { 2 };
    code_postal
        .get(..digits)
        .and_then(known)
        .into_iter()
        .collect()
}

/// How `(longitude, latitude)` fits the boxes of `departements`.
#[must_use]
pub fn fit(longitude: f64, latitude: f64, departements: &[&str]) -> Fit {
    let boxes: Vec<[f64; 4]> = DEPARTEMENT_BOXES
        .iter()
        .filter(|(code, _)| departements.contains(code))
        .map(|(_, b)| *b)
        .collect();
    let inside = |lon: f64, lat: f64| {
        boxes.iter().any(|[w, s, e, n]| {
            (w - MARGIN_DEGREES..=e + MARGIN_DEGREES).contains(&lon)
                && (s - MARGIN_DEGREES..=n + MARGIN_DEGREES).contains(&lat)
        })
    };
    if boxes.is_empty() || inside(longitude, latitude) {
        Fit::Inside
    } else if inside(latitude, longitude) {
        Fit::Swapped
    } else {
        Fit::Outside
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boxes_are_those_of_the_bundled_gazetteer() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/communes.csv");
        let mut boxes: std::collections::BTreeMap<String, [f64; 4]> = Default::default();
        let mut reader = csv::Reader::from_path(path).expect("data/communes.csv");
        for row in reader.records() {
            let row = row.expect("a row");
            let (lat, lon): (f64, f64) = (row[4].parse().unwrap(), row[5].parse().unwrap());
            let b = boxes
                .entry(row[2].to_owned())
                .or_insert([lon, lat, lon, lat]);
            *b = [b[0].min(lon), b[1].min(lat), b[2].max(lon), b[3].max(lat)];
        }
        let table: Vec<(String, [f64; 4])> = DEPARTEMENT_BOXES
            .iter()
            .map(|(c, b)| ((*c).to_owned(), *b))
            .collect();
        assert_eq!(
            table,
            boxes.into_iter().collect::<Vec<_>>(),
            "run data/build_departements.py"
        );
    }

    #[test]
    fn codes_name_their_departements() {
        assert_eq!(departements_of(Some("49007"), "49000"), ["49"]);
        assert_eq!(departements_of(Some("2A004"), ""), ["2A"]);
        assert_eq!(departements_of(None, "20000"), ["2A", "2B"]);
        assert_eq!(departements_of(Some("97101"), ""), ["971"]);
        assert_eq!(departements_of(None, "97200"), ["972"]);
        assert_eq!(departements_of(None, "4900"), Vec::<&str>::new());
        assert_eq!(departements_of(None, "00000"), Vec::<&str>::new());
    }

    #[test]
    fn positions_are_inside_swapped_or_outside() {
        let angers = (-0.5536, 47.4784);
        assert_eq!(fit(angers.0, angers.1, &["49"]), Fit::Inside);
        assert_eq!(fit(angers.1, angers.0, &["49"]), Fit::Swapped);
        // Nantes is in 44, not 49: outside, and not a swap.
        assert_eq!(fit(-1.5536, 47.2184, &["49"]), Fit::Outside);
        // A commune on the edge of its département is inside its widened box.
        assert_eq!(fit(-1.2257 - 0.1, 47.008, &["49"]), Fit::Inside);
        // No département known: nothing to check.
        assert_eq!(fit(100.0, 10.0, &[]), Fit::Inside);
        // Ajaccio with the postal code 20000: either Corsican box.
        assert_eq!(fit(8.7369, 41.9267, &["2A", "2B"]), Fit::Inside);
    }
}
