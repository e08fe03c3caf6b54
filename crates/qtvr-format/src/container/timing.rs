//! Media time → movie time through edit lists (QTFF "Edit list atom").
//!
//! QTVR finds a node's samples by movie time: the node's QTVR sample, its
//! panorama or object sample and its image samples start at the same movie
//! time. Tracks differ in time scale, so times are exact fractions of a movie
//! time unit and compare by cross-multiplication.

use std::cmp::Ordering;

use super::movie::Track;

/// An exact movie time: `num / den` movie time units.
#[derive(Debug, Clone, Copy)]
pub struct MovieTime {
    pub num: i128,
    pub den: u64,
}

impl MovieTime {
    /// A whole number of movie time units.
    pub fn units(n: i128) -> Self {
        MovieTime { num: n, den: 1 }
    }
    /// The value as a float (for display).
    pub fn as_f64(self) -> f64 {
        self.num as f64 / self.den.max(1) as f64
    }
}

impl PartialEq for MovieTime {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for MovieTime {}
impl PartialOrd for MovieTime {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for MovieTime {
    fn cmp(&self, o: &Self) -> Ordering {
        // |num| < 2^96 and den < 2^64 in practice; saturate rather than overflow.
        let a = self.num.saturating_mul(i128::from(o.den));
        let b = o.num.saturating_mul(i128::from(self.den));
        a.cmp(&b)
    }
}

/// A sample as presented: its index in the track and its movie-time span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presented {
    /// 0-based sample index in the track.
    pub index: usize,
    /// Presentation start in movie time.
    pub start: MovieTime,
    /// Presentation end in movie time.
    pub end: MovieTime,
}

/// Every sample of `track` that the edit list presents, in presentation order
/// (sorted by start), with its movie-time span. Samples outside all edits are
/// left out. At most `max` entries are produced; the flag says whether all were.
pub fn presented_samples(
    track: &Track,
    movie_timescale: u32,
    max: usize,
) -> (Vec<Presented>, bool) {
    let media_ts = u64::from(track.media_timescale.max(1));
    let movie_ts = i128::from(movie_timescale.max(1));
    let samples = &track.samples;
    let to_movie = |edit_start: i128, media_start: i128, t: u64| MovieTime {
        num: edit_start * i128::from(media_ts) + (i128::from(t) - media_start) * movie_ts,
        den: media_ts,
    };
    let mut out = Vec::new();
    if track.edits.is_empty() {
        if samples.len() > max {
            return (out, false);
        }
        for (i, s) in samples.iter().enumerate() {
            out.push(Presented {
                index: i,
                start: to_movie(0, 0, s.media_time),
                end: to_movie(0, 0, s.media_time.saturating_add(u64::from(s.duration))),
            });
        }
        return (out, true);
    }
    let mut cursor: i128 = 0; // movie units
    for e in &track.edits {
        let dur = i128::from(e.track_duration);
        // Rates are 16.16 fixed point; 0 (dwell) and negative rates are not used by
        // QTVR movies and are read as empty edits.
        let rate = (e.media_rate * 65536.0).round() as i128;
        if e.media_time < 0 || rate <= 0 {
            cursor = cursor.saturating_add(dur);
            continue;
        }
        let m0 = i128::from(e.media_time);
        // The edit shows media times [m0, m0 + dur·media_ts·rate/(movie_ts·65536)).
        // A media time t appears at movie time cursor + (t - m0)·movie_ts·65536/(media_ts·rate).
        let den = i128::from(media_ts) * rate;
        let den_u = u64::try_from(den).unwrap_or(u64::MAX);
        let at = |t: i128| MovieTime {
            num: cursor
                .saturating_mul(den)
                .saturating_add((t - m0) * movie_ts * 65536),
            den: den_u,
        };
        let inside = |t: i128| (t - m0) * movie_ts * 65536 < dur.saturating_mul(den);
        let first = samples.partition_point(|s| {
            let t = i128::from(s.media_time);
            t + i128::from(s.duration) <= m0 && (s.duration > 0 || t < m0)
        });
        for (i, s) in samples.iter().enumerate().skip(first) {
            let t = i128::from(s.media_time);
            if !inside(t) {
                break;
            }
            if out.len() >= max {
                return (out, false);
            }
            let end_t = t + i128::from(s.duration);
            let end = if inside(end_t) {
                at(end_t)
            } else {
                MovieTime::units(cursor.saturating_add(dur))
            };
            out.push(Presented {
                index: i,
                start: at(t.max(m0)),
                end,
            });
        }
        cursor = cursor.saturating_add(dur);
    }
    (out, true)
}

/// The presented samples whose start lies in `[from, to)` (`presented` is sorted by start).
pub fn samples_starting_in(
    presented: &[Presented],
    from: MovieTime,
    to: MovieTime,
) -> &[Presented] {
    let a = presented.partition_point(|p| p.start < from);
    let b = presented.partition_point(|p| p.start < to).max(a);
    &presented[a..b]
}

/// The presented sample starting exactly at `t`, or else the one whose span holds it.
pub fn sample_at(presented: &[Presented], t: MovieTime) -> Option<&Presented> {
    let i = presented.partition_point(|p| p.start < t);
    match presented.get(i) {
        Some(p) if p.start == t => Some(p),
        _ => i
            .checked_sub(1)
            .and_then(|j| presented.get(j))
            .filter(|p| t < p.end),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::movie::Edit;
    use crate::container::samples::Sample;

    fn track(media_ts: u32, durs: &[u32], edits: Vec<Edit>) -> Track {
        let mut t = Track {
            media_timescale: media_ts,
            edits,
            ..Default::default()
        };
        let mut time = 0;
        for &d in durs {
            t.samples.push(Sample {
                offset: 0,
                size: 1,
                media_time: time,
                duration: d,
                description_index: 1,
                is_sync: true,
            });
            time += u64::from(d);
        }
        t
    }

    #[test]
    fn edit_rate_speeds_media_up() {
        // 24 samples of 300 units at media ts 600 (12 s) played at rate 6 in 7200
        // units of a 3600 movie (2 s), as a real QTVR writer stored it.
        let edits = vec![Edit {
            track_duration: 7200,
            media_time: 0,
            media_rate: 6.0,
        }];
        let t = track(600, &[300; 24], edits);
        let (p, _) = presented_samples(&t, 3600, usize::MAX);
        assert_eq!(p.len(), 24);
        assert_eq!(p[1].start, MovieTime::units(300));
        assert_eq!(p[23].end, MovieTime::units(7200));
    }

    #[test]
    fn no_edits_scales_media_time() {
        let t = track(3000, &[300, 300], vec![]);
        let (p, _) = presented_samples(&t, 600, usize::MAX);
        assert_eq!(p[1].start, MovieTime::units(60));
        assert_eq!(p[1].end, MovieTime::units(120));
    }

    #[test]
    fn empty_edit_then_skip_decoy() {
        // Media (ts 3000) starts with a 150-unit decoy; the edit list puts an empty
        // 60-unit edit first and then plays media from 150.
        let edits = vec![
            Edit {
                track_duration: 60,
                media_time: -1,
                media_rate: 1.0,
            },
            Edit {
                track_duration: 120,
                media_time: 150,
                media_rate: 1.0,
            },
        ];
        let t = track(3000, &[150, 300, 300], edits);
        let (p, _) = presented_samples(&t, 600, usize::MAX);
        assert_eq!(p.iter().map(|p| p.index).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(p[0].start, MovieTime::units(60));
        assert_eq!(p[1].start, MovieTime::units(120));
        assert_eq!(p[1].end, MovieTime::units(180));
        let in_range = samples_starting_in(&p, MovieTime::units(60), MovieTime::units(120));
        assert_eq!(
            in_range.iter().map(|p| p.index).collect::<Vec<_>>(),
            vec![1]
        );
        assert_eq!(
            sample_at(&p, MovieTime::units(130)).map(|p| p.index),
            Some(2)
        );
        assert_eq!(sample_at(&p, MovieTime::units(10)), None);
        let (cut, complete) = presented_samples(&t, 600, 1);
        assert_eq!((cut.len(), complete), (1, false));
    }
}
