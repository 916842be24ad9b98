//! `lieux-index`: everything about place records.
//!
//! - [`place`] and [`vocab`]: the model of the *schéma des lieux de médiation numérique* v1.0.2;
//! - [`source`]: readers for the national schema and for older exports, driven by TOML source
//!   mappings, and [`normalize`]: validation that loses nothing, with a [`report`];
//! - [`dedup`]: merging the same place coming from several sources;
//! - [`store`]: the persisted index (places, R-tree, tantivy full-text index, manifest), written
//!   atomically and loaded by the server;
//! - [`search`]: ranked text, radius and nearest queries, facets, opening hours, completion;
//! - [`live`]: the index a server answers from, with everything derived from it, checked whole
//!   before it replaces another;
//! - [`generate`]: realistic synthetic places for benchmarks.
//!
//! The crate does no HTTP and has no CLI: `src/` in the root package is the shell around it.

pub mod analysis;
pub mod dedup;
pub mod error;
pub mod export;
pub mod filter;
pub mod generate;
pub mod geo;
pub mod geojson;
pub mod import;
pub mod json;
pub mod live;
pub mod map;
pub mod normalize;
pub mod place;
pub mod report;
pub mod search;
pub mod source;
pub mod store;
pub mod text;
pub mod text_index;
pub mod vocab;

pub use error::{Error, Result};
pub use place::{Place, SchemaField};

/// The result of a scoped thread; a panic in it is carried on in the caller.
pub(crate) fn join_scoped<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
