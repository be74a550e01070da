#!/usr/bin/env bash
# timeout: 200
# run: once
# `make demo-cluster` (tests/demo_cluster.sh) from this tree: check mode (start
# PostgreSQL, two nodes, devidp and nginx; the pages answer through nginx from both
# nodes; stop), then the interactive mode in the background, used through the one
# URL it prints: a web sign-in at devidp and increments (both nodes count, the
# count stays consistent), a CLI pairing; then SIGTERM stops every process the
# demo started and removes its temporary folder.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_idp.sh"     # IDP_KIT: curl-login.sh drives devidp's login form
. "$AIRLOCK_SRC/tests/lib_cli.sh"
for p in airlock-store airlock-authd airlock-frontend airlock; do
	[ -x "$BIN/$p" ] || { fail "$BIN/$p not built"; exit 1; }
done
why=$(npm_why_not); [ -z "$why" ] || { skip "demo-cluster ($why)"; exit 0; }
port=$(free_port); idp=$(free_port)
while [ "$idp" = "$port" ]; do idp=$(free_port); done
export DEMO_PORT=$port DEMO_IDP_PORT=$idp BIN
U=http://127.0.0.1:$port
closed() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- check mode ---
DEMO_CHECK=1 timeout 120 bash "$AIRLOCK_SRC/tests/demo_cluster.sh" >"$T/check.out" 2>"$T/check.err"; rc=$?
cat "$T/check.out"
expect_eq "demo-cluster check mode exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || tail -n 20 "$T/check.err"
dir=$(sed -n 's/.* devidp and nginx in \(\/[^ ]*\)$/\1/p' "$T/check.err" | head -1)
check "check mode left nothing on the nginx port" closed "$port"
check "check mode left nothing on the devidp port" closed "$idp"
check "check mode removed its temporary folder" test -n "$dir" -a ! -e "$dir"

# --- interactive mode, driven like a person would ---
bg demo bash "$AIRLOCK_SRC/tests/demo_cluster.sh"
DEMO_PID=$LAST_PID
wait_for "demo URL" 90 grep -q "^$U/\$" "$T/demo.log"
check "the demo prints its one URL" grep -q "^$U/\$" "$T/demo.log"
expect_eq "...and no other URL on its own line" 1 "$(grep -c '^http' "$T/demo.log")"
dir=$(sed -n 's/.* devidp and nginx in \(\/[^ ]*\)$/\1/p' "$T/demo.log" | head -1)
m1=$(sed -n 's/^ *node 1 .* metrics \(http[^ ]*\)$/\1/p' "$T/demo.log")
m2=$(sed -n 's/^ *node 2 .* metrics \(http[^ ]*\)$/\1/p' "$T/demo.log")
metric() { curl -sS --max-time 5 "$1" | awk '$1 == "airlock_frontend_increments_total" { print $2 }'; }

# Web: sign in at devidp through the URL, then count.
J=$T/web.jar
c() { curl -sS --max-time 10 -b "$J" -c "$J" "$@"; }
auth=$(c -o /dev/null -w '%{redirect_url}' "$U/login/dev")
back=$(timeout 30 sh "$IDP_KIT/curl-login.sh" "$auth" erin)
expect_eq "web sign-in at devidp through the demo's URL" "303 $U/" \
	"$(c -o /dev/null -w '%{http_code} %{redirect_url}' "$back")"
expect_eq "signed in as dev:erin" dev:erin "$(c "$U/secured")"
csrf=$(c "$U/" | sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' | head -1)
counts=
for i in 1 2 3 4 5 6; do
	counts="$counts $(c -H 'Accept: application/json' -H "Origin: $U" --data-urlencode "csrf=$csrf" \
		"$U/increment" | json_get count)"
done
expect_eq "six increments count 1 to 6, whichever node answers" " 1 2 3 4 5 6" "$counts"
expect_eq "the counter page shows 6" 6 "$(c "$U/" | sed -n 's/.*id="count"[^>]*>\([0-9]*\)<.*/\1/p')"
a=$(metric "$m1") b=$(metric "$m2")
[ "${a:-0}" -gt 0 ] && [ "${b:-0}" -gt 0 ] && pass "both nodes took increments ($a and $b)" ||
	fail "the increments did not alternate between the nodes ('$a' and '$b')"

# CLI pairing through the URL.
cli_env
B=$(cli_browser demob approve dora dev)
mkdir -p "$T/cwd"; cd "$T/cwd" || exit 1
BROWSER=$B timeout 60 "$CLI" login --server "$U" >"$T/login.out" 2>"$T/login.err"; rc=$?
expect_eq "CLI pairing through the demo exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || tail -n 10 "$T/login.err" "$T/demob.log"
w=
for i in 1 2 3 4; do w="$w $("$CLI" whoami 2>&1)"; done
expect_eq "whoami through the demo, four times" " dev:dora dev:dora dev:dora dev:dora" "$w"
cd "$T" || exit 1

kill -TERM "$DEMO_PID"
for _ in $(seq 150); do kill -0 "$DEMO_PID" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM ends the demo" bash -c "! kill -0 $DEMO_PID 2>/dev/null"
check "nothing listens on the demo's URL afterwards" closed "$port"
check "devidp stopped" closed "$idp"
check "no process of this demo is left" bash -c "! pgrep -f -- '${dir:-/nonexistent}[/]' >/dev/null"
check "its temporary folder (database, logs) is removed" test -n "$dir" -a ! -e "$dir"
cli_sanitizer_check
exit 0
