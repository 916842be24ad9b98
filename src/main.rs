//! The `lieux` executable: logging, the allocator, and the command line of [`lieux::cli`].

use clap::Parser;

/// jemalloc, whose freed pages go back to the system after a second (`.cargo/config.toml`), so
/// that resident memory stays flat from reload to reload (glibc's per-thread arenas kept
/// growing) and from batch to batch of accepted changes.
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
    lieux::cli::Cli::parse().run()
}
