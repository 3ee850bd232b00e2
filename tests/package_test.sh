#!/usr/bin/env bash
# Builds the Debian package from the build folder and checks what it holds.
set -euo pipefail
build="$1"
cd "$build"
rm -f photosearch_*.deb
cpack -G DEB > cpack.log 2>&1 || { cat cpack.log; exit 1; }
deb=$(ls photosearch_*.deb)
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/photosearch ./usr/bin/photosearch-cli ./usr/libexec/photosearch/photosearch-cli ./usr/share/applications/photosearch.desktop \
         ./usr/share/icons/hicolor/scalable/apps/photosearch.svg ./usr/share/metainfo/io.github.photosearch.PhotoSearch.metainfo.xml; do
  grep -q " $f\$" <<<"$contents" || { echo "missing in $deb: $f"; exit 1; }
done
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
# Debian ships FAISS only as a static library: it is inside the binaries, and its BLAS, LAPACK and
# OpenMP needs are what must appear.
for lib in libqt6widgets6 libqt6network6 libtorch libopencv-imgcodecs libsqlite3 liblapack3 libgomp1 libjpeg62-turbo libssl3; do
  grep -q "$lib" <<<"$depends" || { echo "Depends lacks $lib"; exit 1; }
done
# The command line as installed: the launcher in /usr/bin finds and runs the program in /usr/libexec.
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
dpkg-deb -x "$deb" "$unpacked"
version=$("$unpacked/usr/bin/photosearch-cli" --version)
[[ "$version" == "photosearch-cli "* ]] || { echo "the unpacked photosearch-cli --version said: $version"; exit 1; }
echo "package ok: $deb"
