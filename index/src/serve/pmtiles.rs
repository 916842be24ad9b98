//! A map's tiles written as one PMTiles v3 archive (`lieux export --pmtiles`), so that a hub can
//! publish its map on a static host, with no lieux running.
//!
//! The tiles are the server's: each is made by the filter's [`PlaceMap`] and gzipped by
//! [`super::tiles::gzip`], the very calls behind `GET /tiles/{z}/{x}/{y}.mvt` (the tile cache
//! only keeps their results), so a tile of the archive holds the bytes the server sends for the
//! same filter and coordinates. The tiles that may hold something are found from the items of
//! each zoom ([`PlaceMap::tiles_at`]); the empty ones are left out. They are made in parallel a
//! chunk at a time, in tile id order, and their bytes written at once to a file beside the
//! archive, so that memory holds one chunk and the directories, not the tile set; the archive
//! is then written whole (header, directories, metadata, that tile data: the layout of
//! [`lieux_tiles::pmtiles`]) into a temporary file renamed over `out`.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use lieux_tiles::pmtiles::{self, Description, TileData};
use lieux_tiles::{ClusterOptions, TileCoord, TileJson, VectorLayer};
use rayon::prelude::*;
use serde_json::json;

use super::map::{ClusterCounts, MapContent, MapFilter, PlaceMap, TileProperties};
use super::tiles::gzip;
use super::LiveIndex;
use crate::search::facets::Facet;
use crate::store::PlaceIndex;
use crate::{Error, Result};

/// Tiles made in parallel before their bytes are written.
const CHUNK: usize = 4096;

/// What to write.
#[derive(Clone, Debug)]
pub struct PmtilesOptions {
    /// The lowest zoom.
    pub min_zoom: u8,
    /// The deepest zoom (readers over-zoom its tiles beyond).
    pub max_zoom: u8,
    /// The place properties the tiles carry.
    pub properties: TileProperties,
    /// The attribution in the metadata, instead of the sources of the places.
    pub attribution: Option<String>,
}

impl Default for PmtilesOptions {
    /// Zooms 0 to 14, the usual range of a pre-built set of points, with the server's
    /// properties.
    fn default() -> Self {
        Self {
            min_zoom: 0,
            max_zoom: 14,
            properties: TileProperties::All,
            attribution: None,
        }
    }
}

/// What an archive holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PmtilesWritten {
    /// Tiles that are not empty.
    pub tiles: u64,
    /// Directory entries (runs of tiles holding the same bytes are one).
    pub entries: u64,
    /// Distinct tile contents.
    pub contents: u64,
    /// Tiles looked at: those that may hold an item.
    pub candidates: u64,
    /// The archive's size.
    pub bytes: u64,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}

/// `path` with `suffix` added to its file name.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(suffix);
    path.with_file_name(name)
}

impl LiveIndex {
    /// Writes the tiles of `filter`'s map at the zooms of `options` as a PMTiles archive at
    /// `out`, replaced only once wholly written. With `counts`, clusters carry the counts of
    /// that vocabulary's values (`cluster_counts`), as the server's tiles do: a hub can publish
    /// a map of donut clusters on a static host.
    ///
    /// # Errors
    /// When the filter cannot be matched, a tile cannot be encoded, no tile holds anything, or
    /// a file cannot be written.
    pub fn write_pmtiles(
        &self,
        filter: &MapFilter,
        counts: Option<Facet>,
        options: &PmtilesOptions,
        out: &Path,
    ) -> Result<PmtilesWritten> {
        let map = self.map(filter)?;
        let content = MapContent {
            counts,
            fields: match options.properties {
                TileProperties::Chosen(fields) => Some(fields),
                TileProperties::All | TileProperties::Id => None,
            },
        };
        let tilejson = self.tilejson(
            String::new(),
            filter,
            options.attribution.as_deref(),
            &content,
        );
        let counts = self.cluster_counts(filter, &map, &content);
        write(
            &self.index,
            &map,
            counts.as_deref(),
            &tilejson,
            options,
            out,
        )
    }
}

/// [`LiveIndex::write_pmtiles`] of every place of `index` (no filter), without the search
/// structures a [`LiveIndex`] builds and no tile needs: the map is the one
/// [`LiveIndex::prepare`] makes of every place (`PlaceMap::of_places`), so the tiles are the
/// server's. `lieux export --pmtiles` without `--filter` nor accepted changes takes this way.
///
/// # Errors
/// As [`LiveIndex::write_pmtiles`].
pub fn write_pmtiles_of_index(
    index: &PlaceIndex,
    cluster: ClusterOptions,
    options: &PmtilesOptions,
    out: &Path,
) -> Result<PmtilesWritten> {
    let map = PlaceMap::of_places(&index.places, cluster)?;
    let attribution = match &options.attribution {
        Some(text) => text.clone(),
        None => super::SourceCounts::of(index.places.iter().map(|place| &**place)).attribution(),
    };
    let tilejson = super::tilejson_of(
        String::new(),
        &MapFilter::default(),
        &attribution,
        super::bounds(index.places.iter().map(|p| (p.longitude, p.latitude))),
        options.properties,
    );
    write(index, &map, None, &tilejson, options, out)
}

/// The archive of `map`'s tiles (places of `index`, clusters with `counts` when given)
/// described by `tilejson`.
fn write(
    index: &PlaceIndex,
    map: &PlaceMap,
    counts: Option<&ClusterCounts>,
    tilejson: &TileJson,
    options: &PmtilesOptions,
    out: &Path,
) -> Result<PmtilesWritten> {
    let mut tiles: Vec<(u64, TileCoord)> = (options.min_zoom..=options.max_zoom)
        .into_par_iter()
        .flat_map_iter(|z| map.tiles_at(index, z))
        .map(|coord| (pmtiles::tile_id(coord), coord))
        .collect();
    tiles.par_sort_unstable_by_key(|(id, _)| *id);

    let data_path = beside(out, ".tiles.partial");
    let result = (|| {
        let file = File::create(&data_path).map_err(io(&data_path))?;
        let mut writer = BufWriter::with_capacity(1 << 20, file);
        let mut data = TileData::new();
        for chunk in tiles.chunks(CHUNK) {
            let made: Vec<Result<Vec<u8>>> = chunk
                .par_iter()
                .map(|&(_, coord)| {
                    let plain = map.tile_with(index, coord, options.properties, counts)?;
                    Ok(if plain.is_empty() {
                        plain
                    } else {
                        gzip(&plain)
                    })
                })
                .collect();
            for (&(id, _), bytes) in chunk.iter().zip(made) {
                let bytes = bytes?;
                if !bytes.is_empty() && data.add(id, &bytes)? {
                    writer.write_all(&bytes).map_err(io(&data_path))?;
                }
            }
        }
        writer.flush().map_err(io(&data_path))?;
        drop(writer);
        let head = pmtiles::finish(&data, &description(tilejson, options, counts))?;
        let partial = beside(out, ".partial");
        let mut file = File::create(&partial).map_err(io(&partial))?;
        file.write_all(&head).map_err(io(&partial))?;
        let mut tile_data = File::open(&data_path).map_err(io(&data_path))?;
        std::io::copy(&mut tile_data, &mut file).map_err(io(&partial))?;
        file.sync_all().map_err(io(&partial))?;
        let bytes = file.metadata().map_err(io(&partial))?.len();
        std::fs::rename(&partial, out).map_err(io(out))?;
        Ok(PmtilesWritten {
            tiles: data.addressed(),
            entries: data.entries().len() as u64,
            contents: data.contents(),
            candidates: tiles.len() as u64,
            bytes,
        })
    })();
    let _ = std::fs::remove_file(&data_path);
    if result.is_err() {
        let _ = std::fs::remove_file(beside(out, ".partial"));
    }
    result
}

/// The header's description and the metadata of an archive described by `tilejson`: its name,
/// description, attribution and `vector_layers` (of the properties the tiles carry).
fn description(
    tilejson: &TileJson,
    options: &PmtilesOptions,
    counts: Option<&ClusterCounts>,
) -> Description {
    let mut layer = VectorLayer::places(
        options
            .properties
            .fields()
            .into_iter()
            .map(|name| (name, "String")),
    );
    // The counts in clusters, and the server's words for them.
    if let Some(counts) = counts {
        for key in counts.properties() {
            layer.fields.insert(key.clone(), "Number".to_owned());
        }
        layer.description = tilejson
            .vector_layers
            .first()
            .and_then(|served| served.description.clone());
    }
    let metadata = json!({
        "name": tilejson.name,
        "description": tilejson.description,
        "attribution": tilejson.attribution,
        "type": "overlay",
        "version": "1",
        "vector_layers": [layer],
    });
    let center = tilejson.center.unwrap_or([0.0, 0.0, 0.0]);
    // A zoom of a few units: `as` saturates.
    let zoom = (center[2].round() as u8).clamp(options.min_zoom, options.max_zoom);
    Description {
        min_zoom: options.min_zoom,
        max_zoom: options.max_zoom,
        bounds: tilejson.bounds,
        center: ([center[0], center[1]], zoom),
        tile_compression: pmtiles::Compression::Gzip,
        metadata: metadata.to_string().into_bytes(),
    }
}
