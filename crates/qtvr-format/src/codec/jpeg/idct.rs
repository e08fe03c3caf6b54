//! The 8×8 inverse DCT (T.81 A.3.3) in integer arithmetic, rows then columns.
//!
//! Each 1-D pass splits the eight outputs into sums and differences of an even part
//! (inputs 0, 2, 4, 6) and an odd part (inputs 1, 3, 5, 7), multiplying by
//! √2·cos(kπ/16) scaled by 2^14. The row pass keeps 2^3 of extra precision
//! (shift 11), the column pass removes the rest (shift 20): 11 + 20 = 31 =
//! 2·14 + 3, the 3 being the 1/8 of the 2-D transform.
//!
//! The details were fitted, by experiment, to the output of ffmpeg's default
//! JPEG transform, which this then matches bit for bit on every test picture
//! (a textbook rounding differs on about one sample in seventy by ±1):
//! the level shift of 128 is added to the DC coefficient (as 1024) rather than
//! to the output; the √2·cos(π/4) factor is 16383, not 16384; a row whose AC
//! coefficients are all zero gives eight times its DC; the row pass rounds to
//! nearest and the column pass adds 16383·32 before its shift.
//!
//! The arithmetic wraps (a hostile stream can hold coefficients no encoder
//! makes); the output is clamped to 0..=255.

use std::num::Wrapping;

type W = Wrapping<i32>;

/// √2·cos(kπ/16)·2^14, rounded (index k), except k = 4 (see above).
const C: [i32; 8] = [0, 22725, 21407, 19266, 16383, 12873, 8867, 4520];

const ROW_SHIFT: u32 = 11;
const COL_SHIFT: u32 = 20;
/// Added before the column shift.
const COL_BIAS: i32 = C[4] * ((1 << (COL_SHIFT - 1)) / C[4]);
/// The level shift, in DC units (128 · 8).
pub(super) const DC_OFFSET: i32 = 1024;

/// One 1-D pass over eight inputs of which only the first `N` may be non-zero
/// (the others are taken as zero, which removes their multiplications);
/// `bias` is added before the shift.
#[inline(always)]
fn pass<const N: usize>(x: [i16; 8], bias: i32, shift: u32) -> [W; 8] {
    let x: [W; 8] = std::array::from_fn(|k| {
        if k < N {
            Wrapping(i32::from(x[k]))
        } else {
            Wrapping(0)
        }
    });
    let c = |k: usize| Wrapping(C[k]);
    let bias = Wrapping(bias);
    let e0 = c(4) * (x[0] + x[4]) + bias;
    let e1 = c(4) * (x[0] - x[4]) + bias;
    let e2 = c(2) * x[2] + c(6) * x[6];
    let e3 = c(6) * x[2] - c(2) * x[6];
    let a0 = e0 + e2;
    let a3 = e0 - e2;
    let a1 = e1 + e3;
    let a2 = e1 - e3;
    let b0 = c(1) * x[1] + c(3) * x[3] + c(5) * x[5] + c(7) * x[7];
    let b1 = c(3) * x[1] - c(7) * x[3] - c(1) * x[5] - c(5) * x[7];
    let b2 = c(5) * x[1] - c(1) * x[3] + c(7) * x[5] + c(3) * x[7];
    let b3 = c(7) * x[1] - c(5) * x[3] + c(3) * x[5] - c(1) * x[7];
    let s = shift as usize;
    [
        (a0 + b0) >> s,
        (a1 + b1) >> s,
        (a2 + b2) >> s,
        (a3 + b3) >> s,
        (a3 - b3) >> s,
        (a2 - b2) >> s,
        (a1 - b1) >> s,
        (a0 - b0) >> s,
    ]
}

#[inline(always)]
fn clamp_u8(v: W) -> u8 {
    v.0.clamp(0, 255) as u8
}

/// The row pass, kept to 16 bits: eight times the DC when there is nothing
/// else, else the full pass (over the first `N` inputs).
#[inline(always)]
fn row_pass<const N: usize>(x: [i16; 8]) -> [i16; 8] {
    if x[1..].iter().all(|&v| v == 0) {
        [x[0].wrapping_mul(8); 8]
    } else {
        pass::<N>(x, 1 << (ROW_SHIFT - 1), ROW_SHIFT).map(|v| v.0 as i16)
    }
}

/// The row pass over the rows set in `rows`, for blocks whose columns past
/// `N` are zero.
#[inline(always)]
fn rows_pass<const N: usize>(block: &[i16; 64], rows: u8, t: &mut [[i16; 8]; 8]) {
    for (r, tr) in t.iter_mut().enumerate() {
        if rows & (1 << r) != 0 {
            let x: [i16; 8] = std::array::from_fn(|i| block[r * 8 + i]);
            // Rows of a full block are often shorter than the block.
            let zero = |a: usize, b: usize| x[a..b].iter().all(|&v| v == 0);
            *tr = if N > 4 && !zero(4, 8) {
                row_pass::<8>(x)
            } else if N > 2 && !zero(2, 4) {
                row_pass::<4>(x)
            } else {
                row_pass::<2>(x)
            };
        }
    }
}

/// The column pass over all eight columns at once (rows of `t`, of which only
/// the first `N` may be non-zero), clamped into `out`.
#[inline(always)]
fn columns<const N: usize>(t: &[[i16; 8]; 8], out: &mut [u8], stride: usize) {
    let mut res = [[0u8; 8]; 8];
    for i in 0..8 {
        let x: [i16; 8] = std::array::from_fn(|r| t[r][i]);
        let y = pass::<N>(x, COL_BIAS, COL_SHIFT);
        for r in 0..8 {
            res[r][i] = clamp_u8(y[r]);
        }
    }
    for (r, row) in res.iter().enumerate() {
        out[r * stride..r * stride + 8].copy_from_slice(row);
    }
}

/// How many leading rows (or columns) a mask of non-zero ones needs: 2, 4 or 8.
#[inline(always)]
fn span(mask: u8) -> usize {
    if mask & 0xFC == 0 {
        2
    } else if mask & 0xF0 == 0 {
        4
    } else {
        8
    }
}

/// Inverse-transforms `block` (natural order, dequantized, DC including
/// [`DC_OFFSET`]) into an 8×8 patch of `out` starting at 0 with `stride` bytes
/// per row. `mask` has bit r set when row r may hold a non-zero coefficient and
/// bit 8 + c when column c may. `out` must hold `7 * stride + 8` bytes.
#[inline]
pub(super) fn idct_put(block: &[i16; 64], mask: u16, out: &mut [u8], stride: usize) {
    let rows = mask as u8;
    let cols = (mask >> 8) as u8;
    if mask == 0x0101 {
        // DC only: a flat block.
        let v = Wrapping(C[4]) * Wrapping(i32::from(block[0].wrapping_mul(8))) + Wrapping(COL_BIAS);
        let line = [clamp_u8(v >> COL_SHIFT as usize); 8];
        for r in 0..8 {
            out[r * stride..r * stride + 8].copy_from_slice(&line);
        }
        return;
    }
    if rows == 1 {
        // Only the first row: every column is constant.
        let x: [i16; 8] = std::array::from_fn(|i| block[i]);
        let first = match span(cols) {
            2 => row_pass::<2>(x),
            4 => row_pass::<4>(x),
            _ => row_pass::<8>(x),
        };
        let mut line = [0u8; 8];
        for (o, v) in line.iter_mut().zip(first) {
            let v = Wrapping(C[4]) * Wrapping(i32::from(v)) + Wrapping(COL_BIAS);
            *o = clamp_u8(v >> COL_SHIFT as usize);
        }
        for r in 0..8 {
            out[r * stride..r * stride + 8].copy_from_slice(&line);
        }
        return;
    }
    let mut t = [[0i16; 8]; 8];
    match span(cols) {
        2 => rows_pass::<2>(block, rows, &mut t),
        4 => rows_pass::<4>(block, rows, &mut t),
        _ => rows_pass::<8>(block, rows, &mut t),
    }
    match span(rows) {
        2 => columns::<2>(&t, out, stride),
        4 => columns::<4>(&t, out, stride),
        _ => columns::<8>(&t, out, stride),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_scaled_cosines() {
        for (k, &c) in C.iter().enumerate().skip(1) {
            let exact = 2f64.sqrt() * (k as f64 * std::f64::consts::PI / 16.0).cos() * 16384.0;
            let expect = if k == 4 { 16383 } else { exact.round() as i32 };
            assert_eq!(c, expect, "k = {k}");
        }
    }

    /// The integer transform stays within one level of the exact one.
    #[test]
    fn matches_float_idct() {
        let mut seed = 12345u32;
        for _ in 0..200 {
            let mut block = [0i16; 64];
            let mut rows = 0u8;
            for (i, v) in block.iter_mut().enumerate() {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                if seed.is_multiple_of(5) {
                    *v = ((seed >> 8) % 300) as i16 - 150;
                    rows |= 1 << (i / 8);
                }
            }
            rows |= 1;
            let mut out = [0u8; 64];
            let exact_block = block;
            block[0] += DC_OFFSET as i16;
            idct_put(&block, u16::from(rows) | 0xFF00, &mut out, 8);
            for y in 0..8 {
                for x in 0..8 {
                    let mut s = 0.0;
                    for v in 0..8 {
                        for u in 0..8 {
                            let cu = if u == 0 { 0.5f64.sqrt() } else { 1.0 };
                            let cv = if v == 0 { 0.5f64.sqrt() } else { 1.0 };
                            s += cu
                                * cv
                                * f64::from(exact_block[v * 8 + u])
                                * ((2 * x + 1) as f64 * u as f64 * std::f64::consts::PI / 16.0)
                                    .cos()
                                * ((2 * y + 1) as f64 * v as f64 * std::f64::consts::PI / 16.0)
                                    .cos();
                        }
                    }
                    let exact = (s / 4.0 + 128.0).round().clamp(0.0, 255.0);
                    let got = f64::from(out[y * 8 + x]);
                    assert!((exact - got).abs() <= 1.0, "({x},{y}): {got} vs {exact}");
                }
            }
        }
    }
}
