#!/usr/bin/env bash
# The tests on a fresh Debian machine: install what is needed, then everything CI checks
# (formatting, clippy, generated-code drift, exports, vulkaninfo, and every test through the
# real loader under the Khronos validation layer).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
cargo xtask ci
