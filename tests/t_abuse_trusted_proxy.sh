#!/usr/bin/env bash
# X-Forwarded-For names the client only when the peer is a trusted proxy
# (trusted_proxies = 127.0.0.3 here), and then the right-most entry that is
# not a trusted proxy is the client.  A flooder at 127.0.0.2 that rotates the
# header keeps its one bucket; through the proxy, each forwarded client has its
# own; an entry the client wrote itself (left of the real one) changes nothing;
# a malformed header falls back to the proxy's own address.  The cap on
# connections per address does not apply to the proxy.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
BURST=5 CAP=10
STACK_FRONTEND_EXTRA=$(printf 'trusted_proxies = 127.0.0.3, 10.9.0.0/16\nrate_limit_burst = %s\nrate_limit_per_sec = 1\nmax_conns_per_addr = %s' "$BURST" "$CAP")
stack_up "trusted proxy" op
U=$STACK_URL
# served SRC N XFF...: GET /login/op N times from SRC, each with the next XFF in
# turn ("-": no header, "%" becomes the request number, "a|b" two headers a and
# b); prints how many were not 429, and the seconds it took (the bucket refills
# 1 a second meanwhile).
served() {
	local src=$1 n=$2 i k=0 x h hs args t0=$SECONDS; shift 2
	for i in $(seq "$n"); do
		x=$1; shift; set -- "$@" "$x"
		args=()
		if [ "$x" != - ]; then
			IFS='|' read -ra hs <<<"${x//%/$i}"
			for h in "${hs[@]}"; do args+=(-H "X-Forwarded-For: $h"); done
		fi
		[ "$(curl -sS --max-time 10 --interface "$src" -o /dev/null -w '%{http_code}' "${args[@]}" "$U/login/op")" = 429 ] || k=$((k + 1))
	done
	echo "$k $((SECONDS - t0))"
}
# one_bucket WHAT SERVED: a bucket's burst plus what refilled, no more
one_bucket() {
	local k=${2% *} s=${2#* }
	check "$1 ($k served)" test "$k" -ge "$BURST" -a "$k" -le $((BURST + s + 1))
}

one_bucket "untrusted 127.0.0.2 rotating X-Forwarded-For: still one bucket" \
	"$(served 127.0.0.2 25 '198.51.100.%')"
r=$(served 127.0.0.2 6 '127.0.0.3' '198.51.100.1, 127.0.0.3' -)
check "untrusted 127.0.0.2 naming a trusted proxy, or nothing: the same used-up bucket (${r% *} served)" \
	test "${r% *}" -le $((${r#* } + 1))
expect_eq "through the trusted proxy, 25 different clients are 25 buckets" 25 \
	"$(served 127.0.0.3 25 '203.0.113.%' | cut -d' ' -f1)"
one_bucket "through the proxy, one client keeps one bucket whatever it writes left of its entry" \
	"$(served 127.0.0.3 25 '192.0.2.77' '10.0.0.%, 192.0.2.77' 'junk, 192.0.2.77' '192.0.2.%,192.0.2.77')"
one_bucket "a chain of trusted proxies: the entry before them is the client" \
	"$(served 127.0.0.3 25 '192.0.2.88, 10.9.1.1, 127.0.0.3' '192.0.2.88')"
one_bucket "IPv6 clients through the proxy: one bucket per /64" "$(served 127.0.0.3 25 '2001:db8:1:2::%')"
one_bucket "...another /64 is another client" "$(served 127.0.0.3 25 '2001:db8:1:3::%')"
# Malformed headers: the peer (the proxy itself) is the client.
one_bucket "malformed X-Forwarded-For from the proxy counts as the proxy, as does none" \
	"$(served 127.0.0.3 25 'not-an-address' '192.0.2.1:443' '[2001:db8::1]' '192.0.2.1,' \
		' ' '192.0.2.1;x' '192.0.2.1 192.0.2.2' '192.0.2.1, , 10.9.0.1' -)"
# Taken as a client, either of two headers would be a fresh bucket and all 6
# served; as the proxy's used-up bucket, only what refilled meanwhile is.
r=$(served 127.0.0.3 6 '192.0.2.16%|192.0.2.17%')
check "two X-Forwarded-For headers are malformed too: the proxy's (used-up) bucket (${r% *} of 6 served in ${r#* } s)" \
	test "${r% *}" -le $((${r#* } + 1))
expect_eq "...while a well-formed one from the proxy is served" 303 \
	"$(curl -sS --max-time 10 --interface 127.0.0.3 -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 192.0.2.150' "$U/login/op")"
expect_match "the frontend logs the forwarded client it limited" "rate limit for 192\.0\.2\.77" \
	"$(cat "$T"/frontend*.log)"
expect_match "...and the IPv6 client" "rate limit for 2001:db8:1:2::" "$(cat "$T"/frontend*.log)"
check "...never a client's own left-hand entry" bash -c "! grep -Eq 'rate limit for (10\.0\.0\.|198\.51|192\.0\.2\.1$)' '$T'/frontend*.log"

# Connections: at most CAP per address, but the proxy is not capped.
cat >"$T/conns.py" <<'PY'
import socket, sys, time
src, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(src, 0)); socks.append(s)
time.sleep(1)
alive = 0
for s in socks:
    s.setblocking(False)
    try:
        alive += s.recv(1) != b""
    except BlockingIOError:
        alive += 1
    except OSError:
        pass
print(alive)
PY
expect_eq "127.0.0.2 keeps $CAP connections of 40" "$CAP" "$(python3 "$T/conns.py" 127.0.0.2 "$STACK_PORT" 40)"
expect_eq "the trusted proxy keeps 40 of 40" 40 "$(python3 "$T/conns.py" 127.0.0.3 "$STACK_PORT" 40)"
exit 0
