#!/usr/bin/env bash
# Finds or builds the Wasmtime C API and prints its prefix (include/ + lib/).
#
# Order: $WASMTIME_DIR if set (a prebuilt C API, e.g. from PyPI's wasmtime
# wheel), else a cached build keyed by the crate's manifest and the rustc
# version, else a fresh `cargo build --release` into that cache. The cache
# lives outside the checkout ($AIRSSYS_CACHE_DIR, default ~/.cache/airssys-wasm)
# so a fresh clone reuses it. Progress goes to stderr; stdout is the prefix.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ -n "${WASMTIME_DIR:-}" ]; then
  [ -f "$WASMTIME_DIR/include/wasmtime.h" ] || { echo "WASMTIME_DIR=$WASMTIME_DIR has no include/wasmtime.h" >&2; exit 1; }
  echo "$WASMTIME_DIR"; exit 0
fi

for tool in cargo cmake; do
  command -v "$tool" >/dev/null || { echo "deps/wasmtime: '$tool' not found (run scripts/install-deps.sh)" >&2; exit 1; }
done

version=$(sed -n 's/.*version = "=\([0-9.]*\)".*/\1/p' "$here/Cargo.toml" | head -n1)
key=$( { cat "$here/Cargo.toml" "$here/src/lib.rs"; rustc -V; uname -m; } | sha256sum | cut -c1-12)
cache=${AIRSSYS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/airssys-wasm}
prefix=$cache/wasmtime-$version-$key

if [ -f "$prefix/.complete" ]; then echo "$prefix"; exit 0; fi

echo "deps/wasmtime: building wasmtime-c-api $version (key $key) into $cache; this takes a while once" >&2
target=$cache/target-$key
lock=()
[ -f "$here/Cargo.lock" ] && lock=(--locked)
CARGO_TARGET_DIR=$target cargo build --release "${lock[@]}" --manifest-path "$here/Cargo.toml" >&2

conf=$(ls -t "$target"/release/build/wasmtime-c-api-impl-*/out/include/wasmtime/conf.h 2>/dev/null | head -n1)
[ -n "$conf" ] || { echo "deps/wasmtime: generated headers not found under $target" >&2; exit 1; }
rm -rf "$prefix.tmp" && mkdir -p "$prefix.tmp/lib"
cp -r "$(dirname "$(dirname "$conf")")" "$prefix.tmp/include"
cp "$target/release/libairssys_wasmtime.a" "$prefix.tmp/lib/libwasmtime.a"
cp "$target/release/libairssys_wasmtime.so" "$prefix.tmp/lib/libwasmtime.so"
rm -rf "$prefix" && mv "$prefix.tmp" "$prefix" && touch "$prefix/.complete"
echo "$prefix"
