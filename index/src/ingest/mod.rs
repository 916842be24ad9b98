//! Sources in, places out: the ingest wing.
//!
//! A file is read into rows ([`read`]), each row mapped to a draft of a place by a TOML source
//! mapping ([`mapping`], with [`weekly_hours`] for French opening hours, per weekday or per week),
//! and each draft validated into a [`Place`](crate::Place) by [`normalize`], which loses
//! nothing: what it cannot read goes to the report with its file, row and field. [`source`]
//! drives the three for one file. [`dedup`] merges the same place coming from several sources,
//! and [`import`] is the whole pipeline over many files. [`export`] writes places back as the
//! schema's CSV; [`generate`] makes realistic synthetic places for benchmarks.
//!
//! Not here: how an index is written or read ([`crate::store`]), nor searching it.
//!
//! The modules depend one way: `weekly_hours` ← `mapping` ← `normalize` ← `source` ←
//! `import`; `read` is below `mapping`, and `dedup` below `import`.

pub mod dedup;
pub mod export;
pub mod generate;
pub mod import;
pub mod mapping;
pub mod normalize;
pub mod read;
pub mod source;
pub mod weekly_hours;
