#!/usr/bin/env bash
# End-to-end checks of the CLI: exit codes, stdout, and the error text a user
# sees. Usage: cli.sh <airssys-wasm> <guest dir>
set -u
cli=$1; g=$2; c=${3:-$2}  # core guests, WIT components
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

. "$(dirname "$0")/expect.sh"

expect run-echo 0 '^hello-bar-42$' '' -- "$cli" run "$g/echo.wasm" --send hello-bar-42
expect run-component-js 0 '^hello from JS: hi$' '' -- "$cli" run "$c/template_js.component.wasm" --send hi
expect run-component-py 0 '^hello from Python: hi$' '' -- "$cli" run "$c/template_py.component.wasm" --wasi --send hi
expect run-component-nowasi 2 '' 'WASI preview 2.*run --wasi' -- "$cli" run "$c/template_py.component.wasm" --send hi
expect new-c 0 'created hello-c/' '' -- bash -c "cd '$tmp' && '$cli' new hello-c --lang c"
expect new-exists 1 '' 'already exists' -- bash -c "cd '$tmp' && '$cli' new hello-c --lang c"
expect new-lang 1 '' "unknown language 'rust'" -- bash -c "cd '$tmp' && '$cli' new x --lang rust"
expect build-c 0 'hello-c/actor.component.wasm' '' -- bash -c "cd '$tmp' && '$cli' build hello-c"
expect run-new-c 0 '^hello from C: hi$' '' -- "$cli" run "$tmp/hello-c/actor.component.wasm" --send hi
expect build-none 1 '' 'no executable build.sh' -- "$cli" build "$tmp"
expect inspect-component 0 'handle: func\(msg: record \{ payload: list<u8>' '' -- "$cli" inspect "$c/probe.component.wasm"
expect inspect-component-bad 4 'conforms: NO' '' -- "$cli" inspect "$c/wrong_types.component.wasm"
expect inspect-component-json 0 '"wit":"import airssys:component' '' -- "$cli" inspect "$c/probe.component.wasm" --json
expect run-multi 0 '^42$' '' -- "$cli" run "$g/counter.wasm" --config 40 --send inc --send inc
expect run-stdin 0 '^Hello, stdin!$' '' -- bash -c "printf 'stdin\n' | '$cli' run '$g/hello.wasm'"
expect run-guest-log 0 'Hello, x!' 'greeting someone' -- "$cli" run "$g/hello.wasm" --send x
expect run-quiet 0 'Hello' EMPTY -- "$cli" run "$g/hello.wasm" --send q -q
expect run-trap 3 '' 'unreachable.*|trap' -- "$cli" run "$g/trap.wasm" --send x
expect run-trap-func 3 '' 'failed in aw_handle' -- "$cli" run "$g/trap.wasm" --send x
expect run-trap-name 3 '' "component 'trap'" -- "$cli" run "$g/trap.wasm" --send oob
expect run-trap-trace 3 '' 'crash_unreachable' -- "$cli" run "$g/trap.wasm" --send x
expect run-guest-error 3 '' 'unknown command' -- "$cli" run "$g/counter.wasm" --send nope
expect run-deadline 3 '' 'CPU deadline' -- "$cli" run "$g/spin.wasm" --send loop --deadline 200
printf 'not wasm at all' > "$tmp/bad.wasm"
expect run-not-wasm 2 '' 'not a WebAssembly binary' -- "$cli" run "$tmp/bad.wasm" --send x
head -c 200 "$g/echo.wasm" > "$tmp/cut.wasm"
expect run-truncated 2 '' 'invalid WebAssembly module' -- "$cli" run "$tmp/cut.wasm" --send x
expect run-missing 2 '' 'missing.wasm' -- "$cli" run "$tmp/missing.wasm" --send x
expect run-no-handler 2 '' 'missing export aw_handle' -- "$cli" run "$g/no_handler.wasm" --send x
expect run-wrong-abi 2 '' 'guest ABI v7' -- "$cli" run "$g/wrong_abi.wasm" --send x
expect run-bad-opt 1 '' 'unknown option' -- "$cli" run "$g/echo.wasm" --frobnicate
expect run-bad-num 1 '' 'not a number' -- "$cli" run "$g/echo.wasm" --timeout soon
expect inspect-echo 0 'core module' '' -- "$cli" inspect "$g/echo.wasm"
expect inspect-exports 0 'aw_handle +func \(i32, i32\) -> \(i32\)' '' -- "$cli" inspect "$g/echo.wasm"
expect inspect-imports 0 'airssys.reply' '' -- "$cli" inspect "$g/echo.wasm"
expect inspect-conforms 0 'conforms: yes' '' -- "$cli" inspect "$g/echo.wasm"
expect inspect-missing 4 'missing export aw_handle' '' -- "$cli" inspect "$g/no_handler.wasm"
expect inspect-import 4 'env.secret' '' -- "$cli" inspect "$g/bad_import.wasm"
expect inspect-not-wasm 2 '' 'not a WebAssembly' -- "$cli" inspect "$tmp/bad.wasm"
expect inspect-json 0 '"conforms":true' '' -- "$cli" inspect --json "$g/echo.wasm"
expect inspect-caps 0 'grants it can use: network-outbound' '' -- "$cli" inspect "$g/hostile_netgrab.wasm"
expect inspect-caps-none 0 'grants it can use: none' '' -- "$cli" inspect "$g/echo.wasm"
"$cli" inspect --json "$g/wrong_abi.wasm" > "$tmp/j.json"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["abi_version"]==7 and not d["conforms"] and d["format"]=="core module"' "$tmp/j.json"; then
  pass=$((pass+1)); else echo "FAIL inspect-json-parse"; fail=$((fail+1)); fi
echo "granted text" > "$tmp/ok.txt"
expect run-grant-read 0 '13:granted text' '' -- "$cli" run -q "$g/hostile_traverse.wasm" --grant "file-read($tmp/*.txt)" --send "read:$tmp/ok.txt"
expect run-grant-denied 0 '^-12$' '' -- "$cli" run -q "$g/hostile_traverse.wasm" --grant "file-read($tmp/*.txt)" --send "read:/etc/passwd"
expect run-grant-bad 2 '' "unknown capability 'bogus'" -- "$cli" run "$g/echo.wasm" --grant 'bogus(x)' --send hi
expect run-audit 0 '' '"op":"file-read","target":"/etc/passwd","decision":"denied"' -- "$cli" run -q "$g/hostile_traverse.wasm" --audit - --send "read:/etc/passwd"
expect help 0 'usage: airssys-wasm' '' -- "$cli" --help
expect help-run 0 '--send MSG' '' -- "$cli" help run
expect no-args 1 '' 'usage' -- "$cli"
expect unknown-cmd 1 '' "unknown command 'frob'" -- "$cli" frob
expect version 0 'guest ABI v0' '' -- "$cli" version

# validate: a manifest checked without starting anything (docs/manifest.md)
cat > "$tmp/app.yaml" <<EOF
airssys: 1
runtime: { workers: 1, max_memory: 32MiB }
components:
  echo: { path: $g/echo.wasm, format: core }
  probe: { path: $c/probe.component.wasm, format: component, limits: { memory: 16MiB } }
actors:
  - { name: front, component: echo, subscribe: [orders.new] }
supervisors:
  - name: root
    children:
      - { name: worker, component: probe }
      - { name: spare, component: echo, restart: temporary }
routes:
  /front: [front]
pipelines:
  orders: { stages: [front, worker] }
EOF
cat > "$tmp/bad.yaml" <<EOF
airssys: 1
components:
  echo:
    path: $g/echo.wasm
    limits: { memory: lots }
actors:
  - { name: a, component: nope }
  - { name: a, component: echo, mailbox: -1 }
EOF
printf 'airssys: 1\ncomponents:\n  nh: { path: %s/no_handler.wasm }\n' "$g" > "$tmp/nh.yaml"
expect validate-ok 0 "^ok: $tmp/app.yaml: 2 components, 3 actors, 1 supervisor, 1 subscription, 1 route, 1 pipeline\$" '' -- "$cli" validate "$tmp/app.yaml"
expect validate-no-compile 0 '3 actors.*\(components not compiled\)$' '' -- "$cli" validate "$tmp/app.yaml" --no-compile
expect validate-bad 6 '' "^$tmp/bad.yaml:5:23: components.echo.limits.memory: expected a size like 16MiB or 65536, got 'lots'\$" -- "$cli" validate "$tmp/bad.yaml"
expect validate-bad-ref 6 '' "^$tmp/bad.yaml:7:27: actors\[0\].component: unknown component 'nope' \(declared: echo\)\$" -- "$cli" validate "$tmp/bad.yaml" --no-compile
expect validate-bad-dup 6 '' "^$tmp/bad.yaml:8:13: actors\[1\].name: the name 'a' is already used by the actor at line 7" -- "$cli" validate "$tmp/bad.yaml"
expect validate-bad-neg 6 '' "^$tmp/bad.yaml:8:42: actors\[1\].mailbox: must not be negative, got '-1'\$" -- "$cli" validate "$tmp/bad.yaml"
expect validate-compile 6 '' "^$tmp/nh.yaml:3:3: components.nh: .*aw_handle" -- "$cli" validate "$tmp/nh.yaml"
expect validate-missing 2 '' 'no-such.yaml' -- "$cli" validate "$tmp/no-such.yaml"
expect validate-help 0 'usage: airssys-wasm validate' '' -- "$cli" validate --help
expect validate-no-arg 1 '' 'usage: airssys-wasm validate' -- "$cli" validate
"$cli" validate --json "$tmp/app.yaml" > "$tmp/v.json"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["counts"]; assert d["ok"] and c["components"]==2 and c["actors"]==3 and c["pipelines"]==1, d' "$tmp/v.json"; then
  pass=$((pass+1)); else echo "FAIL validate-json-ok"; cat "$tmp/v.json"; fail=$((fail+1)); fi
"$cli" validate --json "$tmp/bad.yaml" > "$tmp/v.json"; rc=$?
if [ $rc -eq 6 ] && python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); e=d["errors"]
assert not d["ok"] and len(e)==4, d
assert [(x["line"],x["column"]) for x in e]==[(5,23),(7,27),(8,13),(8,42)], e
assert e[0]["where"]=="components.echo.limits.memory" and e[0]["message"].startswith("expected a size"), e[0]
assert e[1]["file"]==sys.argv[2], e[1]' "$tmp/v.json" "$tmp/bad.yaml"; then
  pass=$((pass+1)); else echo "FAIL validate-json-bad (rc $rc)"; cat "$tmp/v.json"; fail=$((fail+1)); fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
