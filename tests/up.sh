#!/usr/bin/env bash
# End-to-end checks of `airssys-wasm up` and the admin commands against it:
# a host started from a manifest (core and WIT guests, a supervisor, a
# route, a pipeline, a subscription), driven only through its admin socket.
# Usage: up.sh <airssys-wasm> <core guest dir> <component dir>
set -u
cli=$1; g=$2; c=$3
tmp=$(mktemp -d); sock=$tmp/admin.sock; pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

. "$(dirname "$0")/expect.sh"
ctl() { "$cli" "$@" -s "$sock"; }
# json EXPR: evaluate a python expression on `ps --json` (as j)
json() { ctl ps --json | python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }

cat > "$tmp/app.yaml" <<EOF
airssys: 1
runtime:
  workers: 2
  audit: audit.jsonl
components:
  echo: { path: $g/echo.wasm, version: "1.0.0" }
  counter: { path: $g/counter.wasm, version: "1.0.0" }
  crashy: { path: $g/crashy.wasm }
  probe:
    path: $c/probe.component.wasm
    version: "0.3.0"
actors:
  - name: greeter
    component: echo
  - name: tally
    component: counter
    config: "10"
    subscribe: ["ticks.>"]
supervisors:
  - name: root
    strategy: one-for-one
    max_restarts: 10
    period_ms: 10000
    children:
      - name: fragile
        component: crashy
      - name: wit-probe
        component: probe
routes:
  /greet:
    - { actor: greeter, weight: 1 }
pipelines:
  twice:
    stages: [greeter, wit-probe]
EOF

"$cli" up "$tmp/app.yaml" -s "$sock" -q 2>"$tmp/up.err" &
pid=$!
for _ in $(seq 600); do [ -S "$sock" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if [ ! -S "$sock" ]; then echo "FAIL: the host did not come up"; cat "$tmp/up.err"; exit 1; fi

check socket-mode [ "$(stat -c %a "$sock")" = 600 ]
expect second-host 5 '' 'already serving' -- "$cli" up "$tmp/app.yaml" -s "$sock"
expect ps-table 0 '^NAME +KIND +COMPONENT +VERSION' '' -- ctl ps
expect ps-rows 0 'tally +core +counter +1\.0\.0 +- +running' '' -- ctl ps
expect ps-child 0 'wit-probe +component +probe +0\.3\.0 +root +running' '' -- ctl ps
expect ps-route 0 '/greet +route' '' -- ctl ps
expect ps-pipeline 0 'twice +0 +0 +0 +0 +0 +running' '' -- ctl ps
check ps-json-memory [ "$(json '[a["memory_bytes"] for a in j["actors"] if a["name"]=="greeter"][0] > 0')" = True ]

expect request 0 '^hi there$' '' -- ctl request greeter "hi there"
expect request-route 0 '^via route$' '' -- ctl request /greet "via route"
expect request-component 0 '^ok wit-probe$' '' -- ctl request wit-probe self
expect send 0 '' '' -- ctl send tally inc
expect request-state 0 '^11$' '' -- ctl request tally get
expect publish 0 '^delivered to 1 of 1 subscriber$' '' -- ctl publish ticks.a inc
expect publish-json 0 '^\{"matched":1,"delivered":1\}$' '' -- ctl publish ticks.b inc --json
expect request-after-publish 0 '^13$' '' -- ctl request tally get
expect request-json 0 '^\{"status":0,"reply":"13"\}$' '' -- ctl request tally get --json
printf 'from\tfile\n' > "$tmp/payload"
expect request-file 0 'from	file' '' -- ctl request greeter --file "$tmp/payload"
expect pipeline 0 '^through both$' '' -- ctl request twice "through both" --pipeline
check ps-pipeline-count [ "$(json '[p["completed"] for p in j["pipelines"] if p["name"]=="twice"][0]')" = 1 ]

# a crash is restarted by the supervisor, and ps shows it
expect guest-error 3 '' 'guest' -- ctl request tally nonsense
expect crash 3 '' 'AW_ETRAP' -- ctl request fragile trap
for _ in $(seq 100); do [ "$(json '[a["restarts"] for a in j["actors"] if a["name"]=="fragile"][0]')" = 1 ] && break; sleep 0.05; done
check ps-restarts [ "$(json '[a["restarts"] for a in j["actors"] if a["name"]=="fragile"][0]')" = 1 ]
expect after-restart 0 '^ok$' '' -- ctl request fragile ok
expect logs-supervision 0 'warn +supervision +root: child-exited fragile: crash \(AW_ETRAP' '' -- ctl logs -n 50 --source supervision
expect logs-restarted 0 'supervision +root: child-restarted fragile, restarts 1' '' -- ctl logs -n 50 --source supervision

# deploy a new component at run time, shift the route to it, drain the old one
expect deploy 0 'deployed echo2 \(core module\), started greeter-v2' '' -- ctl deploy echo2 "$g/echo.wasm" --version 2.0.0 --spawn greeter-v2
expect ps-deployed 0 'greeter-v2 +core +echo2 +2\.0\.0' '' -- ctl ps
expect route-set 0 '' '' -- ctl route set /greet greeter=1 greeter-v2=1
expect route-ls 0 '^/greet +greeter=1,greeter-v2=1 +[0-9]+ +0$' '' -- ctl route ls
expect route-drain 0 '' '' -- ctl route remove-version /greet greeter
expect route-ls-json 0 '"targets":\[\{"actor":"greeter","weight":0\},\{"actor":"greeter-v2","weight":1\}\]' '' -- ctl route ls --json
expect route-after 0 '^to v2$' '' -- ctl request /greet "to v2"
check drained [ "$(json '"greeter" in [a["name"] for a in j["actors"]]')" = False ]
expect route-bad-weight 1 '' 'bad weight' -- ctl route set /greet greeter-v2=lots

# upgrade in place with state handoff: the count survives
expect upgrade 0 '^upgraded tally \(switch: ' '' -- ctl upgrade tally "$g/counter.wasm" --handoff --version 1.1.0
expect upgraded-state 0 '^13$' '' -- ctl request tally get
expect ps-upgraded 0 'tally +core +counter +1\.1\.0' '' -- ctl ps
expect upgrade-missing 2 '' "cannot open" -- ctl upgrade tally "$tmp/nope.wasm"
expect upgrade-refused 3 '' 'refused by the new version' -- ctl upgrade tally counter --config abc

# logs: audit lines, guest lines, and follow mode
expect logs-audit 0 'audit +[^ ]+: .*"op":"upgrade"' '' -- ctl logs -n 500 --source audit
expect logs-json 0 '^\{"time":"' '' -- ctl logs -n 5 --json
ctl logs -f -n 0 --source guest > "$tmp/follow" 2>&1 &
fpid=$!
sleep 0.5
expect guest-log 0 '' '' -- ctl request wit-probe "log follow-me"
for _ in $(seq 100); do grep -q follow-me "$tmp/follow" && break; sleep 0.05; done
check logs-follow grep -qE "guest +wit-probe: follow-me" "$tmp/follow"
kill $fpid 2>/dev/null; wait $fpid 2>/dev/null

# stop: a supervised child is terminated, not restarted
expect stop 0 '' '' -- ctl stop fragile
sleep 0.2
expect stopped 2 '' "no actor named 'fragile'|AW_ENOENT" -- ctl request fragile ok

# unload: the component's actors stop, the name is forgotten
expect undeploy 0 '^undeployed echo2 \(1 actor stopped\)$' '' -- ctl undeploy echo2
expect undeployed 2 '' "no actor named 'greeter-v2'" -- ctl request greeter-v2 x
expect undeploy-again 2 '' "no component named 'echo2'" -- ctl undeploy echo2
expect redeploy 0 'deployed echo2' '' -- ctl deploy echo2 "$g/echo.wasm" --spawn greeter-v2

# errors are sentences with exit codes
expect no-actor 2 '' "no actor named 'nobody'" -- ctl request nobody x
expect no-host 7 '' 'no host answers' -- "$cli" ps -s "$tmp/none.sock"
expect usage 1 '' 'usage: airssys-wasm send' -- ctl send
expect logs-bad-source 1 '' "unknown --source 'x'" -- ctl logs --source x
expect help 0 'usage: airssys-wasm upgrade' '' -- "$cli" upgrade --help
expect help-up 0 'usage: airssys-wasm up' '' -- "$cli" help up
# hostile clients: an oversized frame, a wrong protocol, garbage; the host survives
python3 - "$sock" <<'PY'
import socket, struct, sys
def conn():
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); return s
s = conn(); s.sendall(struct.pack(">I", 0xFFFFFFF0)); s.close()
s = conn(); s.sendall(b"\x00\x00\x00\x05abcde"); s.close()
f = lambda b: struct.pack(">I", len(b)) + b
s = conn(); body = f(b"aw-admin/9") + f(b"ps"); s.sendall(struct.pack(">I", len(body)) + body)
r = s.recv(4096); assert b"AW_ENOTSUP" in r, r; s.close()
# random requests: right tag, random commands and fields (binary, empty,
# huge counts); each gets a reply frame or a clean close, never a hang
import random
rnd = random.Random(7)
cmds = [b"ps", b"send", b"request", b"publish", b"deploy", b"undeploy", b"upgrade", b"route",
        b"stop", b"logs", b"nope", b""]
for i in range(300):
    fields = [b"aw-admin/1", rnd.choice(cmds)]
    for _ in range(rnd.randrange(0, 10)):
        fields.append(bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 40))))
    if fields[1] in (b"stop", b"undeploy", b"upgrade", b"route") and rnd.random() < 0.9:
        fields[2:3] = [b"no-such-" + str(i).encode()]  # never touch the live actors
    if fields[1] == b"logs": fields[2:] = [b"5", b"0", b"all"]
    body = b"".join(f(x) for x in fields)
    if rnd.random() < 0.1: body = body[:rnd.randrange(len(body))]  # truncated fields
    s = conn(); s.settimeout(20)
    s.sendall(struct.pack(">I", len(body)) + body)
    try:
        s.recv(4)
    except ConnectionResetError:
        pass
    s.close()
PY
check hostile-clients [ $? = 0 ]
expect alive-after-hostile 0 '^still$' '' -- ctl request greeter-v2 still

# an idle client (connected, saying nothing) does not hold the shutdown up
python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(60)' "$sock" &
idle=$!
sleep 0.3
expect down 0 '' '' -- ctl down
for _ in $(seq 200); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
check down-with-idle-client bash -c "! kill -0 $pid 2>/dev/null"
kill $idle 2>/dev/null
wait $pid; rc=$?; pid=
check host-exit [ $rc = 0 ]
check socket-removed [ ! -e "$sock" ]
check audit-file grep -q '"op":"upgrade"' "$tmp/audit.jsonl"

# a manifest with problems never starts; a deployment that fails to start
# is undone, names the entry and its line, and leaves no socket behind
printf 'airssys: 1\ncomponents:\n  c: { path: nope.wasm }\nbogus: 1\n' > "$tmp/bad.yaml"
expect up-bad-manifest 6 '' "bad.yaml:4:1: bogus: unknown key 'bogus'" -- "$cli" up "$tmp/bad.yaml" -s "$tmp/b.sock"
printf 'airssys: 1\ncomponents:\n  c: { path: %s/crashy.wasm }\nactors:\n  - { name: a, component: c, config: failstart }\n' "$g" > "$tmp/fail.yaml"
expect up-failed-start 3 '' "fail.yaml:5:13: actor 'a': " -- "$cli" up "$tmp/fail.yaml" -s "$tmp/f.sock" -q
check up-failed-no-socket [ ! -e "$tmp/f.sock" ]

echo "up.sh: $pass passed, $fail failed"
[ $fail = 0 ]
