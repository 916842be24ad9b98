//! French hours text cut into tokens: times, weekdays, the little words that join them, and
//! the words that start a condition.
//!
//! Words are compared folded (no accents, any case), so "Après-midi", "apres-midi" and
//! "APRÈS-MIDI" are one token. Each token keeps its byte span, so that a condition can be
//! copied verbatim into an OSM comment.

use crate::fold::fold;

use super::Weekday;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tok {
    /// A time of day in minutes; `marked` when written with `h` or `:` (or "midi"), not as a
    /// bare number ("9" in "9-12h").
    Time { minutes: u16, marked: bool },
    /// "1er", "3e", "2ème", "premier", "dernier" (-1): which weekday of the month.
    Ordinal(i8),
    /// A weekday name.
    Day(Weekday),
    /// `-`, `–`, `—`.
    Dash,
    /// `/`.
    Slash,
    /// `,`, `;`.
    Comma,
    /// `:`.
    Colon,
    /// `.`.
    Dot,
    /// `(`.
    Open,
    /// `)`.
    Close,
    /// "et", `&`, "puis".
    And,
    /// "à", "a", "jusqu'à".
    To,
    /// "au", "aux".
    Au,
    /// "de", "du", "des", "d'".
    From,
    /// "le", "la", "les", "l'".
    The,
    /// "tous", "toutes".
    All,
    /// "jour", "jours".
    Days,
    /// "sauf", "excepté".
    Except,
    /// "matin", "matinée".
    Morning,
    /// "après-midi".
    Afternoon,
    /// "fermé", "fermée", "fermeture".
    Closed,
    /// "sur" (in "sur rendez-vous").
    On,
    /// "rendez-vous", "rdv".
    Appointment,
    /// "mois".
    Month,
    /// "chaque".
    Each,
    /// "uniquement", "seulement".
    Only,
    /// A word that may start a condition: "hors", "pour", "pendant", "sans"…
    Condition,
    /// Any other word.
    Word,
    /// Any other character, or a number that is not a time.
    Other,
}

/// A token and where it is in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// Cuts `text` into tokens; white space separates them and is dropped.
pub(super) fn lex(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |k: usize| bytes.get(k).map_or(text.len(), |&(at, _)| at);
    let mut k = 0;
    while k < bytes.len() {
        let (start, c) = bytes[k];
        if c.is_whitespace() {
            k += 1;
            continue;
        }
        if c.is_ascii_digit() {
            let (tok, next) = lex_number(&bytes, k);
            tokens.push(Token {
                tok,
                start,
                end: end_of(next),
            });
            k = next;
            continue;
        }
        if c.is_alphabetic() {
            let mut next = k;
            // A word, with the hyphens inside it ("après-midi", "rendez-vous").
            while next < bytes.len()
                && (bytes[next].1.is_alphabetic()
                    || (bytes[next].1 == '-'
                        && next > k
                        && bytes.get(next + 1).is_some_and(|(_, c)| c.is_alphabetic())))
            {
                next += 1;
            }
            push_word(text, start, end_of(next), &mut tokens);
            k = next;
            continue;
        }
        let tok = match c {
            _ if is_dash(c) => Tok::Dash,
            '/' => Tok::Slash,
            ',' | ';' => Tok::Comma,
            ':' => Tok::Colon,
            '.' => Tok::Dot,
            '(' | '[' => Tok::Open,
            ')' | ']' => Tok::Close,
            '&' | '+' => Tok::And,
            '\'' | '’' | '`' => {
                k += 1;
                continue;
            }
            _ => Tok::Other,
        };
        tokens.push(Token {
            tok,
            start,
            end: end_of(k + 1),
        });
        k += 1;
    }
    tokens
}

/// The dashes people type between two hours: `-`, `‐`, `‑`, `–`, `—`.
pub(super) fn is_dash(c: char) -> bool {
    matches!(c, '-' | '‐' | '‑' | '–' | '—')
}

/// A number: a time (`9h`, `9h30`, `09:30`, `8 :00`, bare `9`), an ordinal (`1er`, `3e`,
/// `2ème`), or anything else ([`Tok::Other`]).
fn lex_number(chars: &[(usize, char)], k: usize) -> (Tok, usize) {
    let digits = |from: usize| {
        chars[from..]
            .iter()
            .take_while(|(_, c)| c.is_ascii_digit())
            .count()
    };
    let skip_space = |from: usize| {
        from + chars[from..]
            .iter()
            .take_while(|(_, c)| *c == ' ' || *c == '\u{a0}')
            .count()
    };
    let is_letter = |at: usize| chars.get(at).is_some_and(|(_, c)| c.is_alphabetic());
    let value = |from: usize, len: usize| -> u16 {
        chars[from..from + len].iter().fold(0u16, |n, (_, c)| {
            n * 10 + c.to_digit(10).unwrap_or(0) as u16
        })
    };
    let n = digits(k);
    let other = (Tok::Other, k + n);
    if n > 2 {
        return other;
    }
    let hours = value(k, n);
    let after = skip_space(k + n);
    let time = |minutes: u16, next: usize| {
        if minutes > 59 || hours > 24 || (hours == 24 && minutes > 0) {
            (Tok::Other, next)
        } else {
            (
                Tok::Time {
                    minutes: hours * 60 + minutes,
                    marked: true,
                },
                next,
            )
        }
    };
    match chars.get(after).map(|&(_, c)| c) {
        Some(':') => {
            let from = skip_space(after + 1);
            if digits(from) == 2 && !is_letter(from + 2) {
                return time(value(from, 2), from + 2);
            }
            other
        }
        Some('h' | 'H') => {
            let from = after + 1;
            // "9h", "9h30", "9 h", "9 heures"
            let word: String = chars[from..]
                .iter()
                .take_while(|(_, c)| c.is_alphabetic())
                .map(|(_, c)| c.to_ascii_lowercase())
                .collect();
            let from = match word.as_str() {
                "" => from,
                "eure" | "eures" => from + word.chars().count(),
                _ => return other,
            };
            let next_is =
                |at: usize, wanted: &[char]| chars.get(at).is_some_and(|(_, c)| wanted.contains(c));
            match digits(from) {
                0 => time(0, from),
                // "12h14h": the digits are the next time, not minutes.
                2 if next_is(from + 2, &['h', 'H', ':']) => time(0, from),
                2 if !is_letter(from + 2) => time(value(from, 2), from + 2),
                minutes => (Tok::Other, from + minutes),
            }
        }
        _ if is_letter(k + n) => {
            // "1er", "3e", "2ème", "2nd"
            let suffix: String = chars[k + n..]
                .iter()
                .take_while(|(_, c)| c.is_alphabetic())
                .map(|(_, c)| *c)
                .collect();
            let end = k + n + suffix.chars().count();
            let ordinal = matches!(
                fold(&suffix).as_str(),
                "er" | "re" | "e" | "eme" | "nd" | "nde" | "ieme"
            );
            match (ordinal, hours) {
                (true, 1..=5) => (Tok::Ordinal(hours as i8), end),
                _ => (Tok::Other, end),
            }
        }
        _ if hours <= 24 => (
            Tok::Time {
                minutes: hours * 60,
                marked: false,
            },
            k + n,
        ),
        _ => other,
    }
}

/// Pushes the token of the word at `start..end`; a hyphenated word that is not one token
/// ("lundi-vendredi") is pushed as its parts with dashes between them.
fn push_word(text: &str, start: usize, end: usize, tokens: &mut Vec<Token>) {
    let word = &text[start..end];
    if let Some(tok) = word_token(&fold(word)) {
        tokens.push(Token { tok, start, end });
        return;
    }
    let mut at = start;
    for (i, part) in word.split('-').enumerate() {
        if i > 0 {
            tokens.push(Token {
                tok: Tok::Dash,
                start: at - 1,
                end: at,
            });
        }
        let tok = word_token(&fold(part)).unwrap_or(Tok::Word);
        // "rendez vous": the second word adds nothing.
        let after_appointment = tokens.last().is_some_and(|t| t.tok == Tok::Appointment);
        if !(after_appointment && fold(part) == "vous") {
            tokens.push(Token {
                tok,
                start: at,
                end: at + part.len(),
            });
        }
        at += part.len() + 1;
    }
}

/// The token of a folded word, or `None` for an unknown word.
fn word_token(word: &str) -> Option<Tok> {
    let day = |d| Some(Tok::Day(d));
    match word {
        "lundi" | "lundis" | "lun" => day(Weekday::Mo),
        "mardi" | "mardis" | "mar" => day(Weekday::Tu),
        "mercredi" | "mercredis" | "mer" => day(Weekday::We),
        "jeudi" | "jeudis" | "jeu" => day(Weekday::Th),
        "vendredi" | "vendredis" | "ven" => day(Weekday::Fr),
        "samedi" | "samedis" | "sam" => day(Weekday::Sa),
        "dimanche" | "dimanches" | "dim" => day(Weekday::Su),
        "et" | "puis" => Some(Tok::And),
        "a" | "jusqu" => Some(Tok::To),
        "au" | "aux" => Some(Tok::Au),
        "de" | "du" | "des" | "d" => Some(Tok::From),
        "le" | "la" | "les" | "l" => Some(Tok::The),
        "tous" | "toutes" => Some(Tok::All),
        "jour" | "jours" => Some(Tok::Days),
        "sauf" | "excepte" => Some(Tok::Except),
        "matin" | "matins" | "matinee" | "matinees" => Some(Tok::Morning),
        "apres-midi" | "apres-midis" | "aprem" => Some(Tok::Afternoon),
        "midi" => Some(Tok::Time {
            minutes: 12 * 60,
            marked: true,
        }),
        "minuit" => Some(Tok::Time {
            minutes: 24 * 60,
            marked: true,
        }),
        "ferme" | "fermee" | "fermes" | "fermees" | "fermeture" => Some(Tok::Closed),
        "sur" => Some(Tok::On),
        "rendez-vous" | "rendez" | "rdv" | "rendez-vous." => Some(Tok::Appointment),
        "mois" => Some(Tok::Month),
        "chaque" => Some(Tok::Each),
        "premier" | "premiere" => Some(Tok::Ordinal(1)),
        "deuxieme" | "second" | "seconde" => Some(Tok::Ordinal(2)),
        "troisieme" => Some(Tok::Ordinal(3)),
        "quatrieme" => Some(Tok::Ordinal(4)),
        "cinquieme" => Some(Tok::Ordinal(5)),
        "dernier" | "derniere" => Some(Tok::Ordinal(-1)),
        "uniquement" | "seulement" => Some(Tok::Only),
        "hors" | "pour" | "pendant" | "durant" | "en" | "sans" | "avec" | "selon" | "hormis"
        | "sous" | "periode" | "vacances" => Some(Tok::Condition),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::Tok::*;
    use super::*;

    fn toks(text: &str) -> Vec<Tok> {
        lex(text).into_iter().map(|t| t.tok).collect()
    }

    fn t(h: u16, m: u16) -> Tok {
        Time {
            minutes: h * 60 + m,
            marked: true,
        }
    }

    #[test]
    fn times_in_every_spelling() {
        assert_eq!(toks("9h"), [t(9, 0)]);
        assert_eq!(toks("9H30"), [t(9, 30)]);
        assert_eq!(toks("09:30"), [t(9, 30)]);
        assert_eq!(toks("08 :00"), [t(8, 0)]);
        assert_eq!(toks("9 h 30"), [t(9, 0), Other]);
        assert_eq!(toks("9 heures"), [t(9, 0)]);
        assert_eq!(toks("midi"), [t(12, 0)]);
        assert_eq!(
            toks("9"),
            [Time {
                minutes: 540,
                marked: false
            }]
        );
        assert_eq!(toks("25h"), [Other]);
        assert_eq!(toks("9h60"), [Other]);
        assert_eq!(toks("9h3"), [Other]);
        assert_eq!(toks("123"), [Other]);
        assert_eq!(toks("12h14h"), [t(12, 0), t(14, 0)]);
        assert_eq!(toks("12h14:30"), [t(12, 0), t(14, 30)]);
    }

    #[test]
    fn words_are_folded_and_hyphens_kept_inside_known_words() {
        assert_eq!(toks("Après-midi"), [Afternoon]);
        assert_eq!(toks("l'APRÈS-MIDI"), [The, Afternoon]);
        assert_eq!(toks("sur rendez vous"), [On, Appointment]);
        assert_eq!(
            toks("lundi-vendredi"),
            [Day(Weekday::Mo), Dash, Day(Weekday::Fr)]
        );
        assert_eq!(toks("1er et 3e"), [Ordinal(1), And, Ordinal(3)]);
        assert_eq!(toks("2ème"), [Ordinal(2)]);
        assert_eq!(toks("jusqu’à"), [To, To]);
        assert_eq!(toks("hors vacances"), [Condition, Condition]);
        assert_eq!(toks("Uniquement"), [Only]);
        assert_eq!(toks("Irigo"), [Word]);
    }

    #[test]
    fn spans_point_into_the_text() {
        let text = "Mardi (sur RDV)";
        let tokens = lex(text);
        assert_eq!(&text[tokens[2].start..tokens[3].end], "sur RDV");
    }
}
