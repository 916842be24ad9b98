//! What one day, or the days of one clause, says: ranges, `fermé`, `matin` / `après-midi`,
//! `sur rendez-vous` and conditions (see the module above for the forms and why).

use super::lexer::{Tok, Token};
use super::{DayHours, PeriodHours, Range};

/// What a day says once read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum DayState {
    /// `fermé`.
    Closed,
    /// Open at these hours (or at hours not said, with a comment).
    Open(DayHours),
}

/// What parsing a body gives: the state (`None` when it says nothing), the position after it,
/// and the notes for the report.
pub(super) type Body = (Option<DayState>, usize, Vec<String>);

/// Reads the hours that start at token `i`, up to the end of the text or, in a sentence, up to
/// the first position where `next_days` sees the next days named (`None` for a day column,
/// which must also neither start nor end with a separator). `Err` when something in it is not
/// understood.
pub(super) fn parse_body(
    text: &str,
    tokens: &[Token],
    mut i: usize,
    next_days: Option<&dyn Fn(usize) -> bool>,
    periods: &PeriodHours,
) -> Result<Body, ()> {
    let tok = |k: usize| tokens.get(k).map(|t| t.tok);
    let stop = |k: usize| next_days.is_some_and(|starts| starts(k));
    let sentence = next_days.is_some();
    let first = i;
    let mut ranges: Vec<Range> = Vec::new();
    let mut periods_said: Vec<Period> = Vec::new();
    let mut closed = false;
    let mut comments: Vec<String> = Vec::new();
    loop {
        let separators = i;
        while tok(i).is_some_and(is_separator) {
            i += 1;
        }
        if i == tokens.len() || stop(i) {
            // A day column must not end on a separator ("09:00-12:00 /"), but for a full stop.
            if !sentence && tokens[separators..i].iter().any(|t| t.tok != Tok::Dot) {
                return Err(());
            }
            break;
        }
        // A day column must not start with a separator ("/ 09:00-12:00").
        if !sentence && i > first && separators == first {
            return Err(());
        }
        let from = usize::from(tok(i) == Some(Tok::From));
        match (tok(i + from), tok(i + from + 1), tok(i + from + 2)) {
            (
                Some(Tok::Time {
                    minutes: start,
                    marked: a,
                }),
                Some(Tok::Dash | Tok::To | Tok::Slash),
                Some(Tok::Time {
                    minutes: end,
                    marked: b,
                }),
            ) => {
                if !(a || b) || end <= start {
                    return Err(());
                }
                ranges.push(Range { start, end });
                i += from + 3;
                continue;
            }
            (Some(Tok::Time { .. }), _, _) => return Err(()),
            _ => {}
        }
        let period_at = |k: usize| match tok(k) {
            Some(Tok::Morning) => Some(Period::Morning),
            Some(Tok::Afternoon) => Some(Period::Afternoon),
            _ => None,
        };
        // "matin", "le matin", "l'après-midi", "en matinée"
        let lead = match tok(i) {
            Some(Tok::The) => 1,
            Some(Tok::Condition) if word(text, &tokens[i]) == "en" => 1,
            _ => 0,
        };
        if let Some(period) = period_at(i + lead) {
            periods_said.push(period);
            i += lead + 1;
            continue;
        }
        match tok(i) {
            Some(Tok::Closed) => {
                closed = true;
                i += 1;
            }
            Some(Tok::Open) => {
                let close = (i + 1..tokens.len())
                    .find(|&k| tokens[k].tok == Tok::Close)
                    .ok_or(())?;
                comments.push(condition(text, &tokens[i + 1..close])?);
                i = close + 1;
            }
            Some(Tok::On | Tok::Appointment | Tok::Condition | Tok::Only | Tok::Except) => {
                let end = (i..tokens.len())
                    .find(|&k| stop(k) || tokens[k].tok == Tok::Open)
                    .unwrap_or(tokens.len());
                // "9h-12h sauf jeudi": the days after "sauf" are its own, not the next clause's.
                if tok(i) == Some(Tok::Except) && end < tokens.len() && stop(end) {
                    return Err(());
                }
                comments.push(condition(text, &tokens[i..end])?);
                i = end;
            }
            _ => return Err(()),
        }
    }

    let mut notes = Vec::new();
    if closed {
        let nothing_else = ranges.is_empty() && periods_said.is_empty() && comments.is_empty();
        return if nothing_else {
            Ok((Some(DayState::Closed), i, notes))
        } else {
            Err(())
        };
    }
    if !periods_said.is_empty() {
        // Ranges beside a period must fall within one of the periods said.
        if !ranges
            .iter()
            .all(|r| periods_said.iter().any(|p| p.contains(*r)))
        {
            return Err(());
        }
        let given = ranges.clone();
        for period in &periods_said {
            if !given.iter().any(|r| period.contains(*r)) {
                let default = period.hours(periods);
                ranges.push(default);
                notes.push(format!(
                    "\"{}\" read as {} (the mapping's or the default {})",
                    period.french(),
                    super::format_range(default),
                    period.setting(),
                ));
            }
        }
    }
    ranges.sort_unstable();
    ranges.dedup();
    if ranges.windows(2).any(|pair| pair[1].start < pair[0].end) {
        return Err(());
    }
    if ranges.is_empty() && comments.is_empty() {
        return Ok((None, i, notes));
    }
    let comment = (!comments.is_empty()).then(|| comments.join(", "));
    if let Some(comment) = &comment {
        notes.push(format!("kept as an OSM comment: \"{comment}\""));
    }
    Ok((Some(DayState::Open(DayHours { ranges, comment })), i, notes))
}

fn is_separator(tok: Tok) -> bool {
    matches!(
        tok,
        Tok::Dash | Tok::Slash | Tok::Comma | Tok::And | Tok::Dot | Tok::Colon
    )
}

/// `matin` or `après-midi`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Period {
    Morning,
    Afternoon,
}

impl Period {
    fn french(self) -> &'static str {
        match self {
            Self::Morning => "matin",
            Self::Afternoon => "après-midi",
        }
    }

    /// The `[source]` key that sets its hours.
    fn setting(self) -> &'static str {
        match self {
            Self::Morning => "morning",
            Self::Afternoon => "afternoon",
        }
    }

    /// Its hours when the text gives none.
    fn hours(self, periods: &PeriodHours) -> Range {
        match self {
            Self::Morning => periods.morning,
            Self::Afternoon => periods.afternoon,
        }
    }

    /// Whether a range said beside it is of it: a morning ends by 14:00, an afternoon starts
    /// at noon or later.
    fn contains(self, range: Range) -> bool {
        match self {
            Self::Morning => range.end <= 14 * 60,
            Self::Afternoon => range.start >= 12 * 60,
        }
    }
}

fn word<'t>(text: &'t str, token: &Token) -> &'t str {
    &text[token.start..token.end]
}

/// The text of a condition for an OSM comment: words only, as written. A time, a day, a
/// number, a period or `fermé` in it would change the schedule, so it is refused.
fn condition(text: &str, tokens: &[Token]) -> Result<String, ()> {
    let plain = tokens.iter().all(|t| {
        matches!(
            t.tok,
            Tok::Word
                | Tok::Condition
                | Tok::Only
                | Tok::On
                | Tok::Appointment
                | Tok::The
                | Tok::From
                | Tok::And
                | Tok::Au
                | Tok::To
                | Tok::Except
                | Tok::Comma
                | Tok::Dash
                | Tok::Slash
                | Tok::Dot
        )
    });
    let kept: Vec<&Token> = tokens
        .iter()
        .rev()
        .skip_while(|t| is_separator(t.tok))
        .collect();
    let (Some(last), Some(first)) = (kept.first(), tokens.first()) else {
        return Err(());
    };
    if !plain || is_separator(first.tok) {
        return Err(());
    }
    let comment = text[first.start..last.end]
        .split_whitespace()
        .collect::<Vec<_>>();
    Ok(comment.join(" "))
}
