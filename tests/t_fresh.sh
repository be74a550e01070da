#!/usr/bin/env bash
# run: once
# lane: 2
# timeout: 1500
# First, on the host: with the libraries hidden, plain `make` stops with one line
# and compiles nothing; tests/deps.sh's sets hold what each target needs and no
# more, and as another user it prints the apt-get line to run.
# Then a new user on a bare Debian 12: a container from the nspawn tests' bookworm
# minbase (build/rootfs, read-only under an overlay: none of airlock's build
# packages, no node) gets the work tree's files (git ls-files) and `make`, then:
#   - `make` stops at once with one line naming the missing packages and `make deps`;
#   - `make demo` as another user stops and prints the `sudo apt-get install` line;
#   - `make demo` as root, on the first try, installs what the demo needs and
#     nothing else (no Chromium, wrk, debootstrap, systemd-container, clang),
#     builds, and prints its URL;
# then from the host: the URL serves the sign-in page, a sign-in through the
# development provider reaches the counter, and an increment counts.
# The container shares the host's network (apt and npm reach the same sources)
# and its apt package cache; fetched Node.js tarballs stay in build/fresh-dl.
# Needs root, systemd-nspawn, overlayfs and the Debian mirror and npm registry.
# FRESH_TIMEOUT (900): seconds `make demo` may take to print its URL.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_nspawn.sh"
: "${IDP_KIT:=$AIRLOCK_SRC/tests/idp/kit}"
FRESH_TIMEOUT=${FRESH_TIMEOUT:-900}
DL=$AIRLOCK_SRC/build/fresh-dl

# --- host side: the missing-library line, the package sets
M=(make --no-print-directory -C "$AIRLOCK_SRC" BUILD="$T/b")
PKG_CONFIG_LIBDIR=$T/none "${M[@]}" >"$T/nolib.out" 2>&1; rc=$?
check "make without the libraries fails" test "$rc" -ne 0
expect_eq "make without the libraries prints one line" 1 "$(grep -c . "$T/nolib.out")"
expect_match "the line names every -dev package and make deps" \
	"^Makefile:[0-9]+: \*\*\* airlock: missing libevhtp-dev libevent-dev liblmdb-dev libcurl4-openssl-dev libjson-c-dev libsodium-dev libssl-dev libpq-dev libjansson-dev libcjose-dev: run 'make deps' \(as root\) or apt-get install libevhtp-dev " \
	"$(cat "$T/nolib.out")"
check "make without the libraries compiled nothing" test ! -e "$T/b"
"${M[@]}" CC=/nonexistent/cc all >"$T/nocc.out" 2>&1
expect_match "make without a compiler names build-essential" \
	"airlock: missing build-essential: run 'make deps'" "$(cat "$T/nocc.out")"
# dpkg-query that knows no package: every package of a set is missing
mkdir -p "$T/shim"; printf '#!/bin/sh\nexit 1\n' >"$T/shim/dpkg-query"; chmod 755 "$T/shim/dpkg-query"
sets() { PATH=$T/shim:$PATH bash "$AIRLOCK_SRC/tests/deps.sh" --missing "$@" 2>&1; }
demo_set=$(sets build demo)
expect_match "make demo's set has the build libraries" '(^| )libjson-c-dev( |$)' "$demo_set"
extra=
for p in chromium wrk debootstrap systemd-container clang python3-httpx; do
	[[ " $demo_set " == *" $p "* ]] && extra="$extra $p"
done
expect_eq "make demo's set has nothing only the tests use" "" "$extra"
expect_eq "make install's set is the build set" "$(sets build)" "$(sets install)"
expect_match "make bench's set has wrk" '(^| )wrk( |$)' "$(sets build bench)"
test_set=$(sets build test)
lack=
for p in chromium wrk debootstrap systemd-container clang libjson-c-dev; do
	[[ " $test_set " == *" $p "* ]] || lack="$lack $p"
done
expect_eq "make test's set has what the tests use" "" "$lack"
if [ "$(id -u)" = 0 ]; then
	runuser -u nobody -- env PATH="$T/shim:$PATH" bash "$AIRLOCK_SRC/tests/deps.sh" build demo \
		>"$T/user.out" 2>&1; rc=$?
	check "tests/deps.sh as another user fails" test "$rc" -ne 0
	expect_match "it prints the apt-get line to run" \
		'sudo apt-get install -y --no-install-recommends build-essential pkg-config .*libjson-c-dev' \
		"$(cat "$T/user.out")"
fi

ns_usable || { skip "fresh machine: $NS_WHY"; exit 0; }
command -v git >/dev/null && git -C "$AIRLOCK_SRC" rev-parse --git-dir >/dev/null 2>&1 ||
	{ skip "fresh machine: the source is not a git work tree"; exit 0; }
mirror=$(ns_mirror)
if ! curl -sS -o /dev/null --max-time 15 "${mirror%/}/dists/$NS_SUITE/InRelease" 2>"$T/mirror.err"; then
	skip "fresh machine: the Debian mirror $mirror is unreachable ($(head -c 200 "$T/mirror.err"))"
	exit 0
fi
t0=$(date +%s)
ns_rootfs || { fail "debootstrap of the test rootfs"; exit 1; }
ns_prepare || { fail "overlay over the rootfs"; exit 1; }
R=$NS_ROOT

# --- the clone: every file git knows of in the work tree (tracked or new, not ignored)
mkdir -p "$R/src" "$R/fresh" "$DL"
(cd "$AIRLOCK_SRC" && git ls-files -z --cached --others --exclude-standard |
	tar --null --ignore-failed-read -T - -cf -) 2>"$T/tar.err" | tar -xf - -C "$R/src"
check "the work tree's files are in the container" test -f "$R/src/Makefile"

# --- the host's package sources (Debian ones), apt proxy and validity settings
copied=0
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && grep -Eq 'debian\.org|'"${mirror#*://}" "$f" || continue
	mkdir -p "$R$(dirname "$f")"; cp "$f" "$R$f"; copied=1
done
[ "$copied" = 1 ] && [ ! -f /etc/apt/sources.list ] && rm -f "$R/etc/apt/sources.list"
# and its package lists (a machine's lists are there from its installation; this
# spares the first download of the indexes: make demo's apt-get update still runs)
find /var/lib/apt/lists -maxdepth 1 -type f \( -name '*_InRelease' -o -name '*_Packages*' \) \
	-exec cp -p {} "$R/var/lib/apt/lists/" \;
apt-config dump | grep -E '^Acquire::([A-Za-z]+::Proxy|Check-Valid-Until|Check-Date)' \
	>"$R/etc/apt/apt.conf.d/90airlock-host" || rm -f "$R/etc/apt/apt.conf.d/90airlock-host"

port=$(free_port); idp=$(free_port)
while [ "$idp" = "$port" ]; do idp=$(free_port); done
envs=(--setenv=DEMO_PORT="$port" --setenv=DEMO_IDP_PORT="$idp")
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
	[ -n "${!v:-}" ] && envs+=(--setenv="$v=${!v}")
done
# The CAs the host trusts beyond Debian's (a TLS-inspecting egress proxy, say), for
# curl, apt and node; node reads them from NODE_EXTRA_CA_CERTS, npm from its cafile.
# The host's bundle as is (a rehash in the container takes half a minute), and its
# extra CAs for when the container's ca-certificates rebuilds the bundle.
mkdir -p "$R/usr/local/share/ca-certificates" "$R/etc/ssl/certs"
cp /usr/local/share/ca-certificates/*.crt "$R/usr/local/share/ca-certificates/" 2>/dev/null
cp /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"
[ -n "${NODE_EXTRA_CA_CERTS:-}" ] && envs+=(--setenv=NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt)
v=$(npm config get cafile 2>/dev/null) && [ -n "$v" ] && [ "$v" != null ] &&
	envs+=(--setenv=NPM_CONFIG_CAFILE=/etc/ssl/certs/ca-certificates.crt)
v=$(npm config get registry 2>/dev/null) && [ -n "$v" ] && envs+=(--setenv=NPM_CONFIG_REGISTRY="$v")

# The container runs one program (no systemd inside: quick); nspawn without a
# systemd on the host needs --register=no --keep-unit.
nspawn=(systemd-nspawn -q -D "$R" --register=no --keep-unit --as-pid2 --console=pipe --machine="airlock-f$$"
	--resolv-conf=copy-host --timezone=off --link-journal=no
	--bind=/var/cache/apt/archives --bind="$DL:/src/build/dl" --chdir=/src "${envs[@]}")
# fresh SECONDS LOG COMMAND: bash -c COMMAND in the container, output to LOG
fresh() { timeout -k 5 "$1" "${nspawn[@]}" /bin/bash -c "$3" >"$2" 2>&1 </dev/null; }
has() { dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
failed_tail() { # LOG: what a failing step printed last
	echo "--- last lines of $(basename "$1"):"; tail -n 25 "$1"
}

# --- a new user has git and make; nothing else
fresh 600 "$T/prep.log" 'i() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends make >/dev/null; }
	i || { apt-get update -qq && i; }'
rc=$?; expect_eq "make is installed in the container" 0 "$rc"
[ "$rc" = 0 ] || { failed_tail "$T/prep.log"; exit 1; }
t_ready=$(( $(date +%s) - t0 ))
echo "t_fresh: container ready in ${t_ready}s"

fresh 120 "$T/make.log" 'timeout 60 make >/fresh/make.out 2>&1; echo "exit=$?" >>/fresh/make.out'
out=$(grep -v '^exit=' "$R/fresh/make.out")
check "plain make fails" grep -Eq '^exit=[1-9]' "$R/fresh/make.out"
expect_eq "plain make prints one line" 1 "$(printf '%s\n' "$out" | grep -c .)"
expect_match "the line names the missing packages and make deps" \
	"airlock: missing build-essential pkg-config libevhtp-dev .*libjson-c-dev.*: run 'make deps' \(as root\) or apt-get install build-essential " \
	"$out"
check "plain make compiled nothing" test ! -d "$R/src/build/normal/obj"

fresh 120 "$T/nonroot.log" 'timeout 60 runuser -u nobody -- make demo; echo "exit=$?"'
check "make demo as another user fails" grep -Eq '^exit=[1-9]' "$T/nonroot.log"
check "it prints the apt-get line to run" \
	grep -Eq '^sudo apt-get install -y --no-install-recommends .*libjson-c-dev' "$T/nonroot.log"
if has libjson-c-dev; then fail "it installed nothing"; else pass "it installed nothing"; fi

# --- make demo, the first time, in the background
t1=$(date +%s)
"${nspawn[@]}" /bin/bash -c 'make demo' >"$T/demo.log" 2>&1 </dev/null &
NS_PID=$!
url='' i=0
while [ "$i" -lt "$FRESH_TIMEOUT" ] && kill -0 "$NS_PID" 2>/dev/null; do
	url=$(grep -m1 -x "http://127.0.0.1:$port/" "$T/demo.log") && break
	url=; sleep 1; i=$((i + 1))
done
if [ -z "$url" ]; then
	fail "make demo printed its URL within ${FRESH_TIMEOUT}s"
	failed_tail "$T/demo.log"
	for f in "$R"/src/build/demo/logs/*.log "$R"/src/build/devidp/npm.log; do
		[ -f "$f" ] && { echo "--- $f"; tail -n 5 "$f"; }
	done
	exit 1
fi
pass "make demo printed its URL on the first try"
echo "t_fresh: make demo URL after $(( $(date +%s) - t1 ))s"

# What the first make demo installed (the container's dpkg database, read from here).
check "make demo installed the build libraries" has libjson-c-dev
extra=
for p in chromium wrk debootstrap systemd-container clang python3-httpx; do has "$p" && extra="$extra $p"; done
expect_eq "make demo installed nothing the demo does not use" "" "$extra"

# --- from the host, as a browser would
J=$T/jar
c() { curl -sS --max-time 10 -b "$J" -c "$J" "$@"; }
page=$(c -L "$url")
expect_match "the URL serves the sign-in page" 'href="/login/dev' "$page"
auth=$(c -o /dev/null -w '%{redirect_url}' "${url}login/dev")
expect_match "the dev sign-in goes to the development provider" "^http://127.0.0.1:$idp/" "$auth"
back=$(timeout 60 sh "$IDP_KIT/curl-login.sh" "$auth" fresh 2>"$T/login.err")
expect_match "the provider sends the browser back" "^http://127.0.0.1:$port/auth_redirect[/?].*code=" "$back"
read -r code loc < <(c -o /dev/null -w '%{http_code} %{redirect_url}\n' "$back")
expect_eq "the sign-in completes" "303 $url" "$code ${loc:-}"
page=$(c "$url")
expect_match "the counter page shows the count" 'id="count"[^>]*>0<' "$page"
expect_match "the counter page shows who signed in" 'Signed in as <strong>Demo user fresh</strong>' "$page"
csrf=$(printf '%s' "$page" | sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' | head -1)
expect_eq "an increment counts" '{"count":1}' \
	"$(c -H 'Accept: application/json' -H "Origin: ${url%/}" --data-urlencode "csrf=$csrf" "${url}increment")"
[ "$T_FAILS" = 0 ] || { failed_tail "$T/demo.log"; cat "$T/login.err"; }

# --- stop: nothing of the demo is left listening
ns_shutdown
check "the demo is gone with its container" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null"
echo "t_fresh: total $(( $(date +%s) - t0 ))s"
exit 0
