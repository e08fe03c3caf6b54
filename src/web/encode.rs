//! Pictures for the web player: each page JPEG or lossless WebP (whichever
//! is smaller at high quality), previews, hot spot maps as grey PNGs whose
//! values are the hot spot IDs, and the `.js` wrappers that let a page opened
//! from `file://` read them (browsers refuse WebGL textures and canvas reads
//! of images from other `file://` addresses; a script's string is never
//! refused).
//!
//! The encoders are crates (`jpeg-encoder`, `image-webp`, `png`, `base64`);
//! nothing here encodes by hand.

use std::collections::HashSet;

use base64::Engine;
use qtvr_format::assemble::{IdImage, RgbaImage};

/// JPEG qualities tried for full-resolution pictures, lowest first: the
/// first whose decoded picture is within [`JPEG_MAX_ERROR`] of the source
/// (mean absolute difference per channel) is kept, else the last.
pub const JPEG_QUALITIES: [u8; 3] = [88, 92, 96];
/// The mean difference (0..255 per channel) a full-resolution JPEG may have
/// from the decoded movie: the web page is held to 4/255 from `qtvr render`
/// (tests/web_export.rs), so the pictures spend well under half of it.
pub const JPEG_MAX_ERROR: f64 = 1.5;
/// JPEG quality of previews.
pub const PREVIEW_QUALITY: u8 = 75;
/// Pictures with at most this many colours are also tried as lossless WebP.
const FEW_COLOURS: usize = 4096;

/// An encoded picture.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    /// "jpg" or "webp".
    pub ext: &'static str,
}

impl Encoded {
    /// The MIME type of the file.
    pub fn mime(&self) -> &'static str {
        match self.ext {
            "webp" => "image/webp",
            "png" => "image/png",
            _ => "image/jpeg",
        }
    }
}

/// A w×h part of an RGBA picture as packed RGB.
pub fn crop_rgb(img: &RgbaImage, x: u32, y: u32, w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(w as usize * h as usize * 3);
    let mut line = vec![0u8; w as usize * 4];
    for row in y..y + h {
        img.row_into(row, x, &mut line);
        for px in line.chunks_exact(4) {
            out.extend_from_slice(&px[..3]);
        }
    }
    out
}

/// Whether packed RGB holds at most [`FEW_COLOURS`] colours.
fn few_colours(rgb: &[u8]) -> bool {
    let mut seen: HashSet<[u8; 3]> = HashSet::new();
    let mut last = [0u8; 3];
    for (i, p) in rgb.chunks_exact(3).enumerate() {
        let c = [p[0], p[1], p[2]];
        if i > 0 && c == last {
            continue;
        }
        last = c;
        if seen.insert(c) && seen.len() > FEW_COLOURS {
            return false;
        }
    }
    true
}

/// JPEG at `quality` (4:2:0 chroma).
pub fn jpeg(rgb: &[u8], w: u32, h: u32, quality: u8) -> Result<Vec<u8>, String> {
    let (w16, h16) = (
        u16::try_from(w).map_err(|_| format!("picture {w} pixels wide is too wide for JPEG"))?,
        u16::try_from(h).map_err(|_| format!("picture {h} pixels tall is too tall for JPEG"))?,
    );
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, quality);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    enc.encode(rgb, w16, h16, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| format!("cannot encode JPEG: {e}"))?;
    Ok(out)
}

/// Lossless WebP.
fn webp(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    image_webp::WebPEncoder::new(&mut out)
        .encode(rgb, w, h, image_webp::ColorType::Rgb8)
        .map_err(|e| format!("cannot encode WebP: {e}"))?;
    Ok(out)
}

/// Mean absolute difference per channel between packed RGB and a JPEG's
/// decoded pixels (255 when it cannot be decoded).
fn jpeg_error(rgb: &[u8], bytes: &[u8]) -> f64 {
    let Ok(img) = image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg) else {
        return 255.0;
    };
    let dec = img.to_rgb8();
    if dec.as_raw().len() != rgb.len() || rgb.is_empty() {
        return 255.0;
    }
    let sum: u64 = rgb
        .iter()
        .zip(dec.as_raw())
        .map(|(a, b)| u64::from(a.abs_diff(*b)))
        .sum();
    sum as f64 / rgb.len() as f64
}

/// The smallest JPEG of [`JPEG_QUALITIES`] within [`JPEG_MAX_ERROR`] of
/// the picture.
fn jpeg_within(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, String> {
    let mut last = Vec::new();
    for q in JPEG_QUALITIES {
        last = jpeg(rgb, w, h, q)?;
        if jpeg_error(rgb, &last) <= JPEG_MAX_ERROR {
            break;
        }
    }
    Ok(last)
}

/// The smaller of a JPEG of high enough quality ([`JPEG_QUALITIES`]) and
/// lossless WebP, WebP tried only for pictures of few colours (drawings,
/// dithered 8-bit movies), where it is both exact and usually smaller;
/// photographs are JPEG.
pub fn picture(rgb: &[u8], w: u32, h: u32) -> Result<Encoded, String> {
    let j = jpeg_within(rgb, w, h)?;
    if few_colours(rgb) {
        let wp = webp(rgb, w, h)?;
        if wp.len() <= j.len() {
            return Ok(Encoded {
                bytes: wp,
                ext: "webp",
            });
        }
    }
    Ok(Encoded {
        bytes: j,
        ext: "jpg",
    })
}

/// A picture shrunk by an integer factor (box filter) so that neither side
/// exceeds `max`, as packed RGB with its size.
pub fn shrink(img: &RgbaImage, max: u32) -> (Vec<u8>, u32, u32) {
    let f = img.width.max(img.height).div_ceil(max.max(1)).max(1);
    let (w, h) = (img.width.div_ceil(f).max(1), img.height.div_ceil(f).max(1));
    let mut out = Vec::with_capacity(w as usize * h as usize * 3);
    let rgba = img.rgba();
    for y in 0..h {
        let (y0, y1) = (y * f, ((y + 1) * f).min(img.height));
        for x in 0..w {
            let (x0, x1) = (x * f, ((x + 1) * f).min(img.width));
            let mut sum = [0u32; 3];
            for yy in y0..y1 {
                let row = yy as usize * img.width as usize * 4;
                for xx in x0..x1 {
                    let p = &rgba[row + xx as usize * 4..][..3];
                    for c in 0..3 {
                        sum[c] += u32::from(p[c]);
                    }
                }
            }
            let n = ((y1 - y0) * (x1 - x0)).max(1);
            out.extend(sum.map(|s| ((s + n / 2) / n) as u8));
        }
    }
    (out, w, h)
}

/// A hot spot map as an 8-bit grey PNG whose values are the IDs, IDs not in
/// `keep` (hot spots the node does not list) cleared to 0.
pub fn hotspot_png(map: &IdImage, keep: &[u8]) -> Result<Encoded, String> {
    let mut known = [false; 256];
    for &k in keep {
        known[usize::from(k)] = true;
    }
    let data: Vec<u8> = map
        .data
        .iter()
        .map(|&v| if known[usize::from(v)] { v } else { 0 })
        .collect();
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, map.width, map.height);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let mut w = enc
            .write_header()
            .map_err(|e| format!("cannot encode PNG: {e}"))?;
        w.write_image_data(&data)
            .map_err(|e| format!("cannot encode PNG: {e}"))?;
    }
    Ok(Encoded {
        bytes: out,
        ext: "png",
    })
}

/// The `.js` wrapper of a picture: `QTVR.file("PATH", "MIME", "BASE64");`.
pub fn wrapper(path: &str, e: &Encoded) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(&e.bytes);
    format!(
        "QTVR.file({}, {}, \"{b64}\");\n",
        serde_json::Value::from(path),
        serde_json::Value::from(e.mime())
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> RgbaImage {
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let c = f(x, y);
                data.extend_from_slice(&[c[0], c[1], c[2], 255]);
            }
        }
        RgbaImage::new(w, h, data)
    }

    #[test]
    fn few_colours_choose_lossless_webp_and_photos_jpeg() {
        let flat = img(256, 192, |x, y| {
            if (x / 32 + y / 32) % 2 == 0 {
                [200, 10, 10]
            } else {
                [0, 0, 90]
            }
        });
        let e = picture(&crop_rgb(&flat, 0, 0, 256, 192), 256, 192).unwrap();
        assert_eq!(e.ext, "webp");
        let noisy = img(128, 96, |x, y| {
            let v = x
                .wrapping_mul(2654435761)
                .wrapping_add(y.wrapping_mul(40503))
                >> 7;
            [
                (v & 255) as u8,
                ((v >> 8) & 255) as u8,
                ((v >> 16) & 255) as u8,
            ]
        });
        let e = picture(&crop_rgb(&noisy, 0, 0, 128, 96), 128, 96).unwrap();
        assert_eq!(e.ext, "jpg");
        assert_eq!(&e.bytes[..2], &[0xFF, 0xD8]);
    }

    #[test]
    fn jpeg_quality_rises_until_close_enough() {
        // Fine noise needs a higher quality than a smooth ramp.
        let ramp = img(96, 64, |x, y| [(x * 2) as u8, (y * 3) as u8, 128]);
        let rgb = crop_rgb(&ramp, 0, 0, 96, 64);
        let j = jpeg_within(&rgb, 96, 64).unwrap();
        assert!(jpeg_error(&rgb, &j) <= JPEG_MAX_ERROR);
        assert_eq!(j, jpeg(&rgb, 96, 64, JPEG_QUALITIES[0]).unwrap());
        let noisy = img(96, 64, |x, y| {
            let v = (x * 7919 + y * 104729) % 251;
            [v as u8, (v * 3 % 251) as u8, (255 - v) as u8]
        });
        let rgb = crop_rgb(&noisy, 0, 0, 96, 64);
        let j = jpeg_within(&rgb, 96, 64).unwrap();
        assert_ne!(j, jpeg(&rgb, 96, 64, JPEG_QUALITIES[0]).unwrap());
    }

    #[test]
    fn shrink_averages_boxes() {
        let i = img(5, 3, |x, _| [x as u8 * 10, 0, 0]);
        let (rgb, w, h) = shrink(&i, 2);
        assert_eq!((w, h), (2, 1));
        // Boxes of 3: columns 0..3 (0, 10, 20) and 3..5 (30, 40), rows 0..3.
        assert_eq!(&rgb, &[10, 0, 0, 35, 0, 0]);
    }

    #[test]
    fn hotspot_maps_keep_listed_ids_only() {
        let m = IdImage {
            width: 3,
            height: 1,
            data: vec![0, 5, 9],
        };
        let e = hotspot_png(&m, &[5]).unwrap();
        let dec = png::Decoder::new(std::io::Cursor::new(e.bytes));
        let mut r = dec.read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        r.next_frame(&mut buf).unwrap();
        assert_eq!(&buf[..3], &[0, 5, 0]);
    }

    #[test]
    fn wrappers_carry_base64() {
        let e = Encoded {
            bytes: vec![1, 2, 3],
            ext: "jpg",
        };
        let w = String::from_utf8(wrapper("nodes/1/a.jpg", &e)).unwrap();
        assert_eq!(
            w,
            "QTVR.file(\"nodes/1/a.jpg\", \"image/jpeg\", \"AQID\");\n"
        );
    }
}
