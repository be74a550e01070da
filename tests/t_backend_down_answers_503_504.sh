#!/usr/bin/env bash
# backends: lmdb postgresql
# Backends going away and coming back: store killed -> 503 pages/text, store
# restarted -> everything works again without touching the frontend; authd
# stopped -> the counter keeps working, sign-in says 503, sign-out still signs
# out; a backend that stops answering (SIGSTOP) -> 504 within the request
# deadline, many requests in flight at once all answered; never a 500.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"

STACK_TIMEOUT_MS=1500
stack_up "frontend backends" op
U=$STACK_URL A=$T/a.jar

code() { curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$@"; }

expect_eq "sign in" "303 $U/" "$(stack_login "$A" alice)"
expect_eq "increment" "303 $U/" "$(st_post "$A" /increment back=1)"
CSRF=$(st_csrf "$A")
inc() { sc "$A" -o /dev/null -w '%{http_code}' -H "Origin: $U" -d "csrf=$CSRF" "$U/increment"; }

# --- store killed
stack_kill store
expect_eq "store down: counter page 503" 503 "$(st_code "$A" /)"
expect_match "...a readable page" "data service is temporarily unavailable" "$(st_get "$A" /)"
expect_eq "store down: increment 503" 503 "$(inc)"
expect_eq "store down: /secured 503" 503 "$(st_code "$A" /secured)"
expect_match "...in plain text" "^Temporarily unavailable: " "$(st_get "$A" /secured)"
expect_eq "store down: /token 503" 503 "$(code "$U/token?paircode=abcdefghijklmnopqrstuvwx")"
expect_eq "store down: JSON error" '{"error":"temporarily_unavailable"' \
	"$(curl -sS --max-time 10 -H 'Accept: application/json' -b "$A" "$U/secured" | cut -c1-34)"
expect_eq "store down: /healthz 503" 503 "$(code "$U/healthz")"
expect_eq "...a bare status, no counts" unavailable "$(curl -sS --max-time 10 "$U/healthz")"
expect_eq "store down: the sign-in page still works (authd)" 200 "$(code "$U/login")"
m=$(curl -sS --max-time 10 "$STACK_METRICS_URL/metrics")
expect_match "store down: metrics say store is down" 'backend_up\{backend="store"\} 0' "$m"
expect_match "...and that it did not answer a ping" 'airlock_store_up 0' "$m"
stack_start_store
expect_within 10 "store back: the counter page works again by itself" 200 st_code "$A" /
expect_eq "store back: the count survived" 1 "$(st_count "$A")"
expect_eq "store back: increment" 200 "$(inc)"

# --- authd down: the counter does not need it
stack_stop_authd
expect_eq "authd down: counter page 200" 200 "$(st_code "$A" /)"
expect_eq "authd down: increment 200" 200 "$(inc)"
expect_eq "authd down: count is 3" 3 "$(st_count "$A")"
expect_eq "authd down: /secured 200" 200 "$(st_code "$A" /secured)"
expect_eq "authd down: /login 503" 503 "$(code "$U/login")"
expect_match "...saying sign-in is unavailable" "Sign-in is temporarily unavailable" "$(curl -sS --max-time 10 "$U/login")"
expect_eq "authd down: /login/op 503" 503 "$(code "$U/login/op")"
expect_eq "authd down: /healthz 503" 503 "$(code "$U/healthz")"
stack_start_authd
expect_within 10 "authd back: /login works again by itself" 200 code "$U/login"
expect_within 20 "authd back: provider ready again" 1 eval 'curl -sS --max-time 5 "$U/login" | grep -c "href=\"/login/op\""'

# --- authd down during sign-out: the session still ends (provider revocation is best effort)
stack_stop_authd
expect_eq "authd down: sign-out still signs out" "303 $U/login?bye=1" "$(st_post "$A" /logout)"
expect_eq "...the session is gone" 303 "$(st_code "$A" /)"
stack_start_authd
expect_within 10 "authd back" 200 code "$U/login"
_stack_wait 20 _stack_ready
expect_eq "sign in again" "303 $U/" "$(stack_login "$A" alice)"
CSRF=$(st_csrf "$A")

# --- a store that does not answer: 504 within the deadline, then recovery
kill -STOP "$STORE_PID"
t0=$(date +%s%N)
expect_eq "store frozen: counter page 504" 504 "$(st_code "$A" /)"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 1000 ] && [ "$ms" -lt 5000 ] && pass "...after about the deadline (${ms} ms)" ||
	fail "...answered after $ms ms (deadline 1500 ms)"
expect_match "...with a readable page" "did not answer in time" "$(st_get "$A" /)"
expect_eq "store frozen: /secured 504" 504 "$(st_code "$A" /secured)"
# many requests in flight on one frozen store: each gets its 504
pids=()
for i in $(seq 20); do echo "$(st_code "$A" /)" >"$T/par.$i" & pids+=($!); done
wait "${pids[@]}"
expect_eq "20 requests in flight: all answered 504" 20 "$(cat "$T"/par.* | grep -c '^504$')"
expect_eq "the counter does not need authd, healthz says store timed out" 503 "$(code "$U/healthz")"
kill -CONT "$STORE_PID"
expect_within 10 "store thawed: the page works again" 200 st_code "$A" /

# --- requests in flight when the store dies: answered (503), not hung
kill -STOP "$STORE_PID"
pids=()
for i in $(seq 10); do echo "$(st_code "$A" /)" >"$T/die.$i" & pids+=($!); done
sleep 0.5	# they reach the frontend (answered 504 only after the 1.5 s deadline)
kill -KILL "$STORE_PID"; kill -CONT "$STORE_PID" 2>/dev/null; wait "$STORE_PID" 2>/dev/null
wait "${pids[@]}"
expect_eq "10 requests in flight when the store died: all answered 503" 10 "$(cat "$T"/die.* | grep -c '^503$')"
rm -f "$STORE_SOCK"
stack_start_store
expect_within 10 "store restarted after SIGKILL: works again" 200 st_code "$A" /
expect_eq "the acknowledged increments survived the kill" 3 "$(st_count "$A")"

expect_eq "no 500 answered in all of this" 0 "$(cat "$T"/frontend*.log | grep -c -- '-> 500$')"
grep -qE "handler left|unexpected backend status|second answer" "$T"/frontend*.log &&
	fail "the frontend logged a bug" || pass "the frontend logged no bug"
