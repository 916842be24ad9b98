//! The commands: `serve` (the default), `import`, `index`, `generate`, `export` (a CSV, or the
//! map's tiles as a PMTiles archive) and `openapi`.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::header::HeaderValue;
use actix_web::web;
use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use lieux_index::changes::postgres::PostgresStore;
use lieux_index::changes::sqlite::SqliteStore;
use lieux_index::changes::ChangeStore;
use lieux_index::freshness::FreshnessRule;
use lieux_index::ingest::dedup::MergeConfig;
use lieux_index::ingest::export::{write_schema_csv, Cells};
use lieux_index::ingest::generate::{Gazetteer, Generator};
use lieux_index::ingest::import::{import, ImportOptions, Imported};
use lieux_index::ingest::mapping::SourceMapping;
use lieux_index::ingest::source::FormatChoice;
use lieux_index::serve::map::TileProperties;
use lieux_index::serve::pmtiles::{write_pmtiles_of_index, PmtilesOptions};
use lieux_index::serve::tiles::MAX_TILE_ZOOM;
use lieux_index::serve::{
    load_with_changes, places_with_changes, record_feed, IndexSource, LiveIndex, LiveOptions,
};
use lieux_index::store::{generations, write_index, PlaceIndex};
use lieux_tiles::ClusterOptions;

use crate::assets::{Basemap, BasemapStyle, Pages};
use crate::basemap::BasemapArchive;
use crate::clients::{Rate, RateLimits, RouteGroup, TrustedProxies};
use crate::cors::{cors, CorsOrigins};
use crate::embed::EmbedOrigins;
use crate::limits::Limits;
use crate::pool::QueryPool;
use crate::progress::Bar;
use crate::routes::router;
use crate::state::{Admin, AppState};

/// The bundled data set, served when no index is given.
const BUNDLED_DATA: &str = "data/lieux-pays-de-la-loire.csv";
/// The sources and licences of the bundled data set (see data/README.md).
const BUNDLED_ATTRIBUTION: &str = "Données : ANCT (France Services, conseillers numériques), \
    Département de Maine-et-Loire (Licence Ouverte 2.0), Ville d'Angers ; \
    sources et licences dans data/README.md";
/// The gazetteer of communes used by `generate`.
const BUNDLED_COMMUNES: &str = "data/communes.csv";

/// Vector tiles and geospatial search for places (lieux de médiation numérique).
#[derive(Parser, Debug)]
#[command(version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Options of `serve`, the default command.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve an index over HTTP (the default).
    Serve(Box<ServeArgs>),
    /// Read, validate and merge source files into one CSV of schema v1.0.2.
    Import {
        /// Source files (CSV, JSON, GeoJSON).
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// The CSV to write.
        #[arg(long)]
        out: PathBuf,
        /// The report (JSON Lines); default: OUT with `.report.jsonl`.
        #[arg(long)]
        report: Option<PathBuf>,
        #[command(flatten)]
        import: ImportArgs,
    },
    /// Build a persisted index (places, R-tree, full-text index, manifest).
    Index {
        /// Source files (CSV, JSON, GeoJSON).
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// The index directory, replaced atomically.
        #[arg(long, required_unless_present = "publish", conflicts_with = "publish")]
        out: Option<PathBuf>,
        /// A directory of published generations shared by several nodes (`lieux serve
        /// --follow DIR`): the index is written as a new, immutable generation named by its
        /// content, then `DIR/CURRENT` is switched to it atomically; the newest three are kept.
        #[arg(long)]
        publish: Option<PathBuf>,
        #[command(flatten)]
        import: ImportArgs,
    },
    /// Write realistic synthetic places as a schema v1.0.2 CSV.
    Generate {
        /// How many places.
        #[arg(long)]
        count: u64,
        /// The random seed: the same seed gives the same places.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The CSV to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The communes gazetteer.
        #[arg(long, default_value = BUNDLED_COMMUNES)]
        communes: PathBuf,
    },
    /// Write the data set as it is served (the base data with every accepted contribution
    /// applied, closed places left out) as a CSV of schema v1.0.2 (`--out`), or its map's
    /// clustered tiles as a PMTiles archive (`--pmtiles`): what a hub publishes.
    Export {
        /// The CSV to write; it is replaced only once wholly written.
        #[arg(long, required_unless_present_any = ["pmtiles", "site"], conflicts_with_all = ["pmtiles", "site"])]
        out: Option<PathBuf>,
        /// The PMTiles v3 archive to write instead of a CSV: the clustered vector tiles that
        /// `lieux serve` would serve for these data and `--filter` (the same bytes, gzipped),
        /// at zooms `--minzoom` to `--maxzoom`, empty tiles left out; for a map on a static
        /// host (README, « Publier la carte sans serveur »). Replaced only once wholly written.
        #[arg(long)]
        pmtiles: Option<PathBuf>,
        /// Also write a copy of the map page into this directory (`index.html` and `assets/`)
        /// for a static host: it draws the archive of `--pmtiles` when that is inside the
        /// directory (or the one a `?tiles=URL` names), with no lieux server running.
        #[arg(long)]
        site: Option<PathBuf>,
        #[command(flatten)]
        tiles: TileArgs,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Write the OpenAPI 3.1 document that `lieux serve` serves at `/openapi.json` (under its
    /// default limits) to standard output, for client generators and validators.
    Openapi,
}

/// What `lieux export --pmtiles` writes.
#[derive(Args, Debug, Clone)]
struct TileArgs {
    /// The map's filters and what its features carry, as the query string of a tile URL
    /// (`services=…&departement=49`, `open_at=2026-12-24T10:00`, `cluster_by=…`,
    /// `cluster_counts=services`, `fields=nom,services`; not `open_now`): the archive holds
    /// that map's tiles.
    #[arg(long, requires = "pmtiles", default_value = "")]
    filter: String,
    /// The lowest zoom of the archive.
    #[arg(long, requires = "pmtiles", default_value_t = PmtilesOptions::default().min_zoom)]
    minzoom: u8,
    /// The deepest zoom of the archive (maps over-zoom its tiles beyond it).
    #[arg(long, requires = "pmtiles", default_value_t = PmtilesOptions::default().max_zoom)]
    maxzoom: u8,
    /// The place properties of the tiles: `all`, those of the server's tiles, or `id` alone
    /// (clusters keep theirs), for the smallest archive.
    #[arg(long, requires = "pmtiles", value_enum, default_value_t = TilePropertiesArg::All)]
    tile_properties: TilePropertiesArg,
    /// The attribution in the archive's metadata; default: as `lieux serve` says it.
    #[arg(long, requires = "pmtiles")]
    attribution: Option<String>,
    /// Cluster radius, as `lieux serve --cluster-radius` (the same for the same tiles).
    #[arg(long, requires = "pmtiles", default_value_t = ClusterOptions::default().radius)]
    cluster_radius: f64,
    /// The deepest clustered zoom, as `lieux serve --cluster-max-zoom`.
    #[arg(long, requires = "pmtiles", default_value_t = ClusterOptions::default().max_zoom)]
    cluster_max_zoom: u8,
}

/// `--tile-properties`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum TilePropertiesArg {
    /// Those of the server's tiles.
    All,
    /// `id` alone.
    Id,
}

/// What data is served: an index, sources, or the bundled data set, and the changes kept in the
/// state directory.
#[derive(Args, Debug, Clone)]
struct DataArgs {
    /// A persisted index (which a reload of the server reads again); without it and without
    /// `--source`, the bundled data set.
    #[arg(long, conflicts_with_all = ["source", "follow"])]
    index: Option<PathBuf>,
    /// A directory of published generations (`lieux index --publish DIR`): serve the one
    /// `DIR/CURRENT` names, and each new one as soon as it is published (checked every
    /// `--follow-interval` seconds), with no downtime, the accepted changes applied on top.
    #[arg(long, conflicts_with = "source")]
    follow: Option<PathBuf>,
    /// How often `--follow` reads `CURRENT`, in seconds.
    #[arg(long, default_value_t = 1.0, requires = "follow", value_parser = positive_seconds)]
    follow_interval: f64,
    /// Source files to import, with the import options below (the server imports and indexes
    /// them at start, and again on each reload).
    #[arg(long)]
    source: Vec<PathBuf>,
    #[command(flatten)]
    import: ImportArgs,
    /// Where what is written is kept: the contributions, the moderators' decisions and their
    /// log (`changes.sqlite`). Back it up. Default: `$XDG_STATE_HOME/lieux`, or
    /// `~/.local/state/lieux`.
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Keep the contributions, the decisions and the change feed in this PostgreSQL database
    /// (`postgres://USER@HOST:PORT/DB`) instead of `changes.sqlite`: every server given the
    /// same one serves reads, accepts writes, and applies what the others accept. The state
    /// directory still holds the key that signs campaign links: give each server the same.
    #[arg(long, value_name = "URL", value_parser = postgres_url)]
    store: Option<String>,
}

/// A PostgreSQL URL, checked for its scheme (the database checks the rest when connecting).
fn postgres_url(text: &str) -> Result<String, String> {
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        Ok(text.to_owned())
    } else {
        Err("a PostgreSQL URL: postgres://USER@HOST:PORT/DATABASE".to_owned())
    }
}

/// The change store of `--store`, or the SQLite file of the state directory.
fn open_store(state_dir: &Path, url: Option<&str>) -> anyhow::Result<Box<dyn ChangeStore>> {
    Ok(match url {
        Some(url) => {
            Box::new(PostgresStore::open(url).context("cannot open the shared store of --store")?)
        }
        None => Box::new(
            SqliteStore::open(state_dir)
                .with_context(|| format!("cannot open the state in {}", state_dir.display()))?,
        ),
    })
}

/// The data of [`DataArgs`], resolved.
struct DataChoice {
    data: Data,
    /// How the sources are read (and those a reload names).
    import: ImportOptions,
    /// What is read at start, and again by a reload without a body.
    source: IndexSource,
    work_dir: PathBuf,
    state_dir: PathBuf,
    /// `--store`.
    store: Option<String>,
}

impl DataArgs {
    /// Makes every choice between an index, sources and the bundled data, once; indexes built
    /// from sources go under `work_dir` (default: `$TMPDIR/lieux`).
    fn resolve(&self, work_dir: Option<&Path>) -> anyhow::Result<DataChoice> {
        let data = match (&self.index, &self.follow, self.source.is_empty()) {
            (Some(dir), _, _) => Data::Index(dir.clone()),
            (None, Some(root), _) => Data::Follow(root.clone()),
            (None, None, false) => Data::Sources(self.source.clone()),
            (None, None, true) => Data::Bundled,
        };
        let work_dir =
            work_dir.map_or_else(|| std::env::temp_dir().join("lieux"), Path::to_path_buf);
        let import = match data {
            // The bundled CSV is already merged and normalised by `lieux import`.
            Data::Bundled => ImportOptions {
                format: FormatChoice::Named("lamednum-v1".into()),
                merge: None,
                departements: None,
            },
            _ => self.import.options()?,
        };
        let source = match &data {
            Data::Index(dir) => IndexSource::Dir(dir.clone()),
            Data::Follow(root) => IndexSource::Dir(generations::current(root)?.1),
            Data::Sources(inputs) => IndexSource::Sources {
                inputs: inputs.clone(),
                options: import.clone(),
                work_dir: work_dir.clone(),
            },
            Data::Bundled => IndexSource::Sources {
                inputs: vec![bundled(Path::new(BUNDLED_DATA))],
                options: import.clone(),
                work_dir: work_dir.clone(),
            },
        };
        Ok(DataChoice {
            data,
            import,
            source,
            work_dir,
            state_dir: self.state_dir.clone().unwrap_or_else(default_state_dir),
            store: self.store.clone(),
        })
    }
}

#[derive(Args, Debug, Clone)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: String,
    #[command(flatten)]
    data: DataArgs,
    /// Where indexes built by the server from sources are written (each in a directory of its
    /// own, removed once no longer served); default: `$TMPDIR/lieux`.
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// A thesaurus of the hub's own expressions and synonyms, added to the bundled one
    /// (`data/thesaurus.toml` describes the format); repeatable. Read again at each reload.
    #[arg(long)]
    thesaurus: Vec<PathBuf>,
    /// A place whose `date_maj` is at most this many days old is `a_jour` (the `fraicheur`
    /// filter and facet).
    #[arg(long, default_value_t = FreshnessRule::default().fresh_days)]
    fresh_days: u32,
    /// A place whose `date_maj` is more than this many days old is `ancienne`; between the two,
    /// `a_verifier`.
    #[arg(long, default_value_t = FreshnessRule::default().stale_days)]
    stale_days: u32,
    /// A file holding the admin token (instead of the environment variable
    /// `LIEUX_ADMIN_TOKEN`); without either, `/admin/*` is off.
    #[arg(long)]
    admin_token_file: Option<PathBuf>,
    /// The server's public URL (as seen by clients behind a proxy), for TileJSON.
    #[arg(long)]
    public_url: Option<String>,
    /// The attribution shown on maps (data sources and licences); default: the sources of the
    /// places.
    #[arg(long)]
    attribution: Option<String>,
    /// Cluster radius, in pixels of a 512-pixel tile (supercluster's `radius`).
    #[arg(long, default_value_t = ClusterOptions::default().radius)]
    cluster_radius: f64,
    /// The deepest zoom at which places are clustered; deeper tiles hold single places.
    #[arg(long, default_value_t = ClusterOptions::default().max_zoom)]
    cluster_max_zoom: u8,
    /// The most places that cached filtered maps hold together.
    #[arg(long, default_value_t = LiveOptions::default().map_cache_places)]
    map_cache_places: usize,
    /// The most memory that cached encoded tiles take, in MiB.
    #[arg(long, default_value_t = LiveOptions::default().tile_cache_bytes >> 20)]
    tile_cache_mib: usize,
    /// The threads that answer searches (see `src/pool.rs`); default: one per core.
    #[arg(long)]
    query_threads: Option<std::num::NonZeroUsize>,
    /// The `Cache-Control` header of tiles.
    #[arg(long, default_value = "public, max-age=300", value_parser = header_value)]
    tile_cache_control: HeaderValue,
    /// The web origins (`https://carto.example.org`) whose pages may call the API from the
    /// browser (CORS), separated by commas; `*` for any origin, `none` for none.
    #[arg(long, default_value = "*", value_parser = cors_origins)]
    cors_origins: CorsOrigins,
    /// The web origins (`https://partenaire.example.org`, `http://127.0.0.1:8000`) whose pages
    /// may show the embeddable map `/embed` in an `<iframe>`, separated by commas
    /// (`Content-Security-Policy: frame-ancestors`). Default `none`: no site may frame
    /// `/embed`, which still opens on its own. Every other page refuses to be framed whatever
    /// this says.
    #[arg(long, default_value = "none", value_parser = embed_origins)]
    embed_origins: EmbedOrigins,
    /// The URL of a MapLibre style (`https://tuiles.example.org/styles/plan.json`) that the map
    /// and the embed draw under the places, with its attribution, instead of the built-in
    /// basemap (départements and communes from the gazetteer, asked of no other host). The
    /// browser then asks the style's hosts for its tiles, glyphs and sprites, and the style
    /// must allow the page's origin (CORS).
    #[arg(long, value_parser = basemap_style)]
    basemap_style: Option<BasemapStyle>,
    /// A PMTiles v3 archive of vector tiles (an OpenStreetMap extract, as Protomaps builds
    /// them) that lieux serves itself at `/basemap.pmtiles` and the map and the embed draw
    /// under the places with the Protomaps style, asking no other host. Checked at start.
    #[arg(long, value_name = "FILE", conflicts_with = "basemap_style")]
    basemap_pmtiles: Option<PathBuf>,
    /// The most places one CSV or GeoJSON export of `/search` holds.
    #[arg(long, default_value_t = Limits::default().max_export)]
    max_export: usize,
    /// The most exports streamed at once; more get 429.
    #[arg(long, default_value_t = Limits::default().max_exports)]
    max_exports: usize,
    /// The most characters of a text query `q` (at most 200).
    #[arg(long, default_value_t = Limits::default().max_query_chars)]
    max_query_chars: usize,
    /// The most hits of a `/search` page (`limit`) and of `/nearest` (`k`).
    #[arg(long, default_value_t = Limits::default().max_limit)]
    max_limit: usize,
    /// The widest search radius, in metres.
    #[arg(long, default_value_t = Limits::default().max_radius_m)]
    max_radius_m: f64,
    /// The widest and tallest `bbox` of `/search` and `/clusters`, in degrees.
    #[arg(long, default_value_t = Limits::default().max_bbox_degrees)]
    max_bbox_degrees: f64,
    /// The longest query string, in bytes; longer gets 414.
    #[arg(long, default_value_t = Limits::default().max_query_string)]
    max_query_string: usize,
    /// The largest request body, in bytes; larger gets 413.
    #[arg(long, default_value_t = Limits::default().max_body_bytes)]
    max_body_bytes: usize,
    /// Seconds a request may take until its answer starts; longer gets 503 (`/admin/*` has no
    /// timeout: a reload of a large index may take minutes).
    #[arg(long, default_value_t = Limits::default().request_timeout.as_secs_f64())]
    request_timeout: f64,
    /// Proxies whose `X-Forwarded-For`, `X-Forwarded-Host` and `X-Forwarded-Proto` are
    /// believed: addresses or networks separated by commas (`127.0.0.1,10.0.0.0/8`). From any
    /// other peer these headers are ignored.
    #[arg(long, default_value = "none", value_parser = trusted_proxies)]
    trusted_proxies: TrustedProxies,
    /// A rate limit per client for a group of routes, `GROUP=N/s` (or `/min`, `/h`), with an
    /// optional `,burst=N`, or `GROUP=off`; repeat for several groups. Groups: `tiles`,
    /// `search`, `other` (the pages, health, metrics, and reads under `/admin/` and
    /// `/contributions/`) and `write` (any other method there: contributions, decisions,
    /// reloads). Default: reads unlimited, `write=60/min,burst=10`.
    #[arg(long)]
    rate_limit: Vec<String>,
    /// Seconds one CSV or GeoJSON export may stream in all; past it, the export is cut off.
    #[arg(long, default_value_t = Limits::default().export_timeout.as_secs_f64())]
    export_timeout: f64,
    /// Seconds an export waits for its client to read more; past it, the export is cut off
    /// and its slot given back.
    #[arg(long, default_value_t = Limits::default().export_idle_timeout.as_secs_f64())]
    export_idle_timeout: f64,
    /// Seconds that SIGTERM waits for requests in flight before stopping.
    #[arg(long, default_value_t = 30)]
    shutdown_timeout: u64,
}

impl ServeArgs {
    fn freshness(&self) -> anyhow::Result<FreshnessRule> {
        anyhow::ensure!(
            self.fresh_days <= self.stale_days,
            "--fresh-days ({}) must not be above --stale-days ({})",
            self.fresh_days,
            self.stale_days
        );
        Ok(FreshnessRule {
            fresh_days: self.fresh_days,
            stale_days: self.stale_days,
        })
    }

    fn limits(&self) -> anyhow::Result<Limits> {
        let max_text = lieux_index::filter::MAX_QUERY_CHARS;
        if self.max_query_chars > max_text {
            bail!("--max-query-chars must be at most {max_text}");
        }
        for (name, seconds) in [
            ("--request-timeout", self.request_timeout),
            ("--export-timeout", self.export_timeout),
            ("--export-idle-timeout", self.export_idle_timeout),
        ] {
            if !(seconds.is_finite() && seconds > 0.0 && seconds < 1e9) {
                bail!("{name} must be a positive number of seconds");
            }
        }
        if !(self.max_radius_m >= 0.0 && self.max_bbox_degrees >= 0.0) {
            bail!("--max-radius-m and --max-bbox-degrees must be positive");
        }
        Ok(Limits {
            max_query_chars: self.max_query_chars,
            max_limit: self.max_limit,
            max_export: self.max_export,
            max_radius_m: self.max_radius_m,
            max_bbox_degrees: self.max_bbox_degrees,
            max_exports: self.max_exports,
            max_body_bytes: self.max_body_bytes,
            max_query_string: self.max_query_string,
            request_timeout: Duration::from_secs_f64(self.request_timeout),
            export_timeout: Duration::from_secs_f64(self.export_timeout),
            export_idle_timeout: Duration::from_secs_f64(self.export_idle_timeout),
        })
    }

    /// The admin token: the file's, else `LIEUX_ADMIN_TOKEN`'s.
    fn admin_token(&self) -> anyhow::Result<Option<String>> {
        if let Some(path) = &self.admin_token_file {
            let token = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the admin token {}", path.display()))?;
            return Ok(Some(token));
        }
        Ok(std::env::var("LIEUX_ADMIN_TOKEN")
            .ok()
            .filter(|t| !t.is_empty()))
    }
}

#[derive(Args, Debug, Clone)]
struct ImportArgs {
    /// Read every input with this built-in format instead of detecting it.
    #[arg(long, conflicts_with = "mapping")]
    format: Option<String>,
    /// Read every input with this source mapping file (see docs/sources.md).
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Keep only these départements (comma-separated codes, e.g. 44,49,53,72,85).
    #[arg(long, value_delimiter = ',')]
    departements: Option<Vec<String>>,
    /// Keep duplicates instead of merging them.
    #[arg(long)]
    no_merge: bool,
    /// Largest distance between two records of one place, in metres.
    #[arg(long, default_value_t = MergeConfig::default().max_distance_m)]
    merge_distance: f64,
    /// Smallest name similarity (0 to 1) between two records of one place.
    #[arg(long, default_value_t = MergeConfig::default().min_name_similarity)]
    merge_similarity: f64,
}

impl ImportArgs {
    fn options(&self) -> anyhow::Result<ImportOptions> {
        let format = match (&self.format, &self.mapping) {
            (Some(name), _) => FormatChoice::Named(name.clone()),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                FormatChoice::Mapping(Box::new(SourceMapping::from_toml(
                    &text,
                    &path.display().to_string(),
                )?))
            }
            (None, None) => FormatChoice::Detect,
        };
        if !(0.0..=1.0).contains(&self.merge_similarity) || self.merge_distance < 0.0 {
            bail!("--merge-similarity must be within 0 and 1, --merge-distance positive");
        }
        Ok(ImportOptions {
            format,
            merge: (!self.no_merge).then_some(MergeConfig {
                max_distance_m: self.merge_distance,
                min_name_similarity: self.merge_similarity,
            }),
            departements: self.departements.clone(),
        })
    }
}

impl Cli {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<()> {
        match self.command {
            None => serve(&self.serve),
            Some(Command::Serve(args)) => serve(&args),
            Some(Command::Import {
                inputs,
                out,
                report,
                import: args,
            }) => {
                let imported = run_import(&inputs, &args.options()?)?;
                let file = File::create(&out)
                    .with_context(|| format!("cannot create {}", out.display()))?;
                write_schema_csv(&imported.places, BufWriter::new(file), Cells::AsData)
                    .with_context(|| format!("cannot write {}", out.display()))?;
                let report = report.unwrap_or_else(|| out.with_extension("report.jsonl"));
                write_report(&imported, &report)?;
                eprintln!(
                    "wrote {} places to {}",
                    imported.places.len(),
                    out.display()
                );
                Ok(())
            }
            Some(Command::Index {
                inputs,
                out,
                publish,
                import: args,
            }) => {
                let started = Instant::now();
                let imported = run_import(&inputs, &args.options()?)?;
                let read = started.elapsed();
                if let Some(root) = publish {
                    let published = generations::publish(
                        &imported.places,
                        &imported.report,
                        imported.sources,
                        &root,
                        &Bar::default(),
                    )?;
                    eprintln!(
                        "published {} places as generation {} in {} in {:.1?} (reading {:.1?}){}; {} now names it{}",
                        published.manifest.places,
                        published.name,
                        root.display(),
                        started.elapsed(),
                        read,
                        if published.reused { ", the same content as a generation kept" } else { "" },
                        generations::CURRENT,
                        if published.removed.is_empty() {
                            String::new()
                        } else {
                            format!("; removed {}", published.removed.join(", "))
                        },
                    );
                    return Ok(());
                }
                let out = out.context("--out or --publish")?;
                let manifest = write_index(
                    &imported.places,
                    &imported.report,
                    imported.sources,
                    &out,
                    &Bar::default(),
                )?;
                eprintln!(
                    "indexed {} places into {} in {:.1?} (reading {:.1?}); content hash {}",
                    manifest.places,
                    out.display(),
                    started.elapsed(),
                    read,
                    manifest.content_hash
                );
                Ok(())
            }
            Some(Command::Generate {
                count,
                seed,
                out,
                communes,
            }) => generate(count, seed, out.as_deref(), &bundled(&communes)),
            Some(Command::Export {
                out,
                pmtiles,
                site,
                tiles,
                data,
            }) => {
                if let Some(archive) = &pmtiles {
                    export_pmtiles(&data, &tiles, archive)?;
                }
                match (out, site) {
                    (Some(out), _) => export(&data.resolve(None)?, &out),
                    (None, Some(site)) => export_site(&site, pmtiles.as_deref()),
                    (None, None) if pmtiles.is_some() => Ok(()),
                    (None, None) => bail!("lieux export needs --out, --pmtiles or --site"),
                }
            }
            Some(Command::Openapi) => {
                let document = crate::openapi::document(&Limits::default());
                serde_json::to_writer_pretty(std::io::stdout().lock(), &document)?;
                println!();
                Ok(())
            }
        }
    }
}

/// `lieux export`: the base data and the accepted changes of `choice`, applied, written to
/// `out` with every value exactly as it is (it reads back the same with `lieux import`).
fn export(choice: &DataChoice, out: &Path) -> anyhow::Result<()> {
    let changes = open_store(&choice.state_dir, choice.store.as_deref())?;
    let accepted = changes.accepted()?;
    let applied = places_with_changes(&choice.source, &accepted)?;
    for conflict in &applied.conflicts {
        eprintln!(
            "contribution {} conflicts with the base data on {} of {}: the base value is kept",
            conflict.contribution, conflict.field, conflict.place_id
        );
    }
    let partial = out.with_extension("csv.partial");
    let file =
        File::create(&partial).with_context(|| format!("cannot create {}", partial.display()))?;
    let mut writer = BufWriter::new(file);
    write_schema_csv(&applied.places, &mut writer, Cells::AsData)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    writer
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error)
        .and_then(|file| file.sync_all())
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, out).with_context(|| format!("cannot replace {}", out.display()))?;
    eprintln!(
        "wrote {} places to {} ({} accepted contributions applied, {} conflicts)",
        applied.places.len(),
        out.display(),
        accepted.len(),
        applied.conflicts.len()
    );
    Ok(())
}

/// `lieux export --pmtiles`: the data loaded as `lieux serve` loads them (the accepted changes
/// applied), and the tiles of the filter's map written as a PMTiles archive at `out`.
fn export_pmtiles(data: &DataArgs, args: &TileArgs, out: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    if args.minzoom > args.maxzoom || args.maxzoom > MAX_TILE_ZOOM {
        bail!(
            "--minzoom {} and --maxzoom {}: zooms from 0 to {MAX_TILE_ZOOM}, the first not above the second",
            args.minzoom,
            args.maxzoom
        );
    }
    let choice = data.resolve(None)?;
    let changes = open_store(&choice.state_dir, choice.store.as_deref())?;
    let accepted = changes.accepted()?;
    let options = LiveOptions {
        cluster: ClusterOptions {
            radius: args.cluster_radius,
            max_zoom: args.cluster_max_zoom,
            ..ClusterOptions::default()
        },
        // Each tile is made once: none is kept.
        tile_cache_bytes: 0,
        ..LiveOptions::default()
    };
    let attribution = match (&args.attribution, &choice.data) {
        (Some(text), _) => Some(text.clone()),
        (None, Data::Bundled) => Some(BUNDLED_ATTRIBUTION.to_owned()),
        (None, _) => None,
    };
    let pmtiles = PmtilesOptions {
        min_zoom: args.minzoom,
        max_zoom: args.maxzoom,
        properties: match args.tile_properties {
            TilePropertiesArg::All => TileProperties::All,
            TilePropertiesArg::Id => TileProperties::Id,
        },
        attribution,
    };
    // Every place of an index without changes: its map alone, without the search structures
    // that a filter needs (the tiles are the same: `write_pmtiles_of_index`).
    let plain_index = match &choice.data {
        _ if !args.filter.is_empty() || !accepted.is_empty() => None,
        Data::Bundled => Some(index_bundled_data()?),
        Data::Index(dir) => {
            Some(PlaceIndex::open(dir).with_context(|| format!("cannot open {}", dir.display()))?)
        }
        Data::Follow(root) => {
            let (_, dir) = generations::current(root)?;
            Some(PlaceIndex::open(&dir).with_context(|| format!("cannot open {}", dir.display()))?)
        }
        Data::Sources(_) => None,
    };
    let (loaded, written) = match plain_index {
        Some(index) => {
            let loaded = started.elapsed();
            (
                loaded,
                write_pmtiles_of_index(&index, options.cluster, &pmtiles, out),
            )
        }
        None => {
            let live = match &choice.data {
                Data::Bundled if accepted.is_empty() => {
                    LiveIndex::prepare(index_bundled_data()?, &options)?
                }
                _ => load_with_changes(&choice.source, &accepted, &choice.work_dir, &options)
                    .context("cannot load the index")?,
            };
            let loaded = started.elapsed();
            let (filter, content) =
                crate::tiles::drawn_map_of(&args.filter, &live).map_err(|error| {
                    anyhow::anyhow!("--filter {:?}: {}", args.filter, error.message)
                })?;
            let mut pmtiles = pmtiles;
            if let Some(fields) = content.fields {
                if args.tile_properties == TilePropertiesArg::Id {
                    bail!(
                        "--filter {:?} names fields: not with --tile-properties id",
                        args.filter
                    );
                }
                pmtiles.properties = TileProperties::Chosen(fields);
            }
            (
                loaded,
                live.write_pmtiles(&filter, content.counts, &pmtiles, out),
            )
        }
    };
    let written = written.with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!(
        "wrote {} tiles of zooms {} to {} ({} entries, {} distinct; {} looked at) to {}: {} bytes, in {:.2} s (loading {:.2} s)",
        written.tiles,
        args.minzoom,
        args.maxzoom,
        written.entries,
        written.contents,
        written.candidates,
        out.display(),
        written.bytes,
        started.elapsed().as_secs_f64(),
        loaded.as_secs_f64(),
    );
    Ok(())
}

/// `lieux export --site DIR`: a copy of the map page in `dir`, drawing `archive` when it lies
/// inside `dir`.
fn export_site(dir: &Path, archive: Option<&Path>) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let inside = archive.and_then(|archive| {
        let root = dir.canonicalize().ok()?;
        let archive = archive.canonicalize().ok()?;
        let relative = archive.strip_prefix(&root).ok()?;
        // A URL path, relative to the page.
        Some(
            relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/"),
        )
    });
    let written = crate::assets::write_site(dir, inside.as_deref())
        .with_context(|| format!("cannot write the page into {}", dir.display()))?;
    match (&inside, archive) {
        (Some(path), _) => eprintln!(
            "wrote the map page ({written} files) into {}, drawing {path}: publish the directory on any static host that answers byte ranges",
            dir.display()
        ),
        (None, Some(archive)) => eprintln!(
            "wrote the map page ({written} files) into {}; {} is outside it: open the page with ?tiles=URL-of-the-archive",
            dir.display(),
            archive.display()
        ),
        (None, None) => eprintln!(
            "wrote the map page ({written} files) into {}: open it with ?tiles=URL-of-an-archive",
            dir.display()
        ),
    }
    Ok(())
}

/// Reads the inputs and prints the report's summary table.
fn run_import(inputs: &[PathBuf], options: &ImportOptions) -> anyhow::Result<Imported> {
    let imported = import(inputs, options)?;
    for source in &imported.sources {
        tracing::info!(
            file = %source.file,
            format = %source.format,
            records = source.records,
            accepted = source.accepted,
            "read"
        );
        if !source.missing_columns.is_empty() {
            tracing::warn!(
                file = %source.file,
                format = %source.format,
                columns = %source.missing_columns.join(", "),
                "the mapping names columns this file does not have; they read as empty"
            );
        }
    }
    for (stage, took) in &imported.timings {
        tracing::info!(stage = %stage, took_ms = took.as_millis(), "import stage");
    }
    eprint!("{}", imported.report.summary());
    if imported.outside_departements > 0 {
        eprintln!(
            "{} places outside the selected départements left out",
            imported.outside_departements
        );
    }
    Ok(imported)
}

fn write_report(imported: &Imported, path: &Path) -> anyhow::Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    imported
        .report
        .write_jsonl(BufWriter::new(file))
        .with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("report: {}", path.display());
    Ok(())
}

fn generate(count: u64, seed: u64, out: Option<&Path>, communes: &Path) -> anyhow::Result<()> {
    let gazetteer = Gazetteer::from_csv(communes)?;
    let mut generator = Generator::new(&gazetteer, seed);
    let sink: Box<dyn Write> = match out {
        Some(path) => Box::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let places = (0..count).map(|n| generator.place(n));
    write_schema_csv(
        places,
        BufWriter::with_capacity(1 << 20, sink),
        Cells::AsData,
    )?;
    Ok(())
}

/// A bundled file: relative to the working directory, or else to the source tree this binary
/// was built from (so that `cargo run` works from any directory of the checkout).
fn bundled(path: &Path) -> PathBuf {
    if path.is_relative() && !path.exists() {
        let in_tree = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        if in_tree.exists() {
            return in_tree;
        }
    }
    path.to_owned()
}

/// What `lieux serve` serves.
#[derive(Clone, Debug)]
enum Data {
    /// An index directory (`--index`), read again by a reload.
    Index(PathBuf),
    /// Source files (`--source`), imported and indexed at start and again by a reload.
    Sources(Vec<PathBuf>),
    /// The generation a directory of published generations names (`--follow`), and each new
    /// one.
    Follow(PathBuf),
    /// Without either: the bundled data set, indexed once into the temporary directory and
    /// reused by later starts.
    Bundled,
}

/// The settings of `lieux serve`, resolved once from its arguments: every choice between an
/// index, sources and the bundled data is made here, and every setting checked.
pub struct ServeSettings {
    addr: SocketAddr,
    data: Data,
    /// What a reload without a body reads: what the server starts with.
    default_source: IndexSource,
    /// How `{"sources": …}` of a reload are read.
    import: ImportOptions,
    work_dir: PathBuf,
    state_dir: PathBuf,
    /// `--store`: a PostgreSQL database shared with other servers.
    store: Option<String>,
    live: LiveOptions,
    limits: Limits,
    rates: HashMap<RouteGroup, Rate>,
    admin_token: Option<String>,
    public_url: Option<String>,
    attribution: Option<String>,
    tile_cache_control: HeaderValue,
    query_threads: Option<std::num::NonZeroUsize>,
    proxies: TrustedProxies,
    cors: CorsOrigins,
    pages: web::Data<Pages>,
    shutdown_timeout: u64,
    /// `--follow DIR` and how often it reads `DIR/CURRENT`.
    follow: Option<(PathBuf, Duration)>,
}

impl ServeSettings {
    /// The settings of `lieux serve ARGS`, as the command line would give them.
    ///
    /// # Errors
    /// Arguments that do not parse or settings out of range.
    pub fn parse<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> anyhow::Result<Self> {
        let words = ["lieux", "serve"].iter().map(std::ffi::OsStr::new);
        let cli = Cli::try_parse_from(words.chain(args.iter().map(AsRef::as_ref)))?;
        match cli.command {
            Some(Command::Serve(args)) => Self::from_args(&args),
            _ => bail!("not the arguments of lieux serve"),
        }
    }

    fn from_args(args: &ServeArgs) -> anyhow::Result<Self> {
        let DataChoice {
            data,
            import,
            source: default_source,
            work_dir,
            state_dir,
            store,
        } = args.data.resolve(args.work_dir.as_deref())?;
        let attribution = match (&args.attribution, &data) {
            (Some(text), _) => Some(text.clone()),
            (None, Data::Bundled) => Some(BUNDLED_ATTRIBUTION.to_owned()),
            (None, _) => None,
        };
        Ok(Self {
            addr: args
                .bind
                .parse()
                .with_context(|| format!("--bind {:?} is not an address:port", args.bind))?,
            live: LiveOptions {
                cluster: ClusterOptions {
                    radius: args.cluster_radius,
                    max_zoom: args.cluster_max_zoom,
                    ..ClusterOptions::default()
                },
                map_cache_places: args.map_cache_places,
                tile_cache_bytes: args.tile_cache_mib * 1024 * 1024,
                thesaurus: args.thesaurus.clone(),
                freshness: args.freshness()?,
            },
            limits: args.limits()?,
            rates: RateLimits::rates_of(&args.rate_limit).map_err(anyhow::Error::msg)?,
            admin_token: args.admin_token()?,
            data,
            default_source,
            import,
            work_dir,
            state_dir,
            store,
            public_url: args.public_url.clone(),
            attribution,
            tile_cache_control: args.tile_cache_control.clone(),
            query_threads: args.query_threads,
            proxies: args.trusted_proxies.clone(),
            cors: args.cors_origins.clone(),
            pages: web::Data::new(Pages::new(&args.basemap()?, &args.embed_origins)),
            shutdown_timeout: args.shutdown_timeout,
            follow: args
                .data
                .follow
                .clone()
                .map(|root| (root, Duration::from_secs_f64(args.data.follow_interval))),
        })
    }

    /// Loads the index of what is served, checks it, and makes the state every request can
    /// reach.
    ///
    /// # Errors
    /// When the index cannot be loaded, or the admin token is too short.
    pub fn state(&self) -> anyhow::Result<web::Data<AppState>> {
        let started = Instant::now();
        let (changes, decisions_heard): (Arc<dyn ChangeStore>, _) = match &self.store {
            Some(url) => {
                let store =
                    PostgresStore::open(url).context("cannot open the shared store of --store")?;
                tracing::info!(url = store.url(), "shared change store opened");
                // The decisions of every server, heard while this one loads and after.
                let (heard, decisions_heard) = tokio::sync::watch::channel(0);
                store
                    .listen(move |seq| {
                        heard.send_replace(seq);
                    })
                    .context("cannot listen to the shared store")?;
                (Arc::new(store), Some(decisions_heard))
            }
            None => {
                let store = SqliteStore::open(&self.state_dir).with_context(|| {
                    format!("cannot open the state in {}", self.state_dir.display())
                })?;
                tracing::info!(file = %store.path().display(), "change store opened");
                (Arc::new(store), None)
            }
        };
        // Read before the changes: the index shows at least the decisions up to it.
        let position = changes.log_position()?;
        let accepted = changes.accepted()?;
        let mut live = match &self.data {
            Data::Bundled if accepted.is_empty() => {
                LiveIndex::prepare(index_bundled_data()?, &self.live)?
            }
            _ => load_with_changes(&self.default_source, &accepted, &self.work_dir, &self.live)
                .context("cannot load the index")?,
        };
        let recorded = record_feed(&*changes, None, &mut live, position)?;
        tracing::info!(
            changes = recorded,
            feed = live.feed_seq(),
            "change feed up to date with the places served"
        );
        for conflict in &live.changes().conflicts {
            tracing::warn!(
                contribution = conflict.contribution,
                place = %conflict.place_id,
                field = %conflict.field,
                "an accepted change conflicts with the base data: the base value is kept"
            );
        }
        for (stage, took) in live.stages() {
            // Benchmarks read these lines (benches/index-bench.sh, benches/tiles-bench.sh).
            tracing::info!(stage, took_ms = took.as_millis(), "load stage");
        }
        let (hours, unreadable) = live.opening_hours_stats();
        tracing::info!(
            opening_hours = hours,
            unreadable_opening_hours = unreadable,
            "distinct opening hours parsed"
        );
        tracing::info!(
            places = live.manifest().places,
            hash = %live.hash(),
            dir = %live.dir().display(),
            took_ms = started.elapsed().as_millis(),
            "index loaded, checked, search structures and cluster hierarchy built"
        );
        let admin = Admin::new(
            self.admin_token.as_deref(),
            self.default_source.clone(),
            self.follow.as_ref().map(|(root, _)| root.clone()),
            self.import.clone(),
            self.work_dir.clone(),
            self.live.clone(),
        )?;
        if !admin.enabled() {
            tracing::info!("no admin token: /admin/* is off");
        }
        Ok(web::Data::new(AppState {
            live: arc_swap::ArcSwap::from_pointee(live),
            limits: self.limits.clone(),
            exports: Arc::default(),
            admin,
            metrics: crate::metrics::Metrics::default(),
            public_url: self.public_url.clone(),
            attribution: self.attribution.clone(),
            tile_cache_control: self.tile_cache_control.clone(),
            queries: self
                .query_threads
                .map_or_else(QueryPool::per_core, QueryPool::new),
            proxies: self.proxies.clone(),
            rates: RateLimits::new(self.rates.clone()),
            gaps: crate::gaps::SearchGaps::default(),
            openapi: serde_json::to_vec(&crate::openapi::document(&self.limits))?.into(),
            changes,
            applied_event: std::sync::atomic::AtomicU64::new(position),
            decisions_heard,
            signer: crate::signer::Signer::load(&self.state_dir)?,
        }))
    }

    /// Which web origins may call the API from a browser.
    #[must_use]
    pub fn cors(&self) -> &CorsOrigins {
        &self.cors
    }

    /// The pages, prepared with the basemap style and the embed's origins.
    #[must_use]
    pub fn pages(&self) -> web::Data<Pages> {
        self.pages.clone()
    }
}

/// A number of seconds above zero.
fn positive_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds > 0.0 => Ok(seconds),
        _ => Err(format!("{text:?} is not a number of seconds above 0")),
    }
}

/// Where the state is kept without `--state-dir`: `$XDG_STATE_HOME/lieux`, or
/// `~/.local/state/lieux`, or `lieux-state` in the working directory without a home.
fn default_state_dir() -> PathBuf {
    let home = || std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state"));
    std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(home)
        .map_or_else(|| PathBuf::from("lieux-state"), |dir| dir.join("lieux"))
}

/// The app around `state` and the `pages`: CORS, the middleware every request goes through,
/// and the routes. The server and the in-process tests build this same app.
pub fn app(
    state: web::Data<AppState>,
    cors_origins: &CorsOrigins,
    pages: web::Data<Pages>,
) -> actix_web::App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    actix_web::App::new()
        .app_data(state)
        .configure(|config| {
            if let Some(archive) = pages.basemap_archive() {
                config.app_data(web::Data::new(archive.clone()));
            }
        })
        .app_data(pages)
        .wrap(cors(cors_origins))
        .wrap(actix_web::middleware::from_fn(crate::observe::observe))
        .configure(router)
}

fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let settings = ServeSettings::from_args(args)?;
    let state = settings.state()?;
    let (addr, cors_origins, pages) = (settings.addr, settings.cors.clone(), settings.pages());
    let shutdown_timeout = settings.shutdown_timeout;
    actix_web::rt::System::new().block_on(async move {
        reload_on_hangup(state.clone());
        rebuild_each_day(state.clone());
        apply_decisions_heard(state.clone());
        if let Some((root, interval)) = &settings.follow {
            follow_generations(state.clone(), root.clone(), *interval);
        }
        let server =
            actix_web::HttpServer::new(move || app(state.clone(), &cors_origins, pages.clone()))
                .shutdown_timeout(shutdown_timeout)
                .bind(addr)
                .with_context(|| format!("cannot listen on {addr}"))?;
        for bound in server.addrs() {
            // Tests and scripts read this line to learn the port when binding port 0.
            eprintln!("listening on http://{bound}");
        }
        server.run().await.context("server failed")?;
        tracing::info!("stopped: every request in flight was answered");
        Ok(())
    })
}

/// Reloads the default source on each SIGHUP (the outcome goes to the logs).
fn reload_on_hangup(state: actix_web::web::Data<AppState>) {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups = match signal(SignalKind::hangup()) {
        Ok(hangups) => hangups,
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGHUP: reload through /admin/reload");
            return;
        }
    };
    actix_web::rt::spawn(async move {
        while hangups.recv().await.is_some() {
            // Success and failure are both logged by `reload`.
            match state.admin.default_source() {
                Ok(source) => {
                    let _ = state.reload(source, "SIGHUP").await;
                }
                Err(error) => tracing::error!(%error, "SIGHUP: nothing to reload"),
            }
        }
    });
}

/// Serves each generation `root/CURRENT` names once it is published (`--follow`): reads the
/// pointer every `interval` and reloads when it names another generation, through the reload
/// that exists (the index served answers until the new one is built and checked; the accepted
/// changes are applied on top of it). A generation whose reload failed is not tried again until
/// the pointer changes (the outcome goes to the logs and the metrics).
fn follow_generations(state: actix_web::web::Data<AppState>, root: PathBuf, interval: Duration) {
    use lieux_index::store::generations::current;
    actix_web::rt::spawn(async move {
        // What the server started with.
        let mut tried = current(&root).ok().map(|(name, _)| name);
        loop {
            actix_web::rt::time::sleep(interval).await;
            let (name, dir) = match current(&root) {
                Ok(current) => current,
                Err(error) => {
                    tracing::warn!(%error, "--follow: the current generation cannot be read");
                    continue;
                }
            };
            if tried.as_deref() == Some(name.as_str()) {
                continue;
            }
            match state
                .reload(IndexSource::Dir(dir), "a new generation")
                .await
            {
                Err(error) if error.error == crate::http_error::ErrorCode::ReloadRunning => {
                    continue
                }
                Ok(_) => tracing::info!(generation = %name, "--follow: serving the new generation"),
                Err(error) => tracing::error!(generation = %name, %error, "--follow: not served"),
            }
            tried = Some(name);
        }
    });
}

/// Applies the decisions that other servers sharing the store made (`--store`), through the
/// path a decision of this server takes ([`AppState::rebuild`], in place when it can): each
/// time the listener hears of a decision later than the last the index served shows. The
/// listener says the log's last decision again every second and when it connects again, so a
/// batch that failed (the database lost meanwhile) is tried again.
fn apply_decisions_heard(state: actix_web::web::Data<AppState>) {
    let Some(mut heard) = state.decisions_heard.clone() else {
        return;
    };
    actix_web::rt::spawn(async move {
        while heard.changed().await.is_ok() {
            // A build running (a decision of this server's, a reload) may show it once done:
            // wait for it rather than ask for another.
            while state.admin.reload_running() {
                actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            }
            let last = *heard.borrow_and_update();
            if last > state.applied_event() {
                // Success and failure are both logged by `rebuild`.
                let _ = AppState::rebuild(&state, "a decision in the shared store").await;
            }
        }
    });
}

/// Builds the index again when the day changes in France: the places' freshness is of a day
/// (the outcome goes to the logs).
fn rebuild_each_day(state: actix_web::web::Data<AppState>) {
    use lieux_index::search::schedules::now_local;
    actix_web::rt::spawn(async move {
        let mut day = now_local().date();
        loop {
            actix_web::rt::time::sleep(std::time::Duration::from_secs(60)).await;
            let today = now_local().date();
            if today != day {
                day = today;
                let _ = AppState::rebuild(&state, "a new day").await;
            }
        }
    });
}

/// Indexes the bundled data set into a cache directory named by its content hash, or reuses it.
fn index_bundled_data() -> anyhow::Result<PlaceIndex> {
    let data = bundled(Path::new(BUNDLED_DATA));
    let bytes = std::fs::read(&data).with_context(|| {
        format!(
            "cannot read the bundled data set {} (run from the repository)",
            data.display()
        )
    })?;
    let hash = blake3::hash(&bytes).to_hex();
    let dir = std::env::temp_dir().join("lieux").join(format!(
        "bundled-{}-{}",
        env!("CARGO_PKG_VERSION"),
        &hash[..16]
    ));
    if let Ok(index) = PlaceIndex::open(&dir) {
        tracing::info!(dir = %dir.display(), "reusing the index of the bundled data");
        return Ok(index);
    }
    tracing::info!(data = %data.display(), "indexing the bundled data");
    // The bundled CSV is already merged and normalised by `lieux import`: index it as it is.
    let imported = run_import(
        &[data],
        &ImportOptions {
            format: FormatChoice::Named("lamednum-v1".into()),
            merge: None,
            departements: None,
        },
    )?;
    let written = write_index(
        &imported.places,
        &imported.report,
        imported.sources,
        &dir,
        &Bar::default(),
    );
    match (written, PlaceIndex::open(&dir)) {
        (_, Ok(index)) => Ok(index),
        // When the write failed, another server starting at the same moment may have written
        // the same index first; only when neither worked is it an error.
        (Err(error), Err(_)) => Err(error.into()),
        (Ok(_), Err(error)) => Err(error.into()),
    }
}

/// Parses a header value given on the command line.
fn header_value(text: &str) -> Result<HeaderValue, String> {
    HeaderValue::from_str(text).map_err(|_| format!("{text:?} cannot be an HTTP header value"))
}

/// Parses `--trusted-proxies`.
fn trusted_proxies(text: &str) -> Result<TrustedProxies, String> {
    text.parse()
}

/// Parses `--cors-origins`.
fn cors_origins(text: &str) -> Result<CorsOrigins, String> {
    text.parse()
}

/// Parses `--embed-origins`.
fn embed_origins(text: &str) -> Result<EmbedOrigins, String> {
    text.parse()
}

impl ServeArgs {
    /// The basemap the operator chose: `--basemap-style`, `--basemap-pmtiles` (opened and
    /// checked), or the gazetteer's.
    fn basemap(&self) -> anyhow::Result<Basemap> {
        Ok(match (&self.basemap_style, &self.basemap_pmtiles) {
            (Some(style), _) => Basemap::Style(style.clone()),
            (None, Some(path)) => {
                Basemap::Archive(BasemapArchive::open(path).map_err(|error| {
                    anyhow::anyhow!("--basemap-pmtiles {}: {error}", path.display())
                })?)
            }
            (None, None) => Basemap::Gazetteer,
        })
    }
}

/// Parses `--basemap-style`.
fn basemap_style(text: &str) -> Result<BasemapStyle, String> {
    text.parse()
}
