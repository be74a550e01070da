# A flood of anonymous requests from one client address, for the abuse tests
# and bench/run.sh.  Source tests/lib.sh first.
#   flood_start NAME SRC PORT SECONDS PATH...
#       FLOOD_THREADS (4) keep-alive connections from address SRC to 127.0.0.1:PORT,
#       each sending the PATHs in turn as fast as answers come, for SECONDS
#       (at most 200,000 requests).  In a PATH, RAND is replaced by 32 fresh
#       random characters each time; a PATH ending in " json" is sent with
#       Accept: application/json.  Writes $T/NAME.flood when done, JSON:
#       {"total": N, "rps": R, "errors": E, "codes": {"PATH": {"STATUS": n}},
#        "retry_after": {"ok": n, "bad": n, "values": [distinct Retry-After values]},
#        "shapes": {"PATH": "content type of a 429"}, "bodies": {"PATH": "a 429's body"}}
#       (retry_after.ok: 429s whose Retry-After is a whole number of seconds >= 1).
#   flood_stop NAME     ends it early (within 0.2 s), then waits for it
#   flood_wait NAME     waits for it (bounded by SECONDS + 30 s); 1 if it did not finish
#   flood_get NAME PYEXPR   evaluates PYEXPR with d = the flood's JSON (e.g. 'd["total"]')

cat >"$T/flood.py" <<'PY'
import http.client, json, os, secrets, sys, threading, time
src, port, secs, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
paths, nth = sys.argv[6:], int(sys.argv[5])
lock, end, cap = threading.Lock(), time.time() + secs, 200000
codes, shapes, bodies, ra, values = {}, {}, {}, {"ok": 0, "bad": 0}, set()
state = {"total": 0, "errors": 0, "stop": False, "checked": 0.0}
def over():
    now = time.time()
    if now - state["checked"] > 0.2:
        state["checked"] = now
        state["stop"] = state["stop"] or os.path.exists(out + ".stop")
    return state["stop"] or now >= end
def conn():
    return http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(src, 0))
def worker(k):
    c, i = conn(), k
    while True:
        with lock:
            if state["total"] >= cap or over(): break
            state["total"] += 1
        p = paths[i % len(paths)]; i += 1
        hdr = {}
        if p.endswith(" json"):
            hdr["Accept"] = "application/json"
        url = p.split(" ")[0]
        while "RAND" in url:
            url = url.replace("RAND", secrets.token_urlsafe(24), 1)
        try:
            c.request("GET", url, headers=hdr)
            r = c.getresponse(); body = r.read()
        except Exception:
            with lock: state["errors"] += 1
            c.close(); c = conn(); time.sleep(0.01); continue
        with lock:
            codes.setdefault(p, {}); codes[p][str(r.status)] = codes[p].get(str(r.status), 0) + 1
            if r.status == 429:
                v = r.getheader("Retry-After") or ""
                ra["ok" if v.isdigit() and int(v) >= 1 else "bad"] += 1
                values.add(v)
                shapes.setdefault(p, (r.getheader("Content-Type") or "").split(";")[0])
                bodies.setdefault(p, body[:300].decode(errors="replace"))
        if r.getheader("Connection", "").lower() == "close":
            c.close(); c = conn()
t0 = time.time()
ts = [threading.Thread(target=worker, args=(k,)) for k in range(nth)]
[t.start() for t in ts]; [t.join() for t in ts]
el = max(time.time() - t0, 0.001)
with open(out + ".tmp", "w") as f:
    json.dump({"total": state["total"], "rps": round(state["total"] / el), "errors": state["errors"],
               "codes": codes, "retry_after": dict(ra, values=sorted(values)), "shapes": shapes,
               "bodies": bodies, "seconds": round(el, 2)}, f)
os.rename(out + ".tmp", out)
PY

flood_start() { # NAME SRC PORT SECONDS PATH...
	local name=$1 src=$2 port=$3 secs=$4; shift 4
	rm -f "$T/$name.flood" "$T/$name.flood.stop"
	FLOOD_SECS=$secs
	bg "flood-$name" python3 "$T/flood.py" "$src" "$port" "$secs" "$T/$name.flood" "${FLOOD_THREADS:-4}" "$@"
}

flood_wait() { wait_for "flood $1" $((FLOOD_SECS + 30)) test -s "$T/$1.flood"; }
flood_stop() { touch "$T/$1.flood.stop"; flood_wait "$1"; }

flood_get() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/$1.flood" "$2"; }
