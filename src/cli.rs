//! The commands: `serve` (the default), `import`, `index` and `generate`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use lieux_index::dedup::MergeConfig;
use lieux_index::export::write_schema_csv;
use lieux_index::filter::PlaceFilter;
use lieux_index::generate::{Gazetteer, Generator};
use lieux_index::import::{import, ImportOptions, Imported};
use lieux_index::map::{MapCache, TileCache};
use lieux_index::search::SearchIndex;
use lieux_index::source::mapping::SourceMapping;
use lieux_index::source::FormatChoice;
use lieux_index::store::{write_index, PlaceIndex};
use lieux_tiles::ClusterOptions;

use crate::progress::Bar;
use crate::server::{router, AppState};

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
    Serve(ServeArgs),
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
        #[arg(long)]
        out: PathBuf,
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
}

#[derive(Args, Debug, Clone)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: String,
    /// A persisted index to serve; without it, the bundled data set is indexed at start.
    #[arg(long)]
    index: Option<PathBuf>,
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
    #[arg(long, default_value_t = 5_000_000)]
    map_cache_places: usize,
    /// The most memory that cached encoded tiles take, in MiB.
    #[arg(long, default_value_t = 256)]
    tile_cache_mib: usize,
    /// The most places one CSV or GeoJSON export of `/search` holds.
    #[arg(long, default_value_t = 100_000)]
    max_export: usize,
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
                write_schema_csv(&imported.places, BufWriter::new(file))
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
                import: args,
            }) => {
                let started = Instant::now();
                let imported = run_import(&inputs, &args.options()?)?;
                let read = started.elapsed();
                let manifest = write_index(
                    &imported.places,
                    &imported.report,
                    imported.sources,
                    &out,
                    &Bar::new(),
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
        }
    }
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
    write_schema_csv(places, BufWriter::with_capacity(1 << 20, sink))?;
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

fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let index = match &args.index {
        Some(dir) => PlaceIndex::open(dir)
            .with_context(|| format!("cannot load the index {}", dir.display()))?,
        None => index_bundled_data()?,
    };
    tracing::info!(
        places = index.manifest.places,
        hash = %index.manifest.content_hash,
        dir = %index.dir.display(),
        load_ms = started.elapsed().as_millis(),
        "index loaded"
    );
    let addr: SocketAddr = args
        .bind
        .parse()
        .with_context(|| format!("--bind {:?} is not an address:port", args.bind))?;
    let attribution = match (&args.attribution, &args.index) {
        (Some(text), _) => text.clone(),
        (None, None) => BUNDLED_ATTRIBUTION.to_owned(),
        (None, Some(_)) => default_attribution(&index),
    };
    let options = ClusterOptions {
        radius: args.cluster_radius,
        max_zoom: args.cluster_max_zoom,
        ..ClusterOptions::default()
    };
    let started = Instant::now();
    let search = SearchIndex::build(&index)?;
    let (hours, unreadable) = search.schedules().stats();
    tracing::info!(
        took_ms = started.elapsed().as_millis(),
        opening_hours = hours,
        unreadable_opening_hours = unreadable,
        "search structures built"
    );
    let state = actix_web::web::Data::new(AppState {
        index: Arc::new(index),
        search,
        max_export: args.max_export,
        maps: MapCache::new(options, args.map_cache_places),
        tiles: TileCache::new(args.tile_cache_mib * 1024 * 1024),
        public_url: args.public_url.clone(),
        attribution,
    });
    // The unfiltered map is built before the first request needs it.
    let started = Instant::now();
    state.maps.get(&state.index, &PlaceFilter::default())?;
    tracing::info!(
        took_ms = started.elapsed().as_millis(),
        "cluster hierarchy built"
    );
    actix_web::rt::System::new().block_on(async move {
        let server = actix_web::HttpServer::new(move || {
            actix_web::App::new()
                .app_data(state.clone())
                .configure(router)
        })
        .bind(addr)
        .with_context(|| format!("cannot listen on {addr}"))?;
        for bound in server.addrs() {
            // Tests and scripts read this line to learn the port when binding port 0.
            eprintln!("listening on http://{bound}");
        }
        server.run().await.context("server failed")
    })
}

/// "Sources : …": the sources of the places, most frequent first.
fn default_attribution(index: &PlaceIndex) -> String {
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for place in &index.places {
        for source in place.source().split('|').filter(|s| !s.is_empty()) {
            *counts.entry(source).or_default() += 1;
        }
    }
    let mut sources: Vec<(&str, usize)> = counts.into_iter().collect();
    sources.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let names: Vec<&str> = sources.iter().map(|(name, _)| *name).collect();
    format!("Sources : {}", names.join(", "))
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
        &Bar::new(),
    );
    match (written, PlaceIndex::open(&dir)) {
        (_, Ok(index)) => Ok(index),
        // When the write failed, another server starting at the same moment may have written
        // the same index first; only when neither worked is it an error.
        (Err(error), Err(_)) => Err(error.into()),
        (Ok(_), Err(error)) => Err(error.into()),
    }
}
