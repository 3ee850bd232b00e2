#!/usr/bin/env bash
# Installs the Debian packages PhotoSearch builds and tests with, when any is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  qt6-base-dev qt6-base-dev-tools libqt6svg6 qt6-l10n-tools qt6-tools-dev
  libtorch-dev libdnnl-dev libopenblas0-pthread
  libfaiss-dev libopencv-dev libjpeg-dev libpng-dev libssl-dev libsqlite3-dev
  xvfb xauth
  libheif-dev libheif-examples libraw-dev libraw-bin libjxl-dev libjxl-tools libavif-bin
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev ffmpeg
  libexiv2-dev exiv2
  clang libclang-rt-14-dev llvm clang-format
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
