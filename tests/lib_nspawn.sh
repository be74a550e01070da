# Helpers for tests that boot a real systemd in a container (systemd-nspawn).
# Source after tests/lib.sh.  Needs root, debootstrap, systemd-nspawn (package
# systemd-container), nsenter (util-linux) and overlayfs.
#
#   ns_usable || { skip "..."; exit 0; }     NS_WHY holds the reason
#   ns_rootfs                 the cached Debian minbase at build/rootfs (built once)
#   ns_prepare                overlay copy of it at $NS_ROOT (writable, per test)
#   ns_install                make install DESTDIR=$NS_ROOT (normal build)
#   ns_boot                   boot it; $NS_LEADER = host pid of the container's PID 1
#   ns_run cmd...             run a command inside (all of PID 1's namespaces)
#   ns_net cmd...             run a HOST program inside the container's network only
#   ns_hostpid PID            host pid of a container pid
#   ns_shutdown               power off, unmount (also done on exit)

NS_CACHE=${NS_CACHE:-$AIRLOCK_SRC/build/rootfs}
NS_SUITE=bookworm
# libevhtp0 is bookworm's libevhtp (1.2.18); the daemons' other libraries follow ldd.
NS_PKGS=systemd,systemd-sysv,dbus,iproute2,procps,util-linux,libnss-systemd
NS_PKGS=$NS_PKGS,libevhtp0,libevent-2.1-7,libevent-openssl-2.1-7,liblmdb0,libcurl4
NS_PKGS=$NS_PKGS,libjson-c5,libsodium23,libssl3,libpq5,libcjose0,libjansson4,curl,ca-certificates
NS_ROOT= NS_LEADER= NS_PID= NS_MNT= NS_DIR=
NS_WHY=

ns_usable() {
	local c
	if [ "$(id -u)" -ne 0 ]; then NS_WHY="needs root"; return 1; fi
	for c in systemd-nspawn debootstrap nsenter systemd-analyze; do
		command -v "$c" >/dev/null || { NS_WHY="$c not installed"; return 1; }
	done
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
		{ NS_WHY="no overlayfs in this kernel"; return 1; }
	return 0
}

# The Debian mirror this machine is configured with (deb822 or one-line sources).
ns_mirror() {
	local m
	m=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '{print $2}' | grep -E '/debian/?$' | head -1)
	[ -n "$m" ] || m=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '{print $2}' | grep -E '/debian/?$' | head -1)
	echo "${m:-http://deb.debian.org/debian}"
}

# Build the cache once (under a lock: other test runs may be building it too).
# The package list is stamped in the cache; a changed list rebuilds it.
ns_rootfs() {
	local stamp="$NS_CACHE/.airlock-rootfs" tmp t0
	mkdir -p "$(dirname "$NS_CACHE")"
	exec 8>"$NS_CACHE.lock"
	flock -w 600 8 || { echo "rootfs lock timeout" >&2; return 1; }
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$NS_SUITE $NS_PKGS" ]; then
		flock -u 8; return 0
	fi
	tmp="$NS_CACHE.tmp.$$"
	rm -rf "$tmp" "$NS_CACHE"
	t0=$(date +%s)
	echo "building $NS_SUITE minbase rootfs from $(ns_mirror) (once; cached in $NS_CACHE)"
	# apt's proxy, if the machine reaches its mirror through one (debootstrap reads no apt.conf)
	local P=
	eval "$(apt-config shell P Acquire::http::Proxy 2>/dev/null)"
	[ -z "${http_proxy:-}" ] && [ -n "$P" ] && [ "$P" != DIRECT ] && export http_proxy=$P
	if ! debootstrap --variant=minbase --include="$NS_PKGS" "$NS_SUITE" "$tmp" "$(ns_mirror)" \
		>"$NS_CACHE.debootstrap.log" 2>&1; then
		tail -20 "$NS_CACHE.debootstrap.log" >&2
		rm -rf "$tmp"; flock -u 8; return 1
	fi
	# Trim what a test boot does not need, and make the boot quiet and quick.
	rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/usr/share/doc/* "$tmp"/usr/share/man/* \
		"$tmp"/usr/share/locale/*
	echo airlock-test >"$tmp/etc/hostname"
	: >"$tmp/etc/machine-id"
	ln -sf /dev/null "$tmp/etc/systemd/system/systemd-timesyncd.service" 2>/dev/null
	ln -sf /dev/null "$tmp/etc/systemd/system/apt-daily.timer"
	ln -sf /dev/null "$tmp/etc/systemd/system/apt-daily-upgrade.timer"
	ln -sf /dev/null "$tmp/etc/systemd/system/e2scrub_all.timer"
	ln -sf /dev/null "$tmp/etc/systemd/system/fstrim.timer"
	ln -sf /dev/null "$tmp/etc/systemd/system/getty.target"
	ln -sf /dev/null "$tmp/etc/systemd/system/console-getty.service"
	echo "$NS_SUITE $NS_PKGS" >"$tmp/.airlock-rootfs"
	mv "$tmp" "$NS_CACHE"
	echo "rootfs built in $(( $(date +%s) - t0 )) s"
	flock -u 8
}

# A writable overlay over the cache: nothing is copied, the cache stays clean.
# Kept out of $T (/tmp is shared and gets swept): /var/tmp/airlock-nspawn.*
ns_prepare() {
	NS_DIR=$(mktemp -d /var/tmp/airlock-nspawn.XXXXXX) || return 1
	mkdir -p "$NS_DIR/upper" "$NS_DIR/work" "$NS_DIR/root"
	mount -t overlay overlay \
		-o "lowerdir=$NS_CACHE,upperdir=$NS_DIR/upper,workdir=$NS_DIR/work" "$NS_DIR/root" ||
		return 1
	NS_MNT="$NS_DIR/root" NS_ROOT="$NS_DIR/root"
}

# Install airlock into the container as a package would (PREFIX=/usr).  Programs
# not built yet are left out (ns_have tells which are there).
ns_install() {
	local p
	make -s -C "$AIRLOCK_SRC" install-data DESTDIR="$NS_ROOT" PREFIX=/usr \
		UNITDIR=/usr/lib/systemd/system >"$T/install.log" 2>&1 || { cat "$T/install.log"; return 1; }
	for p in airlock-store airlock-authd airlock-frontend; do
		[ -x "$BIN/$p" ] && install -m 0755 "$BIN/$p" "$NS_ROOT/usr/sbin/$p"
	done
	[ -x "$BIN/airlock" ] && install -m 0755 "$BIN/airlock" "$NS_ROOT/usr/bin/airlock"
	return 0
}
ns_have() { [ -x "$NS_ROOT/usr/sbin/$1" ] || [ -x "$NS_ROOT/usr/bin/$1" ]; }

# airlock's configuration inside the container: airlock.conf, the login-proof
# key made by `airlock-authd -k` (the documented way), one GitHub-style provider
# "test" on the container's loopback, its client secret as a credential (drop-in).
# Sets NS_SECRET (client secret marker), NS_SK (raw Ed25519 key for storec),
# NS_PROV_PORT.
NS_PROV_PORT=9300
ns_configure() {
	local r=$NS_ROOT pk
	NS_SECRET="AIRLOCK-CLIENT-SECRET-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	install -d -m 0700 "$r/etc/airlock/credentials"
	pk=$("$BIN/airlock-authd" -k "$r/etc/airlock/credentials/signing.key" | sed -n 's/^proof_public_key = //p')
	[ -n "$pk" ] || { echo "airlock-authd -k printed no proof_public_key"; return 1; }
	NS_SK="$T/signing.sk"
	python3 - "$r/etc/airlock/credentials/signing.key" "$pk" "$NS_SK" <<'PY' || return 1
import base64, sys
d = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
seed = d(open(sys.argv[1]).read().strip()); pk = d(sys.argv[2])
assert len(seed) == 32 and len(pk) == 32
open(sys.argv[3], "wb").write(seed + pk)
PY
	chmod 600 "$NS_SK"
	printf '%s\n' "$NS_SECRET" >"$r/etc/airlock/credentials/test.client_secret"
	chmod 600 "$r/etc/airlock/credentials/test.client_secret"
	mkdir -p "$r/etc/systemd/system/airlock-authd.service.d"
	cat >"$r/etc/systemd/system/airlock-authd.service.d/provider-test.conf" <<CONF
[Service]
LoadCredential=test.client_secret:/etc/airlock/credentials/test.client_secret
CONF
	cat >"$r/etc/airlock/airlock.conf" <<CONF
[airlock]
public_url = http://127.0.0.1:8000
frontend_user = airlock-frontend

[frontend]
listen = 127.0.0.1:8000
request_timeout_ms = 5000

[store]
socket = /run/airlock/store.sock
database = /var/lib/airlock-store
map_size_mb = 16
proof_public_key = $pk

[authd]
socket = /run/airlock/authd.sock
state_dir = /var/lib/airlock-authd
allow_insecure_loopback = yes

[provider.test]
type = github
display_name = Test Provider
client_id = airlock-test
authorize_url = http://127.0.0.1:$NS_PROV_PORT/login/oauth/authorize
token_url = http://127.0.0.1:$NS_PROV_PORT/login/oauth/access_token
api_url = http://127.0.0.1:$NS_PROV_PORT
CONF
	chmod 644 "$r/etc/airlock/airlock.conf"
}

# The test provider runs on the host but in the container's network namespace,
# so authd reaches it on the container's loopback.  Sets NS_TOKEN_MARK.
ns_start_provider() {
	NS_TOKEN_MARK="AIRLOCKTOKEN$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	bg provider env PROV_PORT=$NS_PROV_PORT PROV_CLIENT_ID=airlock-test \
		PROV_CLIENT_SECRET="$NS_SECRET" PROV_TOKEN_MARK="$NS_TOKEN_MARK" \
		nsenter -t "$NS_LEADER" -n python3 "$AIRLOCK_SRC/tests/isolation/provider.py"
	NS_PROV_PID=$LAST_PID
	wait_for "test provider" 10 grep -q 'PROVIDER READY' "$T/provider.log"
}
ns_curl() { ns_net curl -sS --max-time 10 "$@"; }

# Host pid of the container's PID 1: the child of nspawn whose innermost pid is 1.
ns_find_leader() {
	local p
	for p in $(pgrep -P "$NS_PID") $(pgrep -P "$NS_PID" | xargs -r -n1 pgrep -P); do
		if awk '/^NSpid:/ { exit !($NF == 1) }' "/proc/$p/status" 2>/dev/null; then
			echo "$p"; return 0
		fi
	done
	return 1
}

ns_boot() {
	local i state=
	systemd-nspawn -D "$NS_ROOT" -b --console=pipe --register=no --keep-unit --private-network \
		--machine="airlock-t$$" --resolv-conf=off --timezone=off --link-journal=no \
		>"$T/nspawn.log" 2>&1 </dev/null &
	NS_PID=$!
	# the leader exists before it has become systemd: wait for that too
	for i in $(seq 100); do
		NS_LEADER=$(ns_find_leader) && [ "$(cat "/proc/$NS_LEADER/comm" 2>/dev/null)" = systemd ] &&
			break
		NS_LEADER=
		kill -0 "$NS_PID" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$NS_LEADER" ]; then
		echo "container did not start:"; tail -20 "$T/nspawn.log"; return 1
	fi
	# "degraded" is fine (a unit of the minimal image may fail); bounded.
	for i in $(seq 60); do
		state=$(timeout 10 nsenter -t "$NS_LEADER" -a systemctl is-system-running --wait 2>/dev/null)
		case $state in
			running|degraded) return 0 ;;
			maintenance|stopping) break ;;
		esac
		kill -0 "$NS_PID" 2>/dev/null || break
		sleep 0.2
	done
	echo "container boot ended in state '$state'"; tail -20 "$T/nspawn.log"; return 1
}

ns_run() { nsenter -t "$NS_LEADER" -a -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
ns_net() { nsenter -t "$NS_LEADER" -n -- "$@"; }

# Host pid of the process with pid $1 inside the container.
ns_hostpid() {
	local f
	for f in /proc/[0-9]*/status; do
		if awk -v want="$1" '/^NSpid:/ { exit !(NF == 3 && $3 == want) }' "$f" 2>/dev/null; then
			f=${f#/proc/}; f=${f%/status}
			# it must live in this container's pid namespace
			[ "$(readlink "/proc/$f/ns/pid")" = "$(readlink "/proc/$NS_LEADER/ns/pid")" ] &&
				{ echo "$f"; return 0; }
		fi
	done
	return 1
}
# Host pid of a unit's main process inside the container.
ns_unit_pid() {
	local p
	p=$(ns_run systemctl show -p MainPID --value "$1" 2>/dev/null)
	[ -n "$p" ] && [ "$p" != 0 ] && ns_hostpid "$p"
}

ns_shutdown() {
	local i
	if [ -n "$NS_PID" ] && kill -0 "$NS_PID" 2>/dev/null; then
		# SIGTERM to nspawn asks the container's systemd to power off
		kill -TERM "$NS_PID" 2>/dev/null
		for i in $(seq 100); do kill -0 "$NS_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$NS_PID" 2>/dev/null
		wait "$NS_PID" 2>/dev/null
	fi
	NS_PID=
	if [ -n "$NS_MNT" ]; then
		umount "$NS_MNT" 2>/dev/null || umount -l "$NS_MNT" 2>/dev/null
		NS_MNT=
	fi
	# never remove the folder while the overlay is still mounted on it
	if [ -n "$NS_DIR" ] && ! mountpoint -q "$NS_DIR/root"; then
		if [ -n "${KEEP_TEST_TMP:-}" ]; then echo "kept $NS_DIR"; else rm -rf "$NS_DIR"; fi
		NS_DIR=
	fi
}
trap 'ns_shutdown; t_cleanup' EXIT
# a test killed by run.sh's timeout must still power off and unmount
trap 'exit 143' TERM INT HUP
