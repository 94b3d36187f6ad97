#!/usr/bin/env bash
# Installs what the build needs, by package name, only when it is missing:
# cmake, a C compiler, libcurl (guests' outbound HTTP), libyaml (manifests),
# Debian's clang + lld + wasi-libc + wasm32 builtins for the guests, wabt for
# WAT tests, doxygen for the API reference (make docs), and Rust (cargo) for
# the Wasmtime C API; then the WIT guest toolchains.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have cmake || need+=(cmake)
have cc || need+=(gcc)
have make || need+=(make)
have clang || need+=(clang)
have wasm-ld || need+=(lld)
have wat2wasm || need+=(wabt)
have python3 || need+=(python3)
have doxygen || need+=(doxygen)
[ -f /usr/lib/wasm32-wasi/libc.a ] || need+=(wasi-libc)
[ -f /usr/include/x86_64-linux-gnu/curl/curl.h ] || [ -f /usr/include/curl/curl.h ] || need+=(libcurl4-openssl-dev)
[ -f /usr/include/yaml.h ] || need+=(libyaml-dev)
ls /usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a >/dev/null 2>&1 || need+=(libclang-rt-14-dev-wasm32)
if [ ${#need[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${need[*]}" >&2
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need[@]}" >&2
fi
if [ -z "${WASMTIME_DIR:-}" ] && ! have cargo; then
  [ -x "$HOME/.cargo/bin/cargo" ] || { echo "install-deps: cargo not found; install Rust (rustup) >= 1.95" >&2; exit 1; }
fi
# Toolchains for WIT component guests (C, JavaScript, Python), pinned and
# cached outside the checkout.
"$(dirname "$0")/install-guest-tools.sh" >/dev/null
