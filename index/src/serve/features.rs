//! The places as one collection of OGC API – Features: pages in a stable order.
//!
//! A GIS client copies a collection page by page, following `next` links, while the live index
//! may change between two pages (a contribution accepted, a reload). Pages by offset over a
//! ranked order would then skip or repeat places. Here the order is the places' ids (bytes,
//! ascending), and a page is asked for by a cursor: the places after (or before) an id. A
//! place that exists from the first page to the last is seen exactly once, whatever changes
//! in between; one created or removed meanwhile is seen or not, as its id falls. The cost is
//! an id comparison per matching place, which the index's own filters (vocabularies,
//! territory, text, and what a CQL2 filter lets them select) keep to the places that matter.

use std::collections::HashMap;

use lieux_tiles::LngLatBbox;

use super::geojson::PlaceFeature;
use super::LiveIndex;
use crate::filter::PlaceFilter;
use crate::search::cql2::Cql2Filter;
use crate::Result;

/// Where a page starts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Cursor {
    /// At the first place.
    #[default]
    First,
    /// After this id.
    After(String),
    /// Before this id: the page that ends there.
    Before(String),
}

/// A page of the collection to answer.
#[derive(Clone, Debug, Default)]
pub struct FeaturesQuery {
    /// The filters of `/search`.
    pub filter: PlaceFilter,
    /// Only places inside this rectangle.
    pub bbox: Option<LngLatBbox>,
    /// A CQL2 filter.
    pub cql: Option<Cql2Filter>,
    /// Where the page starts.
    pub cursor: Cursor,
    /// Places on the page.
    pub limit: usize,
}

/// A page of the collection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeaturesPage {
    /// The places of the page, by ordinal, in the order of their ids.
    pub ordinals: Vec<u32>,
    /// Every place the filters keep, on every page.
    pub matched: u64,
    /// Whether places come after the page.
    pub has_next: bool,
    /// Whether places come before it.
    pub has_prev: bool,
}

/// The places in the order of their ids: all of them, and those of each département.
#[derive(Debug, Default)]
pub struct IdOrder {
    all: Vec<u32>,
    departements: HashMap<String, Vec<u32>>,
}

impl IdOrder {
    fn of(live: &LiveIndex) -> Self {
        let places = &live.index.places;
        let count = u32::try_from(places.len()).expect("fewer than 2^32 places");
        // Sorted by the ids' first 16 bytes as one number (a million places in a tenth of a
        // second, where comparing the strings took seconds), then runs that share those bytes
        // by the whole ids.
        let prefix = |id: &str| {
            let mut bytes = [0u8; 16];
            let n = id.len().min(16);
            bytes[..n].copy_from_slice(&id.as_bytes()[..n]);
            u128::from_be_bytes(bytes)
        };
        let mut keyed: Vec<(u128, u32)> = (0..count)
            .map(|ordinal| (prefix(places[ordinal as usize].id()), ordinal))
            .collect();
        keyed.sort_unstable();
        let mut all: Vec<u32> = keyed.iter().map(|(_, ordinal)| *ordinal).collect();
        let mut start = 0;
        while start < keyed.len() {
            let end = start + keyed[start..].partition_point(|(key, _)| *key == keyed[start].0);
            if end - start > 1 {
                all[start..end].sort_unstable_by(|a, b| {
                    places[*a as usize].id().cmp(places[*b as usize].id())
                });
            }
            start = end;
        }
        let mut departements: HashMap<String, Vec<u32>> = HashMap::new();
        for ordinal in &all {
            if let Some(code) = places[*ordinal as usize].departement() {
                departements
                    .entry(code.to_owned())
                    .or_default()
                    .push(*ordinal);
            }
        }
        Self { all, departements }
    }
}

impl LiveIndex {
    /// The places of `query` in the order of their ids when they are known without filtering:
    /// every place, or one département's.
    fn ordered(&self, query: &FeaturesQuery) -> Option<&[u32]> {
        if query.bbox.is_some() || query.cql.is_some() {
            return None;
        }
        let order = || self.id_order.get_or_init(|| IdOrder::of(self));
        if query.filter.is_empty() {
            return Some(&order().all);
        }
        let only_departement = PlaceFilter {
            departements: query.filter.departements.clone(),
            ..PlaceFilter::default()
        };
        if query.filter != only_departement || query.filter.departements.len() != 1 {
            return None;
        }
        let code = query.filter.departements.first()?;
        Some(order().departements.get(code).map_or(&[], Vec::as_slice))
    }

    /// The page of `query` among `ordered`, places in the order of their ids.
    fn page_of(&self, ordered: &[u32], query: &FeaturesQuery) -> FeaturesPage {
        let id = |ordinal: &u32| self.index.places[*ordinal as usize].id();
        let (start, end) = match &query.cursor {
            Cursor::First => (0, query.limit.min(ordered.len())),
            Cursor::After(cursor) => {
                let start = ordered.partition_point(|o| id(o) <= cursor.as_str());
                (start, (start + query.limit).min(ordered.len()))
            }
            Cursor::Before(cursor) => {
                let end = ordered.partition_point(|o| id(o) < cursor.as_str());
                (end.saturating_sub(query.limit), end)
            }
        };
        FeaturesPage {
            ordinals: ordered[start..end].to_vec(),
            matched: ordered.len() as u64,
            has_next: end < ordered.len(),
            has_prev: start > 0,
        }
    }

    /// The page `query` asks for; see the module documentation for its order.
    ///
    /// # Errors
    /// A tantivy error while matching the filter's text.
    pub fn features_page(&self, query: &FeaturesQuery) -> Result<FeaturesPage> {
        if let Some(ordered) = self.ordered(query) {
            return Ok(self.page_of(ordered, query));
        }
        let (filter, cql_bbox) = match &query.cql {
            Some(cql) => cql.narrowing(query.filter.clone()),
            None => (query.filter.clone(), None),
        };
        let cql_bbox = cql_bbox.map(|[w, s, e, n]| LngLatBbox::new(w, s, e, n));
        let places = &self.index.places;
        let mut matched: u64 = 0;
        let mut before_cursor = 0usize;
        let mut after_cursor = 0usize;
        let mut candidates: Vec<(&str, u32)> = Vec::new();
        for ordinal in self.ordinals_matching(&filter)? {
            let place = &places[ordinal as usize];
            let inside = |bbox: &Option<LngLatBbox>| {
                bbox.as_ref()
                    .is_none_or(|b| b.contains(place.longitude, place.latitude))
            };
            if !inside(&query.bbox)
                || !inside(&cql_bbox)
                || query.cql.as_ref().is_some_and(|cql| !cql.matches(place))
            {
                continue;
            }
            matched += 1;
            let id = place.id();
            let wanted = match &query.cursor {
                Cursor::First => true,
                Cursor::After(cursor) => {
                    if id > cursor.as_str() {
                        true
                    } else {
                        before_cursor += 1;
                        false
                    }
                }
                Cursor::Before(cursor) => {
                    if id < cursor.as_str() {
                        true
                    } else {
                        after_cursor += 1;
                        false
                    }
                }
            };
            if wanted {
                candidates.push((id, ordinal));
            }
        }
        let limit = query.limit;
        let more = candidates.len() > limit;
        let before = matches!(query.cursor, Cursor::Before(_));
        if more && limit > 0 {
            // The `limit` first (or, before a cursor, last) by id, then in order.
            if before {
                let at = candidates.len() - limit;
                candidates.select_nth_unstable_by(at, |a, b| a.0.cmp(b.0));
                candidates.drain(..at);
            } else {
                candidates.select_nth_unstable_by(limit, |a, b| a.0.cmp(b.0));
                candidates.truncate(limit);
            }
        }
        candidates.truncate(limit);
        candidates.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let (has_prev, has_next) = if before {
            (more, after_cursor > 0)
        } else {
            (before_cursor > 0, more)
        };
        Ok(FeaturesPage {
            ordinals: candidates.into_iter().map(|(_, ordinal)| ordinal).collect(),
            matched,
            has_next,
            has_prev,
        })
    }

    /// The places of `ordinals` as features, with their notices and freshness (not whether
    /// they are open now, which is the clock's and not the data's).
    pub fn plain_features<'a>(
        &'a self,
        ordinals: &'a [u32],
    ) -> impl Iterator<Item = PlaceFeature<'a>> {
        ordinals.iter().map(move |ordinal| PlaceFeature {
            notices: self.notices_of(*ordinal),
            fraicheur: self.search.freshness(*ordinal),
            ..PlaceFeature::new(&self.index.places[*ordinal as usize])
        })
    }

    /// The place `id` as [`LiveIndex::plain_features`] writes it.
    #[must_use]
    pub fn plain_feature(&self, id: &str) -> Option<PlaceFeature<'_>> {
        let ordinal = self.search.ordinal_of(&self.index, id)?;
        Some(PlaceFeature {
            notices: self.notices_of(ordinal),
            fraicheur: self.search.freshness(ordinal),
            ..PlaceFeature::new(&self.index.places[ordinal as usize])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live() -> LiveIndex {
        live_of(crate::ingest::generate::test_places(500, 11))
    }

    fn live_of(places: Vec<crate::place::Place>) -> LiveIndex {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("index");
        crate::store::write_index(
            &places,
            &crate::store::report::Report::default(),
            Vec::new(),
            &out,
            &crate::store::NoProgress,
        )
        .unwrap();
        let index = crate::store::PlaceIndex::open(&out).unwrap();
        LiveIndex::prepare(index, &super::super::LiveOptions::default()).unwrap()
    }

    fn ids(live: &LiveIndex, page: &FeaturesPage) -> Vec<String> {
        live.plain_features(&page.ordinals)
            .map(|f| f.place.id().to_owned())
            .collect()
    }

    #[test]
    fn pages_follow_the_ids_with_no_gap_and_no_double() {
        let live = live();
        let mut seen = Vec::new();
        let mut cursor = Cursor::First;
        loop {
            let page = live
                .features_page(&FeaturesQuery {
                    cursor: cursor.clone(),
                    limit: 37,
                    ..FeaturesQuery::default()
                })
                .unwrap();
            assert_eq!(page.matched, 500);
            assert_eq!(page.has_prev, cursor != Cursor::First);
            let ids = ids(&live, &page);
            seen.extend(ids.iter().cloned());
            if !page.has_next {
                break;
            }
            cursor = Cursor::After(ids.last().unwrap().clone());
        }
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(seen, sorted, "in order, once each");
        assert_eq!(seen.len(), 500);
        // Back from the last page's start.
        let page = live
            .features_page(&FeaturesQuery {
                cursor: Cursor::Before(seen[37].clone()),
                limit: 37,
                ..FeaturesQuery::default()
            })
            .unwrap();
        assert_eq!(ids(&live, &page), seen[..37]);
        assert!(!page.has_prev && page.has_next);
    }

    #[test]
    fn the_pages_of_a_departement_are_those_a_filter_selects() {
        let live = live();
        let departement = live.index.places[0].departement().unwrap().to_owned();
        let filter = PlaceFilter::from_pairs([("departement", departement.as_str())]).unwrap();
        // TRUE keeps every place, and takes the filtering path rather than the id order's.
        let always = Cql2Filter::parse("TRUE").unwrap();
        for (cursor, limit) in [
            (Cursor::First, 3),
            (Cursor::First, 0),
            (Cursor::First, 1000),
        ] {
            let mut cursors = vec![cursor];
            let first = live
                .features_page(&FeaturesQuery {
                    filter: filter.clone(),
                    limit,
                    ..FeaturesQuery::default()
                })
                .unwrap();
            if let Some(ordinal) = first.ordinals.get(1) {
                let id = live.index.places[*ordinal as usize].id().to_owned();
                cursors.push(Cursor::After(id.clone()));
                cursors.push(Cursor::Before(id));
            }
            for cursor in cursors {
                let query = FeaturesQuery {
                    filter: filter.clone(),
                    cursor,
                    limit,
                    ..FeaturesQuery::default()
                };
                let ordered = live.features_page(&query).unwrap();
                let filtered = live
                    .features_page(&FeaturesQuery {
                        cql: Some(always.clone()),
                        ..query.clone()
                    })
                    .unwrap();
                assert_eq!(ordered, filtered, "{query:?}");
                assert!(ordered.matched > 0);
            }
        }
    }

    #[test]
    fn the_id_order_is_that_of_the_whole_ids() {
        // Ids longer than the 16 bytes sorted as a number, which only the whole id tells apart.
        let mut places = crate::ingest::generate::test_places(300, 3);
        for (n, place) in places.iter_mut().enumerate() {
            let id = format!("lieu-de-mediation-{}-{}", n % 7, 1000 - n);
            place.texts = place.texts.with(crate::place::TextField::Id, &id);
        }
        let live = live_of(places);
        let order = IdOrder::of(&live);
        let ids: Vec<&str> = order
            .all
            .iter()
            .map(|o| live.index.places[*o as usize].id())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);
        assert_eq!(ids.len(), live.index.places.len());
    }

    #[test]
    fn a_cql2_filter_and_a_bbox_select_as_evaluated() {
        let live = live();
        let cql =
            Cql2Filter::parse("latitude > 46 AND S_INTERSECTS(geometry, BBOX(-5, 40, 10, 52))")
                .unwrap();
        let page = live
            .features_page(&FeaturesQuery {
                cql: Some(cql.clone()),
                limit: 1000,
                ..FeaturesQuery::default()
            })
            .unwrap();
        let expected = live
            .index
            .places
            .iter()
            .filter(|place| cql.matches(place))
            .count();
        assert_eq!(page.matched as usize, expected);
        assert_eq!(page.ordinals.len(), expected);
        assert!(!page.has_next);
    }
}
