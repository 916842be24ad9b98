//! The one error type of `lieux-index`.

use std::path::{Path, PathBuf};

/// Everything that can go wrong while reading sources and building or loading an index.
///
/// Problems with single records are not errors: they go to the [`crate::report::Report`]. An
/// `Error` means a whole file, mapping or index could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
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
    #[error("{path}: unknown format: {message}")]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// Why, and what to do.
        message: String,
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
    /// A cluster id names no cluster, or clustering options are invalid.
    #[error(transparent)]
    Cluster(#[from] lieux_tiles::ClusterError),
    /// A tile could not be encoded.
    #[error("tile encoding: {0}")]
    Encode(#[from] lieux_tiles::EncodeError),
    /// The full-text engine failed.
    #[error("full-text index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

impl Error {
    /// An [`Error::Io`] about `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
