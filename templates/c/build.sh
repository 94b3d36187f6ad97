#!/usr/bin/env bash
# Build actor.c into actor.component.wasm (a component of the world
# airssys:component/actor-component). Tools: scripts/install-guest-tools.sh.
# WIT: $AIRSSYS_WIT, else ./wit (made by `airssys-wasm new`), else the
# checkout's wit/ two levels up.
set -euo pipefail
cd "$(dirname "$0")"
tools="${AW_GUEST_TOOLS:-$HOME/.cache/airssys-wasm/guest-tools}"
wit="${AIRSSYS_WIT:-}"
[ -n "$wit" ] || { [ -d wit ] && wit=wit || wit=../../wit; }  # a project from `new` has its own copy
mkdir -p gen
"$tools/bin/wit-bindgen" c "$wit" --world actor-component --out-dir gen
clang --target=wasm32-wasi --sysroot=/usr -O2 -mexec-model=reactor -Wl,--strip-debug -Igen \
  actor.c gen/actor_component.c gen/actor_component_component_type.o -o gen/actor.core.wasm
"$tools/bin/wasm-tools" component new gen/actor.core.wasm -o actor.component.wasm
echo "built actor.component.wasm"
