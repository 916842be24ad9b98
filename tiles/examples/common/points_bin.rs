//! The points of a lieux index's `points.bin`: longitude and latitude as little-endian f64
//! pairs, in the places' order.

/// The points of the `points.bin` at `path`.
pub fn read(path: &str) -> Vec<(f64, f64)> {
    let bytes = std::fs::read(path).expect("a readable points.bin");
    bytes
        .chunks_exact(16)
        .map(|pair| {
            let (lon, lat) = pair.split_at(8);
            let number = |b: &[u8]| f64::from_le_bytes(b.try_into().expect("8 bytes"));
            (number(lon), number(lat))
        })
        .collect()
}
