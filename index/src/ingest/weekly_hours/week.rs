//! Which days a sentence names, and the week it describes: clauses of days and hours, in
//! either order (see the module above for the forms).

use super::day::{parse_body, DayState};
use super::lexer::{Tok, Token};
use super::{PeriodHours, Schedule, Weekday};

/// The days a clause names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Selection {
    /// Weekdays, Monday first.
    days: Vec<Weekday>,
    /// For `le 1er et le 3e mardi du mois`: which of the month (`[1, 3]`); one day then.
    nth: Option<Vec<i8>>,
}

/// Reads a whole-week sentence; `None` when any of it is not understood.
pub(super) fn read_week(
    text: &str,
    tokens: &[Token],
    periods: &PeriodHours,
) -> Option<(Schedule, Vec<String>)> {
    let starts_days = |k: usize| selection_at(tokens, k).is_some();
    let next_days: Option<&dyn Fn(usize) -> bool> = Some(&starts_days);
    let mut clauses: Vec<(Selection, DayState)> = Vec::new();
    let mut notes = Vec::new();
    let mut i = 0;
    if !tokens.is_empty() && !starts_days(0) {
        // Hours first, then their days: "9h-12h et 14h-17h du lundi au vendredi".
        let (state, next, body_notes) = parse_body(text, tokens, 0, next_days, periods).ok()?;
        let (selection, next) = selection_at(tokens, next)?;
        let (after, next, _) = parse_body(text, tokens, next, next_days, periods).ok()?;
        if after.is_some() {
            return None;
        }
        clauses.push((selection, state?));
        notes.extend(body_notes);
        i = next;
    }
    while i < tokens.len() {
        let (selection, next) = selection_at(tokens, i)?;
        let (state, next, body_notes) = parse_body(text, tokens, next, next_days, periods).ok()?;
        clauses.push((selection, state?));
        notes.extend(body_notes);
        i = next;
    }
    if clauses.is_empty() {
        return None;
    }
    let mut schedule = Schedule::default();
    for (selection, state) in clauses {
        match (selection.nth, state) {
            (Some(which), DayState::Open(hours)) => {
                schedule.nth.push((selection.days[0], which, hours));
            }
            (Some(_), DayState::Closed) => return None,
            (None, state) => {
                for day in selection.days {
                    match &schedule.days[day.index()] {
                        None => schedule.days[day.index()] = Some(state.clone()),
                        Some(previous) if *previous == state => {}
                        Some(_) => return None,
                    }
                }
            }
        }
    }
    // A weekday both every week and some weeks of the month: which wins is not said.
    if schedule
        .nth
        .iter()
        .any(|(day, _, _)| schedule.days[day.index()].is_some())
    {
        return None;
    }
    Some((schedule, notes))
}

/// The days named from token `i`, and the position after them.
fn selection_at(tokens: &[Token], i: usize) -> Option<(Selection, usize)> {
    let tok = |k: usize| tokens.get(k).map(|t| t.tok);
    let (mut selection, mut next) = if let (Some(Tok::All), Some(Tok::The), Some(Tok::Days)) =
        (tok(i), tok(i + 1), tok(i + 2))
    {
        (
            Selection {
                days: Weekday::ALL.to_vec(),
                nth: None,
            },
            i + 3,
        )
    } else if let Some(found) = nth_of_month(tokens, i) {
        found
    } else if let Some(found) = day_with_nth_in_parentheses(tokens, i) {
        found
    } else {
        let (days, next) = day_list(tokens, i)?;
        (Selection { days, nth: None }, next)
    };
    // "tous les jours sauf le dimanche"
    if selection.nth.is_none() && tok(next) == Some(Tok::Except) {
        if let Some((except, after)) = day_list(tokens, next + 1) {
            selection.days.retain(|d| !except.contains(d));
            next = after;
        }
    }
    (!selection.days.is_empty()).then_some((selection, next))
}

/// `lundi, mercredi et vendredi`, `du lundi au vendredi`, `lundi-jeudi, samedi`: the days,
/// Monday first, and the position after them.
fn day_list(tokens: &[Token], i: usize) -> Option<(Vec<Weekday>, usize)> {
    let mut days = Vec::new();
    let (first, mut next) = day_item(tokens, i)?;
    days.extend(first);
    while let Some(Tok::Comma | Tok::And) = tokens.get(next).map(|t| t.tok) {
        let Some((more, after)) = day_item(tokens, next + 1) else {
            break;
        };
        days.extend(more);
        next = after;
    }
    days.sort_unstable();
    days.dedup();
    Some((days, next))
}

/// One day or one run of days (`du lundi au vendredi`, `samedi-lundi` wraps round the week).
fn day_item(tokens: &[Token], i: usize) -> Option<(Vec<Weekday>, usize)> {
    let tok = |k: usize| tokens.get(k).map(|t| t.tok);
    // "lundi", "le lundi", "du lundi", "les lundis"
    let day_at = |k: usize| {
        let articles = (k..k + 2)
            .take_while(|&a| matches!(tok(a), Some(Tok::From | Tok::The)))
            .count();
        let k = k + articles;
        match tok(k) {
            Some(Tok::Day(day)) => Some((day, k + 1)),
            _ => None,
        }
    };
    let (first, next) = day_at(i)?;
    if let Some(Tok::Au | Tok::To | Tok::Dash) = tok(next) {
        if let Some((last, after)) = day_at(next + 1) {
            let mut days = vec![first];
            let mut day = first;
            while day != last {
                day = Weekday::ALL[(day.index() + 1) % 7];
                days.push(day);
            }
            return Some((days, after));
        }
    }
    Some((vec![first], next))
}

/// `Dimanche (2e dimanche du mois uniquement)`: one day, then which of the month it is in
/// parentheses.
fn day_with_nth_in_parentheses(tokens: &[Token], i: usize) -> Option<(Selection, usize)> {
    let tok = |k: usize| tokens.get(k).map(|t| t.tok);
    let (days, next) = day_item(tokens, i)?;
    if days.len() != 1 || tok(next) != Some(Tok::Open) {
        return None;
    }
    let (selection, mut k) = nth_of_month(tokens, next + 1)?;
    if selection.days != days {
        return None;
    }
    if tok(k) == Some(Tok::Only) {
        k += 1;
    }
    (tok(k) == Some(Tok::Close)).then_some((selection, k + 1))
}

/// `le 1er et le 3e mardi du mois`, `le dernier vendredi de chaque mois`.
fn nth_of_month(tokens: &[Token], i: usize) -> Option<(Selection, usize)> {
    let tok = |k: usize| tokens.get(k).map(|t| t.tok);
    let mut k = i;
    let mut which = Vec::new();
    loop {
        if tok(k) == Some(Tok::The) {
            k += 1;
        }
        let Some(Tok::Ordinal(n)) = tok(k) else {
            break;
        };
        which.push(n);
        k += 1;
        match tok(k) {
            Some(Tok::Comma | Tok::And)
                if matches!(tok(k + 1), Some(Tok::Ordinal(_) | Tok::The)) =>
            {
                k += 1;
            }
            _ => break,
        }
    }
    let Some(Tok::Day(day)) = tok(k) else {
        return None;
    };
    if which.is_empty() {
        return None;
    }
    k += 1;
    // "du mois", "de chaque mois", "chaque mois"
    for tail in [
        &[Tok::From, Tok::Month][..],
        &[Tok::From, Tok::Each, Tok::Month][..],
        &[Tok::Each, Tok::Month][..],
    ] {
        if tokens
            .get(k..k + tail.len())
            .is_some_and(|found| found.iter().map(|t| t.tok).eq(tail.iter().copied()))
        {
            k += tail.len();
            break;
        }
    }
    which.sort_unstable_by_key(|n| (*n < 0, *n));
    which.dedup();
    Some((
        Selection {
            days: vec![day],
            nth: Some(which),
        },
        k,
    ))
}
