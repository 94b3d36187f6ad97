#!/usr/bin/env bash
# Build actor.js into actor.component.wasm with componentize-js, without any
# WASI feature (the component then imports only airssys interfaces).
set -euo pipefail
cd "$(dirname "$0")"
tools="${AW_GUEST_TOOLS:-$HOME/.cache/airssys-wasm/guest-tools}"
wit="${AIRSSYS_WIT:-}"
[ -n "$wit" ] || { [ -d wit ] && wit=wit || wit=../../wit; }  # a project from `new` has its own copy
cjs=$(ls -d "$tools"/node-componentize-js-*/node_modules/.bin/componentize-js | tail -n1)
"$cjs" actor.js --wit "$wit" -n actor-component -d stdio random clocks http fetch-event \
  -o actor.component.wasm
echo "built actor.component.wasm"
