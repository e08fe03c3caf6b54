//! The movie atom: `moov` and everything under it, one `read_<fourcc>` per atom.
//!
//! Pages are chapters of Apple's *QuickTime File Format* specification.
//! A track that fails to parse is skipped with a warning so that the rest of
//! the movie still opens.

use serde::Serialize;

use super::FourCC;
use super::reader::{AtomBody, Children};
use super::sample_desc::{SampleDescription, read_stsd};
use super::samples::{Sample, SampleTables, SoundChunks, build_samples, build_sound_chunks};
use crate::error::{Location, Problem, Result, Warning};
use crate::ids::TrackId;
use crate::limits::Budget;

/// Maximum nesting depth for any atom tree.
pub const MAX_DEPTH: u32 = 32;

/// A parsed movie atom.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Movie {
    /// Movie time units per second (`mvhd`).
    pub timescale: u32,
    /// Movie duration in movie time units.
    pub duration: u64,
    /// True when the header came from a compressed `cmov`.
    pub compressed_header: bool,
    /// The tracks that could be read.
    pub tracks: Vec<Track>,
    /// Movie user data (`moov/udta`) items, raw.
    #[serde(skip)]
    pub user_data: Vec<RawAtom>,
    /// What was skipped or repaired.
    pub warnings: Vec<Warning>,
    /// A reference movie's alternates (`rmra`), in order; empty for others.
    pub alternates: Vec<super::reference::Alternate>,
}

/// An atom kept as bytes, for readers further up (user data, `gmhd` children).
#[derive(Debug, Clone)]
pub struct RawAtom {
    pub kind: FourCC,
    pub location: Location,
    pub data: Vec<u8>,
}

impl RawAtom {
    fn from_body(a: &AtomBody<'_>) -> Self {
        RawAtom {
            kind: a.kind,
            location: a.location,
            data: a.data.to_vec(),
        }
    }
    /// Location of the first body byte (header assumed 8 bytes, as for all small atoms).
    pub fn body_location(&self) -> Location {
        Location {
            offset: self.location.offset + 8,
            ..self.location
        }
    }
    /// The body read as child atoms.
    pub fn children(&self) -> Children<'_> {
        Children::new(&self.data, self.body_location())
    }
    /// The body as an [`AtomBody`] for field reading.
    pub fn as_body(&self) -> AtomBody<'_> {
        AtomBody {
            kind: self.kind,
            location: self.location,
            header_len: 8,
            data: &self.data,
        }
    }
}

/// One track.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Track {
    /// Track ID from `tkhd`.
    pub id: TrackId,
    /// File offset of the `trak` atom.
    pub offset: u64,
    /// `tkhd` flags bit 0.
    pub enabled: bool,
    /// Duration in movie time units (`tkhd`).
    pub duration: u64,
    /// Presentation size from `tkhd`.
    pub width: f64,
    pub height: f64,
    /// Edit list (`edts/elst`); empty = the media plays from its start.
    pub edits: Vec<Edit>,
    /// Track references (`tref`).
    pub references: Vec<TrackReference>,
    /// Media time units per second (`mdhd`).
    pub media_timescale: u32,
    /// Media duration in media units.
    pub media_duration: u64,
    /// Media handler subtype (`hdlr`): `vide`, `soun`, `qtvr`, `pano`, `obje`, `STpn`, ...
    pub handler: FourCC,
    /// Handler name string.
    pub handler_name: String,
    /// Data references (`dinf/dref`).
    pub data_refs: Vec<DataRef>,
    /// Sample descriptions (`stsd`), every entry.
    pub descriptions: Vec<SampleDescription>,
    /// Every sample, in decode order.
    #[serde(skip)]
    pub samples: Vec<Sample>,
    /// A sound track's chunks when its `stsz` gives every sample one size
    /// (classic QuickTime sound: one "sample" per sound frame or packet;
    /// [`Track::samples`] is then empty, as expanding one entry per sound
    /// frame would take tens of bytes per frame). See [`SoundChunks`].
    #[serde(skip)]
    pub sound_chunks: Option<SoundChunks>,
    /// True when `stss` is present (otherwise every sample is a sync sample).
    pub has_sync_table: bool,
    /// Each sample's composition offset (`ctts`: presentation time minus
    /// decode time, media units), in decode order; empty when the track has
    /// no `ctts` (every sample is shown in decode order).
    #[serde(skip)]
    pub composition_offsets: Vec<i32>,
    /// Children of the base media information header (`gmhd`), raw.
    #[serde(skip)]
    pub base_media_info: Vec<RawAtom>,
    /// Track user data items, raw.
    #[serde(skip)]
    pub user_data: Vec<RawAtom>,
}

impl Track {
    /// Track IDs referenced with reference type `kind`.
    pub fn reference(&self, kind: &[u8; 4]) -> &[u32] {
        self.references
            .iter()
            .find(|r| r.kind.0 == *kind)
            .map(|r| r.track_ids.as_slice())
            .unwrap_or(&[])
    }
    /// The codec of the first sample description.
    pub fn codec(&self) -> Option<FourCC> {
        self.descriptions.first().map(|d| d.format)
    }
    /// The sample description for a sample (1-based index in the sample).
    pub fn description_of(&self, sample: &Sample) -> Option<&SampleDescription> {
        (sample.description_index as usize)
            .checked_sub(1)
            .and_then(|i| self.descriptions.get(i))
    }
}

/// One edit list entry.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Edit {
    /// Length in movie time units.
    pub track_duration: u64,
    /// Start in media time units; -1 = empty edit.
    pub media_time: i64,
    /// Playback rate.
    pub media_rate: f64,
}

/// A `tref` child: reference type and referenced track IDs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackReference {
    pub kind: FourCC,
    pub track_ids: Vec<u32>,
}

/// A data reference: where a media's samples are.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataRef {
    /// `alis`, `url `, `rsrc`, ...
    pub kind: FourCC,
    /// Flag bit 0: the data is in this file.
    pub self_contained: bool,
    /// For a `url ` reference, the URL text.
    pub url: Option<String>,
    /// For an `alis` reference to another file, the names its alias record
    /// keeps (for `rsrc`: the file whose resource fork holds the media).
    pub alias: Option<super::reference::Alias>,
    /// For an `rsrc` reference: the resource (type, ID) holding the media.
    pub resource: Option<(FourCC, i16)>,
}

/// Reads a `moov` body. `moov` (QTFF "Movie atoms").
pub fn read_moov(moov: &AtomBody<'_>, budget: &Budget, depth: u32) -> Result<Movie> {
    if depth > 2 {
        return Err(moov.error(Problem::NestingTooDeep(2)));
    }
    let mut movie = Movie::default();
    let mut saw_mvhd = false;
    for child in moov.children().lenient_tail() {
        let child = match child {
            Ok(c) => c,
            Err(e) => {
                movie.warnings.push(Warning::general(format!(
                    "rest of the movie atom skipped: {e}"
                )));
                break;
            }
        };
        match &child.kind.0 {
            b"cmov" => {
                let inflated = read_cmov(&child, budget)?;
                let loc = Location {
                    offset: 0,
                    cmov_offset: Some(child.location.offset),
                };
                let (inner, _) = super::reader::parse_atom_at(&inflated, 0, loc)?;
                if inner.kind.0 != *b"moov" {
                    return Err(child.error(Problem::Invalid(format!(
                        "inflated header is a '{}' atom, not 'moov'",
                        inner.kind
                    ))));
                }
                let mut m = read_moov(&inner, budget, depth + 1)?;
                m.compressed_header = true;
                return Ok(m);
            }
            b"mvhd" => {
                let (ts, dur) = read_mvhd(&child)?;
                movie.timescale = ts;
                movie.duration = dur;
                saw_mvhd = true;
            }
            b"trak" => match read_trak(&child, budget) {
                Ok(t) => {
                    movie.warnings.extend(t.1);
                    movie.tracks.push(t.0);
                }
                Err(e) => movie.warnings.push(Warning::at(
                    child.location.offset,
                    format!("track skipped: {e}"),
                )),
            },
            b"udta" => movie.user_data = read_udta(&child),
            b"rmra" => match super::reference::read_rmra(&child) {
                Ok(a) => movie.alternates = a,
                Err(e) => movie.warnings.push(Warning::at(
                    child.location.offset,
                    format!("reference movie alternates skipped: {e}"),
                )),
            },
            _ => {}
        }
    }
    // A reference movie may hold its alternates alone.
    if !saw_mvhd && !movie.alternates.is_empty() {
        movie.timescale = 600;
        return Ok(movie);
    }
    if !saw_mvhd {
        return Err(moov.error(Problem::MissingChild(FourCC::new(b"mvhd"))));
    }
    if movie.timescale == 0 {
        movie
            .warnings
            .push(Warning::general("movie time scale is 0; using 600"));
        movie.timescale = 600;
    }
    Ok(movie)
}

/// `cmov` → `dcom` + `cmvd` (QTFF "Compressed movie resources"): returns the inflated `moov`.
pub fn read_cmov(cmov: &AtomBody<'_>, budget: &Budget) -> Result<Vec<u8>> {
    let dcom = cmov
        .child(b"dcom")?
        .ok_or_else(|| cmov.error(Problem::MissingChild(FourCC::new(b"dcom"))))?;
    let algo = dcom.fields().fourcc()?;
    if algo.0 != *b"zlib" {
        return Err(dcom.error(Problem::UnknownCompression(algo)));
    }
    let cmvd = cmov
        .child(b"cmvd")?
        .ok_or_else(|| cmov.error(Problem::MissingChild(FourCC::new(b"cmvd"))))?;
    let mut f = cmvd.fields();
    let size = u64::from(f.u32()?);
    budget.reserve(size).map_err(|e| cmvd.error(e.into()))?;
    let compressed = f.rest();
    let mut out = Vec::with_capacity(size as usize);
    let limit = size + 1;
    std::io::Read::read_to_end(
        &mut std::io::Read::take(flate2::read::ZlibDecoder::new(compressed), limit),
        &mut out,
    )
    .map_err(|e| cmvd.error(Problem::Inflate(e.to_string())))?;
    if out.len() as u64 > size {
        return Err(cmvd.error(Problem::Inflate(format!(
            "inflates to more than the declared {size} bytes"
        ))));
    }
    if out.len() < 8 {
        return Err(cmvd.error(Problem::Inflate(format!(
            "inflates to only {} bytes",
            out.len()
        ))));
    }
    Ok(out)
}

/// `mvhd` (QTFF "Movie header atom"): time scale and duration.
pub fn read_mvhd(a: &AtomBody<'_>) -> Result<(u32, u64)> {
    let mut f = a.fields();
    let (version, _) = f.version_flags()?;
    match version {
        0 => {
            f.skip(8)?;
            Ok((f.u32()?, u64::from(f.u32()?)))
        }
        1 => {
            f.skip(16)?;
            Ok((f.u32()?, f.u64()?))
        }
        v => Err(a.error(Problem::UnsupportedVersion(u32::from(v)))),
    }
}

/// `trak` (QTFF "Track atoms").
pub fn read_trak(trak: &AtomBody<'_>, budget: &Budget) -> Result<(Track, Vec<Warning>)> {
    let mut t = Track {
        offset: trak.location.offset,
        ..Default::default()
    };
    let mut warnings = Vec::new();
    let mut saw_tkhd = false;
    let mut mdia = None;
    for c in trak.children().lenient_tail() {
        let c = c?;
        match &c.kind.0 {
            b"tkhd" => {
                read_tkhd(&c, &mut t)?;
                saw_tkhd = true;
            }
            b"edts" => {
                if let Some(elst) = c.child(b"elst")? {
                    t.edits = read_elst(&elst, budget)?;
                }
            }
            b"tref" => t.references = read_tref(&c, budget)?,
            b"mdia" => mdia = Some(c),
            b"udta" => t.user_data = read_udta(&c),
            _ => {}
        }
    }
    if !saw_tkhd {
        return Err(trak.error(Problem::MissingChild(FourCC::new(b"tkhd"))));
    }
    let mdia = mdia.ok_or_else(|| trak.error(Problem::MissingChild(FourCC::new(b"mdia"))))?;
    read_mdia(&mdia, &mut t, budget, &mut warnings)?;
    Ok((t, warnings))
}

/// `tkhd` (QTFF "Track header atom").
pub fn read_tkhd(a: &AtomBody<'_>, t: &mut Track) -> Result<()> {
    let mut f = a.fields();
    let (version, flags) = f.version_flags()?;
    t.enabled = flags & 1 != 0;
    match version {
        0 => {
            f.skip(8)?;
            t.id = TrackId(f.u32()?);
            f.skip(4)?;
            t.duration = u64::from(f.u32()?);
        }
        1 => {
            f.skip(16)?;
            t.id = TrackId(f.u32()?);
            f.skip(4)?;
            t.duration = f.u64()?;
        }
        v => return Err(a.error(Problem::UnsupportedVersion(u32::from(v)))),
    }
    // reserved 8, layer 2, alternate group 2, volume 2, reserved 2, matrix 36
    if f.remaining() >= 60 {
        f.skip(52)?;
        t.width = f.ufixed16()?;
        t.height = f.ufixed16()?;
    }
    Ok(())
}

/// `elst` (QTFF "Edit list atom").
pub fn read_elst(a: &AtomBody<'_>, budget: &Budget) -> Result<Vec<Edit>> {
    let mut f = a.fields();
    let (version, _) = f.version_flags()?;
    let count = u64::from(f.u32()?);
    let entry = if version == 1 { 20 } else { 12 };
    f.check_table(count, entry)?;
    charge::<Edit>(a, budget, count)?;
    let mut v = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let (track_duration, media_time) = if version == 1 {
            (f.u64()?, f.i64()?)
        } else {
            (u64::from(f.u32()?), i64::from(f.i32()?))
        };
        let media_rate = f.fixed16()?;
        v.push(Edit {
            track_duration,
            media_time,
            media_rate,
        });
    }
    Ok(v)
}

/// `tref` (QTFF "Track reference atom"): each child is a type holding track IDs.
pub fn read_tref(a: &AtomBody<'_>, budget: &Budget) -> Result<Vec<TrackReference>> {
    let mut v = Vec::new();
    for c in a.children().lenient_tail() {
        let c = c?;
        let mut f = c.fields();
        let n = (f.remaining() / 4) as u64;
        charge::<u32>(&c, budget, n)?;
        let mut ids = Vec::with_capacity(n as usize);
        for _ in 0..n {
            ids.push(f.u32()?);
        }
        v.push(TrackReference {
            kind: c.kind,
            track_ids: ids,
        });
    }
    Ok(v)
}

/// `mdia` (QTFF "Media atoms").
fn read_mdia(
    mdia: &AtomBody<'_>,
    t: &mut Track,
    budget: &Budget,
    warnings: &mut Vec<Warning>,
) -> Result<()> {
    let mut minf = None;
    let mut saw_mdhd = false;
    for c in mdia.children().lenient_tail() {
        let c = c?;
        match &c.kind.0 {
            b"mdhd" => {
                read_mdhd(&c, t)?;
                saw_mdhd = true;
            }
            b"hdlr" => {
                let (ty, sub, name) = read_hdlr(&c)?;
                // The media handler is the one with component type 'mhlr' (or 0 in MP4-style files).
                if ty.0 != *b"dhlr" {
                    t.handler = sub;
                    t.handler_name = name;
                }
            }
            b"minf" => minf = Some(c),
            _ => {}
        }
    }
    if !saw_mdhd {
        return Err(mdia.error(Problem::MissingChild(FourCC::new(b"mdhd"))));
    }
    if t.media_timescale == 0 {
        warnings.push(Warning::at(
            mdia.location.offset,
            format!("track {}: media time scale is 0; using 600", t.id),
        ));
        t.media_timescale = 600;
    }
    let Some(minf) = minf else {
        warnings.push(Warning::at(
            mdia.location.offset,
            format!(
                "track {} has no media information ('minf'): no samples",
                t.id
            ),
        ));
        return Ok(());
    };
    read_minf(&minf, t, budget, warnings)
}

/// `mdhd` (QTFF "Media header atom").
pub fn read_mdhd(a: &AtomBody<'_>, t: &mut Track) -> Result<()> {
    let mut f = a.fields();
    let (version, _) = f.version_flags()?;
    match version {
        0 => {
            f.skip(8)?;
            t.media_timescale = f.u32()?;
            t.media_duration = u64::from(f.u32()?);
        }
        1 => {
            f.skip(16)?;
            t.media_timescale = f.u32()?;
            t.media_duration = f.u64()?;
        }
        v => return Err(a.error(Problem::UnsupportedVersion(u32::from(v)))),
    }
    Ok(())
}

/// `hdlr` (QTFF "Handler reference atom"): component type, subtype, name.
pub fn read_hdlr(a: &AtomBody<'_>) -> Result<(FourCC, FourCC, String)> {
    let mut f = a.fields();
    f.version_flags()?;
    let ty = f.fourcc()?;
    let sub = f.fourcc()?;
    f.skip(12.min(f.remaining()))?;
    let rest = f.rest();
    let name = match rest.split_first() {
        // QuickTime writes a Pascal string; MP4 writers a C string.
        Some((&n, tail)) if usize::from(n) == tail.len() || usize::from(n) + 1 == tail.len() => {
            crate::text::mac_text(&tail[..usize::from(n)])
        }
        _ => crate::text::mac_text(rest),
    };
    Ok((ty, sub, name))
}

/// `minf` (QTFF "Video media information atom", "Base media information atom").
fn read_minf(
    minf: &AtomBody<'_>,
    t: &mut Track,
    budget: &Budget,
    warnings: &mut Vec<Warning>,
) -> Result<()> {
    let mut stbl = None;
    for c in minf.children().lenient_tail() {
        let c = c?;
        match &c.kind.0 {
            b"gmhd" => {
                for g in c.children().lenient_tail() {
                    let g = g?;
                    t.base_media_info.push(RawAtom::from_body(&g));
                }
            }
            b"dinf" => {
                if let Some(dref) = c.child(b"dref")? {
                    t.data_refs = read_dref(&dref)?;
                }
            }
            b"stbl" => stbl = Some(c),
            _ => {}
        }
    }
    if let Some(stbl) = stbl {
        read_stbl(&stbl, t, budget, warnings)?;
    } else {
        warnings.push(Warning::at(
            minf.location.offset,
            format!("track {} has no sample table ('stbl'): no samples", t.id),
        ));
    }
    Ok(())
}

/// `dref` (QTFF "Data reference atom").
pub fn read_dref(a: &AtomBody<'_>) -> Result<Vec<DataRef>> {
    let mut f = a.fields();
    f.version_flags()?;
    let count = f.u32()?;
    f.check_table(u64::from(count), 12)?;
    let mut v = Vec::new();
    for c in a.children_from(8).take(count as usize) {
        let c = c?;
        let mut cf = c.fields();
        let (_, flags) = cf.version_flags()?;
        let rest = cf.rest();
        let url = (c.kind.0 == *b"url " && !rest.is_empty()).then(|| crate::text::mac_text(rest));
        let self_contained = flags & 1 != 0;
        let mut alias = (c.kind.0 == *b"alis" && !self_contained)
            .then(|| super::reference::read_alias(rest))
            .flatten();
        // `rsrc`: an alias record (its size at byte 4), then the resource's
        // type and ID; a bare type and ID where the alias is left out.
        let mut resource = None;
        if c.kind.0 == *b"rsrc" {
            let alias_len = rest
                .get(4..6)
                .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
                .filter(|&n| rest.len() == n + 6);
            let at = match alias_len {
                Some(n) => {
                    if !self_contained {
                        alias = super::reference::read_alias(&rest[..n]);
                    }
                    Some(n)
                }
                None => (rest.len() == 6).then_some(0),
            };
            resource = at.map(|at| {
                let t = &rest[at..at + 6];
                (
                    FourCC([t[0], t[1], t[2], t[3]]),
                    i16::from_be_bytes([t[4], t[5]]),
                )
            });
        }
        v.push(DataRef {
            kind: c.kind,
            self_contained,
            url,
            alias,
            resource,
        });
    }
    Ok(v)
}

/// `stbl` (QTFF "Sample table atom").
fn read_stbl(
    stbl: &AtomBody<'_>,
    t: &mut Track,
    budget: &Budget,
    warnings: &mut Vec<Warning>,
) -> Result<()> {
    let mut tables = SampleTables::default();
    let mut ctts = None;
    let is_video = t.handler.0 == *b"vide";
    for c in stbl.children().lenient_tail() {
        let c = c?;
        match &c.kind.0 {
            b"stsd" => t.descriptions = read_stsd(&c, is_video)?,
            b"stts" => tables.stts = Some(c),
            b"stsc" => tables.stsc = Some(c),
            b"stsz" => tables.stsz = Some(c),
            b"stco" => tables.stco = Some((c, false)),
            b"co64" => tables.stco = Some((c, true)),
            b"stss" => tables.stss = Some(c),
            b"ctts" => ctts = Some(c),
            _ => {}
        }
    }
    t.has_sync_table = tables.stss.is_some();
    if t.handler.0 == *b"soun"
        && let Some((chunks, w)) = build_sound_chunks(&tables, t.id, budget)?
    {
        t.sound_chunks = Some(chunks);
        warnings.extend(w);
        return Ok(());
    }
    let (samples, w) = build_samples(&tables, stbl, t.id, budget)?;
    if let Some(ctts) = &ctts {
        // Optional: a broken table only loses the presentation order.
        match super::samples::read_ctts(ctts, samples.len(), budget) {
            Ok(offsets) => t.composition_offsets = offsets,
            Err(e) => warnings.push(Warning::at(
                ctts.location.offset,
                format!(
                    "track {}: composition offsets ignored ({e}); samples are taken in decode order",
                    t.id
                ),
            )),
        }
    }
    t.samples = samples;
    warnings.extend(w);
    Ok(())
}

/// `udta` (QTFF "User data atoms"): items kept raw; a broken item ends the list.
pub fn read_udta(a: &AtomBody<'_>) -> Vec<RawAtom> {
    let mut v = Vec::new();
    for c in a.children().lenient_tail() {
        match c {
            Ok(c) => v.push(RawAtom::from_body(&c)),
            Err(_) => break,
        }
    }
    v
}

/// Takes room for `count` values of `T` from the budget, or fails naming the atom.
pub fn charge<T>(a: &AtomBody<'_>, budget: &Budget, count: u64) -> Result<()> {
    budget
        .reserve_items::<T>(count)
        .map_err(|e| a.error(e.into()))
}
