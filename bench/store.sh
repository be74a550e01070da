#!/usr/bin/env bash
# Durable increments per second through airlock-store (64 clients, group commit)
# against raw LMDB with one commit per increment, measured in the same run on
# the same file system, the two taking turns in half-second slices (SECONDS
# each in all).  Prints both rates, their ratio and whether it meets TARGET.
# Usage: bench/store.sh [SECONDS] [CLIENTS]
# Environment: BIN (default build/normal), BENCH_DIR (default a temp dir),
# TARGET (default 20: the store's durable increments/s over raw LMDB's).
set -eu
cd "$(dirname "$0")/.."
SECONDS_RUN=${1:-5}
CLIENTS=${2:-64}
TARGET=${TARGET:-20}
BIN=${BIN:-$PWD/build/normal}
for f in airlock-store tools/storec bench/bench_store; do
	[ -x "$BIN/$f" ] || { echo "bench/store.sh: $BIN/$f missing: run make" >&2; exit 1; }
done
D=$(mktemp -d "${BENCH_DIR:-/tmp}/airlock-bench-store.XXXXXX")
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT

PK=$("$BIN/tools/storec" - keygen "$D/proof.sk")
cat >"$D/store.conf" <<CONF
[airlock]
frontend_user = $(id -un)
[store]
user = $(id -un)
socket = $D/store.sock
database = $D/db
proof_public_key = $PK
map_size_mb = 64
CONF
"$BIN/airlock-store" -d -f "$D/store.conf" 2>"$D/store.log" &
PID=$!
for _ in $(seq 100); do "$BIN/tools/storec" "$D/store.sock" ping >/dev/null 2>&1 && break; sleep 0.05; done
TOKEN=$("$BIN/tools/storec" "$D/store.sock" login "$D/proof.sk" bench:1 Bench | cut -d' ' -f2)

echo "file system of the databases: $(df -T "$D" | awk 'NR == 2 { print $2 " on " $1 }')"
# raw LMDB and the store take turns (half-second slices) so both meet the same disk
OUT=$("$BIN/bench/bench_store" slices "$D/raw" "$D/store.sock" "$TOKEN" "$CLIENTS" "$SECONDS_RUN")
echo "$OUT"
RAW=$(echo "$OUT" | grep '^raw: ')
SOCK=$(echo "$OUT" | grep '^sock: ')
COUNT=$("$BIN/tools/storec" "$D/store.sock" get "$TOKEN" | cut -d' ' -f4)
OK=$(echo "$SOCK" | sed -n 's/.*(ok \([0-9]*\),.*/\1/p')
echo "stored counter: $COUNT (acknowledged: $OK)"
kill -TERM "$PID"; wait "$PID" || true; PID=""
grep -o '[0-9]* requests in [0-9]* commits' "$D/store.log" | sed 's/^/store: /'
r=$(echo "$RAW" | sed -n 's/.*= \([0-9]*\)\/s.*/\1/p')
s=$(echo "$SOCK" | sed -n 's/.*= \([0-9]*\)\/s.*/\1/p')
awk -v r="$r" -v s="$s" -v c="$CLIENTS" -v goal="$TARGET" 'BEGIN {
	x = r > 0 ? s / r : 0
	printf "ratio: %.1fx (store with %s clients / raw one commit per increment)\n", x, c
	printf "target: >= %sx %s\n", goal, (x >= goal ? "met" : "NOT met")
}'
[ "$COUNT" = "$OK" ] || { echo "bench/store.sh: counter $COUNT != acknowledged $OK" >&2; exit 1; }
