//! Big-endian integers at a byte offset, for parsers whose caller has already
//! checked the length (out-of-range offsets panic, like slice indexing).

/// Big-endian 16 bits at `at`.
#[inline(always)]
pub(crate) fn be16(d: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([d[at], d[at + 1]])
}

/// Big-endian 24 bits at `at`.
#[inline(always)]
pub(crate) fn be24(d: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([0, d[at], d[at + 1], d[at + 2]])
}

/// Big-endian 32 bits at `at`.
#[inline(always)]
pub(crate) fn be32(d: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]])
}
