//! The one integration test binary: the `lieux` executable on real files, a real tantivy index
//! on disk and a real server on 127.0.0.1.
//!
//! The raw sources are read from `../shared/data/raw/lieux/` (beside the repository, as on
//! every developer machine and in CI); the bundled data set from `data/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod contributions;
mod faults;
mod feed;
mod freshness;
mod hostile;
mod import;
mod index;
mod live;
mod nodes;
mod notices;
mod ogc;
pub(crate) mod page;
mod pmtiles;
mod polygons;
mod relevance;
mod reload;
mod search;
mod serve;
mod territories;
mod tiles;
