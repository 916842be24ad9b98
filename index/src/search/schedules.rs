//! Opening hours: whether a place is open at a given local time.
//!
//! `horaires` holds OSM `opening_hours` expressions, evaluated with the `opening-hours` crate
//! and the French public holidays (so `PH off` means what it says). Times are local to
//! Europe/Paris, where the places are; overseas places are judged on Paris time too, which is
//! the limit of a single zone.
//!
//! A million places repeat a few thousand expressions at most, so each distinct text is parsed
//! once when the index is loaded ([`Schedules`]) and, during a query, evaluated once
//! ([`OpenAt`] remembers each answer). Every page of results says whether its places are open
//! now, and evaluating an expression costs microseconds, so the answers for the current minute
//! are shared by all the requests of that minute ([`Schedules::now`]).
//!
//! A map filtered by opening shows the places open at a time, and is cached: it stays right
//! until the next instant some place opens, closes or becomes unknown
//! ([`Schedules::steady_until`]), which is what the map's cache key and the tiles' `max-age`
//! are made of.
//!
//! Places whose hours are missing, cannot be parsed or say `unknown` at that time are
//! [`OpenState::Unknown`]: the caller decides whether to keep them. A place closed for a while
//! ([`crate::notice`]) is [`OpenState::Closed`] on the days of its closure, whatever its hours
//! say; the closures in force are listed once per evaluator, and most often there are none.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{NaiveDate, NaiveDateTime, Timelike, Utc};
use opening_hours::localization::Country;
use opening_hours::{Context, OpeningHours, RuleKind};

use crate::place::TextField;
use crate::store::places::Places;

/// The time zone of the places.
pub const TIME_ZONE: chrono_tz::Tz = chrono_tz::Europe::Paris;

/// Whether a place is open at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenState {
    /// Open.
    Open,
    /// Closed.
    Closed,
    /// Hours missing, unreadable, or saying "unknown".
    Unknown,
}

impl OpenState {
    /// `Some(true)` when open, `Some(false)` when closed, `None` when unknown.
    #[must_use]
    pub fn as_bool(self) -> Option<bool> {
        match self {
            Self::Open => Some(true),
            Self::Closed => Some(false),
            Self::Unknown => None,
        }
    }
}

/// The current local time in Europe/Paris.
#[must_use]
pub fn now_local() -> NaiveDateTime {
    Utc::now().with_timezone(&TIME_ZONE).naive_local()
}

/// Whether `text` is OSM `opening_hours` that a schedule can answer from: what a contribution
/// must give, where a source's unreadable hours are only counted.
#[must_use]
pub fn is_readable(text: &str) -> bool {
    text.parse::<OpeningHours>().is_ok()
}

/// The parsed opening hours of every place.
pub struct Schedules {
    /// Per place, the index of its expression in `distinct`, or [`NONE`].
    of_place: Vec<u32>,
    /// Each distinct expression, `None` when it does not parse.
    distinct: Vec<Option<OpeningHours>>,
    /// The temporary closures: (place, first day, last day), by place.
    closures: Vec<(u32, NaiveDate, NaiveDate)>,
    /// The answers of the current minute, shared by its requests.
    this_minute: Mutex<Option<(NaiveDateTime, Answers, Closed)>>,
    /// The last span found over which no place's state changes: `[from, until)`.
    steady: Mutex<Option<(NaiveDateTime, NaiveDateTime)>>,
}

/// The places closed for a while at a time, sorted: most often none.
type Closed = Arc<[u32]>;

/// Per distinct expression, its state once known: [`UNANSWERED`] or an [`OpenState`] code.
type Answers = Arc<[AtomicU8]>;

const UNANSWERED: u8 = 0;

const NONE: u32 = u32::MAX;

/// The distinct expressions of hours being gathered, with France's holidays.
struct Expressions {
    context: Context,
    distinct: Vec<Option<OpeningHours>>,
}

impl Expressions {
    fn new(distinct: Vec<Option<OpeningHours>>) -> Self {
        Self {
            context: Context::default().with_holidays(Country::FR.holidays()),
            distinct,
        }
    }

    /// Parses `text` as one more expression (`None` when it does not parse), and answers its
    /// index.
    fn parse(&mut self, text: &str) -> u32 {
        self.distinct.push(
            text.parse::<OpeningHours>()
                .ok()
                .map(|hours| hours.with_context(self.context.clone())),
        );
        u32::try_from(self.distinct.len() - 1).expect("fewer than 2^32 expressions")
    }

    /// The schedules of places holding the expressions `of_place`, no closure set.
    fn schedules(self, of_place: Vec<u32>) -> Schedules {
        Schedules {
            of_place,
            distinct: self.distinct,
            closures: Vec::new(),
            this_minute: Mutex::new(None),
            steady: Mutex::new(None),
        }
    }
}

impl Schedules {
    /// Parses the hours of `places`, each distinct text once.
    #[must_use]
    pub fn build(places: &Places) -> Self {
        let mut expressions = Expressions::new(Vec::new());
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let of_place = places
            .iter()
            .map(|place| {
                let text = place.text(TextField::Horaires);
                if text.is_empty() {
                    return NONE;
                }
                *ids.entry(text).or_insert_with(|| expressions.parse(text))
            })
            .collect();
        expressions.schedules(of_place)
    }

    /// These hours for `places`, changed at the ordinals `changed` (the others the same, their
    /// number perhaps not): the changed places' texts parsed, the others' kept. A text already
    /// known is parsed again rather than looked up (no place's text is kept here): a batch
    /// adds as many expressions as places it changed, and a rebuild starts afresh. Temporary
    /// closures are set afterwards, as on a new one.
    #[must_use]
    pub fn patched(&self, places: &Places, changed: &[u32]) -> Self {
        let mut expressions = Expressions::new(self.distinct.clone());
        let mut of_place = self.of_place[..self.of_place.len().min(places.len())].to_vec();
        of_place.resize(places.len(), NONE);
        for ordinal in changed {
            let text = places[*ordinal as usize].text(TextField::Horaires);
            of_place[*ordinal as usize] = if text.is_empty() {
                NONE
            } else {
                expressions.parse(text)
            };
        }
        expressions.schedules(of_place)
    }

    /// Sets the temporary closures of the places: `(place, first day, last day)`, the last
    /// included. On those days the place is closed, whatever its hours say.
    pub fn set_closures(&mut self, mut closures: Vec<(u32, NaiveDate, NaiveDate)>) {
        closures.sort_unstable();
        self.closures = closures;
        *self
            .this_minute
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner) = None;
        *self
            .steady
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// The first instant after `at` at which some place's state may change: the earliest
    /// change of any distinct expression, and at the latest the next midnight (when temporary
    /// closures begin and end). Every place is in the same state from `at` until then, so
    /// every time of that span shares one answer: the span found last is remembered.
    #[must_use]
    pub fn steady_until(&self, at: NaiveDateTime) -> NaiveDateTime {
        let mut steady = self.steady.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((from, until)) = *steady {
            if (from..until).contains(&at) {
                return until;
            }
        }
        let midnight = at
            .date()
            .succ_opt()
            .and_then(|day| day.and_hms_opt(0, 0, 0))
            .unwrap_or(at + chrono::Duration::days(1));
        let until = self
            .distinct
            .iter()
            .flatten()
            .filter_map(|hours| hours.iter_range(at, midnight).next())
            .map(|span| span.range.end)
            .filter(|end| *end > at)
            .fold(midnight, NaiveDateTime::min);
        *steady = Some((at, until));
        until
    }

    /// The minute of `at`: opening hours are given to the minute.
    #[must_use]
    pub fn minute_of(at: NaiveDateTime) -> NaiveDateTime {
        at.with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(at)
    }

    /// The places closed for a while at `at`, sorted.
    fn closed_at(&self, at: NaiveDateTime) -> Closed {
        let day = at.date();
        let mut closed: Vec<u32> = self
            .closures
            .iter()
            .filter(|(_, first, last)| (*first..=*last).contains(&day))
            .map(|(place, _, _)| *place)
            .collect();
        closed.dedup();
        closed.into()
    }

    /// The number of distinct expressions, and how many of them do not parse (after batches
    /// in place, a text is counted once more for each batch that parsed it again).
    #[must_use]
    pub fn stats(&self) -> (usize, usize) {
        let unparsed = self.distinct.iter().filter(|h| h.is_none()).count();
        (self.distinct.len(), unparsed)
    }

    /// An evaluator of the places' state at `at` (local time), remembering its answers.
    #[must_use]
    pub fn at(&self, at: NaiveDateTime) -> OpenAt<'_> {
        OpenAt {
            schedules: self,
            at,
            answers: self.unanswered(),
            closed: self.closed_at(at),
        }
    }

    /// An evaluator of the places' state now, in the current minute (opening hours are given
    /// to the minute), sharing its answers with every other evaluator of the minute.
    #[must_use]
    pub fn now(&self) -> OpenAt<'_> {
        let minute = Self::minute_of(now_local());
        let mut this_minute = self
            .this_minute
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (answers, closed) = match &*this_minute {
            Some((at, answers, closed)) if *at == minute => {
                (Arc::clone(answers), Arc::clone(closed))
            }
            _ => {
                let answers = self.unanswered();
                let closed = self.closed_at(minute);
                *this_minute = Some((minute, Arc::clone(&answers), Arc::clone(&closed)));
                (answers, closed)
            }
        };
        OpenAt {
            schedules: self,
            at: minute,
            answers,
            closed,
        }
    }

    fn unanswered(&self) -> Answers {
        (0..self.distinct.len())
            .map(|_| AtomicU8::new(UNANSWERED))
            .collect()
    }
}

/// The state of places at one time.
pub struct OpenAt<'a> {
    schedules: &'a Schedules,
    at: NaiveDateTime,
    answers: Answers,
    closed: Closed,
}

impl OpenState {
    const fn code(self) -> u8 {
        match self {
            Self::Open => 1,
            Self::Closed => 2,
            Self::Unknown => 3,
        }
    }

    const fn of_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::Open),
            2 => Some(Self::Closed),
            3 => Some(Self::Unknown),
            _ => None,
        }
    }
}

impl OpenAt<'_> {
    /// The state of the place `ordinal`.
    pub fn state(&self, ordinal: u32) -> OpenState {
        if !self.closed.is_empty() && self.closed.binary_search(&ordinal).is_ok() {
            return OpenState::Closed;
        }
        let id = self.schedules.of_place[ordinal as usize];
        if id == NONE {
            return OpenState::Unknown;
        }
        let id = id as usize;
        // Two requests may evaluate the same expression at once; they store the same answer.
        if let Some(state) = OpenState::of_code(self.answers[id].load(Ordering::Relaxed)) {
            return state;
        }
        let state = match &self.schedules.distinct[id] {
            None => OpenState::Unknown,
            Some(hours) => match hours.state(self.at).0 {
                RuleKind::Open => OpenState::Open,
                RuleKind::Closed => OpenState::Closed,
                RuleKind::Unknown => OpenState::Unknown,
            },
        };
        self.answers[id].store(state.code(), Ordering::Relaxed);
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::place::{Place, PlaceTexts};

    fn place(hours: &str) -> Arc<Place> {
        let mut place = crate::ingest::generate::test_places(1, 1).remove(0);
        place.texts = PlaceTexts::new(|f| if f == TextField::Horaires { hours } else { "" });
        Arc::new(place)
    }

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn a_temporary_closure_closes_its_days_and_expires() {
        let hours = "Mo-Sa 09:00-18:00";
        let mut schedules =
            Schedules::build(&Places::from(vec![place(hours), place(hours), place("")]));
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        // Before: both open on Tuesday 22 December at 10:00.
        assert_eq!(
            schedules.at(at("2026-12-22 10:00")).state(1),
            OpenState::Open
        );
        schedules.set_closures(vec![(1, day(23), day(26)), (2, day(23), day(23))]);
        let before = schedules.at(at("2026-12-22 10:00"));
        assert_eq!(before.state(1), OpenState::Open);
        let during = schedules.at(at("2026-12-23 10:00"));
        assert_eq!(
            during.state(0),
            OpenState::Open,
            "another place, same hours"
        );
        assert_eq!(during.state(1), OpenState::Closed);
        // Closed for a while says more than unknown hours.
        assert_eq!(during.state(2), OpenState::Closed);
        assert_eq!(
            schedules.at(at("2026-12-26 17:59")).state(1),
            OpenState::Closed
        );
        // Expired: the hours answer again, with nothing rebuilt.
        let after = schedules.at(at("2026-12-28 10:00"));
        assert_eq!(after.state(1), OpenState::Open);
        assert_eq!(after.state(2), OpenState::Unknown);
    }

    #[test]
    fn every_place_keeps_its_state_until_the_first_change_of_any() {
        let schedules = Schedules::build(&Places::from(vec![
            place("Mo-Fr 09:00-12:00"),
            place("Mo-Fr 14:00-18:30"),
            place(""),
            place("not hours"),
        ]));
        // Tuesday 24 November 2026: any time of a span has the same end; after the day's last
        // change, midnight (when closures may begin or end); an earlier time than the span
        // remembered is answered afresh.
        for (time, until) in [
            ("10:00", "2026-11-24 12:00"),
            ("11:59", "2026-11-24 12:00"),
            ("12:00", "2026-11-24 14:00"),
            ("15:00", "2026-11-24 18:30"),
            ("19:00", "2026-11-25 00:00"),
            ("08:00", "2026-11-24 09:00"),
        ] {
            let time = at(&format!("2026-11-24 {time}"));
            assert_eq!(schedules.steady_until(time), at(until), "{time}");
        }
        let (from, until) = (at("2026-11-24 12:00"), at("2026-11-24 14:00"));
        let states = |t| {
            let open = schedules.at(t);
            (0..4).map(|p| open.state(p)).collect::<Vec<_>>()
        };
        assert_eq!(states(from), states(until - chrono::Duration::minutes(1)));
        assert_ne!(states(from), states(until));
    }

    #[test]
    fn hours_are_evaluated_with_french_public_holidays() {
        let places = [
            place("Mo-Fr 09:00-12:00,14:00-17:00; PH off"),
            place(""),
            place("n'importe quoi"),
            place("Mo-Fr 09:00-12:00,14:00-17:00; PH off"),
        ];
        let schedules = Schedules::build(&Places::from(places.to_vec()));
        assert_eq!(schedules.stats(), (2, 1));
        // Tuesday 24 November 2026, 10:00 and 13:00.
        let open = schedules.at(at("2026-11-24 10:00"));
        assert_eq!(open.state(0), OpenState::Open);
        assert_eq!(open.state(3), OpenState::Open);
        assert_eq!(open.state(1), OpenState::Unknown);
        assert_eq!(open.state(2), OpenState::Unknown);
        assert_eq!(
            schedules.at(at("2026-11-24 13:00")).state(0),
            OpenState::Closed
        );
        // Wednesday 11 November 2026 is Armistice day, a public holiday.
        assert_eq!(
            schedules.at(at("2026-11-11 10:00")).state(0),
            OpenState::Closed
        );
    }

    #[test]
    fn evaluators_of_the_current_minute_share_their_answers() {
        let places = [place("Mo-Su 00:00-12:00"), place("Mo-Su 12:00-24:00")];
        let schedules = Schedules::build(&Places::from(places.to_vec()));
        let first = schedules.now();
        let states = [first.state(0), first.state(1)];
        let second = schedules.now();
        if second.at == first.at {
            assert!(Arc::ptr_eq(&first.answers, &second.answers));
        }
        // Whatever the time, one of the two is open and the answers are those of `at`.
        assert_eq!(
            states,
            [
                schedules.at(first.at).state(0),
                schedules.at(first.at).state(1)
            ]
        );
        assert!(states.contains(&OpenState::Open) && states.contains(&OpenState::Closed));
        assert_eq!(first.at.second(), 0);
    }
}
