#!/usr/bin/env bash
# Started as root, each daemon opens its sockets, secrets and state, then runs
# as its configured user: real, effective and saved uid and gid are the
# user's, no supplementary group is kept, store and authd work in their state
# directory (created for the user when missing), the sockets belong to the
# user and frontend_user's group, and the stack still serves a login.  A user
# that does not exist stops the start.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"

[ "$(id -u)" -eq 0 ] || { skip "privilege drop (needs root)"; exit 0; }
U=nobody
UID_U=$(id -u "$U" 2>/dev/null) || { skip "no user $U"; exit 0; }
GID_U=$(id -g "$U")
stack_init gh || { skip "privilege drop: $STACK_SKIP"; exit 0; }
# The user reaches the sockets through these directories (never their contents).
chmod 711 "$T" "$STACK_DIR"
sed -i -e "s/^user = .*/user = $U/" -e "s/^frontend_user = .*/frontend_user = $U/" \
	-e "s|^state_dir = .*|state_dir = $STACK_DIR/authd-$U|" "$STACK_CONF"
[ -n "${IDP_CA:-}" ] && chmod 644 "$IDP_CA"
stack_start || { fail "stack started as root with user = $U"; cat "$T"/*.log | tail -20; exit 1; }

ids() { # PID FIELD -> the four ids of Uid:/Gid: in /proc/PID/status
	awk -v f="$2:" '$1 == f { print $2, $3, $4, $5 }' "/proc/$1/status"
}
for d in store authd frontend; do
	case $d in store) pid=$STORE_PID;; authd) pid=$AUTHD_PID;; frontend) pid=$FRONTEND_PID;; esac
	expect_eq "$d: real, effective, saved and fs uid are $U's" \
		"$UID_U $UID_U $UID_U $UID_U" "$(ids "$pid" Uid)"
	expect_eq "$d: real, effective, saved and fs gid are $U's" \
		"$GID_U $GID_U $GID_U $GID_U" "$(ids "$pid" Gid)"
	expect_eq "$d: only $U's group is kept" "$GID_U" \
		"$(awk '$1 == "Groups:" { $1 = ""; print substr($0, 2) }' "/proc/$pid/status" | xargs)"
	expect_match "$d: says whom it runs as" "running as $U \(uid $UID_U" "$(cat "$T/$d.log")"
done
expect_eq "store: working directory is its database" "$STACK_DIR/store.db" \
	"$(readlink "/proc/$STORE_PID/cwd")"
expect_eq "authd: working directory is its state_dir" "$STACK_DIR/authd-$U" \
	"$(readlink "/proc/$AUTHD_PID/cwd")"
expect_eq "authd: state_dir made for $U" "$U 700" "$(stat -c '%U %a' "$STACK_DIR/authd-$U")"
expect_eq "store socket belongs to the store's user" "$U" "$(stat -c %U "$STORE_SOCK")"
expect_eq "authd socket belongs to authd's user" "$U" "$(stat -c %U "$AUTHD_SOCK")"

JAR=$T/jar
OUT=$(stack_login "$JAR" alice gh)
expect_match "the dropped stack serves a login" "^303 $STACK_URL/\$" "$OUT"
expect_eq "...and a session page with its counter" 0 "$(st_count "$JAR")"
expect_eq "state_dir's grant.key and grants/ are made by authd's user" "$U $U" \
	"$(stat -c %U "$STACK_DIR/authd-$U/grant.key" "$STACK_DIR/authd-$U/grants" | tr '\n' ' ' | sed 's/ $//')"

# A user that does not exist: refused as root, before any socket.
sed -e "s/^user = .*/user = no-such-user-airlock/" -e "s|$STACK_DIR/store.sock|$T/x.sock|" \
	"$STACK_CONF" >"$T/nouser.conf"
OUT=$(timeout 10 "$BIN/airlock-store" -d -f "$T/nouser.conf" 2>&1); RC=$?
expect_match "store: an unknown user stops the start" \
	"^1 .*\[store\] user no-such-user-airlock: no such user" "$RC $OUT"
check "...before its socket exists" test ! -e "$T/x.sock"
[ "$T_FAILS" -eq 0 ]
