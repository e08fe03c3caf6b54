#!/usr/bin/env python3
"""Writes crates/qtvr-format/src/codec/svq1/codebooks.rs and vlc.rs from copies of
FFmpeg's libavcodec/svq1_cb.h and svq1_vlc.h (the Sorenson Video 1 codebooks and
variable-length codes, facts of the format).

    scripts/svq1-tables.py PATH/TO/svq1_cb.h PATH/TO/svq1_vlc.h

Only the numbers are taken; the Rust file's layout is the project's own: one
array per block size, stages after one another, 16 vectors per stage, each
vector's pixels row by row, as signed bytes.
"""
import re
import sys

src = open(sys.argv[1]).read()
out = [
    "//! The Sorenson Video 1 codebooks: facts of the format (see `super`'s module",
    "//! doc for where the numbers come from). Written by `scripts/svq1-tables.py`;",
    "//! do not edit by hand.",
    "//!",
    "//! One array per kind (intra, inter) and block size (4×2, 4×4, 8×4, 8×8 pixels):",
    "//! 6 stages × 16 vectors × the block's pixels, row by row.",
    "",
]
for kind in ("intra", "inter"):
    for size in ("4x2", "4x4", "8x4", "8x8"):
        m = re.search(r"svq1_%s_codebook_%s\)\[(\d+)\] = \{(.*?)\};" % (kind, size), src, re.S)
        n = int(m.group(1))
        vals = [int(v) for v in m.group(2).replace("\n", " ").split(",") if v.strip()]
        assert len(vals) == n, (kind, size, len(vals), n)
        w, h = (int(s) for s in size.split("x"))
        assert n == 6 * 16 * w * h
        name = "%s_%s" % (kind.upper(), size.upper().replace("X", "X"))
        out.append("/// %s vectors of %d×%d pixels." % (kind.capitalize(), w, h))
        out.append("#[rustfmt::skip]")
        out.append("pub const %s: [i8; %d] = [" % (name, n))
        per = 16
        for i in range(0, n, per):
            out.append("    " + " ".join("%d," % v for v in vals[i : i + per]))
        out.append("];")
        out.append("")
open("crates/qtvr-format/src/codec/svq1/codebooks.rs", "w").write("\n".join(out))

vlc = open(sys.argv[2]).read()
out = [
    "//! The Sorenson Video 1 variable-length codes: facts of the format (see",
    "//! `super`'s module doc for where the numbers come from). Written by",
    "//! `scripts/svq1-tables.py`; do not edit by hand.",
    "//!",
    "//! Each table lists `(code, length in bits)` by decoded value, codes read most",
    "//! significant bit first.",
    "",
]
def table(name):
    m = re.search(r"svq1_%s\[([^\]]+)\](?:\[(\d+)\])?\[2\] = \{(.*?)\n\};" % name, vlc, re.S)
    pairs = [(int(a, 16), int(b)) for a, b in re.findall(r"\{\s*0x([0-9A-Fa-f]+),\s*(\d+)\s*\}", m.group(3))]
    return pairs
for name, rust, doc, groups in (
    ("block_type_vlc", "BLOCK_TYPE", "Block types of delta frames: skip, inter, inter with four vectors, intra.", 1),
    ("intra_multistage_vlc", "INTRA_STAGES", "Intra vectors' stage counts + 1, one table per level (0 = 4×2 … 5 = 16×16).", 6),
    ("inter_multistage_vlc", "INTER_STAGES", "Inter vectors' stage counts + 1, one table per level.", 6),
    ("intra_mean_vlc", "INTRA_MEAN", "Intra means 0..=255.", 1),
    ("inter_mean_vlc", "INTER_MEAN", "Inter means + 256 (-256..=255).", 1),
):
    pairs = table(name)
    out.append("/// " + doc)
    out.append("#[rustfmt::skip]")
    if groups == 1:
        out.append("pub const %s: [(u32, u8); %d] = [" % (rust, len(pairs)))
        for i in range(0, len(pairs), 8):
            out.append("    " + " ".join("(0x%X, %d)," % p for p in pairs[i : i + 8]))
    else:
        per = len(pairs) // groups
        out.append("pub const %s: [[(u32, u8); %d]; %d] = [" % (rust, per, groups))
        for g in range(groups):
            out.append("    [" + " ".join("(0x%X, %d)," % p for p in pairs[g * per : (g + 1) * per]) + "],")
    out.append("];")
    out.append("")
open("crates/qtvr-format/src/codec/svq1/vlc.rs", "w").write("\n".join(out))
