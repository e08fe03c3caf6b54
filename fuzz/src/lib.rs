//! What the fuzz targets run, one function per target: bytes in, the
//! library's readers over them, nothing out. A call may return early or
//! find an error; it must never panic, hang or allocate past the budget.
//!
//! The same file is the harness of `tests/corrupt_replay.rs`, which replays
//! every input under `tests/fixtures/corrupt/` through these functions (it
//! includes this file as a module), so a finding replays exactly as the
//! fuzzer ran it. It therefore uses only `std` and `qtvr-format`; the
//! `web_plan` target's body, which needs the root package `qtvr`, is
//! `web.rs`, included the same way by that target and by the test.

use std::sync::Arc;

use qtvr_format::assemble::{self, ObjectFrame};
use qtvr_format::codec::{Frame, StreamInfo, decoder_for};
use qtvr_format::container::FourCC;
use qtvr_format::container::reader::parse_atom_at;
use qtvr_format::container::sample_desc::read_sample_entry;
use qtvr_format::disk::Image;
use qtvr_format::error::Location;
use qtvr_format::limits::Limits;
use qtvr_format::mac::{self, Forks};
use qtvr_format::qtvr::{self as scene, Loaded, NodeContent};
use qtvr_format::source::ByteSource;
use qtvr_format::tiles::{self, DecodeOptions, Fallback, Role};

/// The codecs with a decoder here ([`decoder_for`]); the first byte of a
/// `codecs` input picks one.
pub const CODECS: [&[u8; 4]; 16] = [
    b"raw ", b"rle ", b"smc ", b"rpza", b"cvid", b"SVQ1", b"jpeg", b"mjpa", b"mjpb", b"8BPS",
    b"2vuy", b"yuvs", b"yuv2", b"png ", b"gif ", b"tiff",
];

/// Most samples one `codecs` input holds.
pub const MAX_SAMPLES: usize = 4;
/// Nodes of a movie whose pictures are decoded and assembled.
const NODES: usize = 3;
/// Object views decoded per object node.
const OBJECT_VIEWS: u32 = 4;
/// Samples of each track of a plain movie (or of a node's preview and
/// low-resolution tracks) decoded.
const TRACK_SAMPLES: usize = 4;
/// Bytes read of each fork (a disc image's file, a Mac wrapper's forks).
const FORK_READ: u64 = 1 << 20;
/// Entries of a disc image whose forks are read; of those, movies loaded.
const DISK_ENTRIES: usize = 64;
const DISK_MOVIES: usize = 4;

/// The limits of decoding and assembly in the fuzz targets: pictures small
/// enough that one input runs in well under the fuzzer's 1 s timeout (the
/// readers' own allocation budget, [`qtvr_format::limits::Budget`], is the
/// library's default, set from the input's length).
pub fn limits() -> Limits {
    Limits {
        frame_max_side: 4096,
        frame_max_bytes: 1 << 20,
        request_max_bytes: 16 << 20,
        picture_max_side: 8192,
        picture_max_bytes: 8 << 20,
        ..Limits::DEFAULT
    }
}

/// Decoding in the fuzz targets: [`limits`], one thread, no ffmpeg.
pub fn decode_options() -> DecodeOptions {
    DecodeOptions {
        limits: limits(),
        parallel: false,
        fallback: Fallback::Off,
        ..DecodeOptions::default()
    }
}

/// A borrowed slice as a [`ByteSource`] (`[u8]` is one, but unsized).
pub struct Bytes<'a>(pub &'a [u8]);

impl ByteSource for Bytes<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        <[u8] as ByteSource>::read_exact_at(self.0, offset, buf)
    }
}

// ---------------------------------------------------------------------------
// movie: bytes → container, scene, the first nodes' pictures.

/// Target `movie`: the bytes as a movie file: container and QTVR scene read,
/// then the first nodes' tiles decoded and assembled (a plain movie: the
/// first samples of its video tracks decoded).
pub fn movie(data: &[u8]) {
    let src = Bytes(data);
    if let Ok(loaded) = scene::load(&src) {
        pictures(&src, &loaded);
    }
}

/// The limits of sound decoding in the `sound` target: [`limits`] with a
/// 32 MiB budget for one track's decoded samples, so that one input's work
/// stays well under the fuzzer's 1 s timeout.
pub fn sound_limits() -> Limits {
    Limits {
        memory: 32 << 20,
        ..limits()
    }
}

/// Target `sound`: a movie's sound tracks, each described (as `qtvr info`
/// does), decoded with the decoders here (no ffmpeg), laid out by its edits
/// and placed in the scene (nodes, object views), then cut and mixed as the
/// WAV export and the player's clips do, and written as WAV.
pub fn sound(data: &[u8]) {
    use qtvr_format::sound::{self as snd, mix, wav};
    let src = Bytes(data);
    let loaded = scene::load(&src).ok();
    let plain = match &loaded {
        Some(_) => None,
        None => qtvr_format::container::read_movie(
            &src,
            &qtvr_format::limits::Budget::for_file(src.len()),
        )
        .ok(),
    };
    let (movie, scene) = match (&loaded, &plain) {
        (Some(l), _) => (&l.movie, l.scene.as_ref()),
        (None, Some(m)) => (m, None),
        (None, None) => return,
    };
    let limits = sound_limits();
    let mut decoded = Vec::new();
    for t in snd::sound_tracks(movie) {
        let _ = snd::track_info(movie, t);
        if let Ok((s, _)) = snd::decode(&src, movie, t, &limits, &Fallback::Off) {
            decoded.push(s);
        }
    }
    if let Some(sc) = scene {
        for s in &decoded {
            let p = snd::place(sc, movie.timescale, s.start, s.end());
            for part in p.parts.iter().take(8) {
                let _ = mix::cut(s, part.start, part.end, &limits);
            }
        }
        let (placed, _) = snd::load_all(&src, movie, sc, &limits, &Fallback::Off);
        let _ = placed.len();
    }
    if let Ok(Some(m)) = mix::mix(&decoded, 0.0, 60.0, &limits) {
        let _ = wav::wav_bytes(&m.data, m.channels, m.rate);
    }
    if let Some(s) = decoded.first() {
        let _ = wav::wav_bytes(&s.data, s.channels, s.rate);
    }
}

/// Decodes and assembles what a loaded movie shows: the first [`NODES`]
/// nodes' pictures, or for a plain movie the first samples of each video
/// track.
pub fn pictures(src: &dyn ByteSource, loaded: &Loaded) {
    let opts = decode_options();
    let movie = &loaded.movie;
    let Some(sc) = &loaded.scene else {
        for t in movie.tracks.iter().filter(|t| t.handler.0 == *b"vide") {
            let n = t.samples.len().min(TRACK_SAMPLES);
            let samples: Vec<usize> = (0..n).collect();
            let _ = tiles::decode_track(src, t, &samples, Role::Image, &opts);
        }
        return;
    };
    let _ = sc.node(sc.default_node);
    for node in sc.nodes.iter().take(NODES) {
        match &node.content {
            NodeContent::Panorama(p) => {
                if let Ok(pic) = assemble::panorama_picture(src, movie, node, &opts) {
                    // Hot spot picking and texel lookup over the assembled surfaces.
                    for ray in [[0.0, 0.0, 1.0], [1.0, 0.2, 0.0], [0.0, -1.0, 0.0]] {
                        let _ = pic.hotspot_at_ray(ray);
                        for s in &pic.surfaces {
                            let _ = s.texel_of_ray(ray);
                        }
                    }
                }
                // The preview and low-resolution tracks' first samples.
                let others = p
                    .preview_track
                    .iter()
                    .chain(p.low_res_tracks.iter().map(|(_, u)| u));
                for u in others {
                    if let Some(t) = movie.tracks.iter().find(|t| t.id == u.track_id) {
                        let n = u.samples.len().min(TRACK_SAMPLES);
                        let _ = tiles::decode_track(src, t, &u.samples[..n], Role::Image, &opts);
                    }
                }
            }
            NodeContent::Object(o) => {
                let views: Vec<ObjectFrame> = (0..OBJECT_VIEWS)
                    .map(|i| ObjectFrame {
                        row: i % o.rows.max(1),
                        column: i.wrapping_mul(7) % o.columns.max(1),
                        state: i % o.view_states.max(1),
                        frame: i % o.frames_per_view.max(1),
                    })
                    .collect();
                let _ = assemble::object_pictures(src, movie, node.id, o, &views, &opts);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// codecs: a sample description and samples through one decoder.

/// A `codecs` input, parsed: the stream and its samples.
pub struct CodecInput<'a> {
    pub info: StreamInfo,
    /// Each sample after the first: also a sync sample (else a delta frame
    /// on the previous ones).
    pub all_sync: bool,
    pub samples: Vec<&'a [u8]>,
}

/// Reads a `codecs` input:
///
/// ```text
/// byte 0        the codec: CODECS[byte % 16]
/// byte 1        bit 0: every sample is a sync sample
/// bytes 2..     one `stsd` entry (a 4-byte size, the format, 6 reserved
///               bytes, the data reference index, the video description:
///               width, height, depth, colour table, extensions), as stored
/// then          up to MAX_SAMPLES samples, each a 4-byte big-endian length
///               and its bytes (the last takes what is left when its
///               length runs past the end)
/// ```
pub fn parse_codec_input(data: &[u8]) -> Option<CodecInput<'_>> {
    let (&pick, rest) = data.split_first()?;
    let (&flags, rest) = rest.split_first()?;
    let size = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let entry = rest.get(..size)?;
    let (atom, _) = parse_atom_at(entry, 0, Location::file(0)).ok()?;
    let mut desc = read_sample_entry(&atom, true).ok()?;
    desc.format = FourCC(*CODECS[usize::from(pick) % CODECS.len()]);
    let info = StreamInfo::from_description(&desc)?;
    let mut rest = &rest[size..];
    let mut samples = Vec::new();
    while samples.len() < MAX_SAMPLES && rest.len() >= 4 {
        let n = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let body = &rest[4..];
        let n = n.min(body.len());
        samples.push(&body[..n]);
        rest = &body[n..];
    }
    Some(CodecInput {
        info,
        all_sync: flags & 1 != 0,
        samples,
    })
}

/// Writes a `codecs` input ([`parse_codec_input`]); `None` when the codec is
/// not one of [`CODECS`].
pub fn codec_input(
    codec: [u8; 4],
    entry: &[u8],
    samples: &[&[u8]],
    all_sync: bool,
) -> Option<Vec<u8>> {
    let pick = CODECS.iter().position(|c| **c == codec)?;
    let mut out = vec![pick as u8, u8::from(all_sync)];
    out.extend_from_slice(entry);
    for s in samples.iter().take(MAX_SAMPLES) {
        out.extend_from_slice(&(s.len() as u32).to_be_bytes());
        out.extend_from_slice(s);
    }
    Some(out)
}

/// Target `codecs`: a sample description and up to [`MAX_SAMPLES`] samples
/// through the description's decoder, frame after frame (predictive codecs
/// decode each sample on top of the previous frame).
pub fn codecs(data: &[u8]) {
    let Some(input) = parse_codec_input(data) else {
        return;
    };
    let Ok(mut dec) = decoder_for(&input.info) else {
        return;
    };
    let info = &input.info;
    let Ok(mut frame) = Frame::new(
        info.width,
        info.height,
        dec.kind(),
        info.palette.clone(),
        &limits(),
    ) else {
        return;
    };
    for (i, s) in input.samples.iter().enumerate() {
        let _ = dec.decode(s, i == 0 || input.all_sync, &mut frame);
    }
    let _ = frame.to_rgba();
}

// ---------------------------------------------------------------------------
// mac: Mac wrappers and resource forks.

/// Reads up to [`FORK_READ`] bytes of a fork, in pieces.
fn read_fork(fork: &dyn ByteSource) {
    let mut buf = vec![0u8; 64 << 10];
    let end = fork.len().min(FORK_READ);
    let mut at = 0;
    while at < end {
        let n = (end - at).min(buf.len() as u64) as usize;
        if fork.read_exact_at(at, &mut buf[..n]).is_err() {
            break;
        }
        at += n as u64;
    }
    // Reads past the end fail, never panic.
    let _ = fork.read_exact_at(fork.len(), &mut buf[..1]);
    let _ = fork.read_exact_at(u64::MAX, &mut buf[..1]);
}

/// Reads both forks and loads the movie they hold.
fn forks_and_movie(forks: &Forks) {
    read_fork(forks.data.as_ref());
    if let Some(r) = &forks.resource {
        read_fork(r.as_ref());
    }
    if let Ok(loaded) = scene::open_forks(forks) {
        pictures(forks.data.as_ref(), &loaded);
    }
}

/// Target `mac`: the bytes as a Mac file: MacBinary, AppleSingle or BinHex
/// unwrapped (and the movie in its forks loaded); as an AppleDouble file,
/// whose resource fork holds the movie atom of an empty data fork; and as a
/// bare resource fork.
pub fn mac(data: &[u8]) {
    let file: Arc<dyn ByteSource> = Arc::new(data.to_vec());
    if let Ok(Some(forks)) = mac::unwrap(&file, "fuzz") {
        forks_and_movie(&forks);
    }
    if let Ok(e) = mac::apple_single::read(&file, "fuzz") {
        let forks = Forks {
            data: e.data.unwrap_or_else(|| Arc::new(Vec::new())),
            resource: e.resource,
            finder: e.finder,
            how: "AppleDouble".into(),
            looked: Vec::new(),
        };
        forks_and_movie(&forks);
    }
    let _ = mac::binhex::detect(file.as_ref());
    let _ = mac::resource::find(file.as_ref(), FourCC(*b"moov"), "fuzz");
    let forks = Forks {
        data: Arc::new(Vec::new()),
        resource: Some(file),
        finder: None,
        how: "resource fork".into(),
        looked: Vec::new(),
    };
    forks_and_movie(&forks);
}

// ---------------------------------------------------------------------------
// disk: disc images.

/// Target `disk`: the bytes as a disc image (HFS, HFS+, an Apple partition
/// map, ISO 9660): the volume read and listed, every listed file looked up
/// by its path and its forks read, the first movies loaded.
pub fn disk(data: &[u8]) {
    let image: Arc<dyn ByteSource> = Arc::new(data.to_vec());
    let Ok(Some(img)) = Image::read(image) else {
        return;
    };
    let _ = (img.volume_name(), img.volume_kind(), &img.layout);
    let mut movies = 0;
    for e in img.entries().iter().take(DISK_ENTRIES) {
        let _ = img.find(&e.path, "fuzz.img");
        let _ = img.find(&qtvr_format::disk::fold(&e.path), "fuzz.img");
        let Ok(forks) = img.forks(e, "fuzz.img") else {
            continue;
        };
        read_fork(forks.data.as_ref());
        if let Some(r) = &forks.resource {
            read_fork(r.as_ref());
        }
        if movies < DISK_MOVIES {
            movies += 1;
            let _ = scene::open_forks(&forks);
        }
    }
}

// ---------------------------------------------------------------------------
// web_plan: which movies the web export is fuzzed with (the export: web.rs).

/// Most pixels a `web_plan` input's nodes may draw from, all tracks of all
/// nodes together (each sample counted at its track's largest description):
/// the export decodes with the viewer's limits, which allow pictures far
/// slower to assemble and encode than the fuzzer's 1 s timeout.
pub const WEB_MAX_PIXELS: u64 = 512 * 512;

/// Whether the web export of `loaded` stays small enough for the fuzzer:
/// it is a QTVR movie, the samples its nodes use come to at most
/// [`WEB_MAX_PIXELS`], and every description of their tracks has a decoder
/// here (so that the export never starts ffmpeg).
pub fn web_fits(loaded: &Loaded) -> bool {
    let Some(sc) = &loaded.scene else {
        return false;
    };
    let mut pixels = 0u64;
    for node in &sc.nodes {
        for (u, _) in tiles::node_tracks(node) {
            for t in loaded.movie.tracks.iter().filter(|t| t.id == u.track_id) {
                let mut largest = 0u64;
                for d in &t.descriptions {
                    let Some(i) = StreamInfo::from_description(d) else {
                        continue;
                    };
                    if matches!(
                        decoder_for(&i),
                        Err(qtvr_format::codec::Unsupported::Codec(_))
                    ) {
                        return false;
                    }
                    largest = largest.max(u64::from(i.width) * u64::from(i.height));
                }
                pixels = pixels.saturating_add(largest.saturating_mul(u.samples.len() as u64));
                if pixels > WEB_MAX_PIXELS {
                    return false;
                }
            }
        }
    }
    true
}
