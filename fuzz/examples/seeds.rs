//! Writes the seed corpora `fuzz/corpus/<target>/` (each folder emptied
//! first): small movies written here with the crate's own writer (tours of
//! cylinders, cubes and objects with hot spots), the sample movies of
//! `../shared/samples` cut down to their movie atom and the start of their
//! media, the codec fixtures' sample descriptions and first samples, the
//! small movie wrapped in every Mac format, small disc images holding it,
//! and zip archives holding it as Macs make them; then every minimised finding under `tests/fixtures/corrupt/` for its
//! target. Run from anywhere:
//!
//! ```sh
//! cargo run --release --manifest-path fuzz/Cargo.toml --example seeds
//! ```

#[path = "../../tests/support/diskimg.rs"]
mod diskimg;
#[path = "../../tests/support/tours.rs"]
mod tours;

use std::path::{Path, PathBuf};

use image::{GrayImage, Luma};
use qtvr_format::container::{FourCC, read_movie, scan_top_level};
use qtvr_format::limits::Budget;
use qtvr_format::mac::FinderInfo;
use qtvr_format::qtvr::scene::{HotspotId, NodeId};
use qtvr_format::qtvr::write::{
    CubeSpec, CylinderSpec, HotSpotAction, ObjectBehaviour, ObjectSpec, PanoLimits, Tour,
    TourContent, TourHotSpot, TourNode,
};
use qtvr_format::source::{ByteSource, FileSource, read_vec};
use tours::{gradient, v};

/// The largest seed of a cut-down sample movie.
const CUT: usize = 32 << 10;
/// The largest `codecs` seed.
const CODEC_SEED: usize = 16 << 10;
/// Samples of a `codecs` seed.
const CODEC_SAMPLES: usize = 3;

const TARGETS: [&str; 7] = [
    "movie", "codecs", "mac", "disk", "web_plan", "archive", "sound",
];

struct Corpus {
    dir: PathBuf,
    count: usize,
    bytes: usize,
}

impl Corpus {
    fn new(dir: PathBuf) -> Corpus {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Corpus {
            dir,
            count: 0,
            bytes: 0,
        }
    }

    fn add(&mut self, name: &str, bytes: &[u8]) {
        std::fs::write(self.dir.join(name), bytes).unwrap();
        self.count += 1;
        self.bytes += bytes.len();
    }
}

/// A hot spot map: `id` in the rectangle [x0, y0, x1, y1).
fn map(w: u32, h: u32, spots: &[(u8, [u32; 4])]) -> GrayImage {
    GrayImage::from_fn(w, h, |x, y| {
        let id = spots
            .iter()
            .find(|(_, r)| x >= r[0] && x < r[2] && y >= r[1] && y < r[3])
            .map_or(0, |(id, _)| *id);
        Luma([id])
    })
}

fn link(id: u8, to: u32, pan: Option<f32>) -> TourHotSpot {
    TourHotSpot {
        id: HotspotId(id.into()),
        name: Some(format!("to {to}")),
        best_view: Some(v(10.0, 0.0, 40.0)),
        rect: Some([1, 2, 5, 9]),
        action: HotSpotAction::Link {
            to_node: NodeId(to),
            pan,
            tilt: Some(0.0),
            fov: None,
        },
    }
}

fn cylinder(id: u32, tiles: u32, to: u32) -> TourNode {
    TourNode {
        id: NodeId(id),
        name: Some("Field".into()),
        content: TourContent::Cylinder(CylinderSpec {
            image: gradient(24 * tiles, 16, [40, 160, 60]),
            tiles,
            hotspots: Some(map(12 * tiles, 8, &[(1, [2, 2, 8, 6]), (2, [9, 1, 11, 7])])),
            limits: PanoLimits {
                pan: [0.0, 360.0],
                tilt: [-30.0, 30.0],
                fov: [10.0, 60.0],
                default: v(0.0, 0.0, 50.0),
            },
        }),
        hotspots: vec![
            link(1, to, Some(90.0)),
            TourHotSpot {
                id: HotspotId(2),
                name: Some("Web".into()),
                best_view: None,
                rect: None,
                action: HotSpotAction::Url("https://example.org/".into()),
            },
        ],
    }
}

fn cube(id: u32, to: u32) -> TourNode {
    TourNode {
        id: NodeId(id),
        name: Some("Box".into()),
        content: TourContent::Cube(Box::new(CubeSpec {
            faces: std::array::from_fn(|i| gradient(16, 16, [(i as u8) * 40, 90, 200])),
            hotspots: Some(std::array::from_fn(|i| {
                map(12, 12, &[(3, [i as u32, 2, 8, 9])])
            })),
            limits: PanoLimits {
                pan: [0.0, 360.0],
                tilt: [-90.0, 90.0],
                fov: [10.0, 100.0],
                default: v(0.0, 0.0, 80.0),
            },
        })),
        hotspots: vec![link(3, to, None)],
    }
}

fn object(id: u32, to: u32, states: u16, frames_per_view: u16) -> TourNode {
    let (rows, columns) = (2, 4);
    let n = rows * columns * u32::from(states) * u32::from(frames_per_view);
    TourNode {
        id: NodeId(id),
        name: Some("Thing".into()),
        content: TourContent::Object(ObjectSpec {
            frames: (0..n)
                .map(|i| gradient(16, 12, [(i * 9) as u8, 100, 200]))
                .collect(),
            rows,
            columns,
            pan: [0.0, 360.0],
            tilt: [30.0, -30.0],
            fov: [16.0, 64.0],
            default: v(0.0, 0.0, 64.0),
            hotspots: vec![map(16, 12, &[(4, [2, 2, 9, 8])])],
            behaviour: ObjectBehaviour {
                view_states: states,
                frames_per_view,
                animation_settings: if frames_per_view > 1 { 1 } else { 0 },
                ..ObjectBehaviour::default()
            },
        }),
        hotspots: vec![link(4, to, None)],
    }
}

fn tour(name: &str, nodes: Vec<TourNode>) -> Vec<u8> {
    Tour {
        name: Some(name.into()),
        default_node: nodes[0].id,
        nodes,
        jpeg_quality: 70,
    }
    .write()
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The small movies written here: (name, bytes).
fn tours() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("tour-cylinder", tour("cylinder", vec![cylinder(1, 2, 1)])),
        ("tour-cube", tour("cube", vec![cube(1, 1)])),
        ("tour-object", tour("object", vec![object(1, 1, 1, 1)])),
        (
            "tour-object-states-frames",
            tour("object states", vec![object(1, 1, 2, 2)]),
        ),
        (
            "tour-three-nodes",
            tour(
                "three nodes",
                vec![cylinder(1, 3, 2), cube(2, 3), object(3, 1, 1, 1)],
            ),
        ),
    ]
}

/// Plain movies of one short sound track each: (name, bytes).
fn sound_seeds() -> Vec<(String, Vec<u8>)> {
    use qtvr_format::container::build::{
        SoundChunkSpec, SoundEntryVersion as V, atom, container, sound_entry, sound_movie,
    };
    let movie = sound_movie;
    let bytes = |n: usize| -> Vec<u8> { (0..n).map(|i| (i * 73 % 256) as u8).collect() };
    // Two chunks of `frames` frames each, packets of (frames, bytes).
    let classic = |frames: usize, packet: (usize, usize)| SoundChunkSpec {
        sample_size: 1,
        sample_duration: 1,
        chunks: (0..2)
            .map(|_| (bytes(frames.div_ceil(packet.0) * packet.1), frames as u32))
            .collect(),
    };
    let enda = vec![container(
        b"wave",
        &[atom(b"frma", b"in24"), atom(b"enda", &[0, 1])],
    )];
    let mut out = Vec::new();
    for (name, format, channels, bits, ext, packet, v1) in [
        ("raw8", b"raw ", 1u16, 8u16, vec![], (1, 1), false),
        ("none16", b"NONE", 2, 16, vec![], (1, 4), false),
        ("twos16", b"twos", 2, 16, vec![], (1, 4), false),
        ("sowt16", b"sowt", 1, 16, vec![], (1, 2), false),
        ("in24le", b"in24", 1, 24, enda.clone(), (1, 3), true),
        ("in32", b"in32", 2, 32, vec![], (1, 8), true),
        ("fl32", b"fl32", 1, 32, vec![], (1, 4), true),
        ("fl64le", b"fl64", 1, 64, enda, (1, 8), true),
        ("ulaw", b"ulaw", 1, 16, vec![], (1, 1), false),
        ("alaw", b"alaw", 2, 16, vec![], (1, 2), false),
        ("ima4", b"ima4", 2, 16, vec![], (64, 68), true),
        ("mac3", b"MAC3", 1, 8, vec![], (6, 2), true),
        ("mac6", b"MAC6", 2, 8, vec![], (6, 2), true),
    ] {
        let version = if v1 {
            V::V1([
                packet.0 as u32,
                (packet.1 / usize::from(channels)) as u32,
                packet.1 as u32,
                2,
            ])
        } else {
            V::V0
        };
        let entry = sound_entry(format, version, channels, bits, 8000.0, &ext);
        out.push((
            format!("sound-{name}"),
            movie(entry, 8000, classic(192, packet), Vec::new()),
        ));
    }
    // One ima4 packet per sample (stsz 68, stts 64), as ffmpeg writes.
    let entry = sound_entry(b"ima4", V::V1([64, 34, 68, 2]), 2, 16, 8000.0, &[]);
    let packets = SoundChunkSpec {
        sample_size: 68,
        sample_duration: 64,
        chunks: vec![(bytes(4 * 68), 4)],
    };
    out.push((
        "sound-ima4-packets".into(),
        movie(entry, 8000, packets, Vec::new()),
    ));
    // Version 2 linear PCM; edits that delay, repeat and silence it.
    let entry = sound_entry(
        b"lpcm",
        V::V2 {
            flags: 4 | 8,
            bytes_per_packet: 6,
            frames_per_packet: 1,
        },
        2,
        24,
        96000.0,
        &[],
    );
    let edits = vec![(60, -1, 1.0), (30, 0, 1.0), (10, -1, 1.0), (30, 96, 1.0)];
    out.push((
        "sound-lpcm-edits".into(),
        movie(entry, 96000, classic(192, (1, 6)), edits),
    ));
    out
}

/// A movie cut down to at most [`CUT`] bytes: its top-level atoms in order,
/// each media data atom (`mdat`) shortened to what fits beside the others,
/// so that the movie atom is whole and the first samples are still where
/// its tables say (later samples point past the end, or into the atoms
/// after a shortened `mdat`: the readers must take that too).
fn cut_down(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.len() <= CUT {
        return Some(bytes.to_vec());
    }
    let (atoms, _) = scan_top_level(&bytes.to_vec()).ok()?;
    let others: u64 = atoms
        .iter()
        .filter(|a| a.kind.0 != *b"mdat")
        .map(|a| a.size)
        .sum();
    let mut room = (CUT as u64).checked_sub(others)?;
    let mut out = Vec::new();
    for a in &atoms {
        let start = a.offset as usize;
        let end = ((a.offset + a.size) as usize).min(bytes.len());
        if a.kind.0 != *b"mdat" {
            out.extend_from_slice(&bytes[start..end]);
            continue;
        }
        let keep = a.size.min(room).max(a.header_len) as usize;
        room = room.saturating_sub(keep as u64);
        let mut m = bytes[start..start + keep].to_vec();
        if a.header_len == 16 {
            m[8..16].copy_from_slice(&(keep as u64).to_be_bytes());
        } else {
            m[..4].copy_from_slice(&(keep as u32).to_be_bytes());
        }
        out.extend_from_slice(&m);
    }
    (out.len() <= CUT).then_some(out)
}

/// Every `.mov` under `dir`, sorted.
fn movies_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "mov") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

/// `codecs` seeds from a movie: for its first video track, the sample
/// description entry and the first samples, cut to [`CODEC_SEED`] bytes.
fn codec_seed(path: &Path) -> Option<Vec<u8>> {
    let src = FileSource::open(path).ok()?;
    let movie = read_movie(&src, &Budget::for_file(src.len())).ok()?;
    let t = movie.tracks.iter().find(|t| {
        t.handler.0 == *b"vide"
            && t.descriptions.first().is_some_and(|d| d.video.is_some())
            && !t.samples.is_empty()
    })?;
    let d = &t.descriptions[0];
    let mut entry = Vec::new();
    entry.extend_from_slice(&(16 + d.data.len() as u32).to_be_bytes());
    entry.extend_from_slice(&d.format.0);
    entry.extend_from_slice(&[0; 6]);
    entry.extend_from_slice(&d.data_ref_index.to_be_bytes());
    entry.extend_from_slice(&d.data);
    let room = CODEC_SEED.saturating_sub(entry.len() + 2 + 4 * CODEC_SAMPLES);
    let n = t.samples.len().min(CODEC_SAMPLES);
    let each = room / n;
    let samples: Vec<Vec<u8>> = t.samples[..n]
        .iter()
        .map(|s| {
            let len = u64::from(s.size).min(each as u64);
            read_vec(&src, s.offset, len).unwrap_or_default()
        })
        .collect();
    let refs: Vec<&[u8]> = samples.iter().map(Vec::as_slice).collect();
    qtvr_fuzz::codec_input(d.format.0, &entry, &refs, false)
}

/// The movie without its movie atom (renamed `free`), and the movie atom:
/// the data and resource forks of a Mac movie.
fn split_moov(movie: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (atoms, _) = scan_top_level(&movie.to_vec()).unwrap();
    let moov = atoms.iter().find(|a| a.kind.0 == *b"moov").unwrap();
    let range = moov.offset as usize..(moov.offset + moov.size) as usize;
    let atom = movie[range.clone()].to_vec();
    let mut data = movie.to_vec();
    data[range.start + 4..range.start + 8].copy_from_slice(b"free");
    (data, atom)
}

/// A zip archive of `(name, bytes, deflated)` members.
fn zip_of(members: &[(&str, &[u8], bool)]) -> Vec<u8> {
    use std::io::Write as _;
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes, deflated) in members {
        let method = if *deflated {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let opts = SimpleFileOptions::default().compression_method(method);
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn main() {
    let fuzz = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = fuzz.parent().unwrap().to_path_buf();
    let samples = root.parent().unwrap().join("shared/samples");
    let mut corpora: Vec<Corpus> = TARGETS
        .iter()
        .map(|t| Corpus::new(fuzz.join("corpus").join(t)))
        .collect();
    let [movie, codecs, mac, disk, web, archive, sound] = &mut corpora[..] else {
        unreachable!()
    };

    // movie and web_plan: the small tours, the cut-down samples, the
    // smallest codec fixtures (plain movies).
    let tours = tours();
    for (name, bytes) in &tours {
        movie.add(name, bytes);
        web.add(name, bytes);
    }
    let sample_movies = movies_under(&samples);
    if sample_movies.is_empty() {
        eprintln!("seeds: no sample movies at {}", samples.display());
    }
    for p in &sample_movies {
        let bytes = std::fs::read(p).unwrap();
        let Some(cut) = cut_down(&bytes) else {
            eprintln!("seeds: {} not cut down", p.display());
            continue;
        };
        let name = format!("sample-{}", stem(p));
        movie.add(&name, &cut);
        let src = qtvr_fuzz::Bytes(&cut);
        if let Ok(l) = qtvr_format::qtvr::load(&src)
            && qtvr_fuzz::web_fits(&l)
        {
            web.add(&name, &cut);
        }
    }
    let fixtures = movies_under(&root.join("tests/fixtures/codecs"));
    for p in &fixtures {
        if let Some(seed) = codec_seed(p) {
            codecs.add(&stem(p), &seed);
        }
        let bytes = std::fs::read(p).unwrap();
        if bytes.len() <= 6 << 10 {
            movie.add(&format!("fixture-{}", stem(p)), &bytes);
        }
    }
    for p in sample_movies
        .iter()
        .filter(|p| p.to_string_lossy().contains("/gen/"))
    {
        if let Some(seed) = codec_seed(p) {
            codecs.add(&format!("sample-{}", stem(p)), &seed);
        }
    }

    // mac: the cylinder tour in every wrapper, with its movie atom in the
    // data fork or in the resource fork's 'moov' resource.
    let small = &tours[0].1;
    let (data_only, moov) = split_moov(small);
    let data_only_copy = data_only.clone();
    let rsrc = qtvr_format::mac::resource::write(&[
        (FourCC(*b"moov"), 128, &moov),
        (FourCC(*b"STR "), -16396, b"\x05hello"),
    ]);
    let finder = FinderInfo {
        file_type: FourCC(*b"MooV"),
        creator: FourCC(*b"TVOD"),
    };
    use qtvr_format::mac::{apple_single, binhex, macbinary};
    mac.add(
        "macbinary2",
        &macbinary::write("Tour", finder, small, &[], false),
    );
    mac.add(
        "macbinary3-rsrc",
        &macbinary::write("Tour", finder, &data_only, &rsrc, true),
    );
    mac.add(
        "applesingle",
        &apple_single::write(finder, Some(small), &[]),
    );
    mac.add(
        "applesingle-rsrc",
        &apple_single::write(finder, Some(&data_only), &rsrc),
    );
    mac.add("appledouble", &apple_single::write(finder, None, &rsrc));
    mac.add("binhex", &binhex::write("Tour", finder, small, &[]));
    mac.add(
        "binhex-rsrc",
        &binhex::write("Tour:Two", finder, &data_only, &rsrc),
    );
    mac.add("resource-fork", &rsrc);

    // disk: small HFS, HFS+ (a fragmented fork), partition-mapped and ISO
    // 9660 images holding the tour, a movie with its atom in the resource
    // fork, and a few other files in folders.
    use diskimg::{Content, FileSpec};
    let mut files = vec![
        FileSpec::new("Tours/Tour", Content::Bytes(small.clone()), b"MooV"),
        FileSpec::new("Read:Me", Content::Bytes(b"hello".to_vec()), b"TEXT"),
        FileSpec::new("Deep/Er/File", Content::Bytes(vec![7; 600]), b"????"),
    ];
    let mut with_rsrc = FileSpec::new("Tours/Mac Movie", Content::Bytes(data_only), b"MooV");
    with_rsrc.rsrc = Content::Bytes(rsrc.clone());
    files.push(with_rsrc);
    let mut plus = files.clone();
    let mut frag = FileSpec::new("Tours/Fragmented", Content::Bytes(small.clone()), b"MooV");
    frag.fragments = 3;
    plus.push(frag);
    disk.add("hfs", &diskimg::hfs("Fuzz", 512, &files).to_vec());
    disk.add("hfs-plus", &diskimg::hfsplus("Fuzz", &plus).to_vec());
    disk.add(
        "apm-hfs",
        &diskimg::hfs("Fuzz", 512, &files).with_apm().to_vec(),
    );
    disk.add(
        "apm-hfs-plus",
        &diskimg::hfsplus("Fuzz", &plus).with_apm().to_vec(),
    );
    disk.add(
        "iso9660-joliet",
        &diskimg::iso9660("Fuzz", &files, true).to_vec(),
    );
    disk.add("iso9660", &diskimg::iso9660("Fuzz", &files, false).to_vec());

    // archive: zip archives as Macs and other machines make them: the tour
    // stored; a Mac zip (the movie's data fork, its resource fork in
    // `__MACOSX/._NAME`, deflated, an accented name); a zip in a zip.
    let appledouble = apple_single::write(finder, None, &rsrc);
    archive.add("stored", &zip_of(&[("Tours/Tour.mov", small, false)]));
    archive.add(
        "mac",
        &zip_of(&[
            ("Pans/Café", &data_only_copy, true),
            ("__MACOSX/Pans/._Café", &appledouble, true),
            ("Read Me", b"hello", true),
        ]),
    );
    let inner = zip_of(&[("Tour", small, true)]);
    archive.add(
        "nested",
        &zip_of(&[("inner.zip", &inner, false), ("notes.txt", b"x", false)]),
    );

    // sound: a short track of every format with a decoder here, in the
    // classic layout (one sample per frame), one packet per sample (as
    // ffmpeg writes), version 2, with edits, little-endian by `enda`; and a
    // small tour with a node's sound, an object's view sounds and a sound
    // across the movie.
    for (name, bytes) in sound_seeds() {
        sound.add(&name, &bytes);
    }
    let tour_sound = {
        use qtvr_format::container::build::{SoundChunkSpec, SoundEntryVersion, sound_entry};
        use qtvr_format::qtvr::write::{SoundAt, TourSound};
        let pcm = |n: usize| -> Vec<u8> { (0..n).map(|i| (i * 37 % 251) as u8).collect() };
        let s = |at, frames: usize| TourSound {
            at,
            description: sound_entry(b"raw ", SoundEntryVersion::V0, 1, 8, 8000.0, &[]),
            media_timescale: 8000,
            media: SoundChunkSpec {
                sample_size: 1,
                sample_duration: 1,
                chunks: vec![(pcm(frames), frames as u32)],
            },
        };
        Tour {
            name: Some("sound".into()),
            default_node: NodeId(1),
            nodes: vec![cylinder(1, 2, 1), object(3, 1, 1, 1)],
            jpeg_quality: 70,
        }
        .write_with_sound(
            &[],
            &[
                s(SoundAt::Node(NodeId(1)), 400),
                s(SoundAt::Node(NodeId(3)), 2400),
                s(SoundAt::Movie, 3000),
            ],
        )
        .unwrap()
    };
    sound.add("tour-sound", &tour_sound);

    // The minimised findings, each to its target's corpus.
    if let Ok(rd) = std::fs::read_dir(root.join("tests/fixtures/corrupt")) {
        let mut found: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        found.sort();
        for p in found {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let Some(c) = corpora.iter_mut().find(|c| {
                let t = c.dir.file_name().unwrap().to_string_lossy().into_owned();
                name.starts_with(&format!("{t}-"))
            }) else {
                continue;
            };
            c.add(&format!("finding-{name}"), &std::fs::read(&p).unwrap());
        }
    }

    for c in &corpora {
        println!("{}: {} seeds, {} bytes", c.dir.display(), c.count, c.bytes);
    }
}
