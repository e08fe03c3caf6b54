//! Sample tables (`stts`, `stsc`, `stsz`, `stco`/`co64`, `stss`) expanded into
//! one [`Sample`] per media sample: byte range, decode time, duration, description.
//!
//! Counts in these tables are untrusted; every table is checked against its
//! atom's size, and the expanded list is charged to the [`Budget`] first.

use super::movie::charge;
use super::reader::AtomBody;
use crate::error::{Problem, Result, Warning};
use crate::ids::TrackId;
use crate::limits::Budget;

/// One media sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Byte offset in the file.
    pub offset: u64,
    /// Size in bytes.
    pub size: u32,
    /// Decode time in media time units.
    pub media_time: u64,
    /// Duration in media time units.
    pub duration: u32,
    /// 1-based index into the track's sample descriptions.
    pub description_index: u32,
    /// Key frame (`stss`; every sample when there is no `stss`).
    pub is_sync: bool,
}

/// The raw sample-table atoms of one `stbl`.
#[derive(Default)]
pub struct SampleTables<'a> {
    pub stts: Option<AtomBody<'a>>,
    pub stsc: Option<AtomBody<'a>>,
    pub stsz: Option<AtomBody<'a>>,
    /// The chunk offset table and whether it is `co64`.
    pub stco: Option<(AtomBody<'a>, bool)>,
    pub stss: Option<AtomBody<'a>>,
}

/// Expands the tables into samples. A track with no tables has no samples.
pub fn build_samples(
    t: &SampleTables<'_>,
    stbl: &AtomBody<'_>,
    track_id: TrackId,
    budget: &Budget,
) -> Result<(Vec<Sample>, Vec<Warning>)> {
    let mut warnings = Vec::new();
    let (Some(stsz), Some(stsc), Some((stco, is64))) = (&t.stsz, &t.stsc, &t.stco) else {
        if t.stsz.is_some() || t.stco.is_some() {
            warnings.push(Warning::at(
                stbl.location.offset,
                format!(
                    "track {track_id}: sample table lacks stsz, stsc or chunk offsets; no samples"
                ),
            ));
        }
        return Ok((Vec::new(), warnings));
    };

    // stsz (QTFF "Sample size atom")
    let mut fz = stsz.fields();
    fz.version_flags()?;
    let uniform = fz.u32()?;
    let count = u64::from(fz.u32()?);
    if uniform == 0 {
        fz.check_table(count, 4)?;
    }

    // stco / co64 (QTFF "Chunk offset atom")
    let mut fc = stco.fields();
    fc.version_flags()?;
    let chunk_count = u64::from(fc.u32()?);
    fc.check_table(chunk_count, if *is64 { 8 } else { 4 })?;

    let stsc_runs = read_stsc(stsc, budget)?;
    let mut durations = Durations::new(match &t.stts {
        Some(stts) => read_stts(stts, budget)?,
        None => Vec::new(),
    });

    // A sample needs at least a chunk entry or a size entry unless sizes are uniform;
    // with uniform sizes the count is bounded by the data the chunks could hold.
    charge::<Sample>(stsz, budget, count)?;
    let mut samples = Vec::with_capacity(count as usize);
    let mut run = 0usize;
    let mut time: u64 = 0;
    'chunks: for chunk in 1..=chunk_count {
        let chunk_offset = if *is64 {
            fc.u64()?
        } else {
            u64::from(fc.u32()?)
        };
        while run + 1 < stsc_runs.len() && u64::from(stsc_runs[run + 1].0) <= chunk {
            run += 1;
        }
        let Some(&(first, per, desc)) = stsc_runs.get(run) else {
            break;
        };
        if u64::from(first) > chunk {
            continue;
        }
        let mut offset = chunk_offset;
        for _ in 0..per {
            if samples.len() as u64 >= count {
                break 'chunks;
            }
            let size = if uniform != 0 { uniform } else { fz.u32()? };
            let duration = durations.next_duration();
            samples.push(Sample {
                offset,
                size,
                media_time: time,
                duration,
                description_index: desc,
                is_sync: t.stss.is_none(),
            });
            time = time.saturating_add(u64::from(duration));
            offset = offset.saturating_add(u64::from(size));
        }
    }
    if (samples.len() as u64) < count {
        warnings.push(Warning::at(
            stsc.location.offset,
            format!(
                "track {track_id}: chunks hold only {} of the {count} samples in 'stsz'",
                samples.len()
            ),
        ));
    }
    if durations.short {
        warnings.push(Warning::at(
            t.stts
                .as_ref()
                .map_or(stbl.location.offset, |a| a.location.offset),
            format!("track {track_id}: time-to-sample table covers fewer samples than 'stsz'"),
        ));
    }
    if let Some(stss) = &t.stss {
        mark_sync_samples(stss, &mut samples)?;
    }
    Ok((samples, warnings))
}

/// One chunk of a sound track whose samples all have one size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SoundChunk {
    /// Byte offset in the file.
    pub offset: u64,
    /// Samples in the chunk (`stsc`): sound frames in classic files, packets
    /// where each sample is a packet (see [`SoundChunks::sample_size`]).
    pub samples: u32,
    /// 1-based index into the track's sample descriptions.
    pub description_index: u32,
}

/// A sound track's chunks (QTFF "Sample-to-chunk atom", "Chunk offset
/// atom"), kept as chunks rather than expanded sample by sample.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SoundChunks {
    /// The one sample size of `stsz`: 1 (or a sound frame's bytes) in
    /// classic files, where a sample is one sound frame; a packet's bytes
    /// where each sample is a packet of a compressed format.
    pub sample_size: u32,
    /// The duration of the first `stts` run: 1 where a sample is one frame,
    /// a packet's frames (64 for `ima4`) where each sample is a packet.
    pub sample_duration: u32,
    /// The chunks, in file order, with at least one sample each.
    pub chunks: Vec<SoundChunk>,
}

/// A sound track's chunks, when `stsz` gives every sample one size; `None`
/// when sizes vary (the track then gets [`Sample`]s like any other).
pub fn build_sound_chunks(
    t: &SampleTables<'_>,
    track_id: TrackId,
    budget: &Budget,
) -> Result<Option<(SoundChunks, Vec<Warning>)>> {
    let (Some(stsz), Some(stsc), Some((stco, is64))) = (&t.stsz, &t.stsc, &t.stco) else {
        return Ok(None);
    };
    let mut fz = stsz.fields();
    fz.version_flags()?;
    let uniform = fz.u32()?;
    let count = u64::from(fz.u32()?);
    if uniform == 0 {
        return Ok(None);
    }
    let mut fc = stco.fields();
    fc.version_flags()?;
    let chunk_count = u64::from(fc.u32()?);
    fc.check_table(chunk_count, if *is64 { 8 } else { 4 })?;
    charge::<SoundChunk>(stco, budget, chunk_count)?;
    let runs = read_stsc(stsc, budget)?;
    let sample_duration = match &t.stts {
        Some(stts) => read_stts(stts, budget)?.first().map_or(1, |r| r.1.max(1)),
        None => 1,
    };
    let mut chunks = Vec::with_capacity(chunk_count as usize);
    let mut left = count;
    let mut run = 0usize;
    for chunk in 1..=chunk_count {
        let offset = if *is64 {
            fc.u64()?
        } else {
            u64::from(fc.u32()?)
        };
        while run + 1 < runs.len() && u64::from(runs[run + 1].0) <= chunk {
            run += 1;
        }
        let Some(&(first, per, desc)) = runs.get(run) else {
            break;
        };
        if u64::from(first) > chunk || per == 0 {
            continue;
        }
        let n = u64::from(per).min(left);
        if n == 0 {
            break;
        }
        left -= n;
        chunks.push(SoundChunk {
            offset,
            samples: n as u32,
            description_index: desc,
        });
    }
    let mut warnings = Vec::new();
    if left > 0 {
        warnings.push(Warning::at(
            stsc.location.offset,
            format!(
                "track {track_id}: chunks hold only {} of the {count} sound samples in 'stsz'",
                count - left
            ),
        ));
    }
    Ok(Some((
        SoundChunks {
            sample_size: uniform,
            sample_duration,
            chunks,
        },
        warnings,
    )))
}

/// stsc (QTFF "Sample-to-chunk atom"): runs of (first chunk, samples per
/// chunk, description index), first chunks increasing.
fn read_stsc(stsc: &AtomBody<'_>, budget: &Budget) -> Result<Vec<(u32, u32, u32)>> {
    let mut fs = stsc.fields();
    fs.version_flags()?;
    let runs = u64::from(fs.u32()?);
    fs.check_table(runs, 12)?;
    charge::<(u32, u32, u32)>(stsc, budget, runs)?;
    let mut stsc_runs: Vec<(u32, u32, u32)> = Vec::with_capacity(runs as usize);
    for _ in 0..runs {
        let first = fs.u32()?;
        let per = fs.u32()?;
        let desc = fs.u32()?;
        if first == 0 || stsc_runs.last().is_some_and(|&(f, _, _)| first <= f) {
            return Err(stsc.error(Problem::Invalid(format!(
                "first chunk {first} is not after the previous run's"
            ))));
        }
        stsc_runs.push((first, per, desc));
    }
    Ok(stsc_runs)
}

/// stts (QTFF "Time-to-sample atom"): runs of (sample count, duration).
fn read_stts(stts: &AtomBody<'_>, budget: &Budget) -> Result<Vec<(u32, u32)>> {
    let mut f = stts.fields();
    f.version_flags()?;
    let n = u64::from(f.u32()?);
    f.check_table(n, 8)?;
    charge::<(u32, u32)>(stts, budget, n)?;
    let mut stts_runs = Vec::with_capacity(n as usize);
    for _ in 0..n {
        stts_runs.push((f.u32()?, f.u32()?));
    }
    Ok(stts_runs)
}

/// The samples' durations from the time-to-sample runs, one after another;
/// past the table's end, the last run's duration (or 1 without runs), and
/// `short` is set.
struct Durations {
    runs: Vec<(u32, u32)>,
    i: usize,
    left: u32,
    short: bool,
}

impl Durations {
    fn new(runs: Vec<(u32, u32)>) -> Durations {
        let left = runs.first().map_or(0, |r| r.0);
        Durations {
            runs,
            i: 0,
            left,
            short: false,
        }
    }

    fn next_duration(&mut self) -> u32 {
        while self.left == 0 && self.i + 1 < self.runs.len() {
            self.i += 1;
            self.left = self.runs[self.i].0;
        }
        match self.runs.get(self.i) {
            Some(&(_, d)) if self.left > 0 => {
                self.left -= 1;
                d
            }
            Some(&(_, d)) => {
                self.short = true;
                d
            }
            None => {
                self.short = true;
                1
            }
        }
    }
}

/// ctts (QTFF "Composition offset atom"): runs of (sample count, offset)
/// expanded to one offset per sample of the track's `count` samples (0 past
/// the table's end); empty when every offset is 0. Version 0 offsets are read
/// as signed, as writers store negative ones there too.
pub fn read_ctts(ctts: &AtomBody<'_>, count: usize, budget: &Budget) -> Result<Vec<i32>> {
    let mut f = ctts.fields();
    f.version_flags()?;
    let runs = u64::from(f.u32()?);
    f.check_table(runs, 8)?;
    charge::<i32>(ctts, budget, count as u64)?;
    let mut out: Vec<i32> = Vec::with_capacity(count);
    for _ in 0..runs {
        let n = f.u32()? as usize;
        let offset = f.i32()?;
        let n = n.min(count - out.len());
        out.resize(out.len() + n, offset);
    }
    if out.iter().all(|&o| o == 0) {
        return Ok(Vec::new());
    }
    out.resize(count, 0);
    Ok(out)
}

/// stss (QTFF "Sync sample atom"): 1-based sample numbers of the key frames.
fn mark_sync_samples(stss: &AtomBody<'_>, samples: &mut [Sample]) -> Result<()> {
    let mut f = stss.fields();
    f.version_flags()?;
    let n = u64::from(f.u32()?);
    f.check_table(n, 4)?;
    for _ in 0..n {
        let k = f.u32()?;
        if let Some(s) = (k as usize).checked_sub(1).and_then(|i| samples.get_mut(i)) {
            s.is_sync = true;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::build::{Body, full_atom};
    use crate::container::reader::parse_atom_at;
    use crate::error::Location;

    fn body(bytes: &[u8]) -> AtomBody<'_> {
        parse_atom_at(bytes, 0, Location::file(0)).unwrap().0
    }

    #[test]
    fn two_stsc_runs_and_co64() {
        // 7 samples: chunks of 3, 3, then 1; sizes 10..16; durations 5 x4 then 7 x3.
        let stsz = full_atom(
            b"stsz",
            0,
            0,
            &(0..7)
                .fold(Body::new().u32(0).u32(7), |b, i| b.u32(10 + i))
                .done(),
        );
        let stsc = full_atom(
            b"stsc",
            0,
            0,
            &Body::new()
                .u32(2)
                .u32(1)
                .u32(3)
                .u32(1)
                .u32(3)
                .u32(1)
                .u32(2)
                .done(),
        );
        let co64 = full_atom(
            b"co64",
            0,
            0,
            &Body::new().u32(3).u64(1 << 33).u64(5000).u64(9000).done(),
        );
        let stts = full_atom(
            b"stts",
            0,
            0,
            &Body::new().u32(2).u32(4).u32(5).u32(3).u32(7).done(),
        );
        let stss = full_atom(b"stss", 0, 0, &Body::new().u32(1).u32(4).done());
        let stbl = full_atom(b"stbl", 0, 0, &[]);
        let t = SampleTables {
            stts: Some(body(&stts)),
            stsc: Some(body(&stsc)),
            stsz: Some(body(&stsz)),
            stco: Some((body(&co64), true)),
            stss: Some(body(&stss)),
        };
        let (s, w) = build_samples(&t, &body(&stbl), TrackId(1), &Budget::for_file(1000)).unwrap();
        assert!(w.is_empty(), "{w:?}");
        let got: Vec<_> = s
            .iter()
            .map(|s| {
                (
                    s.offset,
                    s.size,
                    s.media_time,
                    s.duration,
                    s.description_index,
                    s.is_sync,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ((1 << 33), 10, 0, 5, 1, false),
                ((1 << 33) + 10, 11, 5, 5, 1, false),
                ((1 << 33) + 21, 12, 10, 5, 1, false),
                (5000, 13, 15, 5, 1, true),
                (5013, 14, 20, 7, 1, false),
                (5027, 15, 27, 7, 1, false),
                (9000, 16, 34, 7, 2, false),
            ]
        );
    }

    #[test]
    fn huge_uniform_count_is_refused_by_budget() {
        let stsz = full_atom(b"stsz", 0, 0, &Body::new().u32(1).u32(u32::MAX).done());
        let stsc = full_atom(
            b"stsc",
            0,
            0,
            &Body::new().u32(1).u32(1).u32(u32::MAX).u32(1).done(),
        );
        let stco = full_atom(b"stco", 0, 0, &Body::new().u32(1).u32(0).done());
        let stbl = full_atom(b"stbl", 0, 0, &[]);
        let t = SampleTables {
            stsz: Some(body(&stsz)),
            stsc: Some(body(&stsc)),
            stco: Some((body(&stco), false)),
            ..Default::default()
        };
        let e = build_samples(&t, &body(&stbl), TrackId(1), &Budget::for_file(1000)).unwrap_err();
        assert!(e.to_string().contains("allocation budget"), "{e}");
    }

    #[test]
    fn stsc_runs_must_increase() {
        let stsz = full_atom(b"stsz", 0, 0, &Body::new().u32(1).u32(1).done());
        let stsc = full_atom(
            b"stsc",
            0,
            0,
            &Body::new()
                .u32(2)
                .u32(2)
                .u32(1)
                .u32(1)
                .u32(1)
                .u32(1)
                .u32(1)
                .done(),
        );
        let stco = full_atom(b"stco", 0, 0, &Body::new().u32(1).u32(0).done());
        let stbl = full_atom(b"stbl", 0, 0, &[]);
        let t = SampleTables {
            stsz: Some(body(&stsz)),
            stsc: Some(body(&stsc)),
            stco: Some((body(&stco), false)),
            ..Default::default()
        };
        let e = build_samples(&t, &body(&stbl), TrackId(1), &Budget::for_file(1000)).unwrap_err();
        assert!(e.to_string().contains("'stsc'"), "{e}");
    }
}
