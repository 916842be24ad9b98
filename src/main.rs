//! `lieux`: the command line and the HTTP server around `lieux-index` and `lieux-tiles`.
//!
//! This package is the only place with HTTP, CLI and `anyhow`: the libraries have typed errors,
//! and this shell wires them together.

mod admin;
mod assets;
mod cli;
mod clients;
mod gaps;
mod http_error;
mod limits;
mod observe;
mod params;
mod pool;
mod progress;
mod query_string;
mod search;
mod server;

use clap::Parser;

/// jemalloc, whose freed pages go back to the system after a few seconds, so that resident
/// memory stays flat from reload to reload (glibc's per-thread arenas kept growing).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tantivy=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    cli::Cli::parse().run()
}
