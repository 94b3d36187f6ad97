# expect.sh - assertions shared by the shell tests (cli.sh, up.sh). Source it
# after setting $tmp (a scratch directory); it counts into $pass and $fail.
pass=0; fail=0

# expect NAME WANT_RC OUT_PATTERN ERR_PATTERN -- command...
# Patterns are extended regexps ('' = anything); ERR_PATTERN EMPTY = no stderr.
expect() {
  local name=$1 want=$2 outp=$3 errp=$4; shift 5
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  local ok=1
  [ "$rc" -eq "$want" ] || { echo "FAIL $name: exit $rc, want $want"; ok=0; }
  [ -z "$outp" ] || grep -qE -- "$outp" "$tmp/out" || { echo "FAIL $name: stdout lacks /$outp/"; ok=0; }
  if [ "$errp" = EMPTY ]; then [ ! -s "$tmp/err" ] || { echo "FAIL $name: stderr not empty"; ok=0; }
  else [ -z "$errp" ] || grep -qE -- "$errp" "$tmp/err" || { echo "FAIL $name: stderr lacks /$errp/"; ok=0; }; fi
  if [ $ok = 1 ]; then pass=$((pass+1)); else fail=$((fail+1)); sed 's/^/  out: /' "$tmp/out"; sed 's/^/  err: /' "$tmp/err"; fi
}

# check NAME command...: the command must succeed
check() {
  local name=$1; shift
  if "$@"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $name: $*"; fi
}
