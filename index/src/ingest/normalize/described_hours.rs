//! Opening hours found in a place's description.
//!
//! Some sources have no hours column but write the hours into a text that the mapping puts in
//! `presentation_detail` (Angers: `"Horaires : 9h-12h et 14h-17h du lundi au vendredi /
//! Transports : …"`). When `horaires` is empty, the normaliser reads the part of the
//! description that a label `Horaires :` (or `Horaires d'ouverture :`, any case) introduces, up
//! to the end of its line or to the next label (` / Transports :`), with the whole-week reader.
//! An unlabelled description is not read: prose is not hours.

use crate::fold::fold;

/// The text after an `Horaires :` label of `detail`, up to the next label or line; `None`
/// when there is no such label or nothing after it.
#[must_use]
pub fn labelled_hours(detail: &str) -> Option<&str> {
    let lower = detail.to_ascii_lowercase();
    let mut from = 0;
    let start = loop {
        let at = from + lower[from..].find("horaires")?;
        let mut rest = &lower[at + "horaires".len()..];
        rest = rest.strip_prefix(" d'ouverture").unwrap_or(rest);
        let trimmed = rest.trim_start_matches([' ', '\u{a0}']);
        if let Some(after) = trimmed.strip_prefix(':') {
            break lower.len() - after.len();
        }
        from = at + "horaires".len();
    };
    let rest = &detail[start..];
    let mut end = rest.find(['\n', '\r']).unwrap_or(rest.len());
    let mut search = 0;
    while let Some(slash) = rest[search..end].find(" / ") {
        let at = search + slash;
        let after = &rest[at + 3..end];
        if let Some(colon) = after.find(':') {
            if is_label(&after[..colon]) {
                end = at;
                break;
            }
        }
        search = at + 3;
    }
    let hours = rest[..end].trim();
    (!hours.is_empty()).then_some(hours)
}

/// Whether `text` (what comes before a `:`) is a label such as "Transports": one to four
/// words of letters, the first not a weekday ("Mardi : 9h" is hours, not a label).
fn is_label(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    let letters = |w: &&str| {
        w.chars()
            .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-'))
    };
    !words.is_empty()
        && words.len() <= 4
        && words.iter().all(letters)
        && !matches!(
            fold(words[0]).as_str(),
            "lundi"
                | "mardi"
                | "mercredi"
                | "jeudi"
                | "vendredi"
                | "samedi"
                | "dimanche"
                | "du"
                | "le"
                | "les"
                | "et"
                | "tous"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_labelled_part_up_to_the_next_label() {
        assert_eq!(
            labelled_hours(
                "Horaires : 9h-12h et 14h-17h du lundi au vendredi / Transports : Ligne 1"
            ),
            Some("9h-12h et 14h-17h du lundi au vendredi")
        );
        assert_eq!(
            labelled_hours(
                "Horaires : Lundi, mercredi : 10h -12h30 / 14h - 18h Mardi / Transports : Tram"
            ),
            Some("Lundi, mercredi : 10h -12h30 / 14h - 18h Mardi")
        );
        assert_eq!(
            labelled_hours("Accueil.\nHORAIRES D'OUVERTURE: mardi 9h-12h\nAccès : bus"),
            Some("mardi 9h-12h")
        );
        assert_eq!(
            labelled_hours("Horaires : 9h / Mardi : 14h-17h"),
            Some("9h / Mardi : 14h-17h")
        );
    }

    #[test]
    fn no_label_no_hours() {
        assert_eq!(
            labelled_hours("Ouvert du lundi au vendredi de 9h à 12h"),
            None
        );
        assert_eq!(labelled_hours("Horaires : / Transports : Tram"), None);
        assert_eq!(labelled_hours("Les horaires varient"), None);
        assert_eq!(labelled_hours(""), None);
    }
}
