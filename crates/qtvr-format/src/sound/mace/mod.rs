//! MACE 3:1 (`MAC3`) and 6:1 (`MAC6`), Apple's Macintosh Audio Compression
//! and Expansion of the Sound Manager 3: each byte holds three codes (3, 2
//! and 3 bits); MACE 3:1 turns each code into one 8-bit-precision sample
//! (a byte: 3 samples, codes taken from the low bits up), MACE 6:1 into two
//! (a byte: 6 samples, codes from the high bits down). Channels alternate
//! every 2 bytes (3:1) or every byte (6:1).
//!
//! Each code picks a step from a table row chosen by an adaptive index; the
//! index then moves by a per-code amount less 1/32 of itself. 3:1 leaks the
//! running level by 1/8 per sample; 6:1 keeps an adaptive factor (up 506
//! while successive steps keep their sign, down 314 when it flips) and
//! interpolates two output samples from the last three levels. Outputs carry
//! 8 bits: the high byte is repeated in the low byte, as Apple's decoder did.
//!
//! The step tables (`STEPS_3BIT`, `STEPS_2BIT`) and index moves are facts of
//! the format; their values are taken from the MACE decoder published with
//! FFmpeg's libavcodec (`mace.c`, LGPL, itself a translation of Apple's 68k
//! routine), stored here in this module's own layout: one row per index
//! step, the positive half only (a code in the upper half reads the row
//! backwards and is negated less one).

/// Index moves for the 3-bit codes.
const MOVE_3BIT: [i32; 8] = [-13, 8, 76, 222, 222, 76, 8, -13];
/// Index moves for the 2-bit codes.
const MOVE_2BIT: [i32; 4] = [-18, 140, 140, -18];

mod tables;
use tables::{STEPS_2BIT, STEPS_3BIT};

/// One channel's state.
#[derive(Debug, Clone, Copy, Default)]
struct Channel {
    index: i32,
    factor: i32,
    prev2: i32,
    previous: i32,
    level: i32,
}

/// Apple's clip: 32767 above, but -32767 (not -32768) below.
fn clip(n: i32) -> i32 {
    if n > 32767 {
        32767
    } else if n < -32768 {
        -32767
    } else {
        n
    }
}

/// The 8-bit output: bits 8..16 of `x`, repeated in both bytes.
fn widen(x: i32) -> i16 {
    let b = ((x >> 8) & 0xFF) as u16;
    ((b << 8) | b) as i16
}

impl Channel {
    /// The step for a code of `bits` (2 or 3) bits, and the index moved.
    fn step(&mut self, code: u8, two_bit: bool) -> i32 {
        let row = ((self.index & 0x7F0) >> 4) as usize;
        let code = usize::from(code);
        let (half, step, movement) = if two_bit {
            let r = &STEPS_2BIT[row];
            (2, r.as_slice(), MOVE_2BIT[code])
        } else {
            let r = &STEPS_3BIT[row];
            (4, r.as_slice(), MOVE_3BIT[code])
        };
        let value = if code < half {
            i32::from(step[code])
        } else {
            -1 - i32::from(step[2 * half - code - 1])
        };
        self.index = (self.index + movement - (self.index >> 5)).max(0);
        // The original keeps these in 16 bits; the value never leaves that range.
        value as i16 as i32
    }

    fn mace3(&mut self, code: u8, two_bit: bool) -> i16 {
        let current = clip(self.step(code, two_bit) + self.level);
        self.level = current - (current >> 3);
        widen(current)
    }

    fn mace6(&mut self, code: u8, two_bit: bool, out: &mut [i16; 2]) {
        let step = self.step(code, two_bit);
        if (self.previous ^ step) >= 0 {
            self.factor = (self.factor + 506).min(32767);
        } else if self.factor - 314 < -32768 {
            self.factor = -32767;
        } else {
            self.factor -= 314;
        }
        let current = clip(step + self.level);
        self.level = (current * self.factor) >> 15;
        let current = current >> 1;
        let quarter = (self.prev2 - current) >> 2;
        out[0] = widen(self.previous + self.prev2 - quarter);
        out[1] = widen(self.previous + current + quarter);
        self.prev2 = self.previous;
        self.previous = current;
    }
}

/// A MACE decoder for one or two channels.
#[derive(Debug, Clone)]
pub struct Mace {
    six: bool,
    channels: Vec<Channel>,
}

impl Mace {
    /// A 3:1 decoder (`six` false) or a 6:1 one.
    pub fn new(six: bool, channels: usize) -> Mace {
        Mace {
            six,
            channels: vec![Channel::default(); channels],
        }
    }

    /// Decodes whole groups (2 bytes × channels for 3:1, 1 byte × channels
    /// for 6:1), appending 6 interleaved frames per group to `out`.
    pub fn decode(&mut self, bytes: &[u8], out: &mut Vec<i16>) {
        let ch = self.channels.len();
        if ch == 0 {
            return;
        }
        let per = if self.six { 1 } else { 2 };
        for group in bytes.chunks_exact(per * ch) {
            let start = out.len();
            out.resize(start + 6 * ch, 0);
            for (c, state) in self.channels.iter_mut().enumerate() {
                let mut frame = 0;
                for &b in &group[c * per..(c + 1) * per] {
                    if self.six {
                        let codes = [b >> 5, (b >> 3) & 3, b & 7];
                        for (k, &code) in codes.iter().enumerate() {
                            let mut two = [0i16; 2];
                            state.mace6(code, k == 1, &mut two);
                            out[start + frame * ch + c] = two[0];
                            out[start + (frame + 1) * ch + c] = two[1];
                            frame += 2;
                        }
                    } else {
                        let codes = [b & 7, (b >> 3) & 3, b >> 5];
                        for (k, &code) in codes.iter().enumerate() {
                            out[start + frame * ch + c] = state.mace3(code, k == 1);
                            frame += 1;
                        }
                    }
                }
            }
        }
    }
}
