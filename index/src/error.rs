//! The one error type of `lieux-index`.

use std::path::{Path, PathBuf};

/// Everything that can go wrong while reading sources and building or loading an index.
///
/// Problems with single records are not errors: they go to the [`crate::store::report::Report`]. An
/// `Error` means a whole file, mapping or index could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The change store could not be read.
    #[error("the accepted changes could not be read: {0}")]
    Changes(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A source is not a regular file (a device, a FIFO, a directory): it is not read.
    #[error("{path}: {kind}, not a file: sources are read from regular files only")]
    NotAFile {
        /// What was named.
        path: PathBuf,
        /// What it is.
        kind: &'static str,
    },
    /// A source file is not valid UTF-8, CSV or JSON.
    #[error("{path}: {position}: {message}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Where in the file.
        position: String,
        /// What is wrong.
        message: String,
    },
    /// No mapping fits a source file.
    #[error("{path}: unknown format: {message}{}", file_columns(columns))]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// Why, and what to do.
        message: String,
        /// The file's own column names: its content, left out of [`Error::without_file_content`].
        columns: Vec<String>,
    },
    /// A mapping names a column that the file does not have.
    #[error(
        "mapping {origin}: {what} is column {column:?}, which the file does not have{}",
        file_columns(columns)
    )]
    MissingColumn {
        /// The mapping file or source name.
        origin: String,
        /// Which setting of the mapping names it.
        what: String,
        /// The column it names.
        column: String,
        /// The file's own column names, as in [`Error::UnknownFormat`].
        columns: Vec<String>,
    },
    /// A mapping file is invalid, or does not fit the file it is applied to.
    #[error("mapping {origin}: {message}")]
    Mapping {
        /// The mapping file or source name.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// The inputs hold no place that could be indexed.
    #[error("no place to index: every record was rejected (see the report)")]
    NoPlaces,
    /// A persisted index is missing a part, was written by another version, or fails its checks.
    #[error("index {path}: {message}")]
    InvalidIndex {
        /// The index directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The root of published generations has no current one (`lieux serve --follow`).
    #[error("generations {root}: {message}")]
    Generations {
        /// The root (`--follow`, `--publish`).
        root: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A thesaurus file (`--thesaurus`, or the bundled one) is not TOML of its format, or names
    /// a value that is not a label of its vocabulary.
    #[error("thesaurus {file}: {message}")]
    Thesaurus {
        /// The file.
        file: String,
        /// What is wrong, and what would be right.
        message: String,
    },
    /// `--out` names something that is not a lieux index (a file, or a directory without an
    /// index's manifest): it is never replaced, since it may hold anything, even the sources.
    #[error(
        "{path} exists and is not a lieux index ({reason}): it is left as it is; \
         choose another --out, or remove it yourself"
    )]
    NotAnIndex {
        /// What `--out` named.
        path: PathBuf,
        /// What it is instead.
        reason: String,
    },
    /// A cluster id names no cluster, or clustering options are invalid.
    #[error(transparent)]
    Cluster(#[from] lieux_tiles::ClusterError),
    /// A tile could not be encoded.
    #[error("tile encoding: {0}")]
    Encode(#[from] lieux_tiles::EncodeError),
    /// A PMTiles archive could not be made.
    #[error("PMTiles archive: {0}")]
    Pmtiles(#[from] lieux_tiles::PmtilesError),
    /// The full-text engine failed.
    #[error("full-text index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

impl Error {
    /// The error told without anything read from the files: no column name of a source, which
    /// is its first line. A server says this to clients and writes it to its log, since the file
    /// may be any file it can read (`/proc/self/environ` holds its secrets).
    #[must_use]
    pub fn without_file_content(&self) -> String {
        match self {
            Self::UnknownFormat {
                path,
                message,
                columns: _,
            } => Self::UnknownFormat {
                path: path.clone(),
                message: message.clone(),
                columns: Vec::new(),
            }
            .to_string(),
            Self::MissingColumn {
                origin,
                what,
                column,
                columns: _,
            } => Self::MissingColumn {
                origin: origin.clone(),
                what: what.clone(),
                column: column.clone(),
                columns: Vec::new(),
            }
            .to_string(),
            other => other.to_string(),
        }
    }

    /// An [`Error::Io`] about `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// `" (the file's columns: a, b)"`, or nothing when there are none to tell.
fn file_columns(columns: &[String]) -> String {
    if columns.is_empty() {
        String::new()
    } else {
        format!(" (the file's columns: {})", columns.join(", "))
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
