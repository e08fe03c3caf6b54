#!/usr/bin/env bash
# Makes the codec fixtures in tests/fixtures/codecs/ and ffmpeg's decodes of them.
#
#   scripts/make-codec-fixtures.sh [PHOTO.jpg]
#
# Each fixture is a small QuickTime movie with one video track:
#  * made by ffmpeg's own encoders (cinepak, rpza, smc, qtrle at every depth it
#    offers, svq1, mjpeg, png, gif, tiff, rawvideo incl. 2vuy/yuvs/yuv2) from a
#    real photo (a pan over a crop of PHOTO (112×80), default: the Panini cube face in ../shared/samples) and from
#    ffmpeg's moving test pattern, at sizes that are not multiples of the block
#    sizes;
#  * or written by `cargo run --example craft_codec_fixtures` for what no ffmpeg
#    encoder makes (raw at 1/2/4/8 bits and grey depths, rle at 1/2/4/8 bits,
#    colour tables, partial updates; 8BPS; mjpb, restructured from JPEGs by the
#    image crate and from JPEG fields by ffmpeg; yuv2 at an odd width).
# Beside each NAME.mov the script stores NAME.rgb24.gz: every frame as ffmpeg
# decodes it to RGB24, with the same command the sample ground truth uses. The
# tests (tests/codecs.rs) compare the project's decoders with these and need no
# ffmpeg. Re-run after changing the fixture list; commit the results.
set -euo pipefail
cd "$(dirname "$0")/.."
out=tests/fixtures/codecs
photo=${1:-../shared/samples/sources/panini-faces/outside_000000.jpg}
[ -f "$photo" ] || { echo "no photo at $photo (pass one as the first argument)" >&2; exit 1; }
command -v ffmpeg >/dev/null || { echo "ffmpeg is needed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f "$out"/*.mov "$out"/*.rgb24.gz "$out"/*.yuv410p.gz "$out"/*.png

ff() { ffmpeg -v error -y "$@"; }

# Sources: a four-frame pan over a crop of the photo (112×80), and ffmpeg's moving
# test pattern (70×46, six frames). Lossless PNG sequences, so every encoder
# starts from the same pixels.
ff -loop 1 -framerate 4 -i "$photo" -vf "crop=448:320:300+n*24:360,scale=112:80:flags=area,format=rgb24" -frames:v 4 "$tmp/photo%02d.png"
ff -f lavfi -i "testsrc2=size=70x46:rate=4" -vf format=rgb24 -frames:v 6 "$tmp/pattern%02d.png"
src_photo=(-framerate 4 -i "$tmp/photo%02d.png")
src_pattern=(-framerate 4 -i "$tmp/pattern%02d.png")
# Sources for the crafted fixtures.
cp "$tmp/photo01.png" "$tmp/craft-photo-1.png"
cp "$tmp/photo02.png" "$tmp/craft-photo-2.png"
# The two fields of each, as 4:2:2 JPEGs with the standard Huffman tables (mjpb).
for i in 1 2; do
  for f in top bottom; do
    ff -i "$tmp/photo0$i.png" -vf field=type=$f -c:v mjpeg -pix_fmt yuvj422p -q:v 3 -huffman default -frames:v 1 "$tmp/craft-field$i-$f.jpg"
  done
done

enc() { # NAME SOURCE(photo|pattern) ENCODER-ARGS...
  local name=$1 which=$2
  shift 2
  if [ "$which" = photo ]; then ff "${src_photo[@]}" "$@" "$out/$name.mov"; else ff "${src_pattern[@]}" "$@" "$out/$name.mov"; fi
}

enc cvid_photo photo -c:v cinepak
enc cvid_pattern_strips pattern -vf crop=68:44 -c:v cinepak -min_strips 3 -max_strips 3
enc cvid_grey photo -c:v cinepak -pix_fmt gray
enc rpza_photo photo -c:v rpza
# (ffmpeg 5.1's rpza encoder corrupts its heap at some sizes, e.g. 68×44 and 96×64.)
enc rpza_pattern pattern -vf crop=68:40 -c:v rpza
enc smc_photo photo -c:v smc -pix_fmt pal8
enc smc_pattern pattern -c:v smc -pix_fmt pal8
enc rle24_photo photo -c:v qtrle -pix_fmt rgb24
enc rle24_pattern pattern -c:v qtrle -pix_fmt rgb24
enc rle16_pattern pattern -c:v qtrle -pix_fmt rgb555be
enc rle32_pattern pattern -c:v qtrle -pix_fmt argb
enc rle_grey_pattern pattern -vf crop=68:44 -c:v qtrle -pix_fmt gray
enc svq1_photo photo -c:v svq1
enc svq1_pattern pattern -c:v svq1
enc svq1_photo_160x120 photo -vf scale=160:120:flags=bicubic -c:v svq1
enc svq1_pattern_37x29 pattern -vf crop=37:29 -c:v svq1
enc jpeg420_photo photo -c:v mjpeg -pix_fmt yuvj420p -q:v 2
enc jpeg422_pattern pattern -c:v mjpeg -pix_fmt yuvj422p -q:v 2
enc jpeg444_photo photo -c:v mjpeg -pix_fmt yuvj444p -q:v 2
enc mjpa_photo photo -c:v mjpeg -pix_fmt yuvj420p -q:v 3 -tag:v mjpa
enc png_rgb24_photo photo -c:v png -pix_fmt rgb24
enc png_rgba_pattern pattern -c:v png -pix_fmt rgba
enc png_pal8_pattern pattern -c:v png -pix_fmt pal8
enc png_gray_photo photo -c:v png -pix_fmt gray
enc png_rgb48_photo photo -c:v png -pix_fmt rgb48be
enc gif_pattern pattern -c:v gif -pix_fmt rgb8
enc tiff_photo photo -c:v tiff -pix_fmt rgb24
enc raw24_photo photo -c:v rawvideo -pix_fmt rgb24
enc raw32_pattern pattern -c:v rawvideo -pix_fmt argb
enc raw16_pattern pattern -c:v rawvideo -pix_fmt rgb555be
enc 2vuy_photo photo -c:v rawvideo -pix_fmt uyvy422 -tag:v 2vuy
enc 2vuy_pattern pattern -vf crop=69:45 -c:v rawvideo -pix_fmt uyvy422 -tag:v 2vuy
enc yuvs_pattern pattern -vf crop=69:46 -c:v rawvideo -pix_fmt yuyv422 -tag:v yuvs
# (At odd widths ffmpeg's yuv2 encoder flips the wrong bytes: yuv2_odd_photo is crafted.)
enc yuv2_photo photo -c:v rawvideo -pix_fmt yuyv422 -tag:v yuv2

# What no ffmpeg encoder writes.
cargo run --quiet --release --example craft_codec_fixtures -- "$tmp/craft-photo-1.png" "$tmp/craft-photo-2.png" "$out" \
  "$tmp/craft-field1-top.jpg" "$tmp/craft-field1-bottom.jpg" "$tmp/craft-field2-top.jpg" "$tmp/craft-field2-bottom.jpg"

# ffmpeg's decodes: the command of ../shared/samples/gen's hash_note.
for mov in "$out"/*.mov; do
  name=${mov%.mov}
  # Sorenson Video is 4:1:0 YUV: its RGB reference spreads each chroma sample
  # over its 4×4 pixels (as the decoder does), over the part of the picture
  # whose chroma samples are whole (swscale stretches a last partial one), and
  # its planes are kept too, compared exactly.
  sws=()
  case $(basename "$name") in
    svq1_*)
      sws=(-vf "crop=floor(iw/4)*4:floor(ih/4)*4:0:0" -sws_flags neighbor+full_chroma_int+accurate_rnd)
      ffmpeg -v error -ignore_editlist 1 -i "$mov" -map 0:v:0 -f rawvideo -pix_fmt yuv410p -fps_mode passthrough - | gzip -9 -n -c > "$name.yuv410p.gz"
      ;;
  esac
  if ! ffmpeg -v error -ignore_editlist 1 -i "$mov" -map 0:v:0 "${sws[@]}" -f rawvideo -pix_fmt rgb24 -fps_mode passthrough - > "$tmp/ref.rgb24" 2>"$tmp/err"; then
    echo "ffmpeg cannot decode $mov: $(cat "$tmp/err")" >&2
    rm -f "$tmp/ref.rgb24"
    continue
  fi
  gzip -9 -n -c "$tmp/ref.rgb24" > "$name.rgb24.gz"
done
ffmpeg -version | head -1 > "$out/FFMPEG_VERSION"
ls -l "$out" | awk '{s+=$5} END {print "fixtures: " NR-1 " files, " s " bytes"}'
