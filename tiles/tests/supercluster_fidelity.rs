//! `ClusterIndex` against supercluster itself, on the fixture that
//! `fixtures/gen_supercluster.mjs` wrote: the same points must give the same number of items
//! and clusters at every zoom (within 2%, for the rounding differences of two float codes), and
//! clustered by group (`build_grouped`), each group what supercluster makes of its points alone.

use lieux_tiles::{ClusterIndex, ClusterItem, ClusterOptions};

#[derive(serde::Deserialize)]
struct Fixture {
    supercluster: String,
    options: ClusterOptions,
    zooms: Vec<ZoomCounts>,
    points: Vec<(f64, f64)>,
    /// Each point's group, one digit a point.
    group_of: String,
    /// What supercluster makes of each group's points alone.
    groups: Vec<GroupCounts>,
}

#[derive(Debug, serde::Deserialize)]
struct GroupCounts {
    group: u32,
    zooms: Vec<ZoomCounts>,
}

#[derive(Debug, serde::Deserialize)]
struct ZoomCounts {
    zoom: u8,
    items: usize,
    clusters: usize,
    clustered_points: u64,
}

fn fixture() -> Fixture {
    serde_json::from_str(include_str!("fixtures/supercluster_counts.json"))
        .expect("the fixture is the JSON gen_supercluster.mjs writes")
}

/// Whether `ours` is within `share` of `theirs`.
fn close(ours: u64, theirs: u64, share: f64) -> bool {
    (ours as f64 - theirs as f64).abs() <= share * theirs as f64
}

#[test]
fn the_fixture_uses_supercluster_defaults() {
    let fixture = fixture();
    assert!(fixture.supercluster.starts_with("9."));
    assert_eq!(fixture.options, ClusterOptions::default());
    assert_eq!(fixture.points.len(), 5000);
}

#[test]
fn every_zoom_has_supercluster_counts() {
    let fixture = fixture();
    let index = ClusterIndex::build(&fixture.points, fixture.options).unwrap();
    let mut report = String::new();
    let mut all_close = true;
    for expected in &fixture.zooms {
        let items = index.clusters([-180.0, -85.0, 180.0, 85.0], expected.zoom);
        let clusters: Vec<u32> = items
            .iter()
            .filter(|item| matches!(item, ClusterItem::Cluster { .. }))
            .map(ClusterItem::count)
            .collect();
        let clustered_points: u64 = clusters.iter().map(|&c| u64::from(c)).sum();
        let ok = close(items.len() as u64, expected.items as u64, 0.02)
            && close(clusters.len() as u64, expected.clusters as u64, 0.02);
        all_close &= ok;
        report += &format!(
            "z{:<2} items {:>5} (supercluster {:>5})  clusters {:>4} ({:>4})  clustered points {:>5} ({:>5}){}\n",
            expected.zoom,
            items.len(),
            expected.items,
            clusters.len(),
            expected.clusters,
            clustered_points,
            expected.clustered_points,
            if ok { "" } else { "  <-- more than 2% off" },
        );
    }
    println!("{report}");
    assert!(all_close, "\n{report}");
}

#[test]
fn clustered_by_group_each_group_is_what_supercluster_makes_of_it_alone() {
    let fixture = fixture();
    let groups: Vec<u32> = fixture
        .group_of
        .bytes()
        .map(|digit| u32::from(digit - b'0'))
        .collect();
    assert_eq!(groups.len(), fixture.points.len());
    let index =
        ClusterIndex::build_grouped(&fixture.points, Some(&groups), fixture.options).unwrap();
    let group_of_item = |item: &ClusterItem| match *item {
        ClusterItem::Point { index: point } => groups[point as usize],
        ClusterItem::Cluster { id, .. } => {
            let leaves = index.leaves(id, usize::MAX, 0).unwrap();
            let group = groups[leaves[0] as usize];
            assert!(
                leaves.iter().all(|&leaf| groups[leaf as usize] == group),
                "cluster {id} mixes groups"
            );
            group
        }
    };
    let mut report = String::new();
    let mut all_close = true;
    for expected_group in &fixture.groups {
        for expected in &expected_group.zooms {
            let items: Vec<ClusterItem> = index
                .clusters([-180.0, -85.0, 180.0, 85.0], expected.zoom)
                .into_iter()
                .filter(|item| group_of_item(item) == expected_group.group)
                .collect();
            let clusters = items
                .iter()
                .filter(|item| matches!(item, ClusterItem::Cluster { .. }))
                .count();
            let points: u64 = items.iter().map(|item| u64::from(item.count())).sum();
            let ok = close(items.len() as u64, expected.items as u64, 0.02)
                && close(clusters as u64, expected.clusters as u64, 0.02);
            all_close &= ok;
            report += &format!(
                "group {} z{:<2} items {:>5} (supercluster {:>5})  clusters {:>4} ({:>4}){}\n",
                expected_group.group,
                expected.zoom,
                items.len(),
                expected.items,
                clusters,
                expected.clusters,
                if ok { "" } else { "  <-- more than 2% off" },
            );
            let in_group = groups
                .iter()
                .filter(|&&g| g == expected_group.group)
                .count();
            assert_eq!(points, in_group as u64, "every point of the group once");
        }
    }
    println!("{report}");
    assert!(all_close, "\n{report}");
}
