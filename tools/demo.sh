#!/usr/bin/env bash
# The main job on a fresh Debian machine: install what is needed, build softvk, and run the demo
# through the real Vulkan loader with only softvk selected. Writes target/softvk-demo.png.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
cargo xtask demo "$@"
