#!/usr/bin/env bash
# Login CSRF through /token: mallory approves his own pairing and sends a signed-in
# victim, from a page on another origin, to /token with that paircode.  In chromium:
# the link, an image and a fetch from that page, and /token typed into the address
# bar are all refused (403) and set no cookie; the victim's counter page still shows
# the victim.  The command-line session's cookie is one no page accepts.  With curl:
# each browser fetch-metadata signal is refused alone, before the paircode is spent,
# and a client without them (mallory's CLI) still gets its session.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
. "$AIRLOCK_SRC/tests/lib_cli.sh"
. "$AIRLOCK_SRC/tests/lib_browser.sh"
browser_stack_up "login CSRF in a browser"
U=$STACK_URL
token() { curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$@"; }

# mallory pairs twice and approves both with his own account
PC=$(rand_b64url 16) PC2=$(rand_b64url 16)
expect_eq "mallory approves his first pairing" 200 \
	"$(cli_pair_approve "$T/m.jar" "$(curl -sS --max-time 10 "$U/cli_login?paircode=$PC")" mallory op)"
expect_eq "mallory approves his second pairing" 200 \
	"$(cli_pair_approve "$T/m.jar" "$(curl -sS --max-time 10 "$U/cli_login?paircode=$PC2")" mallory op)"

# --- each signal of a browser, alone, is refused before the paircode is spent
expect_eq "Sec-Fetch-Mode: navigate: 403" 403 "$(token -H 'Sec-Fetch-Mode: navigate' "$U/token?paircode=$PC")"
expect_eq "Sec-Fetch-Dest: document: 403" 403 "$(token -H 'Sec-Fetch-Dest: document' "$U/token?paircode=$PC")"
expect_eq "Sec-Fetch-Dest: iframe: 403" 403 "$(token -H 'Sec-Fetch-Dest: iframe' "$U/token?paircode=$PC")"
expect_eq "Sec-Fetch-Site: cross-site: 403" 403 "$(token -H 'Sec-Fetch-Site: cross-site' "$U/token?paircode=$PC")"
expect_eq "the header sent twice: 403" 403 \
	"$(token -H 'Sec-Fetch-Site: same-origin' -H 'Sec-Fetch-Site: same-origin' "$U/token?paircode=$PC")"
expect_match "the refusal says why, in plain text" '^forbidden: /token is for command-line clients' \
	"$(curl -sS --max-time 10 -H 'Sec-Fetch-Mode: navigate' "$U/token?paircode=$PC")"

# --- the victim's browser, sent from another origin
mkdir -p "$T/www"
cat >"$T/www/attack.html" <<EOH
<!doctype html><title>You won</title>
<a id="go" href="$U/token?paircode=$PC">Claim your prize</a>
<img src="$U/token?paircode=$PC" alt="">
EOH
attack_page_serve attack.html
h=$(curl -sS --max-time 10 -D - -o /dev/null "$U/token?paircode=$PC2" | tr -d '\r')
CLI_TOKEN=$(printf '%s' "$h" | sed -n 's/^Set-Cookie: cli_session=\([A-Za-z0-9_-]*\);.*/\1/p')
expect_match "mallory's CLI takes his second session (cli_session cookie)" '^[A-Za-z0-9_-]{43}$' "$CLI_TOKEN"
export ATTACK_PAGE PAIRCODE=$PC CLI_TOKEN
browser_run csrf token-csrf
expect_eq "the refused requests did not spend the paircode: mallory's CLI still takes it" \
	op:mallory "$(curl -sS --max-time 10 "$U/token?paircode=$PC")"
[ "$T_FAILS" -eq 0 ]
