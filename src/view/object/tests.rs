//! Unit tests of the object navigation's building blocks; the behaviour of
//! every controller and setting is tested on generated movies in
//! `tests/objects.rs`.

use super::*;

#[test]
fn clock_turns_time_into_whole_steps() {
    let mut c = Clock::default();
    // 10 steps per second in ticks of 1/64 s: 5/32 of a step each, exact.
    let steps: i64 = (0..64).map(|_| c.advance(1.0 / 64.0, 10.0, false)).sum();
    assert_eq!(steps, 10);
    assert_eq!(c.acc, 0.0);
    // Negative rates step backwards.
    let steps: i64 = (0..32).map(|_| c.advance(1.0 / 64.0, -10.0, false)).sum();
    assert_eq!(steps, -5);
    // A long tick: all steps at once, or one with "play every frame".
    let mut c = Clock::default();
    assert_eq!(c.advance(0.5, 10.0, false), 5);
    assert_eq!(c.advance(0.5, 10.0, true), 1);
    // Zero, NaN and infinite rates never step.
    for r in [0.0, f64::NAN, f64::INFINITY] {
        assert_eq!(Clock::default().advance(1.0, r, false), 0);
    }
}

#[test]
fn clock_says_when_the_next_step_is_due() {
    let mut c = Clock::default();
    assert_eq!(c.due(4.0), 0.25);
    c.advance(0.125, 4.0, false);
    assert_eq!(c.due(4.0), 0.125);
    assert_eq!(c.due(0.0), f64::INFINITY);
    let mut c = Clock::default();
    c.advance(0.125, -4.0, false);
    assert_eq!(c.due(-4.0), 0.125);
}

#[test]
fn direction_is_eight_way() {
    use super::super::nav::direction;
    assert_eq!(direction([10.0, 0.0]), (1, 0));
    assert_eq!(direction([10.0, 3.0]), (1, 0));
    assert_eq!(direction([10.0, 5.0]), (1, 1));
    assert_eq!(direction([-1.0, -10.0]), (0, -1));
    assert_eq!(direction([-7.0, 7.0]), (-1, 1));
}
