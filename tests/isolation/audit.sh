# Secret-isolation audit (security properties 1, 2 and 6 in README) against the real services
# of a booted container.  Sourced by tests/t_nspawn.sh after lib.sh and
# lib_nspawn.sh; each audit_* function prints PASS/FAIL/SKIP lines.
#
# The "as the frontend" probes run under the frontend's real unit settings:
# systemd-run inside the container with every [Service] property of the
# installed airlock-frontend.service (user, namespaces, seccomp filter,
# address families, ProtectSystem, ...), so they show what a compromised
# frontend could do.  Likewise for the store.

AUDIT_DIR=/usr/local/libexec/airlock-test	# inside the container

audit_setup() {
	install -d "$NS_ROOT$AUDIT_DIR"
	cc -std=c17 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$NS_ROOT$AUDIT_DIR/probe" \
		"$AIRLOCK_SRC/tests/isolation/probe.c" || return 1
	install -m 0755 "$BIN/tools/storec" "$NS_ROOT$AUDIT_DIR/storec" || return 1
	install -d -m 0700 "$NS_ROOT/root/audit"
	install -m 0600 "$NS_SK" "$NS_ROOT/root/audit/real.sk"
}

# The [Service] settings of an installed unit as systemd-run -p arguments
# (what makes it run is left out: ExecStart, Type, Restart, sockets).
unit_props() {
	awk '/^\[Service\]/ { s = 1; next } /^\[/ { s = 0 }
	     s && /^[A-Z][A-Za-z]*=/ && !/^(ExecStart|ExecReload|Type|Restart|RestartSec|LoadCredential[A-Za-z]*)=/ {
		# systemd-run (252) does not parse "none": say it as "AF_UNIX" minus AF_UNIX
		if ($0 == "RestrictAddressFamilies=none") {
			print "-p"; print "RestrictAddressFamilies=AF_UNIX"
			print "-p"; print "RestrictAddressFamilies=~AF_UNIX"; next
		}
		print "-p"; print }' "$NS_ROOT/usr/lib/systemd/system/$1.service"
}

# as UNIT cmd...: run cmd inside the container under UNIT's sandbox; its output.
as_unit() {
	local unit=$1 props; shift
	mapfile -t props < <(unit_props "$unit")
	timeout 30 nsenter -t "$NS_LEADER" -a -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		systemd-run --quiet --wait --pipe --collect --service-type=exec \
		--unit="audit-$unit-$RANDOM" "${props[@]}" "$@" 2>&1
}

# expect_denied UNIT what probe-args...: the probe must print DENIED.
expect_denied() {
	local unit=$1 what=$2 out; shift 2
	out=$(as_unit "$unit" "$AUDIT_DIR/probe" "$@")
	case $out in
		DENIED*) pass "$what ($out)" ;;
		*) fail "$what (${out:-no output})" ;;
	esac
}
expect_allowed() {
	local unit=$1 what=$2 out; shift 2
	out=$(as_unit "$unit" "$AUDIT_DIR/probe" "$@")
	case $out in
		ALLOWED*) pass "$what" ;;
		*) fail "$what (${out:-no output})" ;;
	esac
}

# Properties of the running processes, read from the host's /proc.
audit_processes() {
	local u hp cnet=$(readlink "/proc/$NS_LEADER/ns/net") st
	for u in airlock-frontend airlock-store airlock-authd; do
		hp=$(ns_unit_pid "$u.service") || { skip "$u process checks (not running)"; continue; }
		st=$(cat "/proc/$hp/status")
		expect_eq "$u: runs as its own user" "$u" \
			"$(ns_run getent passwd "$(awk '/^Uid:/ {print $2}' <<<"$st")" | cut -d: -f1)"
		expect_eq "$u: no capabilities (CapEff, CapBnd)" "0000000000000000 0000000000000000" \
			"$(awk '/^CapEff:/ {e=$2} /^CapBnd:/ {b=$2} END {print e, b}' <<<"$st")"
		expect_eq "$u: NoNewPrivs, seccomp filter" "1 2" \
			"$(awk '/^NoNewPrivs:/ {n=$2} /^Seccomp:/ {s=$2} END {print n, s}' <<<"$st")"
		case $u in
		airlock-authd)
			check "$u: in the container's network (talks to providers)" \
				test "$(readlink "/proc/$hp/ns/net")" = "$cnet" ;;
		*)
			check "$u: in a private network namespace" \
				test "$(readlink "/proc/$hp/ns/net")" != "$cnet"
			expect_eq "$u: its network has only lo" "lo" \
				"$(nsenter -t "$hp" -n ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ' | sed 's/ $//')" ;;
		esac
	done
}

# What a compromised frontend (or store) cannot do.
audit_sandboxes() {
	local apid spid out f
	apid=$(ns_run systemctl show -p MainPID --value airlock-authd.service)
	spid=$(ns_run systemctl show -p MainPID --value airlock-store.service)

	expect_allowed airlock-frontend "frontend sandbox: control: reads airlock.conf" \
		read /etc/airlock/airlock.conf
	expect_allowed airlock-frontend "frontend sandbox: control: may make Unix sockets" sock unix
	for f in inet inet6 netlink packet; do
		expect_denied airlock-frontend "frontend cannot open an $f socket" sock "$f"
	done
	expect_denied airlock-frontend "frontend cannot connect to the provider over TCP" \
		tcp 127.0.0.1 "$NS_PROV_PORT"
	expect_denied airlock-frontend "frontend cannot read authd's signing key file" \
		read /etc/airlock/credentials/signing.key
	expect_denied airlock-frontend "frontend cannot read the client secret file" \
		read /etc/airlock/credentials/test.client_secret
	expect_denied airlock-frontend "frontend cannot read authd's credentials" \
		read /run/credentials/airlock-authd.service/test.client_secret
	expect_denied airlock-frontend "frontend cannot list authd's state" list /var/lib/airlock-authd
	expect_denied airlock-frontend "frontend cannot read the LMDB data file" \
		read /var/lib/airlock-store/data.mdb
	expect_denied airlock-frontend "frontend cannot read the LMDB lock file" \
		read /var/lib/airlock-store/lock.mdb
	if [ -n "$apid" ] && [ "$apid" != 0 ]; then
		expect_denied airlock-frontend "frontend cannot ptrace authd" ptrace "$apid"
		expect_denied airlock-frontend "frontend cannot open authd's memory" procmem "$apid"
		# and without the unit's seccomp filter: the kernel's own uid check still holds
		out=$(ns_run setpriv --reuid=airlock-frontend --regid=airlock-frontend --clear-groups \
			"$AUDIT_DIR/probe" ptrace "$apid")
		expect_match "frontend uid outside the sandbox cannot ptrace authd either" '^DENIED' "$out"
	else
		fail "authd is not running (ptrace checks)"
	fi
	if [ -n "$spid" ] && [ "$spid" != 0 ]; then
		expect_denied airlock-frontend "frontend cannot ptrace the store" ptrace "$spid"
		expect_denied airlock-frontend "frontend cannot open the store's memory" procmem "$spid"
	else
		fail "store is not running (ptrace checks)"
	fi

	# the file modes alone (no sandbox: the units also make these paths inaccessible)
	for f in /etc/airlock/credentials/test.client_secret /etc/airlock/credentials/signing.key \
		/var/lib/airlock-store/data.mdb /var/lib/airlock-authd; do
		out=$(ns_run setpriv --reuid=airlock-frontend --regid=airlock-frontend --clear-groups \
			"$AUDIT_DIR/probe" "$([ -d "$NS_ROOT$f" ] && echo list || echo read)" "$f")
		expect_match "frontend uid outside the sandbox cannot read $f (file modes)" '^DENIED' "$out"
	done
	out=$(ns_run setpriv --reuid=airlock-store --regid=airlock-store --clear-groups \
		"$AUDIT_DIR/probe" read /etc/airlock/credentials/test.client_secret)
	expect_match "store uid outside the sandbox cannot read the client secret (file modes)" \
		'^DENIED' "$out"

	expect_allowed airlock-store "store sandbox: control: reads airlock.conf" \
		read /etc/airlock/airlock.conf
	for f in inet inet6 netlink packet unix; do
		expect_denied airlock-store "store cannot open an $f socket" sock "$f"
	done
	expect_denied airlock-store "store cannot read the client secret file" \
		read /etc/airlock/credentials/test.client_secret
	expect_denied airlock-store "store cannot read authd's credentials" \
		read /run/credentials/airlock-authd.service/test.client_secret
	[ -n "$apid" ] && [ "$apid" != 0 ] &&
		expect_denied airlock-store "store cannot ptrace authd" ptrace "$apid"
	# the probe itself can do these things outside the sandbox
	case $(ns_run "$AUDIT_DIR/probe" tcp 127.0.0.1 "$NS_PROV_PORT") in
		ALLOWED*) pass "control: root in the container reaches the provider over TCP" ;;
		*) fail "control: root in the container reaches the provider over TCP" ;;
	esac
}

# Only the frontend's uid (and root) is served: file modes, then SO_PEERCRED.
# A frame: u32 len, u16 version, u16 type, u32 id (PING: store 100, authd 200).
audit_peers() {
	local d sock ping out
	for d in store authd; do
		sock=/run/airlock/$d.sock
		[ $d = store ] && ping=STORE_PING || ping=AUTH_PING
		ping=$(ns_run "$AUDIT_DIR/storec" - frame msg $ping)	# this version's frame
		expect_eq "$d.sock: owner, group, mode" "airlock-$d airlock-frontend 660" \
			"$(ns_run stat -c '%U %G %a' "$sock")"
		out=$(ns_run setpriv --reuid=airlock-frontend --regid=airlock-frontend --clear-groups \
			"$AUDIT_DIR/storec" "$sock" raw "$ping")
		expect_match "$d answers the frontend's uid (control)" '^answer' "$out"
		out=$(ns_run setpriv --reuid=nobody --regid=nogroup --clear-groups \
			"$AUDIT_DIR/storec" "$sock" raw "$ping")
		expect_match "$d: another uid cannot connect (socket mode)" 'connect' "$out"
		out=$(ns_run setpriv --reuid=nobody --regid=airlock-frontend --clear-groups \
			"$AUDIT_DIR/storec" "$sock" raw "$ping")
		expect_eq "$d: another uid in the frontend's group is refused (SO_PEERCRED)" closed "$out"
		out=$(ns_run setpriv --reuid=airlock-authd --regid=airlock-frontend --clear-groups \
			"$AUDIT_DIR/storec" "$sock" raw "$ping")
		[ $d = store ] && expect_eq "store: authd's uid is refused too (SO_PEERCRED)" closed "$out"
	done
	out=$(ns_run journalctl -q -o cat -u airlock-store.service -u airlock-authd.service)
	expect_match "refusals are logged with the peer's uid" 'refused peer uid 65534' "$out"
}

# Security property 2: a frontend-uid process cannot make the store create a session
# without a proof that authd signed (and cannot replay one it has seen).
audit_forge() {
	local out proof
	out=$(as_unit airlock-frontend /bin/sh -c "
		$AUDIT_DIR/storec /run/airlock/store.sock keygen /tmp/fake.sk >/dev/null &&
		$AUDIT_DIR/storec /run/airlock/store.sock login /tmp/fake.sk test:4242 Mallory")
	expect_match "forged SESSION_CREATE (proof not signed by authd) is refused" \
		'^(invalid|denied|notfound|expired)' "$out"
	out=$(ns_run "$AUDIT_DIR/storec" /run/airlock/store.sock login /root/audit/real.sk test:9999 Control)
	expect_match "control: a proof signed with authd's key is accepted" '^ok' "$out"
	# A web session's token does not let the frontend approve a pairing (only a proof does).
	out=$(as_unit airlock-frontend /bin/sh -c "
		ref=\$($AUDIT_DIR/storec /run/airlock/store.sock pair-create audit-paircode-00000000000 audit | cut -d' ' -f2);
		$AUDIT_DIR/storec /run/airlock/store.sock pair-decide $(echo "$out" | cut -d' ' -f2) \$ref 1;
		$AUDIT_DIR/storec /run/airlock/store.sock pair-take audit-paircode-00000000000")
	expect_match "the frontend's uid cannot approve a pairing with a web session token" \
		'^invalid'$'\n''(pending|slow_down)$' "$out"
	proof=$(ns_run "$AUDIT_DIR/storec" /run/airlock/store.sock sign /root/audit/real.sk test:4242 Alice)
	out=$(as_unit airlock-frontend /bin/sh -c "
		$AUDIT_DIR/storec /run/airlock/store.sock create $proof 1 web;
		$AUDIT_DIR/storec /run/airlock/store.sock create $proof 1 web")
	expect_match "a real proof is used once, its replay by the frontend is refused" \
		'^ok.*'$'\n''(invalid|denied|notfound|expired)' "$out"
	out=$(ns_run "$AUDIT_DIR/storec" /run/airlock/store.sock sign /root/audit/real.sk test:4242 Alice 1 -5)
	out=$(as_unit airlock-frontend "$AUDIT_DIR/storec" /run/airlock/store.sock create "$out" 1 web)
	expect_match "an expired proof is refused" '^(invalid|expired|denied)' "$out"
}

# A login + logout over the IPC sockets as the frontend makes them (root peer,
# the container's network for the provider): every answer is checked for the
# markers (security property 1: no secret in any message authd sends).
prov_revoked() { # how many tokens the provider saw revoked, and issued
	ns_curl "http://127.0.0.1:$NS_PROV_PORT/_audit" |
		python3 -c 'import json, sys; a = json.load(sys.stdin)
print(len(a["revoked"]), len(set(a["issued"]) - set(a["revoked"])))'
}
audit_ipcflow() {
	local out rc root=/proc/$NS_LEADER/root/run/airlock before after
	before=$(prov_revoked)
	out=$(nsenter -t "$NS_LEADER" -n timeout 60 python3 "$AIRLOCK_SRC/tests/isolation/ipcflow.py" \
		"$root/authd.sock" "$root/store.sock" test "$NS_SECRET" "$NS_TOKEN_MARK" 2>&1); rc=$?
	echo "$out" | sed 's/^/  ipcflow: /'
	expect_eq "login, increment, logout, revoke over IPC; no answer holds a secret or token" 0 "$rc"
	after=$(prov_revoked)
	expect_eq "the provider saw this login's grant revoked (revoked count +1)" \
		"$(( ${before%% *} + 1 ))" "${after%% *}"
	expect_eq "every access token the provider issued has been revoked" 0 "${after##* }"
}

# Security property 1: after a full login + logout, the client secret and the
# provider tokens appear nowhere in the frontend or store.  $1...: units to scan.
# Control: a third marker is put where it may be (in a request to the frontend,
# a user name in the store, a journal line) and the same scan must find it in
# each of those places, so a scan that reads nothing cannot pass.
audit_markers() {
	local hp out rc pids=() u ctl fe= st=
	for u in "$@"; do
		hp=$(ns_unit_pid "$u.service") || { fail "$u not running for the memory audit"; continue; }
		pids+=(--pid "$hp")
		case $u in airlock-frontend) fe=$hp ;; airlock-store) st=$hp ;; esac
	done
	ctl="AIRLOCKCONTROL$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	[ -n "$fe" ] && ns_curl -o /dev/null -H "X-Audit: $ctl" "http://127.0.0.1:8000/secured?c=$ctl"
	[ -n "$st" ] && ns_run "$AUDIT_DIR/storec" /run/airlock/store.sock login /root/audit/real.sk \
		test:7777 "$ctl" >/dev/null
	ns_run systemd-cat -t airlock-audit echo "control $ctl"
	sleep 0.3	# the journal writes asynchronously
	ns_run journalctl -q -o export --no-pager >"$T/journal.export" 2>/dev/null
	check "journal exported for the audit" test -s "$T/journal.export"
	local where=(--path "$NS_ROOT/var/lib/airlock-store" --path "$NS_ROOT/etc/airlock/airlock.conf"
		--path "$T/journal.export")
	out=$(python3 "$AIRLOCK_SRC/tests/isolation/memscan.py" "${pids[@]}" "${where[@]}" \
		"$NS_SECRET" "$NS_TOKEN_MARK"); rc=$?
	echo "$out" | tail -20
	expect_eq "no client secret or provider token in $* (memory, environ, cmdline, open files), store state, config, journal" 0 "$rc"
	out=$(python3 "$AIRLOCK_SRC/tests/isolation/memscan.py" "${pids[@]}" "${where[@]}" "$ctl")
	[ -n "$fe" ] && expect_match "control: the scan finds a marker sent in a request in the frontend's memory" \
		"^HIT pid $fe mem " "$out"
	[ -n "$st" ] && expect_match "control: the scan finds a stored user name in the store's memory" \
		"^HIT pid $st (mem|fd) " "$out"
	[ -n "$st" ] && expect_match "control: the scan finds a stored user name in the store's files" \
		"^HIT file $NS_ROOT/var/lib/airlock-store/" "$out"
	expect_match "control: the scan finds a journal line" "^HIT file $T/journal.export " "$out"
	# control: the scanner finds the markers where they are (the provider holds both)
	out=$(python3 "$AIRLOCK_SRC/tests/isolation/memscan.py" --pid "$NS_PROV_PID" \
		"$NS_SECRET" "$NS_TOKEN_MARK"); rc=$?
	if [ $rc = 1 ] && grep -q "$NS_SECRET" <<<"$out" && grep -q "$NS_TOKEN_MARK" <<<"$out"; then
		pass "control: the scanner finds both markers in the provider's memory"
	else
		fail "control: the scanner finds both markers in the provider's memory (rc $rc)"
	fi
}
