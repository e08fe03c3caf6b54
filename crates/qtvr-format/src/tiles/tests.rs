use super::*;
use crate::container::build::{MovieWriter, TrackSpec, video_entry};
use crate::container::read_movie;
use crate::limits::Budget;

const W: u16 = 20;
const H: u16 = 4;

/// A movie with one video track of the given codec and samples.
fn movie(codec: &[u8; 4], depth: i16, samples: Vec<Vec<u8>>, sync: Option<Vec<u32>>) -> Vec<u8> {
    MovieWriter {
        timescale: 600,
        tracks: vec![TrackSpec {
            id: 7,
            enabled: true,
            handler: *b"vide",
            media_timescale: 600,
            descriptions: vec![video_entry(codec, W, H, depth, None)],
            samples: samples.into_iter().map(|s| (s, 100)).collect(),
            sync_samples: sync,
            width: W,
            height: H,
            ..Default::default()
        }],
        ..Default::default()
    }
    .finish()
}

fn solid_raw24(rgb: [u8; 3]) -> Vec<u8> {
    rgb.repeat(usize::from(W) * usize::from(H))
}

/// An Animation (`rle `, 24-bit) sample: every line of `lines` (y, colour) is set
/// whole with one repeat code; with `partial`, only those lines are coded.
fn rle24(lines: &[(u16, [u8; 3])], partial: bool) -> Vec<u8> {
    let mut body = Vec::new();
    let first = lines.first().map_or(0, |l| l.0);
    if partial {
        body.extend_from_slice(&8u16.to_be_bytes());
        body.extend_from_slice(&first.to_be_bytes());
        body.extend_from_slice(&[0, 0]);
        body.extend_from_slice(&(lines.len() as u16).to_be_bytes());
        body.extend_from_slice(&[0, 0]);
    } else {
        body.extend_from_slice(&0u16.to_be_bytes());
    }
    for (_, c) in lines {
        body.push(1); // no skip
        body.push((-(W as i8)) as u8); // repeat the next pixel W times
        body.extend_from_slice(c);
        body.push(0xFF); // end of line
    }
    let mut s = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    s.extend_from_slice(&body);
    s
}

fn pixel(frame: &Frame, x: u32, y: u32) -> [u8; 3] {
    let rgba = frame.to_rgba();
    let i = ((y * frame.width + x) * 4) as usize;
    [rgba[i], rgba[i + 1], rgba[i + 2]]
}

#[allow(clippy::ptr_arg)] // a Vec is a ByteSource; a slice is not Sized
fn decode_all(bytes: &Vec<u8>, wanted: &[usize], role: Role, parallel: bool) -> DecodedTrack {
    let m = read_movie(bytes, &Budget::for_file(bytes.len() as u64)).unwrap();
    let opts = DecodeOptions {
        parallel,
        fallback: Fallback::Off,
        ..DecodeOptions::default()
    };
    decode_track(bytes, &m.tracks[0], wanted, role, &opts).unwrap()
}

#[test]
fn tiles_come_back_in_the_order_asked() {
    let colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 8, 7]];
    let bytes = movie(
        b"raw ",
        24,
        colours.iter().map(|&c| solid_raw24(c)).collect(),
        None,
    );
    for parallel in [false, true] {
        let d = decode_all(&bytes, &[2, 0, 2, 3], Role::Image, parallel);
        let got: Vec<(usize, [u8; 3])> = d
            .tiles
            .iter()
            .map(|t| (t.sample, pixel(&t.frame, 5, 2)))
            .collect();
        assert_eq!(
            got,
            [
                (2, colours[2]),
                (0, colours[0]),
                (2, colours[2]),
                (3, colours[3])
            ]
        );
        assert!(d.warnings.is_empty());
        assert!(d.tiles.iter().all(|t| t.status == TileStatus::Decoded));
    }
}

#[test]
fn predictive_samples_decode_from_the_previous_sync_sample() {
    let red = [200, 0, 0];
    let green = [0, 200, 0];
    let blue = [0, 0, 200];
    let white = [255, 255, 255];
    let full = |c| (0..H).map(|y| (y, c)).collect::<Vec<_>>();
    let samples = vec![
        rle24(&full(red), false),
        rle24(&[(0, blue)], true),
        rle24(&full(green), false),
        rle24(&[(1, white)], true),
    ];
    // Without a sync sample table, a predictive track is one chain.
    let no_stss = movie(b"rle ", 24, samples.clone(), None);
    let m = read_movie(&no_stss, &Budget::for_file(no_stss.len() as u64)).unwrap();
    let streams: Vec<_> = m.tracks[0]
        .descriptions
        .iter()
        .map(StreamInfo::from_description)
        .collect();
    assert_eq!(chain_starts(&m.tracks[0], &streams, &[]), [0, 0, 0, 0]);
    let d = decode_all(&no_stss, &[3], Role::Image, true);
    assert_eq!(pixel(&d.tiles[0].frame, 0, 1), white);
    assert_eq!(pixel(&d.tiles[0].frame, 0, 0), green);
    let bytes = movie(b"rle ", 24, samples, Some(vec![1, 3]));
    let m = read_movie(&bytes, &Budget::for_file(bytes.len() as u64)).unwrap();
    let streams: Vec<_> = m.tracks[0]
        .descriptions
        .iter()
        .map(StreamInfo::from_description)
        .collect();
    assert_eq!(chain_starts(&m.tracks[0], &streams, &[]), [0, 0, 2, 2]);
    let d = decode_all(&bytes, &[3, 1], Role::Image, true);
    let (s3, s1) = (&d.tiles[0].frame, &d.tiles[1].frame);
    assert_eq!(
        (pixel(s3, 0, 0), pixel(s3, 0, 1), pixel(s3, 19, 3)),
        (green, white, green)
    );
    assert_eq!(
        (pixel(s1, 0, 0), pixel(s1, 0, 1), pixel(s1, 19, 3)),
        (blue, red, red)
    );
}

#[test]
fn unknown_codec_gives_a_checkerboard_and_one_warning() {
    let bytes = movie(b"SVQ3", 24, vec![vec![1, 2, 3]; 3], None);
    let d = decode_all(&bytes, &[0, 1, 2], Role::Image, true);
    assert_eq!(d.tiles.len(), 3);
    for t in &d.tiles {
        assert!(matches!(&t.status, TileStatus::Placeholder(w) if w.contains("'SVQ3'")));
        assert_eq!(
            (t.frame.width, t.frame.height),
            (u32::from(W), u32::from(H))
        );
        assert_eq!(pixel(&t.frame, 0, 0), [0x80; 3]);
        assert_eq!(pixel(&t.frame, 16, 0), [0xA0; 3]);
    }
    assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
    assert_eq!(
        d.warnings[0].message,
        "track 7: codec 'SVQ3' is not supported without ffmpeg; install ffmpeg (or set QTVR_FFMPEG) to show it; its 3 sample(s) show as a grey checkerboard"
    );
    // As a hot spot track: no hot spots.
    let d = decode_all(&bytes, &[0], Role::HotSpots, false);
    assert_eq!(d.tiles[0].frame.kind, FrameKind::Indexed);
    assert!(d.tiles[0].frame.data.iter().all(|&v| v == 0));
}

#[test]
fn a_damaged_sample_keeps_what_decoded_and_warns() {
    let mut cut = solid_raw24([1, 2, 3]);
    cut.truncate(cut.len() / 2);
    let bytes = movie(b"raw ", 24, vec![solid_raw24([50, 60, 70]), cut], None);
    let d = decode_all(&bytes, &[0, 1], Role::Image, true);
    assert_eq!(d.tiles[0].status, TileStatus::Decoded);
    assert!(matches!(&d.tiles[1].status, TileStatus::Damaged(w) if w.contains("sample 2")));
    assert_eq!(pixel(&d.tiles[1].frame, 0, 0), [1, 2, 3]);
    assert_eq!(d.warnings.len(), 1);
    assert!(
        d.warnings[0]
            .message
            .starts_with("track 7: sample 2 is damaged")
    );
}

#[test]
fn oversized_requests_are_refused_before_allocating() {
    let bytes = movie(b"raw ", 24, vec![solid_raw24([0; 3]); 4], None);
    let m = read_movie(&bytes, &Budget::for_file(bytes.len() as u64)).unwrap();
    let opts = DecodeOptions {
        limits: crate::limits::Limits {
            request_max_bytes: u64::from(W) * u64::from(H) * 4 * 3,
            ..Default::default()
        },
        ..DecodeOptions::default()
    };
    let e = decode_track(&bytes, &m.tracks[0], &[0, 1, 2, 3], Role::Image, &opts).unwrap_err();
    assert_eq!(e.track_id, TrackId(7));
    assert!(e.what.contains("more than"), "{e}");
    let limit = e.limit.expect("the request limit");
    assert_eq!(limit.what(), Resource::Request);
    assert!(matches!(
        limit,
        LimitError::OverLimit { count: 4, requested, limit, .. }
            if limit == u64::from(W) * u64::from(H) * 4 * 3
                && requested == u64::from(W) * u64::from(H) * 4 * 4
    ));
    assert_eq!(
        e.what,
        format!(
            "its frames need more than the {} bytes allowed for one decode",
            u64::from(W) * u64::from(H) * 4 * 3
        )
    );
    let e = decode_track(&bytes, &m.tracks[0], &[9], Role::Image, &opts).unwrap_err();
    assert_eq!(e.to_string(), "track 7: has no sample 10");
}

#[test]
fn direct_colour_hot_spot_maps_become_indices() {
    let pal = Palette::mac_256();
    let c = pal.colors[17];
    let mut rgba = Frame::new(2, 1, FrameKind::Rgba, None, &Limits::default()).unwrap();
    rgba.data
        .copy_from_slice(&[c[0], c[1], c[2], 255, 1, 2, 3, 255]);
    let idx = to_index_frame(rgba);
    assert_eq!(idx.kind, FrameKind::Indexed);
    assert_eq!(idx.data, [17, 0]);
}

#[test]
fn a_cancel_stops_inside_a_sample_and_a_deadline_says_it_ran_out_of_time() {
    // One 4-line Animation sample. The chain polls the flag once before the
    // sample and once after; the decoder polls it every line. A flag that
    // trips at its third poll can only trip inside the sample.
    let bytes = movie(
        b"rle ",
        24,
        vec![rle24(
            &[
                (0, [9, 9, 9]),
                (1, [8, 8, 8]),
                (2, [7, 7, 7]),
                (3, [6, 6, 6]),
            ],
            false,
        )],
        None,
    );
    let m = read_movie(&bytes, &Budget::for_file(bytes.len() as u64)).unwrap();
    let run = |cancel: Cancel| {
        let opts = DecodeOptions {
            parallel: false,
            fallback: Fallback::Off,
            cancel,
            ..DecodeOptions::default()
        };
        decode_track(&bytes, &m.tracks[0], &[0], Role::Image, &opts)
    };
    let e = run(Cancel::tripping_after(3)).unwrap_err();
    assert_eq!(e.what, "decoding was cancelled");
    // Polled at most 6 times: a flag tripping later lets it finish.
    let d = run(Cancel::tripping_after(7)).unwrap();
    assert_eq!(d.tiles[0].status, TileStatus::Decoded);
    assert_eq!(pixel(&d.tiles[0].frame, 5, 3), [6, 6, 6]);
    // A spent time budget: abandoned, and the error says why.
    let late = Cancel::new().with_deadline(std::time::Duration::ZERO);
    let e = run(late).unwrap_err();
    assert!(e.what.contains("longer than its time budget"), "{}", e.what);
}

#[test]
fn stored_samples_are_read_into_the_frame_as_decoding_would_write_them() {
    // raw 24 and 2vuy samples of exactly a frame's bytes are read straight
    // into the frame; a padded or short one goes through the decoder.
    let cases: [(&[u8; 4], i16, usize); 3] = [(b"raw ", 24, 3), (b"raw ", 32, 4), (b"2vuy", 24, 2)];
    for (codec, depth, bpp) in cases {
        let exact: Vec<u8> = (0..usize::from(W) * usize::from(H) * bpp)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let mut padded = exact.clone();
        padded.extend_from_slice(&[0; 9]);
        let bytes = movie(
            codec,
            depth,
            vec![exact.clone(), padded, exact[..10].to_vec()],
            None,
        );
        let m = read_movie(&bytes, &Budget::for_file(bytes.len() as u64)).unwrap();
        let track = &m.tracks[0];
        let info = StreamInfo::from_description(&track.descriptions[0]).unwrap();
        let mut dec = codec::decoder_for(&info).unwrap();
        let new_frame = |dec: &dyn codec::Decoder| {
            Frame::new(
                info.width,
                info.height,
                dec.kind(),
                None,
                &Limits::default(),
            )
            .unwrap()
        };
        assert!(dec.stored_as_is(exact.len()), "{codec:?} {depth}");
        assert!(!dec.stored_as_is(exact.len() + 9));
        let mut want = new_frame(dec.as_ref());
        dec.decode(&exact, true, &mut want).unwrap();
        let mut buf = Vec::new();
        for (i, sample) in track.samples.iter().enumerate() {
            let mut got = new_frame(dec.as_ref());
            let r = read_and_decode(&bytes, sample, dec.as_mut(), &mut got, &mut buf);
            match i {
                0 | 1 => {
                    r.unwrap();
                    assert_eq!(got, want, "{codec:?} {depth}, sample {i}");
                }
                _ => assert!(matches!(r, Err(SampleError::Decode(_))), "{r:?}"),
            }
        }
        // A sample past the end of the file is a read error.
        let mut past = track.samples[0];
        past.offset = bytes.len() as u64 - 4;
        let mut f = new_frame(dec.as_ref());
        let r = read_and_decode(&bytes, &past, dec.as_mut(), &mut f, &mut buf);
        assert!(matches!(r, Err(SampleError::Read(_))), "{r:?}");
    }
}
