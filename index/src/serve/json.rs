//! JSON text written straight into a byte buffer, for the answers a server writes thousands of
//! times a second.
//!
//! A page of twenty places is some twenty kilobytes of text, and serde_json looks at each byte
//! of each string on its own to decide whether it needs escaping: that loop was a tenth of the
//! server's time on radius and nearest searches. Place texts almost never need escaping, so
//! [`string`] checks eight bytes at a time and copies clean runs whole. Numbers are written by
//! serde_json's own formatter, so they read exactly as serde would write them.

use serde_json::ser::{CompactFormatter, Formatter};

/// Writes `text` as a JSON string, quoted and escaped as serde_json escapes it.
pub fn string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if may_need_escaping(bytes) {
        let mut clean_from = 0;
        for (i, byte) in bytes.iter().enumerate() {
            if let Some(escaped) = escape(*byte) {
                out.extend_from_slice(&bytes[clean_from..i]);
                escaped.write(out);
                clean_from = i + 1;
            }
        }
        out.extend_from_slice(&bytes[clean_from..]);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

/// Writes `"key":`; `key` is one of ours, with nothing to escape.
pub fn key(out: &mut Vec<u8>, key: &str) {
    debug_assert!(!may_need_escaping(key.as_bytes()), "{key:?}");
    out.reserve(key.len() + 3);
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
}

/// Whether some byte of `bytes` may need escaping, eight bytes at a time: exact for "no", and
/// a "yes" is settled byte by byte.
fn may_need_escaping(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    let flagged = words
        .by_ref()
        .any(|word| word_may_need_escaping(u64::from_le_bytes(word.try_into().unwrap_or([0; 8]))));
    // The tail, padded with spaces, which need no escaping.
    let mut tail = [b' '; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    flagged || word_may_need_escaping(u64::from_le_bytes(tail))
}

/// Writes `value` as serde_json does (`null` when it is not finite).
pub fn f64(out: &mut Vec<u8>, value: f64) {
    if value.is_finite() {
        // Writing into a Vec cannot fail.
        let _ = CompactFormatter.write_f64(out, value);
    } else {
        out.extend_from_slice(b"null");
    }
}

/// Writes `value` as serde_json does (`null` when it is not finite).
pub fn f32(out: &mut Vec<u8>, value: f32) {
    if value.is_finite() {
        let _ = CompactFormatter.write_f32(out, value);
    } else {
        out.extend_from_slice(b"null");
    }
}

/// Writes `value`.
pub fn u64(out: &mut Vec<u8>, value: u64) {
    let _ = CompactFormatter.write_u64(out, value);
}

/// Whether some byte of `word` may need escaping: a control character, `"` or `\`. Exact for
/// "no": a word this passes has none; a flagged word is looked at byte by byte.
const fn word_may_need_escaping(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const fn has_zero_byte(x: u64) -> bool {
        x.wrapping_sub(ONES) & !x & HIGHS != 0
    }
    // Bytes below 0x20: the high bit, set after subtracting 0x20, of a byte whose own high bit
    // was clear.
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS != 0;
    // `"` is 0x22 and `\` is 0x5c.
    control || has_zero_byte(word ^ (ONES * 0x22)) || has_zero_byte(word ^ (ONES * 0x5c))
}

/// How one byte is escaped.
enum Escaped {
    Short(u8),
    Unicode(u8),
}

impl Escaped {
    fn write(self, out: &mut Vec<u8>) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        match self {
            Self::Short(letter) => out.extend_from_slice(&[b'\\', letter]),
            Self::Unicode(byte) => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]),
        }
    }
}

/// The escape of `byte`, as serde_json writes it, or `None` when it is written as it is.
fn escape(byte: u8) -> Option<Escaped> {
    Some(match byte {
        b'"' => Escaped::Short(b'"'),
        b'\\' => Escaped::Short(b'\\'),
        b'\n' => Escaped::Short(b'n'),
        b'\r' => Escaped::Short(b'r'),
        b'\t' => Escaped::Short(b't'),
        0x08 => Escaped::Short(b'b'),
        0x0c => Escaped::Short(b'f'),
        0..0x20 => Escaped::Unicode(byte),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn written(text: &str) -> String {
        let mut out = Vec::new();
        string(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for text in [
            "",
            "Médiathèque",
            "a \"quoted\" word",
            "back\\slash",
            "line\nbreak\r\ttab\u{8}\u{c}\u{1}\u{1f}",
            "exactly8",
            "sixteen bytes!!!\"",
            "\u{7f} and é and 🙂 past the ASCII range",
        ] {
            assert_eq!(
                written(text),
                serde_json::to_string(text).unwrap(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn numbers_are_written_as_serde_json_writes_them() {
        for value in [0.0, -1.5, 48.853_412, 1e21, 1234.6, f64::NAN, f64::INFINITY] {
            let mut out = Vec::new();
            f64(&mut out, value);
            assert_eq!(out, serde_json::to_vec(&value).unwrap(), "{value}");
        }
        let mut out = Vec::new();
        f32(&mut out, 0.580_960_2);
        assert_eq!(out, serde_json::to_vec(&0.580_960_2f32).unwrap());
    }

    proptest! {
        #[test]
        fn any_string_is_escaped_as_serde_json_escapes_it(text in "\\PC*|[\\x00-\\x7f]*") {
            prop_assert_eq!(written(&text), serde_json::to_string(&text).unwrap());
        }
    }
}
