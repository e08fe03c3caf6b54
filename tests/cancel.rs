//! Cancelling a decode stops inside a frame, not after it: every codec
//! written here whose work can grow past its sample's bytes (runs, repeats,
//! codebooks, entropy coding) polls the load's flag as it goes
//! ([`qtvr_format::cancel`]). Each codec fixture's first sample is decoded
//! with a flag that trips at its third poll — the chain polls once before
//! the sample and once after, so only a poll inside the decoder can trip it.

use std::path::PathBuf;

use qtvr_format::container::read_movie;
use qtvr_format::limits::Budget;
use qtvr_format::tiles::{self, Cancel, DecodeOptions, Fallback, Role, TileStatus};

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/codecs")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[allow(clippy::ptr_arg)] // a Vec is a ByteSource; a slice is not Sized
fn decode(bytes: &Vec<u8>, cancel: Cancel) -> Result<TileStatus, String> {
    let m = read_movie(bytes, &Budget::for_file(bytes.len() as u64)).unwrap();
    let track = m.tracks.iter().find(|t| t.handler.0 == *b"vide").unwrap();
    let opts = DecodeOptions {
        parallel: false,
        fallback: Fallback::Off,
        cancel,
        ..DecodeOptions::default()
    };
    tiles::decode_track(bytes, track, &[0], Role::Image, &opts)
        .map(|d| d.tiles[0].status.clone())
        .map_err(|e| e.what)
}

#[test]
fn codecs_with_rows_of_blocks_stop_inside_a_frame() {
    for name in [
        "jpeg420_photo.mov",
        "jpeg444_photo.mov",
        "mjpa_photo.mov",
        "mjpb_photo.mov",
        "rle24_photo.mov",
        "cvid_pattern_strips.mov",
        "svq1_photo.mov",
        "smc_photo.mov",
        "rpza_photo.mov",
        "8bps24_photo.mov",
    ] {
        let bytes = fixture(name);
        assert_eq!(
            decode(&bytes, Cancel::new()),
            Ok(TileStatus::Decoded),
            "{name} decodes"
        );
        assert_eq!(
            decode(&bytes, Cancel::tripping_after(3)),
            Err("decoding was cancelled".to_string()),
            "{name}: the decoder does not poll"
        );
    }
}
