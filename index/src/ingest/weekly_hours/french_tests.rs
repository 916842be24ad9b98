//! The French forms of the module documentation, one test each, and a property: generated
//! weekly schedules written as French sentences in several styles read back to themselves.

use proptest::prelude::*;

use super::Weekday::{Mo, Tu};
use super::*;

/// Every value this module writes must be OSM `opening_hours` that the search can evaluate.
fn checked(osm: Option<String>) -> Option<String> {
    if let Some(value) = &osm {
        assert!(
            value.parse::<opening_hours::OpeningHours>().is_ok(),
            "not OSM opening_hours: {value:?}"
        );
    }
    osm
}

/// The OSM value of one Monday text, asserting that it was read whole.
fn monday(text: &str) -> String {
    let week = weekly_hours_to_osm(&[(Mo, text)], &PeriodHours::default());
    assert!(week.unparsed.is_empty(), "{text:?} not read: {week:?}");
    checked(week.opening_hours).unwrap_or_default()
}

fn week(text: &str) -> Option<String> {
    checked(read_week_text(text, &PeriodHours::default()).map(|w| w.opening_hours))
}

#[test]
fn every_way_of_writing_a_range_or_two() {
    for (text, want) in [
        ("9h-12h", "Mo 09:00-12:00"),
        ("9h - 12h / 14h - 17h", "Mo 09:00-12:00,14:00-17:00"),
        ("9h30-12h30, 14h-17h30", "Mo 09:30-12:30,14:00-17:30"),
        (
            "de 9h00 à 12h30 et de 13h30 à 17h",
            "Mo 09:00-12:30,13:30-17:00",
        ),
        ("DE 9H À 12H ET DE 14H À 17H", "Mo 09:00-12:00,14:00-17:00"),
        ("9h/12h", "Mo 09:00-12:00"),
        ("9h/12h - 14h/17h", "Mo 09:00-12:00,14:00-17:00"),
        ("9h-12", "Mo 09:00-12:00"),
        ("de 9 à 12h", "Mo 09:00-12:00"),
        ("8:30 - 12:00", "Mo 08:30-12:00"),
        ("8:30-12:00 13:30-17:00", "Mo 08:30-12:00,13:30-17:00"),
        ("9h-12h14h-17h", "Mo 09:00-12:00,14:00-17:00"),
        ("9h  -   12h", "Mo 09:00-12:00"),
        ("9h–12h", "Mo 09:00-12:00"),
        ("9 h - 12 h", "Mo 09:00-12:00"),
        ("de 9 heures à midi", "Mo 09:00-12:00"),
        ("9h à 12h puis 14h à 17h", "Mo 09:00-12:00,14:00-17:00"),
        ("9h-12h.", "Mo 09:00-12:00"),
    ] {
        assert_eq!(monday(text), want, "{text:?}");
    }
}

#[test]
fn closed_days_say_nothing_open() {
    for text in ["fermé", "Fermée", "FERMÉ.", "ferme"] {
        let week = weekly_hours_to_osm(&[(Mo, text), (Tu, "9h-12h")], &PeriodHours::default());
        assert_eq!(
            week.opening_hours.as_deref(),
            Some("Tu 09:00-12:00"),
            "{text:?}"
        );
        assert!(week.unparsed.is_empty());
    }
}

#[test]
fn morning_and_afternoon_take_the_periods_and_are_reported() {
    assert_eq!(monday("matin"), "Mo 09:00-12:00");
    assert_eq!(monday("Le matin"), "Mo 09:00-12:00");
    assert_eq!(monday("après-midi"), "Mo 14:00-17:00");
    assert_eq!(monday("l'Après-Midi"), "Mo 14:00-17:00");
    assert_eq!(monday("matin et après-midi"), "Mo 09:00-12:00,14:00-17:00");
    // Beside ranges, a period only confirms them.
    assert_eq!(monday("matin : 9h15-12h30"), "Mo 09:15-12:30");
    let week = weekly_hours_to_osm(&[(Mo, "après-midi")], &PeriodHours::default());
    assert_eq!(week.notes.len(), 1, "{week:?}");
    assert!(week.notes[0].contains("14:00-17:00"), "{week:?}");

    let periods = PeriodHours::new(Some("08:30-12:30"), Some("13h30-18h")).unwrap();
    let week = weekly_hours_to_osm(&[(Mo, "matin"), (Tu, "après-midi")], &periods);
    assert_eq!(
        week.opening_hours.as_deref(),
        Some("Mo 08:30-12:30; Tu 13:30-18:00")
    );
    assert!(PeriodHours::new(Some("midi"), None).is_err());
    assert!(PeriodHours::new(Some("sur rendez-vous"), None).is_err());
    assert!(PeriodHours::new(None, Some("9h-12h, 14h-17h")).is_err());
}

#[test]
fn appointments_are_comments_beside_ranges_or_unknown_hours_alone() {
    assert_eq!(monday("sur rendez-vous"), "Mo unknown \"sur rendez-vous\"");
    assert_eq!(
        monday("Uniquement sur RDV"),
        "Mo unknown \"Uniquement sur RDV\""
    );
    assert_eq!(
        monday("(sur rendez-vous)"),
        "Mo unknown \"sur rendez-vous\""
    );
    assert_eq!(
        monday("9h-12h sur rendez-vous"),
        "Mo 09:00-12:00 \"sur rendez-vous\""
    );
    assert_eq!(monday("09:00-12:00 sur RDV"), "Mo 09:00-12:00 \"sur RDV\"");
    assert_eq!(
        monday("9h-12h (sur rendez-vous)"),
        "Mo 09:00-12:00 \"sur rendez-vous\""
    );
}

#[test]
fn conditions_stay_beside_the_ranges_they_qualify() {
    assert_eq!(
        monday("9h-12h hors vacances scolaires"),
        "Mo 09:00-12:00 \"hors vacances scolaires\""
    );
    assert_eq!(
        monday("14h-17h pour les jeunes"),
        "Mo 14:00-17:00 \"pour les jeunes\""
    );
    assert_eq!(
        monday("14h-17h (accueil des jeunes)"),
        "Mo 14:00-17:00 \"accueil des jeunes\""
    );
    assert_eq!(
        monday("9h-12h (hors vacances; pour les jeunes)"),
        "Mo 09:00-12:00 \"hors vacances; pour les jeunes\""
    );
    assert_eq!(
        monday("9h-12h sur RDV (pour les jeunes)"),
        "Mo 09:00-12:00 \"sur RDV, pour les jeunes\""
    );
    let week = weekly_hours_to_osm(
        &[(Mo, "9h-12h hors vacances scolaires"), (Tu, "9h-12h")],
        &PeriodHours::default(),
    );
    // The condition is Monday's only: the days do not share a rule.
    assert_eq!(
        week.opening_hours.as_deref(),
        Some("Mo 09:00-12:00 \"hors vacances scolaires\"; Tu 09:00-12:00")
    );
    assert_eq!(
        week.notes,
        ["Mo: kept as an OSM comment: \"hors vacances scolaires\""]
    );
}

#[test]
fn whole_week_sentences() {
    for (text, want) in [
        (
            "du lundi au vendredi de 9h à 12h et de 14h à 17h",
            "Mo-Fr 09:00-12:00,14:00-17:00",
        ),
        (
            "lundi, mercredi et vendredi : 9h-12h",
            "Mo,We,Fr 09:00-12:00",
        ),
        (
            "tous les jours sauf le dimanche de 10h à 18h",
            "Mo-Sa 10:00-18:00",
        ),
        ("Tous les jours : 8h-20h", "Mo-Su 08:00-20:00"),
        ("le mardi matin", "Tu 09:00-12:00"),
        (
            "le 1er et le 3e mardi du mois de 14h à 17h",
            "Tu[1,3] 14:00-17:00",
        ),
        (
            "le dernier vendredi de chaque mois, 14h-16h",
            "Fr[-1] 14:00-16:00",
        ),
        (
            "9h-12h et 14h-17h du lundi au vendredi",
            "Mo-Fr 09:00-12:00,14:00-17:00",
        ),
        ("lundi-vendredi 9h-17h", "Mo-Fr 09:00-17:00"),
        ("du samedi au lundi : 10h-12h", "Mo,Sa,Su 10:00-12:00"),
        (
            "Du lundi au vendredi, de 8h30 à 17h, sur rendez-vous uniquement",
            "Mo-Fr 08:30-17:00 \"sur rendez-vous uniquement\"",
        ),
        ("Mardi : fermé", "Tu off"),
        (
            "Lundi : 9h-12h Mardi : fermé Mercredi : 14h-17h",
            "Mo 09:00-12:00; We 14:00-17:00",
        ),
        // Real texts of the Angers guide.
        (
            "Lundi et Jeudi : 14h à 18h Mardi et Vendredi : 9h à 12h30 et 14h à 18h \
             Mercredi : 9h à 12h30 et 14h à 18h30 Samedi : 9h à 12h30",
            "Mo,Th 14:00-18:00; Tu,Fr 09:00-12:30,14:00-18:00; We 09:00-12:30,14:00-18:30; \
             Sa 09:00-12:30",
        ),
        (
            "Lundi et Vendredi : 9h à 12h30 - 14h à 17h Mardi : 10h30 à 12h30 - 14h à 17h \
             Mercredi : (sur rendez-vous) Jeudi : 14h à 17h",
            "Mo,Fr 09:00-12:30,14:00-17:00; Tu 10:30-12:30,14:00-17:00; \
             We unknown \"sur rendez-vous\"; Th 14:00-17:00",
        ),
        (
            "Lundi, Mercredi, Jeudi et Vendredi de 9 à 12h et de 14 à 18h30 Mardi de 14 à 18h30",
            "Mo,We-Fr 09:00-12:00,14:00-18:30; Tu 14:00-18:30",
        ),
        (
            "Samedi : 9h30-17h30 Dimanche (2e dimanche du mois uniquement) : 14h-17h30",
            "Sa 09:30-17:30; Su[2] 14:00-17:30",
        ),
        (
            "9h-12h sur rendez-vous le mardi",
            "Tu 09:00-12:00 \"sur rendez-vous\"",
        ),
        (
            "lundi, mardi et vendredi matin de 9h15 à 12h30",
            "Mo,Tu,Fr 09:15-12:30",
        ),
        (
            "Mardi : 15h à18h30 Mercredi : 9h30 à 12h30 et 14h à 18h30",
            "Tu 15:00-18:30; We 09:30-12:30,14:00-18:30",
        ),
        (
            "Lundi au jeudi : 9h à 12h et 14h à 17h, vendredi : 9h à 12h",
            "Mo-Th 09:00-12:00,14:00-17:00; Fr 09:00-12:00",
        ),
    ] {
        assert_eq!(week(text).as_deref(), Some(want), "{text:?}");
    }
}

#[test]
fn sentences_not_read_whole_are_not_read() {
    for text in [
        // No days: which days is not said.
        "9h à 12h, 14h à 17h hors vacances scolaires",
        // A condition that changes the schedule.
        "Lundi au vendredi : 9h à 18h (lundi et jeudi matin fermé)",
        "Lundi au vendredi : 9h à 12h30 et 13h30 à 17h30 (17h00 pendant les vacances scolaires)",
        "Ligne Irigo N° 6, 11 - arrêt les Deniers",
        // One day, two schedules.
        "Lundi : 9h-12h Lundi : 14h-17h",
        "le 1er mardi du mois 9h-12h, mardi 14h-17h",
        // Days without hours.
        "du lundi au vendredi",
        "tous les jours sauf le dimanche",
        "Lundi au Samedi : 8h30 à 22h30 de septembre à juin",
        "9h-12h sauf jeudi",
        "Lundi : 9h-12h sauf le 1er lundi du mois",
        "Dimanche (2e samedi du mois) : 14h-17h",
        "Dimanche (2e dimanche du mois hors vacances) : 14h-17h",
        "",
        "Horaires",
    ] {
        assert_eq!(week(text), None, "{text:?}");
    }
}

// ---- The property: French sentences of generated schedules read back ----

const DAY_NAMES: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];

/// A day's ranges: none (closed), or one or two on a quarter-hour grid, in order.
fn day_ranges() -> impl Strategy<Value = Vec<Range>> {
    let quarter = |from: u16, to: u16| (from * 4..to * 4).prop_map(|q| q * 15);
    prop_oneof![
        Just(Vec::new()),
        (quarter(6, 12), quarter(1, 4)).prop_map(|(start, length)| vec![Range {
            start,
            end: start + length + 15
        }]),
        (
            quarter(7, 11),
            quarter(1, 3),
            quarter(14, 16),
            quarter(1, 4)
        )
            .prop_map(|(a, la, b, lb)| vec![
                Range {
                    start: a,
                    end: a + la + 15
                },
                Range {
                    start: b,
                    end: b + lb + 15
                },
            ]),
    ]
}

/// A time as people write it, in one of four styles.
fn time_text(minutes: u16, style: u8) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (style % 4, m) {
        (0, 0) => format!("{h}h"),
        (0 | 3, _) => format!("{h}h{m:02}"),
        (1, _) => format!("{h:02}:{m:02}"),
        (2, _) => format!("{h}H{m:02}"),
        (_, _) => format!("{h}h"),
    }
}

/// A day's ranges as text: "9h-12h et 14h-17h", "de 9h à 12h et de 14h à 17h", "09:00 - 12:00 /
/// 14:00 - 17:00", "9h/12h, 14h/17h".
fn ranges_text(ranges: &[Range], style: u8) -> String {
    let one = |r: &Range| {
        let (a, b) = (time_text(r.start, style), time_text(r.end, style));
        match style % 4 {
            0 => format!("{a}-{b}"),
            1 => format!("{a} - {b}"),
            2 => format!("de {a} à {b}"),
            _ => format!("{a}/{b}"),
        }
    };
    let joiner = [" et ", " / ", " et ", ", "][usize::from(style % 4)];
    ranges.iter().map(one).collect::<Vec<_>>().join(joiner)
}

/// Days as a French list: "lundi", "du lundi au vendredi", "lundi, mercredi et vendredi".
fn days_text(days: &[usize], capital: bool) -> String {
    let name = |d: usize| {
        let name = DAY_NAMES[d];
        if capital {
            let mut chars = name.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        } else {
            name.to_owned()
        }
    };
    let contiguous = days.windows(2).all(|w| w[1] == w[0] + 1);
    match days {
        [one] => name(*one),
        [first, .., last] if contiguous && days.len() > 2 => {
            format!("du {} au {}", name(*first), name(*last))
        }
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|d| name(*d)).collect();
            format!("{} et {}", init.join(", "), name(*last))
        }
        [] => String::new(),
    }
}

/// The week as a sentence: each group of days with the same hours, days first ("Lundi : …")
/// or, for a week of one schedule, hours first ("9h-12h du lundi au vendredi").
fn week_text(week: &[Vec<Range>; 7], style: u8) -> String {
    let mut groups: Vec<(Vec<usize>, &Vec<Range>)> = Vec::new();
    for (day, ranges) in week.iter().enumerate().filter(|(_, r)| !r.is_empty()) {
        match groups.iter_mut().find(|(_, r)| *r == ranges) {
            Some((days, _)) => days.push(day),
            None => groups.push((vec![day], ranges)),
        }
    }
    if groups.len() == 1 && style % 3 == 2 {
        let (days, ranges) = &groups[0];
        return format!("{} {}", ranges_text(ranges, style), days_text(days, false));
    }
    let separator = [" ", ", ", "\n"][usize::from(style % 3)];
    groups
        .iter()
        .map(|(days, ranges)| {
            let colon = if style.is_multiple_of(2) { " : " } else { " " };
            format!(
                "{}{colon}{}",
                days_text(days, style % 2 == 1),
                ranges_text(ranges, style / 2)
            )
        })
        .collect::<Vec<_>>()
        .join(separator)
}

fn expected(week: &[Vec<Range>; 7]) -> Option<String> {
    let mut schedule = Schedule::default();
    for (day, ranges) in week.iter().enumerate() {
        if !ranges.is_empty() {
            schedule.days[day] = Some(DayState::Open(DayHours {
                ranges: ranges.clone(),
                comment: None,
            }));
        }
    }
    schedule.open_rules()
}

proptest! {
    #[test]
    fn french_sentences_of_a_week_read_back_to_it(
        week in proptest::array::uniform7(day_ranges()),
        style in 0u8..12,
    ) {
        let want = expected(&week);
        prop_assume!(want.is_some());
        let text = week_text(&week, style);
        prop_assert_eq!(super::read_week_text(&text, &PeriodHours::default())
            .map(|w| w.opening_hours), want, "{}", text);
    }

    #[test]
    fn french_day_columns_read_back_to_the_week(
        week in proptest::array::uniform7(day_ranges()),
        styles in proptest::array::uniform7(0u8..8),
    ) {
        let texts: Vec<String> = week
            .iter()
            .zip(styles)
            .map(|(ranges, style)| if ranges.is_empty() {
                ["", "-", "Fermé", "fermé"][usize::from(style % 4)].to_owned()
            } else {
                ranges_text(ranges, style)
            })
            .collect();
        let days: Vec<(Weekday, &str)> =
            Weekday::ALL.into_iter().zip(texts.iter().map(String::as_str)).collect();
        let read = weekly_hours_to_osm(&days, &PeriodHours::default());
        prop_assert!(read.unparsed.is_empty(), "{:?}", read);
        prop_assert_eq!(read.opening_hours, expected(&week));
    }
}

/// Words and signs of French hours, to make texts that are mostly not hours at all.
const PIECES: [&str; 36] = [
    "lundi",
    "Mardi",
    "dimanche",
    "du",
    "au",
    "de",
    "à",
    "9h",
    "12h30",
    "14:00",
    "17",
    "midi",
    "-",
    "–",
    "/",
    ",",
    ";",
    ":",
    "et",
    "matin",
    "après-midi",
    "fermé",
    "sur rendez-vous",
    "(",
    ")",
    "hors",
    "vacances",
    "le",
    "1er",
    "3e",
    "mois",
    "tous",
    "les",
    "jours",
    "sauf",
    "\"",
];

proptest! {
    /// Whatever the text, what is read is OSM `opening_hours` that the search can evaluate,
    /// and a day column read alone is read the same within a week.
    #[test]
    fn any_text_reads_to_opening_hours_or_to_nothing(
        pieces in proptest::collection::vec(0usize..PIECES.len(), 0..14),
        glue in proptest::collection::vec(0usize..3, 14),
    ) {
        let mut text = String::new();
        for (piece, glue) in pieces.iter().zip(&glue) {
            text.push_str(PIECES[*piece]);
            text.push_str(["", " ", "  "][*glue]);
        }
        checked(read_week_text(&text, &PeriodHours::default()).map(|w| w.opening_hours));
        let alone = weekly_hours_to_osm(&[(Mo, &text)], &PeriodHours::default());
        checked(alone.opening_hours.clone());
        let within = weekly_hours_to_osm(&[(Mo, &text), (Tu, "9h-12h")], &PeriodHours::default());
        prop_assert_eq!(alone.unparsed, within.unparsed);
    }
}
