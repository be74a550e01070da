#!/usr/bin/env bash
# backends: lmdb postgresql
# The airlock CLI against the whole stack (store + authd + frontend + OpenID provider):
# pairing with a BROWSER that approves by signing in at the real provider for that pairing;
# whoami, get, pages refusing the CLI session, the CLI session on /sessions, logout revoking
# server-side, revocation from the browser, deny, a paircode taken once, a decided link
# used again.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
. "$AIRLOCK_SRC/tests/lib_cli.sh"
stack_up "CLI pairing" op
cli_env
REVOKED="airlock: session revoked or expired, run airlock login"
mkdir -p "$T/cwd"; cd "$T/cwd" || exit 1

# --- full pairing through the real provider ---
B=$(cli_browser b1 approve alice)
BROWSER=$B timeout 60 "$CLI" login --server "$STACK_URL" >"$T/login.out" 2>"$T/login.err"; rc=$?
expect_eq "login exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || { cat "$T/login.err" "$T/b1.log" 2>/dev/null | tail -n 20; }
expect_eq "login reports the user" "Logged in to $STACK_URL as op:alice" "$(cat "$T/login.out")"
code=$(sed -n 's/^    \([A-Z0-9]\{2,\}-[A-Z0-9]\{2,\}\)$/\1/p' "$T/login.err" | head -1)
expect_match "login printed a user code" '^[A-Z0-9]+-[A-Z0-9]+$' "$code"
check "the approval page showed the same code" grep -qF ">$code<" "$T/b1.page"
expect_eq "approval answered 200" 200 "$(cat "$T/b1.code" 2>/dev/null)"
expect_match "the browser was given a /pair/ URL" "^$STACK_URL/pair/[A-Za-z0-9_-]+\$" "$(cat "$T/b1.url" 2>/dev/null)"
check "session saved under XDG_CONFIG_HOME/airlock" test -f "$CLI_SESSION"
expect_eq "session file mode 0600" 600 "$(stat -c %a "$CLI_SESSION" 2>/dev/null)"
expect_eq "session directory mode 0700" 700 "$(stat -c %a "$XDG_CONFIG_HOME/airlock" 2>/dev/null)"
expect_eq "nothing written to the working directory" "" "$(ls -A "$T/cwd")"
check "the frontend's logs never show the session cookie" \
	bash -c "! grep -qF -- \"\$(sed -n 's/.*\"cookie\":\"cli_session=\([^\"]*\)\".*/\1/p' '$CLI_SESSION')\" '$T'/frontend*.log '$T'/store*.log"
expect_match "the CLI's cookie is the command-line one" '"cookie":"cli_session=' "$(cat "$CLI_SESSION")"
check "the approving browser kept its cookies" test -s "$T/b1.jar"
expect_eq "approving signed the browser in nowhere" "" "$(st_cookie "$T/b1.jar")"

out=$("$CLI" whoami 2>"$T/err"); rc=$?
expect_eq "whoami exits 0" 0 "$rc"
expect_eq "whoami prints the provider:subject id" "op:alice" "$out"
out=$("$CLI" get /secured 2>"$T/err"); rc=$?
expect_eq "get /secured exits 0" 0 "$rc"
expect_eq "get /secured prints the user id" "op:alice" "$out"
"$CLI" get / >/dev/null 2>"$T/err"; rc=$?
expect_eq "pages do not take the CLI session: get / exits 1" 1 "$rc"
"$CLI" get /no-such-page >/dev/null 2>"$T/err"; rc=$?
expect_eq "get of a missing page exits 1" 1 "$rc"
expect_match "get of a missing page: HTTP 404" "HTTP 404" "$(cat "$T/err")"

# The approving user, signed in on the web, sees the CLI session on /sessions.
stack_login "$T/b1.jar" alice >/dev/null
sessions=$(sc "$T/b1.jar" "$STACK_URL/sessions")
expect_match "/sessions lists the command-line session" "Command line</td><td>airlock-cli/" "$sessions"

# --- logout revokes server-side ---
cp "$CLI_SESSION" "$T/session.copy"
"$CLI" logout >"$T/out" 2>"$T/err"; rc=$?
expect_eq "logout exits 0" 0 "$rc"
check "logout removed the session file" test ! -e "$CLI_SESSION"
"$CLI" whoami >/dev/null 2>"$T/err"; rc=$?
expect_eq "whoami after logout exits 1" 1 "$rc"
expect_eq "whoami after logout: not logged in" "airlock: not logged in, run airlock login" "$(cat "$T/err")"
install -m 600 "$T/session.copy" "$CLI_SESSION"
"$CLI" whoami >/dev/null 2>"$T/err"; rc=$?
expect_eq "the logged-out session no longer works (exit 1)" 1 "$rc"
expect_eq "the logged-out session: revoked message" "$REVOKED" "$(cat "$T/err")"
"$CLI" get /secured >/dev/null 2>"$T/err"; rc=$?
expect_eq "get with the logged-out session exits 1" 1 "$rc"
expect_eq "get with the logged-out session: revoked message" "$REVOKED" "$(cat "$T/err")"
"$CLI" get / >/dev/null 2>"$T/err"
expect_eq "get / (a page) with the logged-out session: revoked message" "$REVOKED" "$(cat "$T/err")"
rm -f "$CLI_SESSION"

# --- revoking the CLI session from the browser ---
B=$(cli_browser b2 approve alice)
BROWSER=$B timeout 60 "$CLI" login --server "$STACK_URL" >/dev/null 2>"$T/err"; rc=$?
expect_eq "second login exits 0" 0 "$rc"
quiet() { "$@" >/dev/null; }
check "whoami works before the browser revokes" quiet "$CLI" whoami
stack_login "$T/b2.jar" alice >/dev/null
sid=$(sc "$T/b2.jar" "$STACK_URL/sessions" | tr '<' '\n' |
	sed -n '/^td>Command line/,/revoke"/s#.*action="/sessions/\([A-Za-z0-9_-]*\)/revoke".*#\1#p' | head -1)
expect_match "the CLI session has a revoke form" '^[A-Za-z0-9_-]+$' "$sid"
csrf=$(sc "$T/b2.jar" "$STACK_URL/" | sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' | head -1)
code=$(sc "$T/b2.jar" -o /dev/null -w '%{http_code}' -H "Origin: $STACK_URL" \
	--data-urlencode "csrf=$csrf" "$STACK_URL/sessions/$sid/revoke")
expect_match "the browser revokes the CLI session" '^(200|303)$' "$code"
"$CLI" whoami >/dev/null 2>"$T/err"; rc=$?
expect_eq "whoami after revocation in the browser exits 1" 1 "$rc"
expect_eq "whoami after revocation: revoked message" "$REVOKED" "$(cat "$T/err")"
"$CLI" logout >/dev/null 2>"$T/err"; rc=$?
expect_eq "logout of an already revoked session still exits 0" 0 "$rc"
check "... and forgets it" test ! -e "$CLI_SESSION"

# --- deny ---
B=$(cli_browser b3 deny alice)
BROWSER=$B timeout 60 "$CLI" login --server "$STACK_URL" >/dev/null 2>"$T/err"; rc=$?
expect_eq "denied login exits 1" 1 "$rc"
expect_eq "denied login: one clear line last" "airlock: sign-in refused: the account you approved with is not allowed on $STACK_URL, or the request was denied in the browser" "$(tail -n 1 "$T/err")"
check "denied login saved no session" test ! -e "$CLI_SESSION"

# --- a paircode yields one session; a decided link cannot be decided again ---
pc=$(rand_b64url 24)
url=$(curl -sS --max-time 10 "$STACK_URL/cli_login?paircode=$pc")
expect_match "seed-style /cli_login answers the URL as text" "^$STACK_URL/pair/" "$url"
check "the paircode is not in the browser URL" bash -c "! printf '%s' '$url' | grep -qF -- '$pc'"
B=$(cli_browser b4 approve bob)
"$B" "$url"
expect_eq "bob approves" 200 "$(cat "$T/b4.code" 2>/dev/null)"
first=$(curl -sS --max-time 10 -D "$T/h1" -H 'Accept: application/json' "$STACK_URL/token?paircode=$pc")
expect_eq "first take answers the approving user" '{"user":"op:bob"}' "$first"
check "first take sets the command-line session cookie" grep -qi '^set-cookie: cli_session=' "$T/h1"
second=$(curl -sS --max-time 10 -D "$T/h2" -H 'Accept: application/json' "$STACK_URL/token?paircode=$pc")
expect_eq "second take of the same paircode: expired_token" '{"error":"expired_token"}' "$second"
check "second take sets no cookie" bash -c "! grep -qi '^set-cookie:' '$T/h2'"
code=$(sc "$T/b4.jar" -o /dev/null -w '%{http_code}' -H "Origin: $STACK_URL" \
	--data-urlencode provider=op --data-urlencode decision=approve "$url")
expect_eq "approving the same link again: 404" 404 "$code"
cli_sanitizer_check
exit 0
