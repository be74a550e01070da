#!/usr/bin/env bash
# run: once
# The systemd units: `systemd-analyze security --offline=true` exposure within
# the targets (store <= 0.5, frontend <= 0.5, authd <= 1.2; the store with the
# PostgreSQL drop-in systemd/airlock-store.service.d/postgresql.conf.example
# <= 1.2, its network limited to the database's addresses) and
# `systemd-analyze verify` without a single message, on the units as
# `make install` writes them (with their programs and man pages in place).
. "$(dirname "$0")/lib.sh"
cd "$AIRLOCK_SRC"
command -v systemd-analyze >/dev/null || { fail "systemd-analyze not installed"; exit 1; }

# exposure UNITFILE: the "Overall exposure level" number
exposure() {
	systemd-analyze security --offline=true --no-pager "$1" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
declare -A limit=([airlock-store]=0.5 [airlock-frontend]=0.5 [airlock-authd]=1.2)
for u in airlock-store airlock-frontend airlock-authd; do
	e=$(exposure "systemd/$u.service")
	if [ -z "$e" ]; then
		fail "$u.service: no exposure level from systemd-analyze security"
	elif awk -v e="$e" -v l="${limit[$u]}" 'BEGIN { exit !(e <= l) }'; then
		pass "$u.service exposure $e <= ${limit[$u]}"
	else
		fail "$u.service exposure $e > ${limit[$u]}"
		systemd-analyze security --offline=true --no-pager "systemd/$u.service" | grep '✗'
	fi
done

# The store with the PostgreSQL drop-in, applied the way systemd applies it (a unit
# directory with airlock-store.service.d/postgresql.conf): network to the listed
# database addresses only.  Its exposure is the store's 0.4 plus the network
# access (PrivateNetwork=no, 0.5) and Internet sockets (0.3) a database server
# elsewhere needs; the store's peer check rules out PrivateUsers= (see the unit).
DROPIN=systemd/airlock-store.service.d/postgresql.conf.example
PGROOT=$T/pgroot
mkdir -p "$PGROOT/etc/systemd/system/airlock-store.service.d"
cp systemd/airlock-store.service systemd/airlock-store.socket "$PGROOT/etc/systemd/system/"
cp "$DROPIN" "$PGROOT/etc/systemd/system/airlock-store.service.d/postgresql.conf"
pg_security() { systemd-analyze security --offline=true --no-pager --root="$PGROOT" "$@" airlock-store.service 2>&1; }
e=$(pg_security | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ -z "$e" ]; then
	fail "store + PostgreSQL drop-in: no exposure level"; pg_security | tail -5
elif awk -v e="$e" 'BEGIN { exit !(e <= 1.1) }'; then
	pass "store + PostgreSQL drop-in: exposure $e <= 1.1"
else
	fail "store + PostgreSQL drop-in: exposure $e > 1.1"; pg_security | grep '✗'
fi
# What the merged unit says (systemd's own reading of the drop-in).
js=$(pg_security --json=short)
item() { # JSON_FIELD -> "set description"
	printf '%s' "$js" | python3 -c 'import json, sys
for e in json.load(sys.stdin):
    if e.get("json_field") == sys.argv[1]: print(e["set"], e["description"])' "$1"
}
expect_eq "drop-in: IP traffic denied but to an allow list" \
	"False Service defines IP address allow list with non-localhost entries" "$(item IPAddressDeny)"
expect_eq "drop-in: no packet sockets" "True Service cannot allocate packet sockets" "$(item RestrictAddressFamilies_AF_PACKET)"
expect_eq "drop-in: no netlink sockets" "True Service cannot allocate netlink sockets" "$(item RestrictAddressFamilies_AF_NETLINK)"
expect_eq "drop-in: no other address families" "True Service cannot allocate exotic sockets" "$(item RestrictAddressFamilies_OTHER)"
expect_eq "drop-in: no Unix sockets of its own" "True Service cannot allocate local sockets" "$(item RestrictAddressFamilies_AF_UNIX)"
for p in PrivateNetwork=no IPAddressDeny=any 'RestrictAddressFamilies=' \
	'RestrictAddressFamilies=AF_INET AF_INET6' SocketBindDeny=any \
	'LoadCredential=postgresql-password:/etc/airlock/credentials/postgresql-password'; do
	check "drop-in: $p" grep -qx -- "$p" "$DROPIN"
done
check "drop-in: IPAddressAllow= lists addresses" grep -Eqx 'IPAddressAllow=[0-9a-f.:/ ]+' "$DROPIN"
# control: the figure moves when the drop-in opens more (all addresses allowed)
sed -i 's/^IPAddressDeny=any$/IPAddressDeny=/' "$PGROOT/etc/systemd/system/airlock-store.service.d/postgresql.conf"
expect_eq "control: without IPAddressDeny=any systemd sees no IP restriction" \
	"False Service does not define an IP address allow list" "$(js=$(pg_security --json=short); item IPAddressDeny)"

# Properties the design depends on (a unit edit that drops one must fail here).
prop() { grep -qx "$2" "systemd/$1"; }
check "frontend: PrivateNetwork=yes" prop airlock-frontend.service PrivateNetwork=yes
check "frontend: only Unix sockets" prop airlock-frontend.service RestrictAddressFamilies=AF_UNIX
check "frontend: PrivateUsers=yes" prop airlock-frontend.service PrivateUsers=yes
check "store: PrivateNetwork=yes" prop airlock-store.service PrivateNetwork=yes
check "store: no sockets at all" prop airlock-store.service RestrictAddressFamilies=none
check "authd: LimitCORE=0" prop airlock-authd.service LimitCORE=0
for u in airlock-frontend airlock-store; do
	check "$u: authd's credentials and state inaccessible" sh -c "grep -E \
		'^InaccessiblePaths=.*-/etc/airlock/credentials .*-/var/lib/airlock-authd( |$)' \
		systemd/$u.service >/dev/null"
done
check "authd: signing key by LoadCredential" prop airlock-authd.service \
	'LoadCredential=signing.key:/etc/airlock/credentials/signing.key'
n=$(grep -l '^[^#]*AF_INET' systemd/*.service | xargs -n1 basename | tr '\n' ' ')
expect_eq "only authd may use AF_INET/AF_INET6" "airlock-authd.service " "$n"
for u in airlock-store airlock-authd; do
	check "$u.socket: SocketGroup=airlock-frontend, mode 0660" \
		sh -c "grep -qx SocketGroup=airlock-frontend systemd/$u.socket &&
		       grep -qx SocketMode=0660 systemd/$u.socket && grep -qx SocketUser=$u systemd/$u.socket"
done
missing=0
for f in systemd/*.service; do
	for p in ProtectSystem=strict CapabilityBoundingSet= NoNewPrivileges=yes PrivateDevices=yes \
		ProtectProc=invisible ProcSubset=pid SystemCallFilter=@system-service \
		SystemCallArchitectures=native MemoryDenyWriteExecute=yes RestrictNamespaces=yes \
		UMask=0077 LockPersonality=yes RestrictRealtime=yes RestrictSUIDSGID=yes \
		ProtectHome=yes ProtectClock=yes ProtectHostname=yes ProtectKernelTunables=yes \
		ProtectKernelModules=yes ProtectKernelLogs=yes ProtectControlGroups=yes PrivateTmp=yes \
		RemoveIPC=yes DevicePolicy=closed; do
		grep -qx "$p" "$f" || { fail "$(basename "$f"): $p missing"; missing=1; }
	done
done
[ $missing = 0 ] && pass "every service has the common hardening settings"

# verify: the units as installed, pointing at real files.
R=$T/inst
make -s install-data PREFIX="$R/usr" SYSCONFDIR="$R/etc" UNITDIR="$R/units" \
	SYSUSERSDIR="$R/sysusers" TMPFILESDIR="$R/tmpfiles" >"$T/install.log" 2>&1 ||
	{ fail "make install-data"; cat "$T/install.log"; exit 1; }
install -d "$R/usr/sbin"
for p in airlock-store airlock-authd airlock-frontend; do
	if [ -x "$BIN/$p" ]; then
		install -m 0755 "$BIN/$p" "$R/usr/sbin/$p"
	else	# not built yet: the units are what is checked here
		printf '#!/bin/sh\nexit 1\n' >"$R/usr/sbin/$p"; chmod 755 "$R/usr/sbin/$p"
		echo "note: $p not built, a stand-in file is verified"
	fi
done
man_opt=--man=yes
if ! command -v man >/dev/null; then
	man_opt=--man=no; skip "man page references in verify (man is not installed)"
fi
out=$(MANPATH="$R/usr/share/man" systemd-analyze verify "$man_opt" "$R"/units/* 2>&1); rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then
	pass "systemd-analyze verify: clean ($(ls "$R/units" | wc -l) units)"
else
	fail "systemd-analyze verify (rc $rc)"; echo "$out"
fi
# The store unit as installed, with the PostgreSQL drop-in next to it.
mkdir -p "$T/pgunits/airlock-store.service.d"
cp "$R/units/airlock-store.service" "$R/units/airlock-store.socket" "$T/pgunits/"
cp "$DROPIN" "$T/pgunits/airlock-store.service.d/postgresql.conf"
out=$(MANPATH="$R/usr/share/man" systemd-analyze verify "$man_opt" "$T/pgunits/airlock-store.service" 2>&1); rc=$?
if [ $rc -eq 0 ] && [ -z "$out" ]; then pass "systemd-analyze verify: store with the PostgreSQL drop-in, clean"
else fail "systemd-analyze verify of the store with the PostgreSQL drop-in (rc $rc)"; echo "$out"; fi
# control: verify does report a misspelled setting (so silence above means something)
sed 's/^NoNewPrivileges=yes/NoNewPrivilegs=yes/' "$R/units/airlock-store.service" \
	>"$T/airlock-store.service"
cp "$R/units/airlock-store.socket" "$T/"
out=$(MANPATH="$R/usr/share/man" systemd-analyze verify "$man_opt" "$T/airlock-store.service" 2>&1)
expect_match "control: verify reports a misspelled setting" 'NoNewPrivilegs' "$out"

# sysusers.d / tmpfiles.d parse (systemd's own tools, without touching the host)
out=$(systemd-sysusers --dry-run --root="$T/sysroot" "$R/sysusers/airlock.conf" 2>&1 ||
	echo "rc=$?")
if grep -q 'rc=' <<<"$out"; then
	# --dry-run arrived in systemd 251; older: --cat-config style syntax check only
	fail "systemd-sysusers --dry-run ($out)"
else
	for u in airlock-frontend airlock-authd airlock-store; do
		expect_match "sysusers creates $u" "$u" "$out"
	done
fi
out=$(systemd-tmpfiles --root="$T/sysroot" --create "$R/tmpfiles/airlock.conf" 2>&1)
expect_eq "tmpfiles.d parses and applies" "" "$out"
expect_eq "tmpfiles: credentials directory 0700" 700 \
	"$(stat -c %a "$T/sysroot$R/etc/airlock/credentials" 2>/dev/null)"
