#!/usr/bin/env bash
# Build app.py into app.component.wasm with componentize-py.
set -euo pipefail
cd "$(dirname "$0")"
tools="${AW_GUEST_TOOLS:-$HOME/.cache/airssys-wasm/guest-tools}"
wit="${AIRSSYS_WIT:-}"
[ -n "$wit" ] || { [ -d wit ] && wit=wit || wit=../../wit; }  # a project from `new` has its own copy
cpy=$(ls -d "$tools"/py-componentize-*/bin/componentize-py | tail -n1)
"$cpy" -d "$wit" -w actor-component componentize app -p . -o app.component.wasm
echo "built app.component.wasm"
