#!/usr/bin/env bash
# Installs what softvk's tasks need on a Debian machine (idempotent; needs root or sudo):
# the Vulkan loader and tools, the validation layers (tests run under them), lavapipe (the
# benchmark compares against it), SPIR-V tools, binutils (nm) and a Rust toolchain check.
set -euo pipefail

packages=(libvulkan1 libvulkan-dev vulkan-tools vulkan-validationlayers mesa-vulkan-drivers
          glslang-tools spirv-tools binutils pkg-config)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "softvk: installing ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ! command -v cargo >/dev/null; then
    echo "softvk: cargo is missing; install Rust 1.95 or newer (https://rustup.rs)" >&2
    exit 1
fi
# wgpu-py (wgpu-native inside its wheel) for tests/tests/wgpu.rs: a real wgpu program on softvk.
WGPU_VERSION=0.32.0
venv="$(dirname "$0")/../target/wgpu-venv"
if ! "$venv/bin/python" -c "import wgpu, sys; sys.exit(wgpu.__version__ != '$WGPU_VERSION')" 2>/dev/null; then
    echo "softvk: installing wgpu-py $WGPU_VERSION into target/wgpu-venv"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "wgpu==$WGPU_VERSION"
fi
