#!/usr/bin/env bash
# Makes the picture at the top of README.md, docs/images/demo.png: one view of
# the bundled demo tour (assets/demo.mov, node 1 "Meadow": the gallery house
# and the dice signpost, both link hot spots), drawn offscreen by `qtvr render`
# with the same renderer as the viewer window.
#
#   scripts/readme-picture.sh
#
# Builds the binary first when it is out of date (cargo does nothing when it is
# current) and needs a graphics adapter, as `qtvr render` does (lavapipe,
# mesa-vulkan-drivers, when there is no GPU). This script is the only way the
# picture is made; re-run it after the demo or the renderer changes and commit
# the result.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --bin qtvr
mkdir -p docs/images
target/release/qtvr render assets/demo.mov \
  --node 1 --pan 0 --tilt 3 --fov 70 --size 960x540 \
  -o docs/images/demo.png
