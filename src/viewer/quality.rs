//! Motion quality, as QuickTime VR had it: while the view moves, frames are
//! drawn at a fraction of the window's resolution and scaled up, the fraction
//! chosen from how long the last frames took so that the display keeps its
//! rate; when the view comes to rest one frame is drawn at full resolution.
//!
//! Plain data: the shell reports how long each frame's work took (drawing,
//! scaling, presenting), [`MotionQuality::observe`] adjusts the fraction, and
//! [`MotionQuality::scale`] says what the next frame uses.

use std::time::Duration;

use crate::view::MOVING_FULL_SIZE;

/// The smallest fraction of the window's width and height a moving frame is
/// drawn at (a 1920×1080 window: 384×216).
pub const MIN_SCALE: f32 = 0.2;

/// Fractions are multiples of this, so that the drawn size does not change
/// with every small variation of the frame time.
const STEP: f32 = 1.0 / 32.0;

/// How far one frame may raise the fraction (lowering is immediate: a slow
/// frame is what the user feels).
const MAX_RAISE: f32 = 1.12;

/// The user's choice (`--motion-quality`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MotionSetting {
    /// Chosen from the measured frame time to hold [`MotionQuality::target`].
    Auto,
    /// Always full resolution.
    Full,
    /// Always this fraction of the resolution while moving (tests and
    /// benchmarks; [`MIN_SCALE`]..=1).
    Fixed(f32),
}

impl MotionSetting {
    /// Parses `auto`, `full` or a fraction such as `0.5`.
    pub fn parse(s: &str) -> Result<MotionSetting, String> {
        match s {
            "auto" => Ok(MotionSetting::Auto),
            "full" => Ok(MotionSetting::Full),
            _ => match s.parse::<f32>() {
                Ok(f) if (MIN_SCALE..=1.0).contains(&f) => Ok(MotionSetting::Fixed(f)),
                _ => Err(format!(
                    "`{s}` is not a motion quality: `auto`, `full` or a fraction from {MIN_SCALE} to 1"
                )),
            },
        }
    }
}

/// The fraction of the resolution moving frames are drawn at.
#[derive(Debug, Clone)]
pub struct MotionQuality {
    setting: MotionSetting,
    /// The frame time to hold (1/60 s).
    target: Duration,
    /// The fraction automatic quality uses for the next moving frame.
    auto: f32,
}

impl MotionQuality {
    pub fn new(setting: MotionSetting) -> MotionQuality {
        MotionQuality {
            setting,
            target: Duration::from_micros(16_667),
            auto: 1.0,
        }
    }

    /// The frame time automatic quality holds.
    pub fn target(&self) -> Duration {
        self.target
    }

    /// The fraction of the window's resolution to draw the next frame at:
    /// 1 at rest.
    pub fn scale(&self, moving: bool) -> f32 {
        if !moving {
            return 1.0;
        }
        match self.setting {
            MotionSetting::Auto => self.auto,
            MotionSetting::Full => 1.0,
            MotionSetting::Fixed(f) => f,
        }
    }

    /// [`Self::scale`] for an object's frame. Any fraction under 1 has the
    /// renderer draw a moving frame magnified at least 1:1 straight onto
    /// the window with a plain bilinear rectangle, whose cost does not
    /// depend on the fraction ([`crate::render::Renderer::draw_scaled_into`]);
    /// so automatic quality marks every moving object frame reduced, at
    /// most [`MOVING_FULL_SIZE`] (a frame that cannot be drawn so, zoomed
    /// out or split across pages, is drawn in full at that fraction, and
    /// smaller when frames are slow).
    pub fn object_scale(&self, moving: bool) -> f32 {
        match self.setting {
            MotionSetting::Auto if moving => self.auto.min(MOVING_FULL_SIZE),
            _ => self.scale(moving),
        }
    }

    /// A frame drawn at `scale` took `work`. The time of drawing grows with
    /// the pixels drawn (the square of the fraction), so the fraction that
    /// would have met the target is `scale · √(target / work)`; a little
    /// under it is aimed at, since scaling up and presenting cost the same
    /// at every fraction. Lowering takes effect at once, raising at most by
    /// 12% a frame (or one step), and the result is a multiple of 1/32.
    pub fn observe(&mut self, scale: f32, work: Duration) {
        let secs = work.as_secs_f32();
        if secs <= 0.0 || !scale.is_finite() {
            return;
        }
        let aim = 0.9 * self.target.as_secs_f32();
        let ideal = scale * (aim / secs).sqrt();
        let next = if ideal < self.auto {
            ideal
        } else if ideal >= self.auto + STEP {
            // At least one step up, so that small fractions can rise too.
            ideal.min(self.auto * MAX_RAISE).max(self.auto + STEP)
        } else {
            self.auto
        };
        let stepped = (next / STEP + 1e-4).floor() * STEP;
        self.auto = stepped.clamp(MIN_SCALE, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A machine whose frames cost `fixed` plus `per_full` times the
    /// fraction of the pixels drawn.
    fn frame_time(scale: f32, fixed: f32, per_full: f32) -> Duration {
        Duration::from_secs_f32(fixed + per_full * scale * scale)
    }

    #[test]
    fn moving_object_frames_are_always_marked_reduced_unless_full_is_asked() {
        let mut q = MotionQuality::new(MotionSetting::Auto);
        for _ in 0..50 {
            q.observe(q.object_scale(true), Duration::from_millis(2));
        }
        assert_eq!(q.scale(true), 1.0, "fast frames: panoramas in full");
        assert_eq!(q.object_scale(true), MOVING_FULL_SIZE);
        const { assert!(MOVING_FULL_SIZE < 1.0) };
        assert_eq!(q.object_scale(false), 1.0);
        q.observe(1.0, Duration::from_millis(80));
        assert!(
            q.object_scale(true) < 0.5,
            "slow frames lower it as for panoramas"
        );
        let full = MotionQuality::new(MotionSetting::Full);
        assert_eq!(full.object_scale(true), 1.0);
        let fixed = MotionQuality::new(MotionSetting::Fixed(0.5));
        assert_eq!(fixed.object_scale(true), 0.5);
        assert_eq!(fixed.object_scale(false), 1.0);
    }

    #[test]
    fn slow_frames_lower_the_resolution_until_the_rate_holds() {
        let mut q = MotionQuality::new(MotionSetting::Auto);
        assert_eq!(q.scale(true), 1.0);
        // 100 ms a full frame, 4 ms of fixed cost: lavapipe at 1080p.
        let mut times = Vec::new();
        for _ in 0..30 {
            let s = q.scale(true);
            let t = frame_time(s, 0.004, 0.100);
            times.push(t);
            q.observe(s, t);
        }
        let s = q.scale(true);
        assert!((MIN_SCALE..0.45).contains(&s), "{s}");
        // The last frames meet the target.
        for t in &times[times.len() - 10..] {
            assert!(*t <= q.target(), "{t:?}");
        }
        // At rest: full resolution, whatever motion used.
        assert_eq!(q.scale(false), 1.0);
    }

    #[test]
    fn fast_frames_raise_it_back_to_full_in_steps() {
        let mut q = MotionQuality::new(MotionSetting::Auto);
        q.observe(1.0, Duration::from_millis(400));
        assert_eq!(q.scale(true), MIN_SCALE);
        let mut seen = vec![q.scale(true)];
        for _ in 0..40 {
            let s = q.scale(true);
            q.observe(s, frame_time(s, 0.001, 0.005));
            seen.push(q.scale(true));
        }
        assert_eq!(*seen.last().unwrap(), 1.0);
        for w in seen.windows(2) {
            assert!(
                w[1] <= (w[0] * MAX_RAISE).max(w[0] + STEP) + 1e-6,
                "{seen:?}"
            );
        }
    }

    #[test]
    fn the_smallest_fraction_rises_when_frames_are_fast() {
        let mut q = MotionQuality::new(MotionSetting::Auto);
        q.observe(1.0, Duration::from_secs(1));
        assert_eq!(q.scale(true), MIN_SCALE);
        q.observe(MIN_SCALE, Duration::from_millis(4));
        assert!(q.scale(true) > MIN_SCALE, "{}", q.scale(true));
    }

    #[test]
    fn it_does_not_flicker_between_sizes_at_a_steady_frame_time() {
        let mut q = MotionQuality::new(MotionSetting::Auto);
        let mut seen = Vec::new();
        for _ in 0..60 {
            let s = q.scale(true);
            q.observe(s, frame_time(s, 0.002, 0.060));
            seen.push(q.scale(true));
        }
        let tail = &seen[30..];
        assert!(tail.iter().all(|s| *s == tail[0]), "{seen:?}");
        assert_eq!(tail[0] % STEP, 0.0);
    }

    #[test]
    fn settings_full_and_fixed_ignore_the_frame_time() {
        let mut full = MotionQuality::new(MotionSetting::Full);
        full.observe(1.0, Duration::from_secs(1));
        assert_eq!(full.scale(true), 1.0);
        let mut half = MotionQuality::new(MotionSetting::Fixed(0.5));
        half.observe(0.5, Duration::from_secs(1));
        assert_eq!(half.scale(true), 0.5);
        assert_eq!(half.scale(false), 1.0);
        // Nonsense times change nothing.
        let mut q = MotionQuality::new(MotionSetting::Auto);
        q.observe(1.0, Duration::ZERO);
        q.observe(f32::NAN, Duration::from_millis(50));
        assert_eq!(q.scale(true), 1.0);
    }

    #[test]
    fn settings_parse() {
        assert_eq!(MotionSetting::parse("auto"), Ok(MotionSetting::Auto));
        assert_eq!(MotionSetting::parse("full"), Ok(MotionSetting::Full));
        assert_eq!(MotionSetting::parse("0.5"), Ok(MotionSetting::Fixed(0.5)));
        for bad in ["0", "0.1", "1.5", "NaN", "fast", ""] {
            let e = MotionSetting::parse(bad).unwrap_err();
            assert!(e.contains("motion quality"), "{e}");
        }
    }
}
