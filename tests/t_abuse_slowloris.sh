#!/usr/bin/env bash
# Slowloris: 127.0.0.2 opens 2,000 connections and trickles header bytes on
# every one of them, a byte each 0.5 s (well inside the idle timeout), never
# finishing a request.  The frontend keeps at most max_conns_per_addr (64) of
# them and closes the rest at accept; each one it keeps is answered 408 and
# closed header_timeout_sec (3 s) after its first byte, however steadily its
# bytes come.  Meanwhile 127.0.0.1 gets its pages in under a second, 10 of 10.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
N=2000 CAP=64 HEAD=3 HOLD=9
STACK_FRONTEND_EXTRA=$(printf 'header_timeout_sec = %s\nmax_conns_per_addr = %s' "$HEAD" "$CAP")
stack_up "slowloris" op
U=$STACK_URL
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"

cat >"$T/slow.py" <<'PY'
# N connections from SRC, trickling one header byte per socket every 0.5 s for HOLD s.
import json, resource, selectors, socket, sys, time
src, port, n, hold, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < n + 100:
    resource.setrlimit(resource.RLIMIT_NOFILE, (n + 100 if hard == resource.RLIM_INFINITY else min(hard, n + 100), hard))
head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "
sel, conns = selectors.DefaultSelector(), []
def close(c, now):
    if c["closed"] is None:
        c["closed"] = now
        try: sel.unregister(c["s"])
        except Exception: pass
        c["s"].close()
for i in range(n):
    s = socket.socket(); s.setblocking(False); s.bind((src, 0))
    try: s.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    c = {"s": s, "open": time.time(), "first": None, "last": None, "sent": 0, "data": b"", "closed": None}
    conns.append(c); sel.register(s, selectors.EVENT_READ, c)
end, tick = time.time() + hold, 0.0
while time.time() < end:
    now = time.time()
    if now >= tick:
        tick = now + 0.5
        for c in conns:
            if c["closed"] is not None: continue
            b = head[:16] if c["sent"] == 0 else (head[c["sent"]:c["sent"] + 1] if c["sent"] < len(head) else b"a")
            try:
                c["s"].send(b)
                c["sent"] += len(b); c["last"] = now
                if c["first"] is None: c["first"] = now
            except (BlockingIOError, InterruptedError): pass
            except OSError: close(c, now)
    for key, _ in sel.select(timeout=0.05):
        c = key.data
        try: d = c["s"].recv(4096)
        except (BlockingIOError, InterruptedError): continue
        except OSError: d = b""
        if d: c["data"] += d
        else: close(c, time.time())
res = {"opened": n, "at_once": 0, "r408": 0, "other": 0, "open": 0, "late": [], "sending": 0}
for c in conns:
    if c["closed"] is None: res["open"] += 1
    elif c["data"].startswith(b"HTTP/1.1 408"):
        res["r408"] += 1
        res["late"].append(round(c["closed"] - c["first"], 2))
        res["sending"] += c["closed"] - c["last"] < 1.0   # a byte in its last second: not idle
    elif not c["data"] and c["closed"] - c["open"] < 1.5: res["at_once"] += 1
    else: res["other"] += 1
json.dump(res, open(out, "w"))
PY
bg slow python3 "$T/slow.py" 127.0.0.2 "$STACK_PORT" "$N" "$HOLD" "$T/slow.json"
SLOW_PID=$LAST_PID
sleep 2
fast=0 worst=0
for i in $(seq 10); do
	r=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code} %{time_total}' "$U/login")
	ms=$(awk -v t="${r#* }" 'BEGIN { printf "%d", t * 1000 }')
	[ "${r%% *}" = 200 ] && [ "$ms" -lt 1000 ] && fast=$((fast + 1))
	[ "$ms" -gt "$worst" ] && worst=$ms
	sleep 0.4
done
expect_eq "127.0.0.1 served in under a second during the slowloris, 10 of 10 (slowest $worst ms)" 10 "$fast"
wait_for "the slow connections' report" $((HOLD + 20)) test -s "$T/slow.json" || fail "no report"
wait "$SLOW_PID" 2>/dev/null
res=$(cat "$T/slow.json"); echo "slowloris: $res"
get() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/slow.json" "$1"; }
r408=$(get 'd["r408"]') at_once=$(get 'd["at_once"]')
check "the frontend kept at most $CAP of 127.0.0.2's connections ($r408 got 408)" test "$r408" -le "$CAP" -a "$r408" -ge $((CAP - 4))
check "...and closed the others at accept ($at_once of $N)" test "$at_once" -ge $((N - CAP - 4))
expect_eq "none left open after $HOLD s, none closed another way" "0 0" "$(get 'd["open"]') $(get 'd["other"]')"
expect_eq "each kept one was closed $HEAD s after its first byte (within 1.5 s)" "$r408" \
	"$(get "sum(1 for t in d['late'] if $HEAD - 0.5 <= t <= $HEAD + 1.5)")"
expect_eq "...though it was still sending bytes" "$r408" "$(get 'd["sending"]')"
m=$(curl -sS --max-time 10 "$STACK_METRICS_URL/metrics")
expect_match "the refusals at accept are counted" '^airlock_frontend_connections_refused_per_addr_total [0-9]{4}' "$m"
expect_match "the 408s are counted" '^airlock_frontend_request_timeouts_total [1-9]' "$m"
sleep 1
conns=$(curl -sS --max-time 10 "$STACK_METRICS_URL/metrics" | sed -n 's/^airlock_frontend_connections //p')
check "no connection left behind ($conns open)" test "${conns:-99}" -le 2
expect_eq "127.0.0.2 is served again afterwards" 200 \
	"$(curl -sS --max-time 10 --interface 127.0.0.2 -o /dev/null -w '%{http_code}' "$U/login")"
exit 0
