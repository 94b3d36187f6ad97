#!/usr/bin/env bash
# Installs the toolchains that build WIT component guests, pinned, into a
# cache outside the checkout (so a fresh clone reuses them), only when the
# pinned version is missing:
#   wasm-tools and wit-bindgen-cli   cargo install --locked (C components)
#   @bytecodealliance/componentize-js  npm (JavaScript components)
#   componentize-py                  pip, in its own venv (Python components)
# Prints the cache directory on stdout; progress goes to stderr.
set -euo pipefail
WASM_TOOLS_VERSION=1.254.2     # the wasm-tools crates Wasmtime 48 itself uses
WIT_BINDGEN_VERSION=0.60.0     # built on wit-parser 0.254, the same generation
COMPONENTIZE_JS_VERSION=0.23.0
COMPONENTIZE_PY_VERSION=0.25.1
root="${AW_GUEST_TOOLS:-$HOME/.cache/airssys-wasm/guest-tools}"
mkdir -p "$root"
export PATH="$HOME/.cargo/bin:$PATH"
say() { echo "install-guest-tools: $*" >&2; }

crate() {  # crate binary version [cargo options]
  if [ "$("$root/bin/$2" --version 2>/dev/null | awk '{print $2}')" != "$3" ]; then
    say "cargo install $1@$3 (a few minutes, once)"
    cargo install --quiet --locked --root "$root" "$1" --version "$3" "${@:4}" >&2
  fi
}
# Only the subcommands we use (component new, wit, parse, print, validate):
# a smaller build than the default set (same components out).
crate wasm-tools wasm-tools "$WASM_TOOLS_VERSION" --no-default-features \
  --features component,parse,print,validate
crate wit-bindgen-cli wit-bindgen "$WIT_BINDGEN_VERSION"

js="$root/node-componentize-js-$COMPONENTIZE_JS_VERSION"
if [ ! -x "$js/node_modules/.bin/componentize-js" ]; then
  command -v npm >/dev/null || { say "npm not found: install Node.js >= 18"; exit 1; }
  say "npm install @bytecodealliance/componentize-js@$COMPONENTIZE_JS_VERSION"
  mkdir -p "$js"
  npm install --silent --no-audit --no-fund --prefix "$js" \
    "@bytecodealliance/componentize-js@$COMPONENTIZE_JS_VERSION" >&2
fi

py="$root/py-componentize-$COMPONENTIZE_PY_VERSION"
if [ ! -x "$py/bin/componentize-py" ]; then
  say "pip install componentize-py==$COMPONENTIZE_PY_VERSION"
  rm -rf "$py"
  python3 -m venv "$py" >&2
  "$py/bin/pip" install --quiet "componentize-py==$COMPONENTIZE_PY_VERSION" >&2
fi
echo "$root"
