#!/usr/bin/env bash
# Runs the managed-host example and drives it with the CLI, as an operator
# would: ps, request, deploy a second component and spawn it, logs, down.
# Usage: run.sh <managed-host> <airssys-wasm> <guest dir>
set -eu
host=$1; cli=$2; g=$3
tmp=$(mktemp -d); sock=$tmp/admin.sock
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$host" "$g/hello.wasm" "$sock" > "$tmp/out" &
pid=$!
for _ in $(seq 300); do [ -S "$sock" ] && grep -q serving "$tmp/out" && break; sleep 0.1; done
"$cli" ps -s "$sock" | grep -Eq '^greeter +core +hello '
[ "$("$cli" request greeter operator -s "$sock")" = "Hello, operator!" ]
"$cli" deploy echo "$g/echo.wasm" --spawn echoer -s "$sock" | grep -q 'deployed echo'
[ "$("$cli" request echoer ping -s "$sock")" = ping ]
"$cli" logs -n 50 -s "$sock" | grep -Eq 'guest +greeter: greeting someone'
"$cli" down -s "$sock"
wait $pid
[ ! -e "$sock" ]
echo "managed-host: driven by the CLI, shut down by 'down'"
