use super::*;

fn v(pan: f32, tilt: f32, fov: f32) -> View {
    View { pan, tilt, fov }
}

#[test]
fn swing_eases_the_short_way_round() {
    let a = v(350.0, 0.0, 60.0);
    let b = v(20.0, 10.0, 30.0);
    assert_eq!(swing(a, b, 0.0), a);
    assert_eq!(swing(a, b, 1.0), b);
    // Halfway (eased: exactly half at t = 0.5), through pan 0, not 180.
    let m = swing(a, b, 0.5);
    assert!((m.pan - 5.0).abs() < 1e-4, "{m:?}");
    assert!((m.tilt - 5.0).abs() < 1e-4 && (m.fov - 45.0).abs() < 1e-4);
    // Eased: a quarter of the time covers less than a quarter of the way.
    let q = swing(a, b, 0.25);
    assert!(q.tilt < 2.5 && q.tilt > 0.0, "{q:?}");
}

#[test]
fn transition_swings_waits_then_fades() {
    let mut t = Transition::new(v(0.0, 0.0, 60.0), Some(v(90.0, 0.0, 0.0)));
    assert!(t.moving() && !t.ready());
    // Ten ticks of 1/25 s = 0.4 s: the swing ends at the best view, the field
    // of view kept (the best view's is 0).
    let mut last = None;
    for _ in 0..10 {
        last = t.tick(0.04);
    }
    let end = last.expect("a swing view");
    assert!((end.pan - 90.0).abs() < 1e-3 && end.fov == 60.0, "{end:?}");
    assert!(t.ready() && !t.moving());
    assert_eq!(t.tick(1.0), None, "waits for the new node");
    assert!(t.ready());
    t.switched();
    assert_eq!(t.fade(), Some(1.0));
    t.tick(FADE_SECONDS / 2.0);
    let half = t.fade().expect("fading");
    assert!((half - 0.5).abs() < 1e-4, "{half}");
    t.tick(FADE_SECONDS);
    assert!(t.done() && t.fade().is_none() && !t.moving());
    // No best view: straight to the fade.
    let t = Transition::new(v(0.0, 0.0, 60.0), None);
    assert!(t.ready());
    assert!(Transition::fade_only().ready());
    // NaN time does not move it.
    let mut t = Transition::new(v(0.0, 0.0, 60.0), Some(v(90.0, 0.0, 30.0)));
    let still = t.tick(f64::NAN).expect("swinging");
    assert!(still.pan.abs() < 1e-6 && still.fov == 60.0, "{still:?}");
}

#[test]
fn url_hot_spots_open_on_the_second_click() {
    let mut u = UrlClicks::default();
    assert!(!u.click(NodeId(1), HotspotId(5)));
    assert!(u.click(NodeId(1), HotspotId(5)));
    assert!(
        !u.click(NodeId(1), HotspotId(5)),
        "a third click shows it again"
    );
    assert!(
        !u.click(NodeId(1), HotspotId(6)),
        "another hot spot starts over"
    );
    u.reset();
    assert!(!u.click(NodeId(1), HotspotId(6)));
}

#[test]
fn history_goes_back_in_order_and_is_bounded() {
    let mut t = Tour::new(NodeId(1));
    t.jump(NodeId(2), v(10.0, 0.0, 50.0));
    t.jump(NodeId(3), v(20.0, 5.0, 40.0));
    assert_eq!((t.node(), t.depth()), (NodeId(3), 2));
    assert_eq!(t.back(), Some((NodeId(2), v(20.0, 5.0, 40.0))));
    assert_eq!(t.back(), Some((NodeId(1), v(10.0, 0.0, 50.0))));
    assert_eq!(t.node(), NodeId(1));
    assert_eq!(t.back(), None);
    for i in 0..1000 {
        t.jump(NodeId(i % 3 + 1), v(i as f32, 0.0, 50.0));
    }
    assert_eq!(t.depth(), HISTORY);
    t.restart(NodeId(7));
    assert_eq!((t.node(), t.depth()), (NodeId(7), 0));
}

#[test]
fn last_shows_where_back_goes_without_going() {
    let mut t = Tour::new(NodeId(1));
    assert_eq!(t.last(), None);
    t.jump(NodeId(2), v(10.0, 0.0, 50.0));
    assert_eq!(t.last(), Some((NodeId(1), v(10.0, 0.0, 50.0))));
    assert_eq!(
        (t.node(), t.depth()),
        (NodeId(2), 1),
        "peeking changes nothing"
    );
    assert_eq!(t.back(), Some((NodeId(1), v(10.0, 0.0, 50.0))));
}
