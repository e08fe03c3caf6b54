//! Writers for atoms: the inverse of the readers, used by tests to build movies
//! in code and by the project's own movie writer.

/// A classic atom: 32-bit size, type, body.
pub fn atom(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(body.len() + 8);
    v.extend_from_slice(&((body.len() + 8) as u32).to_be_bytes());
    v.extend_from_slice(kind);
    v.extend_from_slice(body);
    v
}

/// A classic atom whose body is the concatenation of `children`.
pub fn container(kind: &[u8; 4], children: &[Vec<u8>]) -> Vec<u8> {
    atom(kind, &children.concat())
}

/// A "full atom": version and flags, then `body`.
pub fn full_atom(kind: &[u8; 4], version: u8, flags: u32, body: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(body.len() + 4);
    b.extend_from_slice(&((u32::from(version) << 24) | (flags & 0xff_ffff)).to_be_bytes());
    b.extend_from_slice(body);
    atom(kind, &b)
}

/// A QT atom (20-byte header with ID and child count) holding leaf data.
pub fn qt_leaf(kind: &[u8; 4], id: u32, data: &[u8]) -> Vec<u8> {
    qt_atom(kind, id, 0, data)
}

/// A QT atom holding child QT atoms.
pub fn qt_parent(kind: &[u8; 4], id: u32, children: &[Vec<u8>]) -> Vec<u8> {
    qt_atom(kind, id, children.len() as u16, &children.concat())
}

fn qt_atom(kind: &[u8; 4], id: u32, child_count: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(payload.len() + 20);
    v.extend_from_slice(&((payload.len() + 20) as u32).to_be_bytes());
    v.extend_from_slice(kind);
    v.extend_from_slice(&id.to_be_bytes());
    v.extend_from_slice(&0u16.to_be_bytes());
    v.extend_from_slice(&child_count.to_be_bytes());
    v.extend_from_slice(&0u32.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// A QT atom container: the 12-byte header, then a `sean` root holding `children`.
pub fn qt_container(children: &[Vec<u8>]) -> Vec<u8> {
    let mut v = vec![0u8; 12];
    v.extend(qt_parent(b"sean", 1, children));
    v
}

/// Big-endian byte writer for atom bodies.
#[derive(Default, Debug, Clone)]
pub struct Body(pub Vec<u8>);

impl Body {
    /// An empty body.
    pub fn new() -> Self {
        Body(Vec::new())
    }
    /// Appends a u8.
    pub fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }
    /// Appends a big-endian u16.
    pub fn u16(mut self, v: u16) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Appends a big-endian i16.
    pub fn i16(mut self, v: i16) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Appends a big-endian u32.
    pub fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Appends a big-endian i32.
    pub fn i32(mut self, v: i32) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Appends a big-endian u64.
    pub fn u64(mut self, v: u64) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Appends a big-endian f32.
    pub fn f32(mut self, v: f32) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Appends 16.16 fixed point.
    pub fn fixed16(self, v: f64) -> Self {
        self.i32((v * 65536.0).round() as i32)
    }
    /// Appends raw bytes.
    pub fn bytes(mut self, b: &[u8]) -> Self {
        self.0.extend_from_slice(b);
        self
    }
    /// Appends `n` zero bytes.
    pub fn zeros(mut self, n: usize) -> Self {
        self.0.resize(self.0.len() + n, 0);
        self
    }
    /// Appends a Pascal string padded to `width` bytes (0 = no padding).
    pub fn pascal(mut self, s: &str, width: usize) -> Self {
        let b = s.as_bytes();
        let n = b
            .len()
            .min(255)
            .min(if width > 0 { width - 1 } else { 255 });
        self.0.push(n as u8);
        self.0.extend_from_slice(&b[..n]);
        if width > 0 {
            self.0.resize(self.0.len() + width - 1 - n, 0);
        }
        self
    }
    /// The bytes.
    pub fn done(self) -> Vec<u8> {
        self.0
    }
}

/// One track for [`MovieWriter`].
#[derive(Debug, Clone, Default)]
pub struct TrackSpec {
    pub id: u32,
    pub enabled: bool,
    /// Media handler subtype: `vide`, `qtvr`, `pano`, `obje`, `STpn`, ...
    pub handler: [u8; 4],
    pub media_timescale: u32,
    /// Whole `stsd` entries (size, format, body), e.g. from [`video_entry`].
    pub descriptions: Vec<Vec<u8>>,
    /// (sample bytes, duration in media units).
    pub samples: Vec<(Vec<u8>, u32)>,
    /// (track_duration in movie units, media_time, rate).
    pub edits: Vec<(u32, i32, f64)>,
    /// Track references (type, track IDs).
    pub references: Vec<([u8; 4], Vec<u32>)>,
    /// Atoms placed inside `minf/gmhd` (e.g. a QTVR 1 `STpn` holding `pInf`).
    pub gmhd_children: Vec<Vec<u8>>,
    /// 1-based sync sample numbers for an `stss` atom (None: no `stss`, every
    /// sample is a sync sample).
    pub sync_samples: Option<Vec<u32>>,
    /// Composition offsets (`ctts`), one per sample in decode order; empty
    /// for none (every sample shown at its decode time).
    pub composition_offsets: Vec<i32>,
    /// Samples per chunk (0 or 1 = one chunk per sample).
    pub samples_per_chunk: u32,
    /// A sound track stored in chunks of equal-sized samples, as QuickTime
    /// stores sound (written instead of [`TrackSpec::samples`]).
    pub sound_chunks: Option<SoundChunkSpec>,
    pub width: u16,
    pub height: u16,
}

/// A sound track's media: chunks of samples that all have one size.
#[derive(Debug, Clone, Default)]
pub struct SoundChunkSpec {
    /// `stsz`'s one sample size (1 in classic files: a sample is a sound frame).
    pub sample_size: u32,
    /// Each sample's duration in media units (1 in classic files).
    pub sample_duration: u32,
    /// (bytes, samples) per chunk.
    pub chunks: Vec<(Vec<u8>, u32)>,
}

impl SoundChunkSpec {
    fn samples(&self) -> u64 {
        self.chunks.iter().map(|c| u64::from(c.1)).sum()
    }
    fn media_duration(&self) -> u64 {
        self.samples() * u64::from(self.sample_duration)
    }
}

/// Where the atoms of a written movie go.
#[derive(Debug, Clone, Copy, Default)]
pub struct Layout {
    /// Start with an `ftyp` atom (brand `qt  `).
    pub ftyp: bool,
    /// Put `moov` before `mdat` (the "fast start" layout).
    pub moov_first: bool,
}

/// Writes whole QuickTime movies in memory: for tests, and for movies the project makes.
#[derive(Debug, Clone, Default)]
pub struct MovieWriter {
    pub timescale: u32,
    pub tracks: Vec<TrackSpec>,
    /// Movie user data atoms (e.g. `ctyp`, `NAVG`).
    pub user_data: Vec<Vec<u8>>,
    /// Use `co64` chunk offsets.
    pub co64: bool,
}

/// A video sample description entry (QTFF "Video sample description").
pub fn video_entry(
    codec: &[u8; 4],
    width: u16,
    height: u16,
    depth: i16,
    ctab: Option<&[[u16; 4]]>,
) -> Vec<u8> {
    let mut b = Body::new()
        .zeros(6)
        .u16(1)
        .u16(0)
        .u16(0)
        .bytes(b"qtvr")
        .u32(0)
        .u32(512)
        .u16(width)
        .u16(height)
        .fixed16(72.0)
        .fixed16(72.0)
        .u32(0)
        .u16(1)
        .pascal(&String::from_utf8_lossy(codec), 32)
        .i16(depth)
        .i16(if ctab.is_some() { 0 } else { -1 });
    if let Some(t) = ctab {
        b = b.u32(0).u16(0x8000).u16((t.len().max(1) - 1) as u16);
        for e in t {
            b = b.u16(e[0]).u16(e[1]).u16(e[2]).u16(e[3]);
        }
    }
    atom(codec, &b.done())
}

/// How [`sound_entry`] writes a sound sample description.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SoundEntryVersion {
    /// Version 0: channels, sample size, rate.
    V0,
    /// Version 1: version 0's fields plus frames per packet, bytes per
    /// packet (one channel), bytes per frame (all channels), bytes per sample.
    V1([u32; 4]),
    /// Version 2: the rate as a 64-bit float, bits per channel, the linear
    /// PCM flags, bytes per packet, frames per packet.
    V2 {
        flags: u32,
        bytes_per_packet: u32,
        frames_per_packet: u32,
    },
}

/// A sound sample description entry (QTFF "Sound sample descriptions"),
/// followed by `extensions` (whole atoms: `wave`, `enda`, …).
pub fn sound_entry(
    format: &[u8; 4],
    version: SoundEntryVersion,
    channels: u16,
    bits: u16,
    rate: f64,
    extensions: &[Vec<u8>],
) -> Vec<u8> {
    let mut b = Body::new().zeros(6).u16(1);
    b = match version {
        SoundEntryVersion::V0 | SoundEntryVersion::V1(_) => {
            let v = u16::from(matches!(version, SoundEntryVersion::V1(_)));
            let compressed = matches!(format, b"ima4" | b"MAC3" | b"MAC6");
            let mut b = b
                .u16(v)
                .u16(0)
                .u32(0)
                .u16(channels)
                .u16(bits)
                .i16(if compressed { -2 } else { 0 })
                .u16(0)
                .u32((rate * 65536.0).round() as u32);
            if let SoundEntryVersion::V1(f) = version {
                b = b.u32(f[0]).u32(f[1]).u32(f[2]).u32(f[3]);
            }
            b
        }
        SoundEntryVersion::V2 {
            flags,
            bytes_per_packet,
            frames_per_packet,
        } => b
            .u16(2)
            .u16(0)
            .u32(0)
            .u16(3)
            .u16(16)
            .i16(-2)
            .u16(0)
            .u32(65536)
            .u32(72)
            .u64(rate.to_bits())
            .u32(u32::from(channels))
            .u32(0x7F00_0000)
            .u32(u32::from(bits))
            .u32(flags)
            .u32(bytes_per_packet)
            .u32(frames_per_packet),
    };
    atom(format, &b.bytes(&extensions.concat()).done())
}

/// A movie of one sound track and nothing else (for tests and fuzzing
/// seeds): `description` a whole entry ([`sound_entry`]), `media` its
/// chunks, `edits` (track duration, media time, rate) in 1/600 s.
pub fn sound_movie(
    description: Vec<u8>,
    media_timescale: u32,
    media: SoundChunkSpec,
    edits: Vec<(u32, i32, f64)>,
) -> Vec<u8> {
    MovieWriter {
        timescale: 600,
        tracks: vec![TrackSpec {
            id: 1,
            enabled: true,
            handler: *b"soun",
            media_timescale,
            descriptions: vec![description],
            sound_chunks: Some(media),
            edits,
            ..Default::default()
        }],
        user_data: Vec::new(),
        co64: false,
    }
    .finish()
}

/// A sample description entry with a raw body after the 8-byte common part.
pub fn raw_entry(format: &[u8; 4], body: &[u8]) -> Vec<u8> {
    atom(format, &Body::new().zeros(6).u16(1).bytes(body).done())
}

impl MovieWriter {
    /// The file: `mdat` first, then `moov`.
    pub fn finish(&self) -> Vec<u8> {
        self.finish_with(Layout::default())
    }

    /// The file in the given layout.
    pub fn finish_with(&self, layout: Layout) -> Vec<u8> {
        // Lay out the media data: each track's samples in order (offsets into mdat's body).
        let mut mdat = Vec::new();
        let mut offsets: Vec<Vec<u64>> = Vec::new();
        for t in &self.tracks {
            let per = t.samples_per_chunk.max(1) as usize;
            let mut chunks = Vec::new();
            if let Some(sound) = &t.sound_chunks {
                for (bytes, _) in &sound.chunks {
                    chunks.push(mdat.len() as u64);
                    mdat.extend_from_slice(bytes);
                }
            }
            for (i, (bytes, _)) in t.samples.iter().enumerate() {
                if i % per == 0 {
                    chunks.push(mdat.len() as u64);
                }
                mdat.extend_from_slice(bytes);
            }
            offsets.push(chunks);
        }
        let mut out = Vec::new();
        if layout.ftyp {
            out.extend(atom(
                b"ftyp",
                &Body::new().bytes(b"qt  ").u32(0x0200).bytes(b"qt  ").done(),
            ));
        }
        if layout.moov_first {
            // Chunk offsets have a fixed width, so the moov's length does not depend on them.
            let moov_len = self.moov(&offsets, 0).len() as u64;
            let base = out.len() as u64 + moov_len + 8;
            out.extend(self.moov(&offsets, base));
            out.extend(atom(b"mdat", &mdat));
        } else {
            let base = out.len() as u64 + 8;
            out.extend(atom(b"mdat", &mdat));
            out.extend(self.moov(&offsets, base));
        }
        out
    }

    fn moov(&self, offsets: &[Vec<u64>], base: u64) -> Vec<u8> {
        let movie_duration = self
            .tracks
            .iter()
            .map(|t| self.track_duration(t))
            .max()
            .unwrap_or(0);
        let mvhd = full_atom(
            b"mvhd",
            0,
            0,
            &Body::new()
                .u32(0)
                .u32(0)
                .u32(self.timescale)
                .u32(movie_duration)
                .fixed16(1.0)
                .u16(0x100)
                .zeros(10)
                .bytes(&identity_matrix())
                .zeros(24)
                .u32(self.tracks.iter().map(|t| t.id).max().unwrap_or(0) + 1)
                .done(),
        );
        let mut moov = vec![mvhd];
        for (t, chunks) in self.tracks.iter().zip(offsets) {
            let chunks: Vec<u64> = chunks.iter().map(|o| o + base).collect();
            moov.push(self.trak(t, &chunks));
        }
        if !self.user_data.is_empty() {
            moov.push(container(b"udta", &self.user_data));
        }
        container(b"moov", &moov)
    }

    fn track_duration(&self, t: &TrackSpec) -> u32 {
        if !t.edits.is_empty() {
            return t.edits.iter().map(|e| e.0).sum();
        }
        let media: u64 = t.samples.iter().map(|s| u64::from(s.1)).sum::<u64>()
            + t.sound_chunks.as_ref().map_or(0, |c| c.media_duration());
        (media * u64::from(self.timescale) / u64::from(t.media_timescale.max(1))) as u32
    }

    fn trak(&self, t: &TrackSpec, chunks: &[u64]) -> Vec<u8> {
        let mut trak = vec![self.tkhd(t)];
        if !t.edits.is_empty() {
            trak.push(edts(&t.edits));
        }
        if !t.references.is_empty() {
            trak.push(tref(&t.references));
        }
        let minf = container(
            b"minf",
            &[
                media_information_header(t),
                data_handler(),
                dinf(),
                stbl(t, chunks, self.co64),
            ],
        );
        trak.push(container(b"mdia", &[mdhd(t), media_handler(t), minf]));
        container(b"trak", &trak)
    }

    /// `tkhd` (track header): enabled flag, ID, duration in movie time, size.
    fn tkhd(&self, t: &TrackSpec) -> Vec<u8> {
        full_atom(
            b"tkhd",
            0,
            u32::from(t.enabled),
            &Body::new()
                .u32(0)
                .u32(0)
                .u32(t.id)
                .u32(0)
                .u32(self.track_duration(t))
                .zeros(8)
                .u16(0)
                .u16(0)
                .u16(0)
                .u16(0)
                .bytes(&identity_matrix())
                .fixed16(f64::from(t.width))
                .fixed16(f64::from(t.height))
                .done(),
        )
    }
}

/// `edts` with its `elst`: (track duration, media time, rate) per edit.
fn edts(edits: &[(u32, i32, f64)]) -> Vec<u8> {
    let mut b = Body::new().u32(edits.len() as u32);
    for &(d, m, r) in edits {
        b = b.u32(d).i32(m).fixed16(r);
    }
    container(b"edts", &[full_atom(b"elst", 0, 0, &b.done())])
}

/// `tref` (track references): one atom per reference type, the track IDs.
fn tref(references: &[([u8; 4], Vec<u32>)]) -> Vec<u8> {
    let refs: Vec<Vec<u8>> = references
        .iter()
        .map(|(k, ids)| atom(k, &ids.iter().fold(Body::new(), |b, &i| b.u32(i)).done()))
        .collect();
    container(b"tref", &refs)
}

/// `mdhd` (media header): time scale and media duration.
fn mdhd(t: &TrackSpec) -> Vec<u8> {
    let media_duration: u32 = t.samples.iter().map(|s| s.1).sum::<u32>()
        + t.sound_chunks
            .as_ref()
            .map_or(0, |c| c.media_duration() as u32);
    full_atom(
        b"mdhd",
        0,
        0,
        &Body::new()
            .u32(0)
            .u32(0)
            .u32(t.media_timescale)
            .u32(media_duration)
            .u16(0)
            .u16(0)
            .done(),
    )
}

/// The media handler (`hdlr` of type `mhlr`) naming the track's handler.
fn media_handler(t: &TrackSpec) -> Vec<u8> {
    full_atom(
        b"hdlr",
        0,
        0,
        &Body::new()
            .bytes(b"mhlr")
            .bytes(&t.handler)
            .bytes(b"appl")
            .u32(0)
            .u32(0)
            .pascal("qtvr test handler", 0)
            .done(),
    )
}

/// `vmhd` for video tracks, else `gmhd` (with `gmin` and the track's extra children).
fn media_information_header(t: &TrackSpec) -> Vec<u8> {
    if t.handler == *b"soun" {
        // `smhd`: balance 0.
        full_atom(b"smhd", 0, 0, &Body::new().u16(0).u16(0).done())
    } else if t.handler == *b"vide" {
        full_atom(
            b"vmhd",
            0,
            1,
            &Body::new()
                .u16(0x40)
                .u16(0x8000)
                .u16(0x8000)
                .u16(0x8000)
                .done(),
        )
    } else {
        let mut g = vec![atom(
            b"gmin",
            &Body::new().u32(0).u16(0x40).zeros(10).done(),
        )];
        g.extend(t.gmhd_children.iter().cloned());
        container(b"gmhd", &g)
    }
}

/// The data handler (`hdlr` of type `dhlr`, `alis`).
fn data_handler() -> Vec<u8> {
    full_atom(
        b"hdlr",
        0,
        0,
        &Body::new()
            .bytes(b"dhlr")
            .bytes(b"alis")
            .bytes(b"appl")
            .u32(0)
            .u32(0)
            .pascal("", 0)
            .done(),
    )
}

/// `dinf` with a `dref` of one self-reference (`alis`, flag 1: data in this file).
pub(crate) fn dinf() -> Vec<u8> {
    container(
        b"dinf",
        &[full_atom(
            b"dref",
            0,
            0,
            &Body::new()
                .u32(1)
                .bytes(&full_atom(b"alis", 0, 1, &[]))
                .done(),
        )],
    )
}

/// `stbl` (sample table): descriptions, times, sync samples, chunks, sizes, offsets.
fn stbl(t: &TrackSpec, chunks: &[u64], co64: bool) -> Vec<u8> {
    let stsd = full_atom(
        b"stsd",
        0,
        0,
        &Body::new()
            .u32(t.descriptions.len() as u32)
            .bytes(&t.descriptions.concat())
            .done(),
    );
    if let Some(sound) = &t.sound_chunks {
        return sound_stbl(stsd, sound, chunks, co64);
    }
    let per = t.samples_per_chunk.max(1);
    let stsc = full_atom(
        b"stsc",
        0,
        0,
        &Body::new().u32(1).u32(1).u32(per).u32(1).done(),
    );
    let stsz = full_atom(
        b"stsz",
        0,
        0,
        &t.samples
            .iter()
            .fold(Body::new().u32(0).u32(t.samples.len() as u32), |b, s| {
                b.u32(s.0.len() as u32)
            })
            .done(),
    );
    let mut stbl = vec![stsd, stts(&t.samples)];
    if !t.composition_offsets.is_empty() {
        let mut runs: Vec<(u32, i32)> = Vec::new();
        for &o in &t.composition_offsets {
            match runs.last_mut() {
                Some(r) if r.1 == o => r.0 += 1,
                _ => runs.push((1, o)),
            }
        }
        let body = runs
            .iter()
            .fold(Body::new().u32(runs.len() as u32), |b, &(n, o)| {
                b.u32(n).i32(o)
            });
        stbl.push(full_atom(b"ctts", 0, 0, &body.done()));
    }
    if let Some(sync) = &t.sync_samples {
        stbl.push(full_atom(
            b"stss",
            0,
            0,
            &sync
                .iter()
                .fold(Body::new().u32(sync.len() as u32), |b, &n| b.u32(n))
                .done(),
        ));
    }
    stbl.extend([stsc, stsz, chunk_offsets(chunks, co64)]);
    container(b"stbl", &stbl)
}

/// A sound track's `stbl`: one `stts` run, `stsc` runs of equal chunks,
/// one `stsz` size.
fn sound_stbl(stsd: Vec<u8>, sound: &SoundChunkSpec, chunks: &[u64], co64: bool) -> Vec<u8> {
    let total = sound.samples() as u32;
    let stts = full_atom(
        b"stts",
        0,
        0,
        &Body::new()
            .u32(1)
            .u32(total)
            .u32(sound.sample_duration)
            .done(),
    );
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for (i, c) in sound.chunks.iter().enumerate() {
        if runs.last().is_none_or(|r| r.1 != c.1) {
            runs.push((i as u32 + 1, c.1));
        }
    }
    let stsc = full_atom(
        b"stsc",
        0,
        0,
        &runs
            .iter()
            .fold(Body::new().u32(runs.len() as u32), |b, r| {
                b.u32(r.0).u32(r.1).u32(1)
            })
            .done(),
    );
    let stsz = full_atom(
        b"stsz",
        0,
        0,
        &Body::new().u32(sound.sample_size).u32(total).done(),
    );
    container(
        b"stbl",
        &[stsd, stts, stsc, stsz, chunk_offsets(chunks, co64)],
    )
}

/// `stts` (time to sample): runs of equal sample durations.
fn stts(samples: &[(Vec<u8>, u32)]) -> Vec<u8> {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for s in samples {
        match runs.last_mut() {
            Some(r) if r.1 == s.1 => r.0 += 1,
            _ => runs.push((1, s.1)),
        }
    }
    let mut stts = Body::new().u32(runs.len() as u32);
    for (n, d) in &runs {
        stts = stts.u32(*n).u32(*d);
    }
    full_atom(b"stts", 0, 0, &stts.done())
}

/// `co64` (64-bit) or `stco` (32-bit) chunk offsets.
fn chunk_offsets(chunks: &[u64], co64: bool) -> Vec<u8> {
    if co64 {
        full_atom(
            b"co64",
            0,
            0,
            &chunks
                .iter()
                .fold(Body::new().u32(chunks.len() as u32), |b, &o| b.u64(o))
                .done(),
        )
    } else {
        full_atom(
            b"stco",
            0,
            0,
            &chunks
                .iter()
                .fold(Body::new().u32(chunks.len() as u32), |b, &o| {
                    b.u32(o as u32)
                })
                .done(),
        )
    }
}

fn identity_matrix() -> Vec<u8> {
    Body::new()
        .u32(0x10000)
        .u32(0)
        .u32(0)
        .u32(0)
        .u32(0x10000)
        .u32(0)
        .u32(0)
        .u32(0)
        .u32(0x4000_0000)
        .done()
}
