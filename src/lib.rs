//! `lieux`: the command line and the HTTP server around `lieux-index` and `lieux-tiles`.
//!
//! This package is the only place with HTTP, CLI and `anyhow`: the libraries have typed errors,
//! and this shell wires them together. `main.rs` only sets up logging and runs [`cli::Cli`].
//!
//! The modules, each using only those listed after it:
//! - [`cli`]: the commands, and `lieux serve`, which builds the [`state`] and the app;
//! - [`openapi`]: the document, from the routes' declarations;
//! - [`routes`]: every route, and which handler answers it;
//! - the handlers, each parsing declared [`params`], making one call to the live index and
//!   setting headers: [`tiles`] (tiles, TileJSON, clusters), [`search`] (search, exports,
//!   nearest, completion, places), [`contributions`] (proposals and following them, answered
//!   by [`receipts`], as JSON or as pages),
//!   [`moderation`] (the queue, decisions, histories), [`admin`] (reloads, search gaps),
//!   [`about`] (health,
//!   OpenAPI), [`assets`] (the pages: the map, the embed, the documentation, moderation),
//!   and [`observe`] (the middleware around every request,
//!   and `/metrics`);
//! - [`embed`] (which sites may frame the embed), [`cors`], [`state`] (the index being served and what every request can reach),
//!   [`answers`] (what each route answers, declared beside its handler), [`params`] (the
//!   parameters each route declares), [`metrics`], [`limits`], [`clients`] (who a client is,
//!   rate limits),
//!   [`gaps`], [`pool`] (the query threads), [`query_string`], [`progress`], and
//!   [`http_error`] (the one table from errors to HTTP answers).

pub mod about;
pub mod admin;
pub mod answers;
pub mod assets;
pub mod basemap;
pub mod campaign;
pub mod cli;
pub mod clients;
pub mod contributions;
pub mod cors;
pub mod embed;
pub mod feed;
pub mod gaps;
pub mod http_error;
#[cfg(test)]
mod in_process;
pub mod limits;
pub mod metrics;
pub mod moderation;
pub mod observe;
pub mod ogc;
pub mod openapi;
pub mod params;
pub mod pool;
pub mod progress;
pub mod query_string;
pub mod receipts;
pub mod routes;
pub mod search;
pub mod signer;
pub mod state;
pub mod tiles;
