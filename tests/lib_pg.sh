# A real PostgreSQL 15 for tests and the cluster demo, in $T.  Source tests/lib.sh first.
# The server runs as an unprivileged user (`postgres` when the caller is root, else the
# caller), in the foreground under lib.sh's `bg`, so cleanup stops it; it listens on
# 127.0.0.1:PORT and on a Unix socket in its own data directory.
#
#   pg_start NAME        initdb $T/pg-NAME on first use (database airlock owned by role
#                        airlock_store, scram-sha-256 password in $T/pg-NAME.pw, mode
#                        0600), start it (same port every time) and wait until it accepts
#                        connections (at most 30 s).  Returns 1 with the reason on stderr.
#   pg_stop NAME         fast shutdown (SIGINT), wait (at most 30 s)
#   pg_kill NAME         SIGKILL the postmaster and every process it started (a crash)
#   pg_port NAME         its TCP port
#   pg_conninfo NAME...  libpq conninfo for airlock_store: one host, or with several NAMEs
#                        host=...,... port=...,... target_session_attrs=read-write
#   pg_psql NAME SQL     psql as the superuser on database airlock: unaligned tuples only
#   pg_ready NAME        0 when it accepts connections
#   pg_standby_start PRIMARY NAME
#                        streaming standby NAME: pg_basebackup -R from PRIMARY (running),
#                        started, then PRIMARY's synchronous_standby_names names it, and
#                        this waits until PRIMARY reports it as the synchronous standby:
#                        from then on every commit at PRIMARY waits for NAME's flush.
#   pg_promote NAME      promote a standby and wait until it accepts writes (30 s)
# Logs: $T/pg-NAME.log (then pg-NAME-2.log, ... for each restart).  PG_PORT_NAME is
# set to the port too (NAME made of letters, digits and _).
# PG_BIN (/usr/lib/postgresql/15/bin) is where initdb, postgres and pg_basebackup are.

: "${AIRLOCK_SRC:?source tests/lib.sh first}"
: "${PG_BIN:=/usr/lib/postgresql/15/bin}"
if [ "$(id -u)" = 0 ]; then PG_USER=postgres; else PG_USER=$(id -un); fi
declare -A PG_PID=()

# PG_AS: the command prefix that runs a program as $PG_USER (setpriv execs it, so a
# pid lib.sh's `bg` records is the program's own).
if [ "$(id -u)" = 0 ]; then
	PG_AS=(setpriv --reuid="$PG_USER" --regid="$PG_USER" --init-groups --inh-caps=-all --)
else
	PG_AS=(env)
fi

# Fast shutdown (not lib.sh's SIGTERM, a smart one that waits for every client).
_pg_cleanup() {
	local n
	for n in "${!PG_PID[@]}"; do [ -n "${PG_PID[$n]}" ] && kill -INT "${PG_PID[$n]}" 2>/dev/null; done
}
trap '_pg_cleanup; t_cleanup' EXIT

pg_dir() { echo "$T/pg-$1"; }
_pg_logname() { # NAME -> pg-NAME, then pg-NAME-2, ... (one log per start)
	local i=2
	[ -e "$T/pg-$1.log" ] || { echo "pg-$1"; return; }
	while [ -e "$T/pg-$1-$i.log" ]; do i=$((i + 1)); done
	echo "pg-$1-$i"
}
pg_port() { cat "$T/pg-$1.port"; }

pg_psql() { # NAME SQL
	"${PG_AS[@]}" "$PG_BIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 -h "$(pg_dir "$1")" -p "$(pg_port "$1")" \
		-U postgres -d "${PG_DB:-airlock}" -c "$2"
}

pg_ready() { "${PG_AS[@]}" "$PG_BIN/pg_isready" -q -h "$(pg_dir "$1")" -p "$(pg_port "$1")" -t 2; }

pg_conninfo() { # NAME...
	local n hosts= ports=
	for n in "$@"; do
		hosts=${hosts:+$hosts,}127.0.0.1
		ports=${ports:+$ports,}$(pg_port "$n")
	done
	printf 'host=%s port=%s dbname=airlock user=airlock_store connect_timeout=3' "$hosts" "$ports"
	[ $# -gt 1 ] && printf ' target_session_attrs=read-write'
	printf '\n'
}

_pg_initdb() { # NAME
	local d
	d=$(pg_dir "$1")
	mkdir -p "$d" && chown "$PG_USER" "$d" && chmod 700 "$d" || return 1
	"${PG_AS[@]}" "$PG_BIN/initdb" -D "$d" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
		-E UTF8 --locale=C.UTF-8 >"$T/pg-$1.initdb.log" 2>&1 ||
		{ echo "pg: initdb $1 failed:" >&2; tail -5 "$T/pg-$1.initdb.log" >&2; return 1; }
	# Settings callers may change with ALTER SYSTEM (the command line only names
	# the port, the socket directory and the standby's name).  A standby (a copy of
	# this directory) reports its position every second: pg_standby_start's wait.
	printf '%s\n' "logging_collector = off" "log_line_prefix = '%m [%p] '" \
		"wal_keep_size = 64MB" "wal_receiver_status_interval = 1s" >>"$d/postgresql.conf"
}

# The role and database the store uses; its password only in $T/NAME.pw.
_pg_provision() { # NAME
	local pw
	pw=$(head -c 24 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
	(umask 077; printf '%s\n' "$pw" >"$T/pg-$1.pw")
	PG_DB=postgres pg_psql "$1" "CREATE ROLE airlock_store LOGIN PASSWORD '$pw'" &&
	PG_DB=postgres pg_psql "$1" "CREATE DATABASE airlock OWNER airlock_store" ||
		{ echo "pg: provisioning $1 failed" >&2; return 1; }
}

pg_start() { # NAME
	local name=$1 d fresh=0 i
	d=$(pg_dir "$name")
	if [ ! -f "$d/PG_VERSION" ]; then
		_pg_initdb "$name" || return 1
		fresh=1
	fi
	[ -s "$T/pg-$name.port" ] || free_port >"$T/pg-$name.port"
	printf -v "PG_PORT_$name" '%s' "$(pg_port "$name")"
	_pg_run "$name" || return 1
	if [ "$fresh" = 1 ]; then _pg_provision "$name" || return 1; fi
	return 0
}

# Starts the postmaster on an initialised (or base-backed-up) directory and waits.
_pg_run() { # NAME
	local name=$1 d i
	d=$(pg_dir "$name")
	# After a SIGKILL the old postmaster's children may hold its shared memory a
	# little longer: the new one refuses to start until they are gone, so retry.
	for i in 1 2 3 4 5; do
		bg "$(_pg_logname "$name")" "${PG_AS[@]}" "$PG_BIN/postgres" -D "$d" -p "$(pg_port "$name")" \
			-k "$d" -c listen_addresses=127.0.0.1 -c cluster_name="$name"
		PG_PID[$name]=$LAST_PID
		if _pg_wait 30 "$name"; then return 0; fi
		kill -0 "${PG_PID[$name]}" 2>/dev/null && break
		sleep 1
	done
	echo "pg: $name did not start (see $T/pg-$name*.log)" >&2
	return 1
}

_pg_wait() { # SECONDS NAME: until it accepts connections or the postmaster died
	local end=$((SECONDS + $1))
	while [ "$SECONDS" -lt "$end" ]; do
		pg_ready "$2" && return 0
		kill -0 "${PG_PID[$2]}" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

pg_stop() { # NAME
	local pid=${PG_PID[$1]:-} i
	[ -n "$pid" ] || return 0
	kill -INT "$pid" 2>/dev/null
	for i in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	PG_PID[$1]=
}

pg_kill() { # NAME
	local pid=${PG_PID[$1]:-} kids c
	[ -n "$pid" ] || return 0
	kids=$(ps -o pid= --ppid "$pid" 2>/dev/null)
	kill -KILL "$pid" 2>/dev/null
	for c in $kids; do kill -KILL "$c" 2>/dev/null; done
	wait "$pid" 2>/dev/null
	PG_PID[$1]=
}

pg_standby_start() { # PRIMARY NAME
	local p=$1 name=$2 d i
	d=$(pg_dir "$name")
	mkdir -p "$d" && chown "$PG_USER" "$d" && chmod 700 "$d" || return 1
	"${PG_AS[@]}" "$PG_BIN/pg_basebackup" -h "$(pg_dir "$p")" -p "$(pg_port "$p")" -U postgres \
		-D "$d" -R -X stream -c fast >"$T/pg-$name.basebackup.log" 2>&1 ||
		{ echo "pg: pg_basebackup from $p failed:" >&2; tail -5 "$T/pg-$name.basebackup.log" >&2; return 1; }
	# The primary's password file goes with its data (the standby holds the same roles).
	cp -p "$T/pg-$p.pw" "$T/pg-$name.pw"
	free_port >"$T/pg-$name.port"
	printf -v "PG_PORT_$name" '%s' "$(pg_port "$name")"
	_pg_run "$name" || return 1
	pg_psql "$p" "ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (\"$name\")'" &&
	pg_psql "$p" "SELECT pg_reload_conf()" >/dev/null || return 1
	for i in $(seq 300); do
		[ "$(pg_psql "$p" "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$name'" 2>/dev/null)" = sync ] &&
			return 0
		sleep 0.1
	done
	echo "pg: $name is not $p's synchronous standby within 30 s" >&2
	return 1
}

pg_promote() { # NAME
	local i
	pg_psql "$1" "SELECT pg_promote(true, 30)" >/dev/null || return 1
	for i in $(seq 300); do
		[ "$(pg_psql "$1" "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ] && return 0
		sleep 0.1
	done
	echo "pg: $1 still in recovery 30 s after promotion" >&2
	return 1
}
