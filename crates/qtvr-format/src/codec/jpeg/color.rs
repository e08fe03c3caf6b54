//! Component planes → RGBA rows, the way ffmpeg's default conversion to RGB24 does it.
//!
//! ffmpeg decodes a JPEG to Y, Cb and Cr planes and converts them with swscale.
//! Measured on every (Y, Cb, Cr) triple, that conversion is, for full-range
//! input, one of two fixed-point forms of the JFIF equations
//! (R = Y + 1.402·Cr', G = Y − 0.344136·Cb' − 0.714136·Cr', B = Y + 1.772·Cb',
//! with Cb' = Cb − 128 and Cr' = Cr − 128):
//!
//! * [`Formula::Floor`], when the chroma is halved across (4:2:0, 4:2:2) and the
//!   picture has an even number of rows: each chroma term is rounded down on
//!   its own, in 16-bit fixed point, and added to Y;
//! * [`Formula::Round`] otherwise (4:4:4 and everything else): the chroma terms
//!   are summed in 13-bit fixed point and rounded to nearest.
//!
//! Either way the result is clamped to 0..=255, and each pixel takes the chroma
//! sample that covers it (no interpolation), as ffmpeg's conversion does for
//! 4:2:0 and 4:2:2 with an even number of rows. Grey pictures are copied to R,
//! G and B.

/// Which fixed-point form of the colour equations to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Formula {
    Floor,
    Round,
}

/// The (R, G, B) offsets added to Y for one chroma sample.
#[inline(always)]
fn offsets(formula: Formula, cb: u8, cr: u8) -> (i32, i32, i32) {
    let u = i32::from(cb) - 128;
    let v = i32::from(cr) - 128;
    match formula {
        Formula::Floor => (
            (91881 * v) >> 16,
            ((-22553 * u) >> 16) + ((-46802 * v) >> 16),
            (116130 * u) >> 16,
        ),
        Formula::Round => (
            (11485 * v + 4096) >> 13,
            (-2819 * u - 5850 * v + 4096) >> 13,
            (14516 * u + 4096) >> 13,
        ),
    }
}

/// One pixel as RGBA.
#[inline]
pub(crate) fn ycbcr_pixel(formula: Formula, y: u8, cb: u8, cr: u8) -> [u8; 4] {
    let mut px = [0u8; 4];
    put(&mut px, y, offsets(formula, cb, cr));
    px
}

/// The (R, G, B) offsets for one chroma sample (for tests of the callers).
#[cfg(test)]
pub(super) fn ycbcr_offsets(formula: Formula, cb: u8, cr: u8) -> (i32, i32, i32) {
    offsets(formula, cb, cr)
}

#[inline(always)]
fn put(out: &mut [u8], y: u8, (r, g, b): (i32, i32, i32)) {
    let y = i32::from(y);
    out[0] = (y + r).clamp(0, 255) as u8;
    out[1] = (y + g).clamp(0, 255) as u8;
    out[2] = (y + b).clamp(0, 255) as u8;
    out[3] = 255;
}

/// Converts one row of `width` pixels. `cb`/`cr` hold the row's chroma samples;
/// pixel x takes chroma sample `x * h / hmax`. `out` is `4 * width` bytes; the
/// input rows must be long enough (checked, no panic: short rows convert less).
pub(crate) fn ycbcr_row(
    formula: Formula,
    y: &[u8],
    cb: &[u8],
    cr: &[u8],
    h: usize,
    hmax: usize,
    out: &mut [u8],
) {
    match (formula, h * 2 == hmax, h == hmax) {
        (Formula::Floor, true, _) => row_half::<true>(y, cb, cr, out),
        (Formula::Round, true, _) => row_half::<false>(y, cb, cr, out),
        (Formula::Floor, _, true) => row_full::<true>(y, cb, cr, out),
        (Formula::Round, _, true) => row_full::<false>(y, cb, cr, out),
        _ => {
            for (x, (o, &yy)) in out.chunks_exact_mut(4).zip(y).enumerate() {
                let c = x * h / hmax;
                if let (Some(&u), Some(&v)) = (cb.get(c), cr.get(c)) {
                    put(o, yy, offsets(formula, u, v));
                }
            }
        }
    }
}

#[inline(always)]
fn formula_of(floor: bool) -> Formula {
    if floor {
        Formula::Floor
    } else {
        Formula::Round
    }
}

/// Eight RGBA pixels (as little-endian words) from Y and per-pixel offsets.
#[inline(always)]
fn px8(y: [i16; 8], ro: &[i16; 8], go: &[i16; 8], bo: &[i16; 8]) -> [u32; 8] {
    let r: [i16; 8] = std::array::from_fn(|j| (y[j] + ro[j]).clamp(0, 255));
    let g: [i16; 8] = std::array::from_fn(|j| (y[j] + go[j]).clamp(0, 255));
    let b: [i16; 8] = std::array::from_fn(|j| (y[j] + bo[j]).clamp(0, 255));
    std::array::from_fn(|j| r[j] as u32 | (g[j] as u32) << 8 | (b[j] as u32) << 16 | 0xFF00_0000)
}

#[inline(always)]
fn store8(px: [u32; 8], out: &mut [u8]) {
    for (o, p) in out.chunks_exact_mut(4).zip(px) {
        o.copy_from_slice(&p.to_le_bytes());
    }
}

/// `(a * b) >> 16` on 16-bit values (what SIMD "multiply high" instructions do).
#[inline(always)]
fn mulhi(a: i16, b: i16) -> i16 {
    ((i32::from(a) * i32::from(b)) >> 16) as i16
}

// The Floor constants less a multiple of 2^16, so they fit 16 bits.
const R_V: i16 = (91881 - 65536) as i16;
const G_U: i16 = -22553;
const G_V: i16 = (65536 - 46802) as i16;
const B_U: i16 = (116130 - 131072) as i16;

/// [`Formula::Floor`] offsets of eight chroma samples in 16-bit arithmetic:
/// each constant split into a multiple of 2^16 and a 16-bit remainder, so the
/// results equal [`offsets`] exactly.
#[inline(always)]
fn floor_offsets8(u: &[u8; 8], v: &[u8; 8]) -> ([i16; 8], [i16; 8], [i16; 8]) {
    let (mut ro, mut go, mut bo) = ([0i16; 8], [0i16; 8], [0i16; 8]);
    for j in 0..8 {
        let u = i16::from(u[j]) - 128;
        let v = i16::from(v[j]) - 128;
        ro[j] = v + mulhi(v, R_V);
        go[j] = mulhi(u, G_U) - v + mulhi(v, G_V);
        bo[j] = 2 * u + mulhi(u, B_U);
    }
    (ro, go, bo)
}

/// [`Formula::Round`] offsets of eight chroma samples, exactly equal to
/// [`offsets`], in arithmetic that vectorizes (16-bit where it can).
#[inline(always)]
fn round_offsets8(u: &[u8; 8], v: &[u8; 8]) -> ([i16; 8], [i16; 8], [i16; 8]) {
    let (mut ro, mut go, mut bo) = ([0i16; 8], [0i16; 8], [0i16; 8]);
    for j in 0..8 {
        let u = i16::from(u[j]) - 128;
        let v = i16::from(v[j]) - 128;
        // (11485·v + 4096) >> 13 = v + ((26344·v + 2^15) >> 16), the latter
        // as ⌊26344·2v / 2^16⌋ rounded by one more halving.
        ro[j] = v + ((mulhi(2 * v, 26344) + 1) >> 1);
        bo[j] = 2 * u + ((mulhi(2 * u, -14944) + 1) >> 1);
        let p = i32::from(u) * -22552 + i32::from(v) * 18736 + 32768;
        go[j] = (p >> 16) as i16 - v;
    }
    (ro, go, bo)
}

#[inline(always)]
fn offsets8<const FLOOR: bool>(u: &[u8; 8], v: &[u8; 8]) -> ([i16; 8], [i16; 8], [i16; 8]) {
    if FLOOR {
        floor_offsets8(u, v)
    } else {
        round_offsets8(u, v)
    }
}

#[inline(always)]
fn luma8(y: &[u8]) -> [i16; 8] {
    std::array::from_fn(|j| i16::from(y[j]))
}

/// Chroma halved across: one chroma sample per two pixels.
fn row_half<const FLOOR: bool>(y: &[u8], cb: &[u8], cr: &[u8], out: &mut [u8]) {
    let f = formula_of(FLOOR);
    let width = (out.len() / 4).min(y.len()).min(2 * cb.len().min(cr.len()));
    let chunks = width / 16;
    for (((o, y), u), v) in out
        .chunks_exact_mut(64)
        .zip(y.chunks_exact(16))
        .zip(cb.as_chunks::<8>().0)
        .zip(cr.as_chunks::<8>().0)
        .take(chunks)
    {
        let (ro, go, bo) = offsets8::<FLOOR>(u, v);
        for half in 0..2 {
            let dup = |a: &[i16; 8]| -> [i16; 8] { std::array::from_fn(|j| a[4 * half + j / 2]) };
            let px = px8(
                luma8(&y[8 * half..8 * half + 8]),
                &dup(&ro),
                &dup(&go),
                &dup(&bo),
            );
            store8(px, &mut o[32 * half..32 * half + 32]);
        }
    }
    for x in chunks * 16..width {
        put(
            &mut out[4 * x..4 * x + 4],
            y[x],
            offsets(f, cb[x / 2], cr[x / 2]),
        );
    }
}

/// Chroma at full resolution.
fn row_full<const FLOOR: bool>(y: &[u8], cb: &[u8], cr: &[u8], out: &mut [u8]) {
    let f = formula_of(FLOOR);
    let width = (out.len() / 4).min(y.len()).min(cb.len()).min(cr.len());
    let chunks = width / 8;
    for (((o, y), u), v) in out
        .chunks_exact_mut(32)
        .zip(y.chunks_exact(8))
        .zip(cb.as_chunks::<8>().0)
        .zip(cr.as_chunks::<8>().0)
        .take(chunks)
    {
        let (ro, go, bo) = offsets8::<FLOOR>(u, v);
        store8(px8(luma8(y), &ro, &go, &bo), o);
    }
    for x in chunks * 8..width {
        put(&mut out[4 * x..4 * x + 4], y[x], offsets(f, cb[x], cr[x]));
    }
}

/// Like [`ycbcr_row`] for components with different horizontal sampling:
/// each plane is given with its factor.
pub(super) fn ycbcr_row_mixed(
    formula: Formula,
    (y, hy): (&[u8], usize),
    (cb, hb): (&[u8], usize),
    (cr, hr): (&[u8], usize),
    hmax: usize,
    out: &mut [u8],
) {
    for (x, o) in out.chunks_exact_mut(4).enumerate() {
        if let (Some(&yy), Some(&u), Some(&v)) = (
            y.get(x * hy / hmax),
            cb.get(x * hb / hmax),
            cr.get(x * hr / hmax),
        ) {
            put(o, yy, offsets(formula, u, v));
        }
    }
}

/// A grey row: Y copied to R, G and B.
pub(super) fn grey_row(y: &[u8], out: &mut [u8]) {
    for (o, &v) in out.chunks_exact_mut(4).zip(y) {
        o.copy_from_slice(&((u32::from(v) * 0x01_0101) | 0xFF00_0000).to_le_bytes());
    }
}

/// An RGB row (Adobe transform 0): planes copied, each sampled like chroma.
pub(super) fn rgb_row(planes: [(&[u8], usize); 3], hmax: usize, out: &mut [u8]) {
    for (x, o) in out.chunks_exact_mut(4).enumerate() {
        let mut px = [0u8, 0, 0, 255];
        for (p, (row, h)) in px.iter_mut().zip(planes) {
            *p = row.get(x * h / hmax).copied().unwrap_or(0);
        }
        o.copy_from_slice(&px);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grey_chroma_leaves_y() {
        for f in [Formula::Floor, Formula::Round] {
            assert_eq!(offsets(f, 128, 128), (0, 0, 0));
        }
    }

    #[test]
    fn sixteen_bit_floor_form_is_exact() {
        let all: Vec<u8> = (0..=255).collect();
        for u in all.chunks(8) {
            for v in all.chunks(8) {
                let (r, g, b) = floor_offsets8(u.try_into().unwrap(), v.try_into().unwrap());
                for j in 0..8 {
                    let e = offsets(Formula::Floor, u[j], v[j]);
                    assert_eq!((i32::from(r[j]), i32::from(g[j]), i32::from(b[j])), e);
                }
            }
        }
    }

    #[test]
    fn sixteen_bit_round_form_is_exact() {
        let all: Vec<u8> = (0..=255).collect();
        for u in all.chunks(8) {
            for v in all.chunks(8) {
                let (r, g, b) = round_offsets8(u.try_into().unwrap(), v.try_into().unwrap());
                for j in 0..8 {
                    let e = offsets(Formula::Round, u[j], v[j]);
                    assert_eq!((i32::from(r[j]), i32::from(g[j]), i32::from(b[j])), e);
                }
            }
        }
    }

    #[test]
    fn extremes() {
        // Floor: each term rounded down; Round: to nearest.
        assert_eq!(offsets(Formula::Floor, 0, 0), (-180, 44 + 91, -227));
        assert_eq!(offsets(Formula::Round, 255, 255), (178, -134, 225));
        let mut out = [0u8; 8];
        ycbcr_row(Formula::Floor, &[200, 10], &[128], &[255], 1, 2, &mut out);
        assert_eq!(out, [255, 109, 200, 255, 188, 0, 10, 255]);
    }
}
