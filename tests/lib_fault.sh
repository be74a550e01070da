# Helpers for the fault tests (daemons killed or stopped under load).  Source tests/lib.sh first.
#
# Check groups: every pass/fail after `group NAME` is counted, and `group_end`
# prints one summary line, "PASS: fault group NAME: N checks" (or a FAIL line).
#   group NAME | group_end
# Load through the frontend (POST /increment, JSON answers), N threads, each
# request on its own connection, bounded by a socket timeout of 8 s:
#   fault_load_start NAME URL COOKIE CSRF THREADS SECONDS
#                         -> $T/NAME.load, one line per request: "CODE [COUNT]",
#                            CODE = an HTTP status, or refused | reset | timeout | error
#   fault_load_stop       ends the load early (it also ends after SECONDS), waits
#   fault_codes NAME      "code:count ..." summary of the answers in $T/NAME.load
#   fault_acks NAME...    the counts acknowledged with 200, one per line
# One kill round of the whole stack (lib_stack.sh), under that load:
#   fault_round NAME DAEMON READY_SECS DOWN_CHECKS
#                         load from 4 clients (FAULT_COOKIE, FAULT_CSRF); after 1 s DAEMON
#                         (store | authd | frontend) is SIGKILLed, the function DOWN_CHECKS
#                         runs (given NAME) while it is down, it is restarted and the stack
#                         must be ready within READY_SECS; the load ends 1 s later.  Checks
#                         that some increments were acknowledged; the answers stay in
#                         $T/NAME.load and NAME is appended to FAULT_ROUNDS.
# Idle connections (held by one python process; it reports how many the server closed):
#   fault_idle_start NAME unix:PATH|tcp:PORT N HOLD_SECONDS [HEX_TO_SEND]
#                         -> $T/NAME.idle: "opened N", later "closed_by_peer K open L"
#   fault_idle_wait NAME  waits for it (bounded by HOLD_SECONDS + 20)

G_NAME= G_PASS=0 G_FAIL=0
pass() { echo "PASS: $*"; G_PASS=$((G_PASS + 1)); }
fail() { echo "FAIL: $*"; T_FAILS=$((T_FAILS + 1)); G_FAIL=$((G_FAIL + 1)); }
group() { G_NAME=$1 G_PASS=0 G_FAIL=0; echo "--- fault group $1"; }
group_end() {
	if [ "$G_FAIL" -eq 0 ]; then echo "PASS: fault group $G_NAME: $G_PASS checks"
	else echo "FAIL: fault group $G_NAME: $G_FAIL of $((G_PASS + G_FAIL)) checks failed"; fi
}

cat >"$T/fault_load.py" <<'PY'
import http.client, json, os, socket, sys, threading, time
port, cookie, csrf = int(sys.argv[1]), sys.argv[2], sys.argv[3]
secs, nth, out, stop = float(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
origin = "http://127.0.0.1:%d" % port
body = "csrf=" + csrf
hdrs = {"Cookie": cookie, "Origin": origin, "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded"}
lines, lock, end = [], threading.Lock(), time.time() + secs
def one():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=8)
    try:
        c.request("POST", "/increment", body, hdrs)
        r = c.getresponse(); data = r.read()
        if r.status == 200:
            return "200 %d" % json.loads(data)["count"]
        return str(r.status)
    except socket.timeout:
        return "timeout"
    except ConnectionRefusedError:
        return "refused"
    except (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError):
        return "reset"
    except Exception as e:
        return "error " + type(e).__name__
    finally:
        c.close()
def worker():
    while time.time() < end and not os.path.exists(stop):
        rec = one()
        with lock: lines.append(rec)
        time.sleep(0.02 if rec in ("refused", "reset") else 0.01)
ts = [threading.Thread(target=worker) for _ in range(nth)]
for t in ts: t.start()
for t in ts: t.join()
with open(out, "w") as f:
    f.write("".join(l + "\n" for l in lines))
PY

cat >"$T/fault_idle.py" <<'PY'
# Opens N connections, optionally sends bytes on each, holds them HOLD seconds,
# then reports how many the server closed meanwhile.
import resource, select, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < 4096 and (hard == resource.RLIM_INFINITY or hard > soft):
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096 if hard == resource.RLIM_INFINITY else min(hard, 4096), hard))
target, n, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
payload = bytes.fromhex(sys.argv[4]) if len(sys.argv) > 4 else b""
socks, refused = [], 0
for i in range(n):
    try:
        if target.startswith("unix:"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(target[5:])
        else:
            s = socket.create_connection(("127.0.0.1", int(target[4:])), timeout=5)
        if payload: s.sendall(payload)
        s.setblocking(False)
        socks.append(s)
    except OSError:
        refused += 1
print("opened %d refused %d" % (len(socks), refused), flush=True)
closed, end = set(), time.time() + hold
p = select.poll()
byfd = {s.fileno(): s for s in socks}
for fd in byfd: p.register(fd, select.POLLIN)
while time.time() < end and len(closed) < len(socks):
    for fd, ev in p.poll(200):
        try:
            d = byfd[fd].recv(65536)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            d = b""
        if not d:
            closed.add(fd); p.unregister(fd)
print("closed_by_peer %d open %d" % (len(closed), len(socks) - len(closed)), flush=True)
PY

fault_load_start() { # NAME URL COOKIE CSRF THREADS SECONDS
	local port=${2##*:}
	rm -f "$T/$1.stop" "$T/$1.load"
	FAULT_LOAD_NAME=$1
	timeout $(($6 + 30)) python3 "$T/fault_load.py" "$port" "$3" "$4" "$6" "$5" "$T/$1.load" "$T/$1.stop" &
	FAULT_LOAD_PID=$!
}
fault_load_stop() {
	touch "$T/$FAULT_LOAD_NAME.stop"
	wait "$FAULT_LOAD_PID" 2>/dev/null
	[ -f "$T/$FAULT_LOAD_NAME.load" ] || : >"$T/$FAULT_LOAD_NAME.load"
}
fault_codes() { awk '{ n[$1]++ } END { for (c in n) printf "%s:%d ", c, n[c] }' "$T/$1.load" | tr ' ' '\n' | sort | tr '\n' ' '; }
fault_count() { awk -v c="$2" '$1 == c { n++ } END { print n + 0 }' "$T/$1.load"; }
fault_acks() { local n; for n in "$@"; do awk '$1 == 200 { print $2 }' "$T/$n.load"; done; }

fault_idle_start() { # NAME TARGET N HOLD [HEX]
	timeout $(($4 + 30)) python3 "$T/fault_idle.py" "$2" "$3" "$4" ${5:+"$5"} >"$T/$1.idle" 2>&1 &
	eval "FAULT_IDLE_$1=\$!"
	local i
	for i in $(seq 300); do grep -q '^opened' "$T/$1.idle" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
fault_idle_wait() { local p; eval "p=\$FAULT_IDLE_$1"; wait "$p" 2>/dev/null; }

FAULT_ROUNDS=()
fault_round() { # NAME DAEMON READY_SECS DOWN_CHECKS
	local n=$1 d=$2
	fault_load_start "$n" "$STACK_URL" "$FAULT_COOKIE" "$FAULT_CSRF" 4 20
	sleep 1		# the clients are under way before the kill
	stack_kill "$d"
	"$4" "$n"
	sleep 0.5	# the clients meet the daemon down for a while
	"stack_start_$d" || fail "[$n] $d restarts"
	check "[$n] $d back: the stack is ready again" _stack_wait "$3" _stack_ready
	sleep 1		# ...and back up
	fault_load_stop
	FAULT_ROUNDS+=("$n")
	[ "$(fault_count "$n" 200)" -gt 0 ] && pass "[$n] increments acknowledged ($(fault_codes "$n"))" ||
		fail "[$n] no increment acknowledged ($(fault_codes "$n"))"
}
