//! The check of a raw query string, before it is decoded.
//!
//! The decoder behind `web::Query` is lenient: it keeps a stray `%` as it is and replaces bytes
//! that are not UTF-8, so a mangled link would silently search for something else. [`check`]
//! refuses such a query string instead. It is plain Rust with no actix type, so that the fuzz
//! target `query_string` (`fuzz/`) runs this very file.

/// Why a query string is refused.
pub type Refusal = &'static str;

/// Checks that `raw` is `%` followed by two hex digits wherever there is a `%`, and that every
/// name and value decodes to UTF-8.
///
/// # Errors
/// What is wrong, for the error message.
pub fn check(raw: &str) -> Result<(), Refusal> {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len().min(4096));
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or("% must be followed by two hex digits")?;
                decoded.push(hex);
                i += 3;
            }
            b'&' | b'=' => {
                if std::str::from_utf8(&decoded).is_err() {
                    return Err("a name or value is not UTF-8");
                }
                decoded.clear();
                i += 1;
            }
            other => {
                decoded.push(other);
                i += 1;
            }
        }
    }
    if std::str::from_utf8(&decoded).is_err() {
        return Err("a name or value is not UTF-8");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn well_formed_query_strings_pass_and_broken_ones_do_not() {
        for good in [
            "",
            "q=caf%C3%A9&limit=3",
            "q=a+b",
            "services=Aide%20aux%20d%C3%A9marches",
        ] {
            assert!(check(good).is_ok(), "{good}");
        }
        for bad in [
            "q=%", "q=%zz", "q=%C3", "q=%ff%fe", "q=%4", "q=%+1", "q=%-1",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
