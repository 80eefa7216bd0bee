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
