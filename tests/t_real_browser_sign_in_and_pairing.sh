#!/usr/bin/env bash
# airlock in a real browser (Debian chromium + playwright-core, tests/browser/driver.mjs),
# against the whole stack and the OpenID provider, all on loopback.
#  A (sign-in): / -> /login -> provider "op" (its login and consent forms) -> counter page;
#    three increments update #count in place (no navigation), the count survives a reload,
#    sign out, / goes to /login again; no console error or CSP violation on airlock's pages
#    (and an injected inline script is blocked: the CSP is enforced).
#  B (pairing): `airlock login` with BROWSER = the real browser: the approval page shows
#    the code the CLI printed, Approve with provider "op" and sign in there; whoami; the
#    browser, signed in, lists the CLI session on /sessions and revokes it; the CLI then
#    says "session revoked".
# Screenshots: ${TEST_LOGS:-build/test-logs}/<build>-browser-{login,counter,signed-out,pair,sessions}.png
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
. "$AIRLOCK_SRC/tests/lib_cli.sh"
. "$AIRLOCK_SRC/tests/lib_browser.sh"
browser_stack_up "real browser"

# --- A: the counter app ---
browser_run counter counter

# What chromium sent for the form POSTs above (our pages are Referrer-Policy: no-referrer):
# "Origin: null" with "Sec-Fetch-Site: same-origin".  Accepted only in that pair, with the token.
J=$T/curl.jar
stack_login "$J" bob >/dev/null || fail "curl sign-in as bob"
CSRF=$(st_csrf "$J")
inc() { sc "$J" -o /dev/null -w '%{http_code}' -H 'Accept: application/json' "$@" "$STACK_URL/increment"; }
expect_eq "POST with Origin null + Sec-Fetch-Site same-origin + token: 200" 200 \
	"$(inc -H 'Origin: null' -H 'Sec-Fetch-Site: same-origin' -d "csrf=$CSRF")"
expect_eq "POST with Origin null + Sec-Fetch-Site cross-site: 403" 403 \
	"$(inc -H 'Origin: null' -H 'Sec-Fetch-Site: cross-site' -d "csrf=$CSRF")"
expect_eq "POST with Origin null and no Sec-Fetch-Site: 403" 403 "$(inc -H 'Origin: null' -d "csrf=$CSRF")"
expect_eq "POST with Origin null + same-origin but no token: 403" 403 \
	"$(inc -H 'Origin: null' -H 'Sec-Fetch-Site: same-origin' -d "csrf=")"
expect_eq "only the accepted POST counted" 1 "$(st_count "$J")"

# --- B: CLI pairing approved in the browser ---
cli_env
mkdir -p "$T/cwd"; cd "$T/cwd" || exit 1
B=$(browser_script pair pair "CLI_ERR=$T/login.err")
BROWSER=$B timeout 120 "$CLI" login --server "$STACK_URL" >"$T/login.out" 2>"$T/login.err" &
cli_pid=$!; T_PIDS+=("$cli_pid")
cli_wait_file "$T/pair.rc" 70 || fail "the browser did not finish within 70 s"
# The CLI polls every second: once the browser approved, it ends within a few seconds.
for _ in $(seq 100); do kill -0 "$cli_pid" 2>/dev/null || break; sleep 0.1; done
kill "$cli_pid" 2>/dev/null && fail "airlock login still waiting 10 s after the browser ended"
wait "$cli_pid"; rc=$?
[ -f "$T/pair.out" ] && browser_report "$T/pair.out"
expect_eq "browser (pairing) exited 0" 0 "$(cat "$T/pair.rc" 2>/dev/null)"
expect_eq "airlock login exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || tail -n 5 "$T/login.err"
expect_eq "airlock login reports the user" "Logged in to $STACK_URL as op:alice" "$(cat "$T/login.out")"
out=$("$CLI" whoami 2>"$T/err"); rc=$?
expect_eq "airlock whoami exits 0" 0 "$rc"
expect_eq "airlock whoami prints the user" "op:alice" "$out"
out=$("$CLI" get /secured 2>"$T/err"); rc=$?
expect_eq "airlock get /secured works before the revoke" "0 op:alice" "$rc $out"

browser_run sessions sessions

out=$("$CLI" get /secured 2>"$T/err"); rc=$?
expect_eq "after the browser revoked it, airlock get /secured exits 1" 1 "$rc"
expect_eq "... and prints nothing" "" "$out"
expect_match "... and says the session was revoked, run airlock login" \
	'^airlock: session revoked.*, run airlock login$' "$(cat "$T/err")"
cli_sanitizer_check
[ "$T_FAILS" -eq 0 ]
