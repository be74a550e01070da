#!/usr/bin/env bash
# backends: lmdb postgresql
# Pairing under misuse, against the whole stack: polling faster than the interval is
# slowed (JSON slow_down / 429) while 1 s polling is not; an unapproved pairing expires
# (the CLI gives up with a clear line, the browser link is gone); thousands of bogus
# paircodes all get one identical answer (nothing reveals which paircodes exist) and the
# server keeps serving; a full table of pending pairings is a clear "busy", then recovers.
# Time passes on the test clock of lib.sh (the daemons' wall clock), not in sleeps.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
. "$AIRLOCK_SRC/tests/lib_cli.sh"
PY=/usr/bin/python3
TTL=300 MAXP=30
# The global bound, not one address's share of it (t_abuse_pair_flood.sh), is tested here.
STACK_STORE_EXTRA=$(printf 'pair_ttl_sec = %s\nmax_pending_paircodes = %s\nsweep_interval_sec = 1\nmax_pending_paircodes_per_addr = 1000' "$TTL" "$MAXP")
# The floods below are about the store's answers: no per-address rate limit in front of it.
STACK_FRONTEND_EXTRA="rate_limit_burst = 0"
clock_setup || { skip "pairing misuse: $CLOCK_SKIP"; exit 0; }
stack_up "pairing misuse" op
cli_env
get() { curl -sS --max-time 10 -w ' %{http_code}' "$@"; }   # body, space, status
J=(-H 'Accept: application/json')
# Two polls back to back on one connection (one curl: a loaded machine cannot stretch
# the gap between them past the interval); sets a and b like get does.
two_polls() {
	local codes
	codes=$(curl -sS --max-time 10 "$@" -o "$T/p1" -o "$T/p2" -w '%{http_code}\n')
	a="$(cat "$T/p1") $(echo "$codes" | sed -n 1p)" b="$(cat "$T/p2") $(echo "$codes" | sed -n 2p)"
}

# --- polling too fast ---
pc=$(rand_b64url 24)
out=$(get "${J[@]}" "$STACK_URL/cli_login?paircode=$pc")
expect_match "cli_login (JSON) advertises a 1 s interval" '"interval":1\} 200$' "$(echo $out)"
two_polls "${J[@]}" "$STACK_URL/token?paircode=$pc" "$STACK_URL/token?paircode=$pc"
expect_eq "first poll: authorization_pending" '{"error":"authorization_pending"} 400' "$(echo $a)"
expect_eq "immediate second poll: slow_down" '{"error":"slow_down"} 400' "$(echo $b)"
pc=$(rand_b64url 24)
get "$STACK_URL/cli_login?paircode=$pc" >/dev/null
two_polls "$STACK_URL/token?paircode=$pc" "$STACK_URL/token?paircode=$pc"
expect_eq "seed-style first poll: empty 200" " 200" "$a"
expect_match "seed-style immediate second poll: 429" ' 429$' "$b"
pc=$(rand_b64url 24)   # a fresh one: polls 1 s apart (on the test clock), well within its lifetime
get "$STACK_URL/cli_login?paircode=$pc" >/dev/null
polls=
for _ in 1 2 3; do polls="$polls$(get "$STACK_URL/token?paircode=$pc")"; clock_advance 1; done
expect_eq "polling every second is never slowed" " 200 200 200" "$polls"

# --- expiry (on the test clock: the server's pairing ends while the CLI waits) ---
BROWSER=true timeout 60 "$CLI" login --server "$STACK_URL" >/dev/null 2>"$T/err" &
CLI_PID=$!
check "the waiting CLI shows its link" wait_for "the CLI's link" 10 grep -q "$STACK_URL/pair/" "$T/err"
check "...and keeps waiting while the pairing lives" kill -0 "$CLI_PID"
start=$SECONDS
clock_advance $((TTL + 1))
wait "$CLI_PID"; rc=$?
took=$((SECONDS - start))
expect_eq "unapproved CLI login exits 1" 1 "$rc"
expect_eq "unapproved CLI login: the server's expiry, in one line" \
	"airlock: the login code expired; run airlock login again" "$(tail -n 1 "$T/err")"
check "the CLI gave up at the server's expiry (${took}s after it)" test "$took" -le 10
pc=$(rand_b64url 24)
url=$(curl -sS --max-time 10 "$STACK_URL/cli_login?paircode=$pc")
clock_advance $((TTL - 60))	# (a margin for the real seconds a loaded machine adds)
expect_eq "a pairing's browser link works until near its end" 200 "$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$url")"
clock_advance 61
expected=$(get "${J[@]}" "$STACK_URL/token?paircode=$pc")
expect_eq "an expired pairing answers expired_token" '{"error":"expired_token"} 400' "$(echo $expected)"
expect_eq "an expired pairing's browser link is gone" 404 "$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$url")"
expected_text=$(get "$STACK_URL/token?paircode=$pc")

# --- thousands of bogus paircodes ---
cat >"$T/bogus.py" <<'EOF'
import http.client, json, secrets, sys, threading
port, n = int(sys.argv[1]), int(sys.argv[2])
seen, lock, errors = {}, threading.Lock(), []
def worker(k):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for i in range(n // 4):
        pc = secrets.token_urlsafe(16 + (i % 80))[:22 + (i % 107)]
        js = i % 2 == 0
        try:
            conn.request("GET", "/token?paircode=" + pc, headers={"Accept": "application/json"} if js else {})
            r = conn.getresponse(); body = r.read().decode(errors="replace")
            cookie = r.getheader("Set-Cookie") is not None
        except Exception as e:
            with lock: errors.append(repr(e))
            conn.close(); conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10); continue
        key = ("json" if js else "text", r.status, body.strip(), cookie)
        with lock: seen[key] = seen.get(key, 0) + 1
ts = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print(json.dumps({"answers": [list(k) + [v] for k, v in seen.items()], "errors": errors[:5], "nerr": len(errors)}))
EOF
N=4000
res=$(timeout 120 $PY "$T/bogus.py" "$STACK_PORT" "$N")
kinds=$(printf '%s' "$res" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(len(d["answers"]), d["nerr"], sum(a[4] for a in d["answers"]))')
expect_eq "$N bogus paircodes: one answer per variant, no errors, all answered" "2 0 $N" "$kinds"
jans=$(printf '%s' "$res" | $PY -c 'import json,sys; print([" ".join(map(str,a[1:4])) for a in json.load(sys.stdin)["answers"] if a[0]=="json"])')
expect_eq "bogus paircodes (JSON) look exactly like an expired one, no cookie" "['400 {\"error\":\"expired_token\"} False']" "$jans"
tans=$(printf '%s' "$res" | $PY -c 'import json,sys; print(*[" ".join(map(str,a[2:4]))+" "+str(a[1]) for a in json.load(sys.stdin)["answers"] if a[0]=="text"])')
expect_eq "bogus paircodes (text) look exactly like an expired one, no cookie" "$(echo $expected_text | sed 's/ \([0-9]*\)$/ False \1/')" "$tans"
check "the frontend never logs a paircode" bash -c "! grep -qF -- '$pc' '$T'/frontend*.log '$T'/store*.log"
expect_eq "still serving after the flood: /healthz" ok "$(curl -sS --max-time 10 "$STACK_URL/healthz" | head -1)"
expect_match "still serving after the flood: /cli_login" ' 200$' "$(get "$STACK_URL/cli_login?paircode=$(rand_b64url 24)")"

# --- a full table of pending pairings ---
clock_advance $((TTL + 1))   # everything above has expired
# All in one curl (one connection): the table fills faster than pairings expire.
args=()
for i in $(seq $((MAXP + 5))); do args+=(-o /dev/null "$STACK_URL/cli_login?paircode=$(rand_b64url 24)"); done
codes=$(curl -sS --max-time 60 "${J[@]}" -w '%{http_code}\n' "${args[@]}")
busy_at=$(echo "$codes" | grep -n -v '^200$' | head -1 | cut -d: -f1)
out=$(get "${J[@]}" "$STACK_URL/cli_login?paircode=$(rand_b64url 24)")
expect_eq "the table of pending pairings fills at max_pending_paircodes" $((MAXP + 1)) "$busy_at"
expect_match "full table: 503 with a clear JSON error" '"error":"temporarily_unavailable".* 503$' "$(echo $out)"
BROWSER=true timeout 30 "$CLI" login --server "$STACK_URL" >/dev/null 2>"$T/err"; rc=$?
expect_eq "CLI login against a full table exits 1" 1 "$rc"
expect_eq "CLI login against a full table: one clear line" \
	"airlock: server busy (too many pending logins), try again later" "$(cat "$T/err")"
clock_advance $((TTL + 1))
expect_match "pairing works again once the pending ones expired" ' 200$' \
	"$(get "${J[@]}" "$STACK_URL/cli_login?paircode=$(rand_b64url 24)")"
cli_sanitizer_check
exit 0
