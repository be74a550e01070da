#!/usr/bin/env bash
# run: once
# The build knows when it is done, and each program links only what it calls:
#   - after `make` (make test has just built build/normal and, with SAN=1,
#     build/asan), `make -q` answers "up to date" (0) for both: make deletes no
#     object it built, so nothing is left to remake;
#   - a newer proto/ header (make -W HEADER: as if touched, nothing is touched)
#     makes `make -q` answer 1, and `make -n` recompiles every file whose
#     dependency file names it;
#   - each program's NEEDED shared libraries are only those it calls: the CLI
#     has no libevent, the store no curl or json-c, the frontend no curl or lmdb
#     (the sanitizer build is linked without the compiler's default --as-needed,
#     so there the Makefile's own -Wl,--as-needed is what drops them).
. "$(dirname "$0")/lib.sh"
cd "$AIRLOCK_SRC"
unset MAKEFLAGS MFLAGS MAKELEVEL
HEADER=proto/csrf.h      # a header with few users: the rebuild stays short

# needed PROGRAM: its NEEDED libraries, short names (libevent-2.1.so.7 -> libevent)
needed() {
	readelf -d "$1" 2>/dev/null | sed -n 's/.*Shared library: \[\(.*\)\.so.*/\1/p' |
		sed 's/-[0-9.]*$//' | tr '\n' ' '
}
# lacks WHAT PROGRAM LIB...: none of LIB is among PROGRAM's NEEDED
lacks() {
	local what=$1 prog=$2 l have bad=; shift 2
	[ -x "$prog" ] || { fail "$what ($prog was not built)"; return; }
	have=" $(needed "$prog") "
	for l in "$@"; do [[ $have == *" $l "* ]] && bad="$bad $l"; done
	if [ -n "$bad" ]; then fail "$what (NEEDED:$have)"; else pass "$what"; fi
}

# up_to_date NAME BUILD MAKE-ARGS...: the checks above for one build folder
up_to_date() {
	local name=$1 b=$2 rc lost users missing o s; shift 2
	make -q BUILD="$b" "$@" >"$T/$name-q.log" 2>&1; rc=$?
	expect_eq "$name: make -q after make answers up to date" 0 "$rc"
	[ "$rc" = 0 ] || make -n BUILD="$b" "$@" 2>&1 | head -5
	lost=$(find "$b/obj" -name '*.d' | while read -r d; do [ -f "${d%.d}.o" ] || echo "${d%.d}.o"; done | head -3)
	expect_eq "$name: make deleted none of the objects it built" "" "$lost"

	make -q -W "$HEADER" BUILD="$b" "$@" >/dev/null 2>&1; rc=$?
	expect_eq "$name: make -q with a newer $HEADER answers not up to date" 1 "$rc"
	make -n -W "$HEADER" BUILD="$b" "$@" >"$T/$name-n.log" 2>&1
	# (objects of sources that still exist: a deleted source leaves its .d behind)
	users=$(grep -rl --include='*.d' -- "$HEADER" "$b/obj" | sed 's/\.d$/.o/' |
		while read -r o; do s=${o#"$b"/obj/}; [ -f "${s%.o}.c" ] && echo "$o"; done)
	missing=$(for o in $users; do grep -q -- "-o $o " "$T/$name-n.log" || echo "$o"; done)
	check "$name: $HEADER has users in the dependency files" test -n "$users"
	expect_eq "$name: make would recompile every user of $HEADER" "" "$missing"

	lacks "$name: the CLI airlock is not linked against libevent or lmdb" \
		"$b/airlock" libevent libevhtp liblmdb
	lacks "$name: airlock-store is not linked against curl, json-c or evhtp" \
		"$b/airlock-store" libcurl libjson-c libevhtp
	lacks "$name: airlock-frontend is not linked against curl or lmdb" \
		"$b/airlock-frontend" libcurl liblmdb
	lacks "$name: airlock-authd is not linked against lmdb or evhtp" \
		"$b/airlock-authd" liblmdb libevhtp
}

NORMAL=${BIN:-$AIRLOCK_SRC/build/normal}
NORMAL=${NORMAL#"$AIRLOCK_SRC"/}	# as make test names it: relative
make -j2 BUILD="$NORMAL" >"$T/normal-make.log" 2>&1 || fail "make (normal build)"
make -j2 BUILD="${NORMAL%/*}/asan" SAN=1 >"$T/asan-make.log" 2>&1 || fail "make SAN=1"
up_to_date normal "$NORMAL"
up_to_date asan "${NORMAL%/*}/asan" SAN=1
