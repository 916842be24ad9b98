//! Polygons that select places: a filter's `polygon` (GeoJSON) and CQL2's `POLYGON` and
//! `MULTIPOLYGON`, judged the same way.
//!
//! A place is inside [`Polygons`] when it is inside one of its polygons by the even-odd rule
//! over all of that polygon's rings (inside the outer ring, outside its holes, inside an island
//! of a hole given as a polygon of its own), or on one of their edges: the boundary counts as
//! inside. Coordinates are planar longitude/latitude, as GeoJSON (RFC 7946) reads them: a ring
//! does not wrap across the antimeridian.
//!
//! Each ring is cut into horizontal bands when it is made, each band listing the edges that
//! reach it, so that judging a point looks at the few edges of its band and not at every edge
//! of a ring of thousands; every polygon keeps its outer ring's rectangle, and the whole its own,
//! which most points are outside of. An edge keeps the rectangle of the points it can hold: most
//! edges of a band are beyond a point's latitude or wholly west or east of it, which that
//! rectangle tells in a few comparisons, without the edge's own tests.
//!
//! [`Polygons::from_geojson`] reads a GeoJSON `Polygon` or `MultiPolygon` geometry, bounded in
//! size ([`MAX_BYTES`], [`MAX_POSITIONS`]) and checked: closed rings of four positions at least,
//! finite longitudes within ±180 and latitudes within ±90. [`Polygons::key`] names the polygons
//! canonically, for the caches of filtered maps.

use std::fmt::Write as _;

/// The longest GeoJSON text of a polygon filter, in bytes.
pub const MAX_BYTES: usize = 256 * 1024;
/// The most positions of a polygon filter, in all its rings (the closing one counted).
pub const MAX_POSITIONS: usize = 10_000;

/// How far from an edge a point still lies on it: the tolerance of the cross product (in
/// squared degrees) and of the edge's rectangle (in degrees).
const ON_EDGE: f64 = 1e-12;

/// A ring: positions `(longitude, latitude)`, the last the same as the first.
pub type Ring = Vec<(f64, f64)>;

/// Why a GeoJSON polygon was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolygonError {
    /// Over [`MAX_BYTES`] or [`MAX_POSITIONS`].
    #[error("{0}")]
    TooLarge(String),
    /// Not a GeoJSON Polygon or MultiPolygon, or not a valid one.
    #[error("{0}")]
    Invalid(String),
}

/// An edge of a ring, with what the ray test needs precomputed.
#[derive(Clone, Copy, Debug, Default)]
struct Edge {
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
    /// `(x2 - x1) / (y2 - y1)`; unused for a horizontal edge, which no ray crosses.
    run_per_rise: f64,
    /// The rectangle of the points the edge can hold, `[west, south, east, north]`: its own,
    /// widened by the boundary's tolerance. Most edges of a band are not at a point's
    /// latitude, or wholly west or east of it, which this tells in a few comparisons.
    near: Rect,
}

impl Edge {
    fn new((x1, y1): (f64, f64), (x2, y2): (f64, f64)) -> Self {
        Self {
            x1,
            y1,
            x2,
            y2,
            run_per_rise: (x2 - x1) / (y2 - y1),
            near: widened([x1.min(x2), y1.min(y2), x1.max(x2), y1.max(y2)]),
        }
    }

    /// What the edge says of (`x`, `y`): whether it holds the point, else whether it crosses
    /// its ray towards +x ([`Edge::holds`], [`Edge::crossed`]). An edge beyond the point's
    /// latitude, or wholly west of it, by more than the tolerance, does neither; one wholly
    /// east of it holds no point, and crosses the ray when it spans the latitude.
    #[inline]
    fn says(&self, x: f64, y: f64) -> Said {
        let [west, south, east, north] = self.near;
        if y < south || y > north || x > east {
            Said::Nothing
        } else if x < west {
            if self.spans(y) {
                Said::Crossed
            } else {
                Said::Nothing
            }
        } else if self.holds(x, y) {
            Said::Holds
        } else if self.crossed(x, y) {
            Said::Crossed
        } else {
            Said::Nothing
        }
    }

    /// Whether a ray from (`x`, `y`) towards +x crosses the edge (half-open in y, so that a
    /// ray through a vertex counts the two edges meeting there once).
    #[inline]
    fn crossed(&self, x: f64, y: f64) -> bool {
        self.spans(y) && x < (y - self.y1) * self.run_per_rise + self.x1
    }

    /// Whether the edge spans latitude `y`, half-open: from its lower end included to its
    /// upper end excluded (a horizontal edge spans none).
    #[inline]
    fn spans(&self, y: f64) -> bool {
        (self.y1 > y) != (self.y2 > y)
    }

    /// Whether (`x`, `y`) lies on the edge.
    #[inline]
    fn holds(&self, x: f64, y: f64) -> bool {
        let cross = (self.x2 - self.x1) * (y - self.y1) - (self.y2 - self.y1) * (x - self.x1);
        cross.abs() < ON_EDGE && within(&self.near, x, y)
    }
}

/// What an edge says of a point ([`Edge::says`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Said {
    Holds,
    Crossed,
    Nothing,
}

/// A rectangle `[west, south, east, north]`, planar.
type Rect = [f64; 4];

impl Edge {
    /// Whether the edge meets the closed rectangle `rect`.
    fn meets(&self, rect: &Rect) -> bool {
        let [west, south, east, north] = *rect;
        if self.x1.max(self.x2) < west
            || self.x1.min(self.x2) > east
            || self.y1.max(self.y2) < south
            || self.y1.min(self.y2) > north
        {
            return false;
        }
        let inside = |x: f64, y: f64| x >= west && x <= east && y >= south && y <= north;
        if inside(self.x1, self.y1) || inside(self.x2, self.y2) {
            return true;
        }
        // Both ends outside and the boxes overlapping: the edge crosses the rectangle unless
        // its line leaves all four corners on one side.
        let side = |x: f64, y: f64| {
            (self.x2 - self.x1) * (y - self.y1) - (self.y2 - self.y1) * (x - self.x1)
        };
        let corners = [
            side(west, south),
            side(east, south),
            side(east, north),
            side(west, north),
        ];
        !(corners.iter().all(|&c| c > 0.0) || corners.iter().all(|&c| c < 0.0))
    }
}

/// `rect` widened by the boundary's tolerance on every side: the points within [`ON_EDGE`] of
/// it.
fn widened(rect: Rect) -> Rect {
    [
        rect[0] - ON_EDGE,
        rect[1] - ON_EDGE,
        rect[2] + ON_EDGE,
        rect[3] + ON_EDGE,
    ]
}

/// Whether the closed rectangle `rect` holds (`x`, `y`).
#[inline]
fn within(rect: &Rect, x: f64, y: f64) -> bool {
    x >= rect[0] && x <= rect[2] && y >= rect[1] && y <= rect[3]
}

/// A ring's edges, by horizontal band.
#[derive(Clone, Debug)]
struct BandedRing {
    rect: Rect,
    /// `rect` [`widened`]: no point outside it is inside the ring or on it.
    reach: Rect,
    /// Bands per degree of latitude (a product is cheaper than a quotient, and the same
    /// [`BandedRing::band`] places the edges and the points).
    bands_per_degree: f64,
    bands: usize,
    /// Where each band's edges start in `edges`; one more entry at the end.
    starts: Vec<u32>,
    /// The edges of each band, end to end (an edge reaching several bands is in each).
    edges: Vec<Edge>,
}

impl BandedRing {
    fn new(ring: &[(f64, f64)]) -> Self {
        let edges: Vec<Edge> = ring
            .windows(2)
            .map(|pair| Edge::new(pair[0], pair[1]))
            .collect();
        let rect = ring.iter().fold(
            [
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ],
            |r, &(x, y)| [r[0].min(x), r[1].min(y), r[2].max(x), r[3].max(y)],
        );
        // As many bands as edges, fewer when long edges would be copied into too many of them
        // (counted before any is copied: a comb of long teeth costs its edges, not their
        // square).
        let mut bands = edges.len().max(1);
        loop {
            let (ring, spans) = Self::spans(rect, &edges, bands);
            let copies: usize = spans.iter().map(|(low, high)| high - low + 1).sum();
            if ring.bands == 1 || copies <= 8 * edges.len() + 64 {
                return ring.filled(&edges, &spans, copies);
            }
            bands /= 4;
        }
    }

    /// A ring of `bands` bands over `rect`, still empty, and the bands each edge reaches.
    fn spans(rect: Rect, edges: &[Edge], bands: usize) -> (Self, Vec<(usize, usize)>) {
        #[allow(clippy::cast_precision_loss)]
        let band_height = (rect[3] - rect[1]) / bands as f64;
        let ring = Self {
            rect,
            reach: widened(rect),
            bands_per_degree: 1.0 / band_height,
            bands: if band_height.is_finite() && band_height > 0.0 {
                bands
            } else {
                1
            },
            starts: Vec::new(),
            edges: Vec::new(),
        };
        let spans = edges
            .iter()
            .map(|e| {
                (
                    ring.band(e.y1.min(e.y2) - ON_EDGE),
                    ring.band(e.y1.max(e.y2) + ON_EDGE),
                )
            })
            .collect();
        (ring, spans)
    }

    /// This ring with `edges` copied into the bands `spans` says, `copies` in all.
    fn filled(mut self, edges: &[Edge], spans: &[(usize, usize)], copies: usize) -> Self {
        // Each band's count, then where its edges start.
        let mut starts = vec![0u32; self.bands + 1];
        for &(low, high) in spans {
            for count in &mut starts[low..=high] {
                *count += 1;
            }
        }
        let mut start = 0;
        for slot in &mut starts {
            let count = *slot;
            *slot = start;
            start += count;
        }
        let mut next = starts.clone();
        self.edges = vec![Edge::default(); copies];
        for (edge, &(low, high)) in edges.iter().zip(spans) {
            for slot in &mut next[low..=high] {
                self.edges[*slot as usize] = *edge;
                *slot += 1;
            }
        }
        self.starts = starts;
        self
    }

    /// The band of latitude `y`, clamped to the ring's bands.
    #[inline]
    fn band(&self, y: f64) -> usize {
        if self.bands == 1 {
            return 0;
        }
        // Below the first band, the cast gives 0; within, the integer part.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let band = ((y - self.rect[1]) * self.bands_per_degree) as usize;
        band.min(self.bands - 1)
    }

    /// The edges that may cross latitude `y` or hold a point of it.
    #[inline]
    fn edges_at(&self, y: f64) -> &[Edge] {
        let band = self.band(y);
        &self.edges[self.starts[band] as usize..self.starts[band + 1] as usize]
    }
}

impl BandedRing {
    /// Whether one of the ring's edges meets the closed rectangle `rect`.
    fn meets(&self, rect: &Rect) -> bool {
        if rect[2] < self.rect[0]
            || rect[0] > self.rect[2]
            || rect[3] < self.rect[1]
            || rect[1] > self.rect[3]
        {
            return false;
        }
        let (low, high) = (self.band(rect[1]), self.band(rect[3]));
        let edges = &self.edges[self.starts[low] as usize..self.starts[high + 1] as usize];
        edges.iter().any(|edge| edge.meets(rect))
    }
}

/// What a ring says of a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    /// An odd number of its edges cross the point's ray.
    Odd,
    Even,
    /// The point is on one of its edges.
    Edge,
}

impl BandedRing {
    fn side(&self, x: f64, y: f64) -> Side {
        if !within(&self.reach, x, y) {
            return Side::Even;
        }
        let mut odd = false;
        for edge in self.edges_at(y) {
            match edge.says(x, y) {
                Said::Holds => return Side::Edge,
                Said::Crossed => odd = !odd,
                Said::Nothing => {}
            }
        }
        if odd {
            Side::Odd
        } else {
            Side::Even
        }
    }
}

/// Where a rectangle lies with respect to [`Polygons`] ([`Polygons::relate`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// Every point of it is inside.
    Inside,
    /// No point of it is inside.
    Outside,
    /// A boundary meets it.
    Across,
}

/// Polygons with holes, as a filter or CQL2 names them, ready to judge points.
#[derive(Clone, Debug)]
pub struct Polygons {
    /// Each polygon's rings, the first the outer one.
    polygons: Vec<Vec<Ring>>,
    /// Each polygon's rings, banded, in the same order.
    banded: Vec<Vec<BandedRing>>,
    rect: Rect,
    /// `rect` [`widened`].
    reach: Rect,
    /// [`Polygons::key`], made at its first call (every request of a map asks for it).
    key: std::sync::OnceLock<String>,
}

impl PartialEq for Polygons {
    fn eq(&self, other: &Self) -> bool {
        self.polygons == other.polygons
    }
}

/// Coordinates are finite when read from GeoJSON; CQL2's are compared as read.
impl Eq for Polygons {}

impl Polygons {
    /// Polygons of `polygons`, each its rings (the first the outer one), each ring closed.
    #[must_use]
    pub fn new(polygons: Vec<Vec<Ring>>) -> Self {
        let banded: Vec<Vec<BandedRing>> = polygons
            .iter()
            .map(|rings| rings.iter().map(|ring| BandedRing::new(ring)).collect())
            .collect();
        let rect = banded.iter().filter_map(|rings| rings.first()).fold(
            [
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ],
            |r, ring| {
                [
                    r[0].min(ring.rect[0]),
                    r[1].min(ring.rect[1]),
                    r[2].max(ring.rect[2]),
                    r[3].max(ring.rect[3]),
                ]
            },
        );
        Self {
            polygons,
            banded,
            rect,
            reach: widened(rect),
            key: std::sync::OnceLock::new(),
        }
    }

    /// The polygons, each its rings, each ring its positions.
    #[must_use]
    pub fn polygons(&self) -> &[Vec<Ring>] {
        &self.polygons
    }

    /// The rectangle around the outer rings, `[west, south, east, north]`: no point outside it
    /// is inside.
    #[must_use]
    pub fn bbox(&self) -> [f64; 4] {
        self.rect
    }

    /// Whether (`x`, `y`), a longitude and a latitude, is inside a polygon or on its boundary.
    #[must_use]
    pub fn contains(&self, x: f64, y: f64) -> bool {
        if !within(&self.reach, x, y) {
            return false;
        }
        self.banded.iter().any(|rings| {
            let Some(outer) = rings.first() else {
                return false;
            };
            if !within(&outer.reach, x, y) {
                return false;
            }
            let mut odd = false;
            for ring in rings {
                match ring.side(x, y) {
                    Side::Edge => return true,
                    Side::Odd => odd = !odd,
                    Side::Even => {}
                }
            }
            odd
        })
    }

    /// Where the rectangle `[west, south, east, north]` lies: wholly inside the polygons (every
    /// point of it is, [`Polygons::contains`]), wholly outside, or across a boundary. A
    /// rectangle no edge meets is on one side of every ring, so its centre tells for all of it:
    /// the places of a block inside a département's polygon are taken at once, and only those
    /// of the blocks an edge meets are judged one by one.
    #[must_use]
    pub fn relate(&self, rect: [f64; 4]) -> Relation {
        if rect[2] < self.rect[0]
            || rect[0] > self.rect[2]
            || rect[3] < self.rect[1]
            || rect[1] > self.rect[3]
        {
            return Relation::Outside;
        }
        if self.banded.iter().flatten().any(|ring| ring.meets(&rect)) {
            return Relation::Across;
        }
        if self.contains((rect[0] + rect[2]) / 2.0, (rect[1] + rect[3]) / 2.0) {
            Relation::Inside
        } else {
            Relation::Outside
        }
    }

    /// A canonical name of the polygons: equal for equal coordinates, whichever text gave
    /// them (spacing, number spelling, `Polygon` or a `MultiPolygon` of one). The BLAKE3 hash
    /// of their canonical text, so that a key stays short whatever the polygon's size (caches
    /// keep it with every tile), and two polygons of one key cannot be found (256 bits).
    #[must_use]
    pub fn key(&self) -> &str {
        self.key.get_or_init(|| self.canonical_hash())
    }

    fn canonical_hash(&self) -> String {
        let mut text = String::new();
        for (p, rings) in self.polygons.iter().enumerate() {
            text.push_str(if p == 0 { "(" } else { ",(" });
            for (r, ring) in rings.iter().enumerate() {
                text.push_str(if r == 0 { "(" } else { ",(" });
                for (i, (x, y)) in ring.iter().enumerate() {
                    // -0 and 0 are one coordinate.
                    let _ = write!(
                        text,
                        "{}{} {}",
                        if i == 0 { "" } else { "," },
                        x + 0.0,
                        y + 0.0
                    );
                }
                text.push(')');
            }
            text.push(')');
        }
        blake3::hash(text.as_bytes()).to_hex().to_string()
    }

    /// Reads a GeoJSON `Polygon` or `MultiPolygon` geometry (RFC 7946): at most [`MAX_BYTES`]
    /// of text and [`MAX_POSITIONS`] positions, rings closed and of four positions at least,
    /// longitudes within ±180 and latitudes within ±90 (a third number, an altitude, is
    /// ignored). Holes are not checked to lie inside their outer ring: the even-odd rule
    /// judges whatever is given.
    ///
    /// # Errors
    /// [`PolygonError::TooLarge`] over a bound, [`PolygonError::Invalid`] saying what is wrong.
    pub fn from_geojson(text: &str) -> Result<Self, PolygonError> {
        if text.len() > MAX_BYTES {
            return Err(PolygonError::TooLarge(format!(
                "{} bytes, more than the maximum of {MAX_BYTES}; simplify it",
                text.len()
            )));
        }
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            invalid(format!(
                "not JSON ({e}); expected a GeoJSON Polygon or MultiPolygon"
            ))
        })?;
        Self::from_geojson_value(&value)
    }

    /// [`Polygons::from_geojson`] of a JSON value already read (a request body's member).
    ///
    /// # Errors
    /// As [`Polygons::from_geojson`], but for the bound in bytes, which the caller checks.
    pub fn from_geojson_value(value: &serde_json::Value) -> Result<Self, PolygonError> {
        let object = value.as_object().ok_or_else(|| {
            invalid("expected a GeoJSON object with \"type\" and \"coordinates\"")
        })?;
        let kind = object
            .get("type")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| {
                invalid("\"type\" is missing: expected \"Polygon\" or \"MultiPolygon\"")
            })?;
        let coordinates = object
            .get("coordinates")
            .ok_or_else(|| invalid("\"coordinates\" is missing"))?;
        let mut positions = 0;
        let polygons = match kind {
            "Polygon" => vec![polygon(coordinates, "", &mut positions)?],
            "MultiPolygon" => {
                let list = array(coordinates, "coordinates of a MultiPolygon")?;
                if list.is_empty() {
                    return Err(invalid("a MultiPolygon needs one polygon at least"));
                }
                list.iter()
                    .enumerate()
                    .map(|(i, p)| polygon(p, &format!("polygon {}: ", i + 1), &mut positions))
                    .collect::<Result<_, _>>()?
            }
            other => {
                return Err(invalid(format!(
                    "a {other:?} is no polygon: expected \"Polygon\" or \"MultiPolygon\""
                )))
            }
        };
        Ok(Self::new(polygons))
    }
}

fn invalid(message: impl Into<String>) -> PolygonError {
    PolygonError::Invalid(message.into())
}

fn array<'a>(
    value: &'a serde_json::Value,
    what: &str,
) -> Result<&'a Vec<serde_json::Value>, PolygonError> {
    value
        .as_array()
        .ok_or_else(|| invalid(format!("{what} must be an array")))
}

/// The rings of a polygon's `coordinates`, counting their positions into `positions`.
fn polygon(
    value: &serde_json::Value,
    at: &str,
    positions: &mut usize,
) -> Result<Vec<Ring>, PolygonError> {
    let rings = array(value, &format!("{at}the coordinates of a Polygon"))?;
    if rings.is_empty() {
        return Err(invalid(format!("{at}a Polygon needs an outer ring")));
    }
    rings
        .iter()
        .enumerate()
        .map(|(r, ring)| {
            let at = format!("{at}ring {}: ", r + 1);
            let list = array(ring, &format!("{at}a ring"))?;
            *positions += list.len();
            if *positions > MAX_POSITIONS {
                return Err(PolygonError::TooLarge(format!(
                    "more than the maximum of {MAX_POSITIONS} positions; simplify it"
                )));
            }
            let ring: Ring = list
                .iter()
                .map(|p| position(p, &at))
                .collect::<Result<_, _>>()?;
            if ring.len() < 4 {
                return Err(invalid(format!(
                    "{at}{} positions; a ring has four at least",
                    ring.len()
                )));
            }
            if ring.first() != ring.last() {
                return Err(invalid(format!(
                    "{at}not closed: its last position must be its first"
                )));
            }
            Ok(ring)
        })
        .collect()
}

fn position(value: &serde_json::Value, at: &str) -> Result<(f64, f64), PolygonError> {
    let numbers = array(value, &format!("{at}a position"))?;
    let [lon, lat] = match numbers.as_slice() {
        [lon, lat] | [lon, lat, _] => [lon, lat],
        _ => {
            return Err(invalid(format!(
                "{at}a position is [longitude, latitude], not {value}"
            )))
        }
    };
    let number = |v: &serde_json::Value| v.as_f64().filter(|n| n.is_finite());
    let (Some(lon), Some(lat)) = (number(lon), number(lat)) else {
        return Err(invalid(format!("{at}{value} is not two numbers")));
    };
    if numbers.get(2).is_some_and(|z| number(z).is_none()) {
        return Err(invalid(format!("{at}{value}: an altitude is a number")));
    }
    if !in_range(lon, lat) {
        return Err(invalid(format!("{at}{value} is {OUT_OF_RANGE}")));
    }
    Ok((lon, lat))
}

/// Whether a position is a longitude and latitude in degrees (CRS84, GeoJSON's and CQL2's).
#[must_use]
pub fn in_range(lon: f64, lat: f64) -> bool {
    (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)
}

/// What a position out of [`in_range`] is told.
pub const OUT_OF_RANGE: &str = "out of range: longitude within ±180, latitude within ±90";

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, side: f64) -> Ring {
        vec![
            (x, y),
            (x + side, y),
            (x + side, y + side),
            (x, y + side),
            (x, y),
        ]
    }

    #[test]
    fn holes_islands_and_edges() {
        let polygons = Polygons::new(vec![
            vec![square(0.0, 0.0, 10.0), square(2.0, 2.0, 6.0)],
            vec![square(4.0, 4.0, 2.0)],
        ]);
        assert!(polygons.contains(1.0, 1.0), "inside the outer ring");
        assert!(!polygons.contains(3.0, 3.0), "in the hole");
        assert!(polygons.contains(5.0, 5.0), "on the island in the hole");
        assert!(polygons.contains(0.0, 5.0), "on the outer edge");
        // On an edge's line past its end: on the boundary within the tolerance, not beyond.
        assert!(
            polygons.contains(10.0, 10.0 + ON_EDGE / 2.0),
            "just past a corner"
        );
        assert!(
            !polygons.contains(10.0, 10.0 + 1.5 * ON_EDGE),
            "past the tolerance"
        );
        assert!(polygons.contains(2.0, 5.0), "on the hole's edge");
        assert!(polygons.contains(10.0, 10.0), "on a corner");
        assert!(!polygons.contains(10.5, 5.0));
        assert!(!polygons.contains(-1.0, 5.0));
        assert_eq!(polygons.bbox(), [0.0, 0.0, 10.0, 10.0]);
    }

    #[test]
    fn rectangles_inside_outside_and_across() {
        let polygons = Polygons::new(vec![
            vec![square(0.0, 0.0, 10.0), square(2.0, 2.0, 6.0)],
            vec![square(4.0, 4.0, 2.0)],
        ]);
        for (rect, relation, what) in [
            ([0.5, 0.5, 1.5, 9.5], Relation::Inside, "in the outer ring"),
            ([2.5, 2.5, 3.5, 3.5], Relation::Outside, "in the hole"),
            ([4.5, 4.5, 5.5, 5.5], Relation::Inside, "on the island"),
            ([11.0, 0.0, 12.0, 1.0], Relation::Outside, "beside"),
            ([-1.0, -1.0, 11.0, 11.0], Relation::Across, "around"),
            (
                [1.0, 1.0, 3.0, 3.0],
                Relation::Across,
                "over the hole's corner",
            ),
            ([1.0, 1.0, 2.0, 2.0], Relation::Across, "touching the hole"),
        ] {
            assert_eq!(polygons.relate(rect), relation, "{what}");
        }
        // An edge through the rectangle with no vertex in it.
        let diamond = Polygons::new(vec![vec![vec![
            (0.0, -10.0),
            (10.0, 0.0),
            (0.0, 10.0),
            (-10.0, 0.0),
            (0.0, -10.0),
        ]]]);
        assert_eq!(diamond.relate([4.0, 4.0, 6.0, 6.0]), Relation::Across);
        assert_eq!(diamond.relate([-1.0, -1.0, 1.0, 1.0]), Relation::Inside);
        assert_eq!(diamond.relate([6.0, 6.0, 7.0, 7.0]), Relation::Outside);
    }

    proptest::proptest! {
        /// An edge's quick answer is its two tests' (points anywhere, and near the edge:
        /// within the tolerance of a point of it, at its ends' latitudes).
        #[test]
        fn an_edge_says_what_its_tests_say(
            ends in ((-10.0f64..10.0, -10.0f64..10.0), (-10.0f64..10.0, -10.0f64..10.0)),
            horizontal in proptest::bool::weighted(0.2),
            (t, dx, dy) in (0.0f64..1.0, -3e-12f64..3e-12, -3e-12f64..3e-12),
            (px, py) in (-12.0f64..12.0, -12.0f64..12.0),
        ) {
            let ((x1, y1), (x2, y2)) = ends;
            // Horizontal edges too.
            let y2 = if horizontal { y1 } else { y2 };
            let edge = Edge::new((x1, y1), (x2, y2));
            let (on_x, on_y) = (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t);
            for (x, y) in [(px, py), (on_x + dx, on_y + dy), (px, y1), (px, y2), (x1 + dx, y1)] {
                // `holds` as written before edges kept their rectangle.
                let holds = ((x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)).abs() < ON_EDGE
                    && x >= x1.min(x2) - ON_EDGE
                    && x <= x1.max(x2) + ON_EDGE
                    && y >= y1.min(y2) - ON_EDGE
                    && y <= y1.max(y2) + ON_EDGE;
                proptest::prop_assert_eq!(edge.holds(x, y), holds, "({}, {})", x, y);
                let expected = if holds {
                    Said::Holds
                } else if edge.crossed(x, y) {
                    Said::Crossed
                } else {
                    Said::Nothing
                };
                proptest::prop_assert_eq!(edge.says(x, y), expected, "({}, {})", x, y);
            }
        }

        /// What `relate` says of a rectangle, every point of it says to `contains`.
        #[test]
        fn a_rectangle_s_relation_holds_for_each_of_its_points(
            radii in proptest::collection::vec(2.0f64..10.0, 3..40),
            hole in proptest::option::of(0.5f64..1.5),
            (x, y) in (-12.0f64..12.0, -12.0f64..12.0),
            (w, h) in (0.01f64..6.0, 0.01f64..6.0),
        ) {
            #[allow(clippy::cast_precision_loss)]
            let star = |radii: &[f64]| -> Ring {
                let n = radii.len() as f64;
                let mut ring: Ring = (0..radii.len())
                    .map(|k| {
                        let angle = std::f64::consts::TAU * k as f64 / n;
                        (radii[k] * angle.cos(), radii[k] * angle.sin())
                    })
                    .collect();
                ring.push(ring[0]);
                ring
            };
            let mut rings = vec![star(&radii)];
            if let Some(r) = hole {
                rings.push(star(&[r, r * 1.2, r * 0.8, r]));
            }
            let polygons = Polygons::new(vec![rings]);
            let rect = [x, y, x + w, y + h];
            let relation = polygons.relate(rect);
            for i in 0..=12 {
                for j in 0..=12 {
                    let (px, py) = (x + w * f64::from(i) / 12.0, y + h * f64::from(j) / 12.0);
                    let inside = polygons.contains(px, py);
                    match relation {
                        Relation::Inside => proptest::prop_assert!(inside, "{px} {py}"),
                        Relation::Outside => proptest::prop_assert!(!inside, "{px} {py}"),
                        Relation::Across => {}
                    }
                }
            }
        }
    }

    #[test]
    fn geojson_is_read_and_checked() {
        let read = |text: &str| Polygons::from_geojson(text);
        let one = read(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#).unwrap();
        let same = read(
            r#"{"coordinates":[[[[0.0,0],[1e0,-0.0],[1,1,12],[0,0]]]], "type":"MultiPolygon"}"#,
        )
        .unwrap();
        assert_eq!(one.key(), same.key());
        assert_eq!(one, same);
        let other =
            read(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,2],[0,0]]]}"#).unwrap();
        assert_ne!(one.key(), other.key());
        for (text, says) in [
            ("[1,2]", "object"),
            (r#"{"type":"Point","coordinates":[1,2]}"#, "\"Point\""),
            (r#"{"type":"Polygon"}"#, "coordinates"),
            (r#"{"type":"Polygon","coordinates":[]}"#, "outer ring"),
            (r#"{"type":"MultiPolygon","coordinates":[]}"#, "one polygon"),
            (
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#,
                "four",
            ),
            (
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#,
                "closed",
            ),
            (
                r#"{"type":"Polygon","coordinates":[[[0,0],[181,0],[1,1],[0,0]]]}"#,
                "range",
            ),
            (
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,"a"],[1,1],[0,0]]]}"#,
                "numbers",
            ),
            (
                r#"{"type":"Polygon","coordinates":[[[0,0],[1],[1,1],[0,0]]]}"#,
                "[longitude",
            ),
            (
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]"#,
                "JSON",
            ),
        ] {
            let error = read(text).unwrap_err();
            assert!(matches!(error, PolygonError::Invalid(_)), "{text}: {error}");
            assert!(error.to_string().contains(says), "{text}: {error}");
        }
        let many: Vec<String> = (0..=MAX_POSITIONS)
            .map(|i| format!("[{},0]", i % 100))
            .collect();
        let text = format!(
            r#"{{"type":"Polygon","coordinates":[[{}]]}}"#,
            many.join(",")
        );
        assert!(matches!(read(&text), Err(PolygonError::TooLarge(_))));
        let long = format!("{}{}", " ".repeat(MAX_BYTES), r#"{"type":"Polygon"}"#);
        assert!(matches!(read(&long), Err(PolygonError::TooLarge(_))));
    }

    #[test]
    fn a_comb_of_long_teeth_is_banded_in_bounded_room() {
        // 2,000 teeth one unit tall: every edge of a tooth spans the whole height, so that
        // as many bands as edges would copy each of them into every band.
        let teeth = 2_000;
        let mut ring: Ring = vec![(0.0, 0.0)];
        for i in 0..teeth {
            let x = f64::from(i) * 2.0;
            ring.extend([(x, 1.0), (x + 1.0, 1.0), (x + 1.0, 0.1), (x + 2.0, 0.1)]);
        }
        ring.extend([(f64::from(teeth) * 2.0, 0.0), (0.0, 0.0)]);
        let edges = ring.len() - 1;
        let polygons = Polygons::new(vec![vec![ring]]);
        assert!(polygons.banded[0][0].edges.len() <= 8 * edges + 64);
        for i in 0..teeth {
            let x = f64::from(i) * 2.0;
            assert!(polygons.contains(x + 0.5, 0.5), "in tooth {i}");
            assert!(!polygons.contains(x + 1.5, 0.5), "between teeth {i}");
            assert!(polygons.contains(x + 1.5, 0.05), "in the back {i}");
        }
    }

    #[test]
    fn a_ring_of_many_edges_is_judged_as_one_of_few() {
        // A circle of 5,000 edges against its inscribed test: points well inside and outside.
        let n = 5_000;
        let ring: Ring = (0..=n)
            .map(|i| {
                let a = f64::from(i % n) / f64::from(n) * std::f64::consts::TAU;
                (a.cos(), a.sin())
            })
            .collect();
        let polygons = Polygons::new(vec![vec![ring]]);
        for i in 0..200 {
            let a = f64::from(i) * 0.1;
            assert!(polygons.contains(0.99 * a.cos(), 0.99 * a.sin()));
            assert!(!polygons.contains(1.01 * a.cos(), 1.01 * a.sin()));
        }
        // A point looks at a few edges, whatever its band.
        let ring = &polygons.banded[0][0];
        let most = ring.starts.windows(2).map(|w| w[1] - w[0]).max().unwrap();
        assert!(most <= 100, "{most} edges in a band, of {n}");
        assert!(ring.edges.len() <= 4 * n as usize, "{}", ring.edges.len());
    }
}
