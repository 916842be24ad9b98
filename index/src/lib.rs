//! `lieux-index`: place records and the engine that serves them, in five wings.
//!
//! The model, shared by every wing: [`place`] and [`vocab`] (the *schéma des lieux de
//! médiation numérique* v1.0.2), [`filter`] (what a request keeps), [`geo`] (positions on the
//! sphere), [`fold`] (text compared without accents or case) and [`error`].
//!
//! The wings, each using only those below it:
//! - [`serve`]: the live index a server answers from, and the one place where it changes;
//!   its maps, tile caches and JSON writing;
//! - [`changes`]: the write path's store (contributions, moderation, the log of both) behind
//!   one trait, the validation of a proposal, and the accepted changes applied to the base
//!   data;
//! - [`search`]: the query engine (text read as people ask, radius, nearest, facets, opening
//!   hours, completion);
//! - [`ingest`]: sources in (readers, TOML mappings, normalisation, de-duplication, the
//!   import), CSV out, and the generator of synthetic places;
//! - [`store`]: the persisted index (places, the R-tree, the tantivy schema and analyser, the
//!   manifest and the import report), written atomically and checked when loaded.
//!
//! The crate does no HTTP and has no CLI: `src/` in the root package is the shell around it.

pub mod changes;
pub mod error;
pub mod filter;
pub mod fold;
pub mod freshness;
pub mod geo;
pub mod ingest;
pub mod notice;
pub mod place;
pub mod polygon;
pub mod search;
pub mod serve;
pub mod store;
pub mod territory;
pub mod vocab;

pub use error::{Error, Result};
pub use place::{Place, SchemaField};

/// The result of a scoped thread; a panic in it is carried on in the caller.
pub(crate) fn join_scoped<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
