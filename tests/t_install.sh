#!/usr/bin/env bash
# run: once
# `make install` / `make uninstall` with DESTDIR and PREFIX: the file list, the
# modes, the paths written into the units, and that uninstall removes exactly
# what install put there (the admin's own airlock.conf stays).
. "$(dirname "$0")/lib.sh"
cd "$AIRLOCK_SRC"

BINS=1
for p in airlock-store airlock-authd airlock-frontend airlock; do
	[ -x "$BIN/$p" ] || BINS=
done
target=install
if [ -z "$BINS" ]; then
	skip "installing the programs (not all of airlock-store, -authd, -frontend, airlock are built yet)"
	target=install-data
fi

D=$T/dest
make -s $target DESTDIR="$D" PREFIX=/usr BUILD="${BIN#"$AIRLOCK_SRC"/}" >"$T/make.log" 2>&1
rc=$?; expect_eq "make $target DESTDIR=... PREFIX=/usr" 0 "$rc"
[ $rc = 0 ] || { cat "$T/make.log"; exit 1; }

expected=$(
	if [ -n "$BINS" ]; then
		printf '%s 755\n' /usr/sbin/airlock-store /usr/sbin/airlock-authd \
			/usr/sbin/airlock-frontend /usr/bin/airlock
	fi
	for u in airlock-frontend.service airlock-frontend.socket airlock-frontend-metrics.socket \
		airlock-authd.service airlock-authd.socket airlock-store.service airlock-store.socket \
		airlock.target; do
		printf '/lib/systemd/system/%s 644\n' "$u"
	done
	printf '%s 644\n' /usr/lib/sysusers.d/airlock.conf /usr/lib/tmpfiles.d/airlock.conf \
		/etc/airlock/airlock.conf.example /usr/share/man/man1/airlock.1 \
		/usr/share/man/man5/airlock.conf.5 /usr/share/man/man8/airlock-frontend.8 \
		/usr/share/man/man8/airlock-authd.8 /usr/share/man/man8/airlock-store.8 \
		/usr/share/doc/airlock/nginx-cluster.conf \
		/usr/share/doc/airlock/nginx-gateway.conf \
		/usr/share/doc/airlock/airlock-store.service.d/postgresql.conf.example
)
actual=$(cd "$D" && find . -type f -printf '/%P %m\n')
expect_eq "installed files and modes" "$(sort <<<"$expected")" "$(sort <<<"$actual")"
check "example config is the documented one" cmp -s docs/airlock.conf.example \
	"$D/etc/airlock/airlock.conf.example"
for u in frontend authd store; do
	expect_eq "airlock-$u.service starts /usr/sbin/airlock-$u with /etc/airlock/airlock.conf" \
		"ExecStart=/usr/sbin/airlock-$u -d -f /etc/airlock/airlock.conf" \
		"$(grep '^ExecStart=' "$D/lib/systemd/system/airlock-$u.service")"
done
for m in "$D"/usr/share/man/man*/*; do
	out=$(groff -mandoc -Tutf8 -ww -z "$m" 2>&1)
	expect_eq "man page $(basename "$m") formats without warnings" "" "$out"
done

# The admin's config must survive uninstall; nothing else of ours may.
echo "# admin" >"$D/etc/airlock/airlock.conf"
make -s uninstall DESTDIR="$D" PREFIX=/usr >"$T/make.log" 2>&1
expect_eq "make uninstall" 0 "$?"
left=$(cd "$D" && find . -type f -printf '/%P\n')
expect_eq "uninstall leaves only the admin's airlock.conf" "/etc/airlock/airlock.conf" "$left"

# Default PREFIX (/usr/local) and a different SYSCONFDIR are written into the units.
D2=$T/dest2
make -s install-data DESTDIR="$D2" SYSCONFDIR=/opt/etc >"$T/make.log" 2>&1
expect_eq "make install-data with the default PREFIX" 0 "$?"
expect_eq "units follow SBINDIR and SYSCONFDIR" \
	"ExecStart=/usr/local/sbin/airlock-authd -d -f /opt/etc/airlock/airlock.conf" \
	"$(grep '^ExecStart=' "$D2/lib/systemd/system/airlock-authd.service")"
expect_eq "credential path follows SYSCONFDIR" \
	"LoadCredential=signing.key:/opt/etc/airlock/credentials/signing.key" \
	"$(grep '^LoadCredential=' "$D2/lib/systemd/system/airlock-authd.service")"
expect_match "tmpfiles follows SYSCONFDIR" '/opt/etc/airlock/credentials' \
	"$(cat "$D2/usr/lib/tmpfiles.d/airlock.conf")"
check "example config under SYSCONFDIR" test -f "$D2/opt/etc/airlock/airlock.conf.example"
