//! Builds the map page and embeds it in the binary.
//!
//! The page lives in `web/` (Vite, MapLibre; see `web/README.md`). `lieux` serves it itself
//! (`src/assets.rs`), so the built files must exist when the binary is compiled. Whenever one
//! of the page's sources changes, this script runs `npm ci` (only when `web/node_modules` is
//! missing or older than the lockfile) and `npm run build` with its output in
//! `$OUT_DIR/web-dist`, then writes `$OUT_DIR/web_assets.rs`: a table of every built file
//! with its content type and its bytes (`include_bytes!`). Only those files can be served.
//!
//! Building into `OUT_DIR` rather than `web/dist` keeps cargo's rule that a build script
//! writes nowhere else (`web/node_modules` aside), lets debug and release builds run side by
//! side, and never embeds a stale bundle. The page builds in a few seconds.
//!
//! Without npm, a `web/dist` built elsewhere (`npm run build` in `web/`) is embedded as it is,
//! with a warning; with neither, the build fails and says what to install.
//! `LIEUX_SKIP_WEB_BUILD=1` never runs npm and embeds a one-line page saying the page was not
//! built: for work on the server alone.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;
use std::{env, fs};

/// The sources of the page, relative to `web/`: a change to any of them rebuilds it.
const WEB_SOURCES: &[&str] = &[
    "src",
    "index.html",
    "embed.html",
    "api.html",
    "admin.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
];
/// Data the page's build copies in (the basemap's gazetteer), relative to the repository.
const DATA_SOURCES: &[&str] = &["data/communes.csv"];

fn main() {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets this"));
    let web = root.join("web");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets this"));
    for source in WEB_SOURCES.iter().map(|s| web.join(s)) {
        println!("cargo:rerun-if-changed={}", source.display());
    }
    for source in DATA_SOURCES.iter().map(|s| root.join(s)) {
        println!("cargo:rerun-if-changed={}", source.display());
    }
    println!("cargo:rerun-if-env-changed=LIEUX_SKIP_WEB_BUILD");

    let skip = env::var_os("LIEUX_SKIP_WEB_BUILD").is_some_and(|v| !v.is_empty() && v != "0");
    let files = if skip {
        println!("cargo:warning=LIEUX_SKIP_WEB_BUILD is set: lieux is built without its map page");
        placeholder(&out)
    } else {
        let dist = out.join("web-dist");
        match build_page(&web, &dist) {
            Built::Fresh => dist_files(&dist),
            Built::NoNpm(error) => {
                let prebuilt = web.join("dist");
                assert!(
                    prebuilt.join("index.html").exists(),
                    "the map page (web/) needs Node.js 20+ and npm to build, and `npm` could not \
                     be run ({error}). Install them (Debian: apt-get install nodejs npm), or \
                     set LIEUX_SKIP_WEB_BUILD=1 to build the server without its page"
                );
                println!(
                    "cargo:warning=npm was not found ({error}): embedding web/dist as it is; \
                     it may be older than the page's sources"
                );
                println!("cargo:rerun-if-changed={}", prebuilt.display());
                dist_files(&prebuilt)
            }
        }
    };
    fs::write(out.join("web_assets.rs"), table(&files)).expect("OUT_DIR is writable");
}

enum Built {
    Fresh,
    NoNpm(std::io::Error),
}

/// Runs `npm ci` if needed, then `npm run build` into `dist`, in `web/`.
fn build_page(web: &Path, dist: &Path) -> Built {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let installed = modified(&web.join("node_modules/.package-lock.json"));
    let lockfile = modified(&web.join("package-lock.json"));
    let mut steps: Vec<Vec<String>> = Vec::new();
    if installed.is_none() || lockfile > installed {
        steps.push(["ci", "--no-audit", "--no-fund"].map(String::from).to_vec());
    }
    steps.push(vec![
        "run".into(),
        "build".into(),
        "--".into(),
        "--outDir".into(),
        dist.display().to_string(),
        "--emptyOutDir".into(),
    ]);
    for args in &steps {
        match Command::new(npm).args(args).current_dir(web).status() {
            Ok(status) if status.success() => {}
            Ok(status) => panic!(
                "`npm {}` in web/ failed ({status}); its output is above. The map page is \
                 embedded in the binary, so it must build (or set LIEUX_SKIP_WEB_BUILD=1)",
                args.join(" ")
            ),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Built::NoNpm(error)
            }
            Err(error) => panic!("`npm {}` in web/ could not run: {error}", args.join(" ")),
        }
    }
    Built::Fresh
}

/// A one-line page, when the real one is not built.
fn placeholder(out: &Path) -> Vec<(String, PathBuf)> {
    let path = out.join("placeholder.html");
    fs::write(
        &path,
        "<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>lieux</title>\
         <p>La page n'a pas \u{e9}t\u{e9} construite (LIEUX_SKIP_WEB_BUILD). L'API r\u{e9}pond.</p></html>",
    )
    .expect("OUT_DIR is writable");
    vec![("index.html".to_owned(), path)]
}

/// Every file under `dist`, as (path relative to `dist` with `/`, absolute path), sorted.
fn dist_files(dist: &Path) -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    let mut folders = vec![dist.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).expect("web/dist is readable") {
            let path = entry.expect("web/dist is readable").path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let relative = path
                    .strip_prefix(dist)
                    .expect("under dist")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                files.push((relative, path));
            }
        }
    }
    files.sort();
    files
}

/// The Rust source of the table of embedded files.
fn table(files: &[(String, PathBuf)]) -> String {
    let mut code = String::from(
        "// @generated by build.rs from web/dist: the files of the map page.\n\
         pub static WEB_FILES: &[WebFile] = &[\n",
    );
    for (name, path) in files {
        writeln!(
            code,
            "    WebFile {{ path: {name:?}, content_type: {:?}, bytes: include_bytes!({:?}) }},",
            content_type(name),
            path.display().to_string(),
        )
        .expect("writing to a String");
    }
    code.push_str("];\n");
    code
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "pbf" => "application/x-protobuf",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}
