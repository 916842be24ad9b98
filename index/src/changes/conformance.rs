//! What every [`ChangeStore`] must do, as test bodies that each backend's tests run on a store
//! of its own ([`super::sqlite`]'s on a file, [`super::postgres`]'s on a private PostgreSQL):
//! the backends are held to the same semantics by the same code.

use super::feed::{FeedQuery, FeedRow, FeedScope, Served, ServedChange, Territory};
use super::{
    ChangeError, ChangeStore, ContributionKind, Decision, Fields, Selection, Status, Submission,
};
use crate::place::Place;

pub(crate) fn update(place_id: &str, telephone: &str) -> Submission {
    Submission {
        kind: ContributionKind::Update,
        place_id: place_id.to_owned(),
        fields: Fields::from([("telephone".to_owned(), telephone.to_owned())]),
        before: Fields::from([("telephone".to_owned(), "+33100000000".to_owned())]),
        message: Some("nouveau numéro".to_owned()),
        contact: Some(super::Contact {
            name: Some("Camille".to_owned()),
            email: Some("camille@example.org".to_owned()),
        }),
        warnings: Vec::new(),
        flags: Vec::new(),
    }
}

pub(crate) fn accept() -> Decision {
    Decision::Accept {
        moderator: "Dominique".to_owned(),
        fields: None,
    }
}

pub(crate) fn the_key_shows_a_contribution_to_its_author_only(store: &dyn ChangeStore) {
    let receipt = store.submit(&update("a", "+33241000000"), 5).unwrap();
    assert_eq!(receipt.key.len(), 32);
    assert!(store
        .contribution_with_key(receipt.id, &receipt.key)
        .unwrap()
        .is_some());
    assert!(store
        .contribution_with_key(receipt.id, "0123456789abcdef0123456789abcdef")
        .unwrap()
        .is_none());
    assert!(store
        .contribution_with_key(receipt.id + 1, &receipt.key)
        .unwrap()
        .is_none());
}

pub(crate) fn decisions_follow_the_status_and_a_revert_takes_a_change_off_the_map(
    store: &dyn ChangeStore,
) {
    let first = store.submit(&update("a", "+33241000001"), 5).unwrap().id;
    let second = store.submit(&update("a", "+33241000002"), 5).unwrap().id;
    let revert = Decision::Revert {
        moderator: "Dominique".to_owned(),
        reason: "erreur".to_owned(),
    };
    assert!(matches!(
        store.decide(first, &revert),
        Err(ChangeError::WrongStatus { .. })
    ));
    store.decide(first, &accept()).unwrap();
    assert!(matches!(
        store.decide(first, &accept()),
        Err(ChangeError::WrongStatus { .. })
    ));
    let corrected = Fields::from([("telephone".to_owned(), "+33241000003".to_owned())]);
    store
        .decide(
            second,
            &Decision::Accept {
                moderator: "Dominique".to_owned(),
                fields: Some(corrected.clone()),
            },
        )
        .unwrap();
    let afters: Vec<Fields> = store
        .accepted()
        .unwrap()
        .into_iter()
        .map(|c| c.after)
        .collect();
    assert_eq!(afters[1], corrected);
    store.decide(first, &revert).unwrap();
    let held: Vec<u64> = store
        .accepted()
        .unwrap()
        .iter()
        .map(|c| c.contribution)
        .collect();
    assert_eq!(held, [second]);
    assert!(matches!(
        store.decide(99, &accept()),
        Err(ChangeError::NotFound(99))
    ));
    let pending = Selection {
        status: Some(Status::Reverted),
        limit: 10,
        ..Selection::default()
    };
    assert_eq!(store.list(&pending).unwrap()[0].id, first);
}

pub(crate) fn a_place_takes_a_bounded_number_of_pending_contributions(store: &dyn ChangeStore) {
    for _ in 0..2 {
        store.submit(&update("a", "+33241000000"), 2).unwrap();
    }
    assert!(matches!(
        store.submit(&update("a", "+33241000000"), 2),
        Err(ChangeError::TooManyPending { .. })
    ));
    store.submit(&update("b", "+33241000000"), 2).unwrap();
}

/// `place` as an index serves it, with no notice.
fn served(place: &Place) -> Served<'_> {
    Served {
        place,
        notices: &[],
    }
}

/// What the feed says of `places` appearing on the map.
fn created(places: &[Place]) -> Vec<ServedChange> {
    places
        .iter()
        .filter_map(|p| ServedChange::between(None, Some(served(p))))
        .collect()
}

pub(crate) fn the_feed_answers_each_place_once_with_its_last_row_up_to_the_index_asked(
    store: &dyn ChangeStore,
) {
    let places = crate::ingest::generate::test_places(3, 7);
    let created = created(&places);
    assert_eq!(store.record_served(&created, "a").unwrap(), 3);
    let mut renamed = places[0].clone();
    renamed.texts = renamed.texts.with(crate::place::TextField::Nom, "Renommé");
    let update = ServedChange::between(Some(served(&places[0])), Some(served(&renamed)));
    assert_eq!(store.record_served(&[update.unwrap()], "b").unwrap(), 4);
    let closed = ServedChange::between(Some(served(&places[1])), None).unwrap();
    assert_eq!(store.record_served(&[closed], "c").unwrap(), 5);
    let head = store.feed_head().unwrap();
    assert_eq!(
        (head.served.as_str(), head.seq, head.instance.len()),
        ("c", 5, 32)
    );
    let query = |since, upto| FeedQuery {
        since,
        upto,
        limit: 10,
        territory: Territory::default(),
    };
    let seqs = |rows: Vec<FeedRow>| -> Vec<(u64, String)> {
        rows.into_iter()
            .map(|r| (r.seq, r.action.name().to_owned()))
            .collect()
    };
    // From the start: each place once, at its last row.
    assert_eq!(
        seqs(store.feed(&query(0, 5)).unwrap()),
        [
            (3, "created".to_owned()),
            (4, "updated".to_owned()),
            (5, "closed".to_owned())
        ]
    );
    // Up to what an older index shows: the rows after it wait.
    assert_eq!(
        seqs(store.feed(&query(0, 3)).unwrap()),
        [
            (1, "created".to_owned()),
            (2, "created".to_owned()),
            (3, "created".to_owned())
        ]
    );
    // After a cursor, with whether the place was there then.
    let rows = store.feed(&query(3, 5)).unwrap();
    assert!(rows.iter().all(|r| r.existed));
    // A territory none of them is in.
    let elsewhere = FeedQuery {
        territory: Territory::new(&["2A".to_owned()], &[], &[]),
        ..query(0, 5)
    };
    assert!(store.feed(&elsewhere).unwrap().is_empty());
    // What the feed last said of each place on the map: the closed one is gone.
    let state = store.feed_state().unwrap();
    assert_eq!(state.places.len(), 2);
    assert!(!state.places.contains_key(places[1].id()));
    assert_eq!(store.recent(&Territory::default(), 5, 2).unwrap()[0].seq, 5);
}

pub(crate) fn the_log_position_is_the_last_decision(store: &dyn ChangeStore) {
    assert_eq!(store.log_position().unwrap(), 0);
    let id = store.submit(&update("a", "+33241000000"), 5).unwrap().id;
    assert_eq!(
        store.log_position().unwrap(),
        0,
        "a submission is no decision"
    );
    let decided = store.decide(id, &accept()).unwrap();
    let seq = decided.decisions[0].seq;
    assert!(seq > 0);
    assert_eq!(store.log_position().unwrap(), seq);
    store.submit(&update("b", "+33241000000"), 5).unwrap();
    assert_eq!(store.log_position().unwrap(), seq);
}

pub(crate) fn a_shared_feed_moves_forward_only_and_appends_what_differs(store: &dyn ChangeStore) {
    let places = crate::ingest::generate::test_places(2, 3);
    let created = created(&places);
    // The first index to record, at the log's decision 2, records every place.
    let first = store
        .record_shared(2, "a", None, &mut |state, ids| {
            assert!(ids.is_none());
            assert!(state.places.is_empty());
            created.clone()
        })
        .unwrap();
    assert_eq!(first, Some(2));
    // Another server's index at the same decision is compared with what the feed holds.
    let again = store
        .record_shared(2, "a", None, &mut |state, ids| {
            assert!(ids.is_none());
            assert_eq!(state.places.len(), 2);
            assert_eq!(state.head.seq, 2);
            Vec::new()
        })
        .unwrap();
    assert_eq!(again, Some(2));
    // A server behind the feed appends nothing, and is not even asked what differs.
    let behind = store
        .record_shared(1, "older", None, &mut |_, _| -> Vec<ServedChange> {
            panic!("a server behind the feed is asked")
        })
        .unwrap();
    assert_eq!(behind, None);
    assert_eq!(store.feed_head().unwrap().served, "a");
    // One ahead appends what differs from the feed's record.
    let mut renamed = places[0].clone();
    renamed.texts = renamed.texts.with(crate::place::TextField::Nom, "Renommé");
    let update = ServedChange::between(Some(served(&places[0])), Some(served(&renamed))).unwrap();
    let ahead = store
        .record_shared(5, "b", None, &mut |state, _| {
            assert_eq!(state.places[places[0].id()].digest, created[0].digest);
            vec![update.clone()]
        })
        .unwrap();
    assert_eq!(ahead, Some(3));
    let head = store.feed_head().unwrap();
    assert_eq!((head.served.as_str(), head.seq), ("b", 3));
    assert_eq!(
        store
            .record_shared(4, "a", None, &mut |_, _| -> Vec<ServedChange> {
                panic!("behind")
            })
            .unwrap(),
        None
    );
    let state = store.feed_state().unwrap();
    assert_eq!(state.places[places[0].id()].digest, update.digest);
    // A server whose index the feed described at row 2 compares only the places it changed
    // since (the second) and those the feed recorded since (the first, at row 3).
    let closed = ServedChange::between(Some(served(&places[1])), None).unwrap();
    let changed = [places[1].id().to_owned()];
    let scope = FeedScope {
        since: 2,
        changed: &changed,
    };
    let scoped = store
        .record_shared(6, "c", Some(scope), &mut |state, ids| {
            let mut expected = vec![places[0].id().to_owned(), places[1].id().to_owned()];
            expected.sort();
            assert_eq!(ids, Some(expected.as_slice()));
            assert_eq!(state.places.len(), 2);
            assert_eq!(state.places[places[0].id()].digest, update.digest);
            vec![closed.clone()]
        })
        .unwrap();
    assert_eq!(scoped, Some(4));
    // Once closed, a place in scope has no record on the map, but is still named.
    let changed = [places[1].id().to_owned()];
    let scope = FeedScope {
        since: 4,
        changed: &changed,
    };
    store
        .record_shared(7, "d", Some(scope), &mut |state, ids| {
            assert_eq!(ids, Some(changed.as_slice()));
            assert!(state.places.is_empty());
            Vec::new()
        })
        .unwrap();
}

/// A body of what every store must do.
type Body = fn(&dyn ChangeStore);

/// Every body above on a fresh store of `open`.
pub(crate) fn run_all(open: &mut dyn FnMut() -> Box<dyn ChangeStore>) {
    let bodies: [(&str, Body); 7] = [
        ("key", the_key_shows_a_contribution_to_its_author_only),
        (
            "decisions",
            decisions_follow_the_status_and_a_revert_takes_a_change_off_the_map,
        ),
        (
            "pending",
            a_place_takes_a_bounded_number_of_pending_contributions,
        ),
        (
            "feed",
            the_feed_answers_each_place_once_with_its_last_row_up_to_the_index_asked,
        ),
        ("position", the_log_position_is_the_last_decision),
        (
            "shared feed",
            a_shared_feed_moves_forward_only_and_appends_what_differs,
        ),
        (
            "kept",
            a_submission_is_kept_with_its_decisions_and_found_again,
        ),
    ];
    for (name, body) in bodies {
        eprintln!("change store semantics: {name}");
        body(&*open());
    }
}

pub(crate) fn a_submission_is_kept_with_its_decisions_and_found_again(store: &dyn ChangeStore) {
    let receipt = store.submit(&update("a", "+33241000000"), 5).unwrap();
    store.decide(receipt.id, &accept()).unwrap();
    let found = store.contribution(receipt.id).unwrap().unwrap();
    assert_eq!(found.status, Status::Accepted);
    assert_eq!(found.submission, update("a", "+33241000000"));
    assert_eq!(found.decisions[0].actor, "Dominique");
    let accepted = store.accepted().unwrap();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].after["telephone"], "+33241000000");
    assert_eq!(accepted[0].before["telephone"], "+33100000000");
    let history = store.history("a").unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action).collect();
    assert_eq!(actions, ["submitted", "accepted"]);
    assert_eq!(history[0].actor, "Camille");
    let listed = store
        .list(&Selection {
            status: Some(Status::Accepted),
            limit: 10,
            ..Selection::default()
        })
        .unwrap();
    assert_eq!(listed, [found]);
}
