#!/usr/bin/env bash
# Phishing with the approval link (RFC 8628 section 5.4), in chromium.  A pairing
# requested from 127.0.0.2 under a user agent of the requester's choosing, its link
# sent to a victim on a page of another origin: the page labels the user agent as
# the requester's claim, shows the address and time it came from, warns that the
# address is not this browser's, hides the code and asks the victim to type the
# code from the terminal (a wrong one approves nothing; the right one, in any case
# and with any separator, leads on to the provider).  Opened directly, a pairing
# requested from this browser's own address shows the code, the button and no
# warning.  With curl: the same rules by fetch metadata, and a POST whose typed code
# is wrong approves nothing.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
. "$AIRLOCK_SRC/tests/lib_browser.sh"
browser_stack_up "approval phishing"
U=$STACK_URL

# The attacker's pairing, from another address, claiming to be the victim's laptop.
PA=$(rand_b64url 16)
j=$(curl -sS --max-time 10 --interface 127.0.0.2 -A 'airlock-cli/0.1 (your-laptop)' \
	-H 'Accept: application/json' "$U/cli_login?paircode=$PA")
PHISH_URL=$(printf '%s' "$j" | json_get login_url)
USER_CODE=$(printf '%s' "$j" | json_get user_code)
expect_match "a pairing requested from 127.0.0.2" "^$U/pair/" "$PHISH_URL"
LOCAL_URL=$(curl -sS --max-time 10 -A 'airlock-cli/0.1 (here)' "$U/cli_login?paircode=$(rand_b64url 16)")

# --- the rules by fetch metadata, with curl
page() { curl -sS --max-time 10 "$@" "$PHISH_URL"; }
has_input() { page "$@" | grep -c 'name="user_code"'; }
expect_eq "no fetch metadata: the code is to be typed" 1 "$(has_input)"
expect_eq "Sec-Fetch-Site: cross-site: the code is to be typed" 1 "$(has_input -H 'Sec-Fetch-Site: cross-site')"
expect_eq "Sec-Fetch-Site: same-site: the code is to be typed" 1 "$(has_input -H 'Sec-Fetch-Site: same-site')"
expect_eq "Sec-Fetch-Site: none: the code is shown" 0 "$(has_input -H 'Sec-Fetch-Site: none')"
expect_eq "Sec-Fetch-Site: same-origin: the code is shown" 0 "$(has_input -H 'Sec-Fetch-Site: same-origin')"
expect_match "the page escapes the claim" 'comes from: <strong>&lt;b&gt;x&lt;/b&gt;</strong>' \
	"$(curl -sS --max-time 10 --interface 127.0.0.2 -A '<b>x</b>' "$U/cli_login?paircode=$(rand_b64url 16)" |
	xargs curl -sS --max-time 10)"
post() { curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H "Origin: $U" -d decision=approve \
	-d provider=op "$@" "$PHISH_URL"; }
expect_eq "a POST with a wrong typed code: 400" 400 "$(post -d user_code=BBBB-BBBB)"
expect_eq "...with an empty one: 400" 400 "$(post -d user_code=)"
expect_eq "...and the attacker's CLI is still waiting (empty 200)" " 200" \
	"$(curl -sS --max-time 10 -w ' %{http_code}' "$U/token?paircode=$PA")"

# --- in chromium: the victim follows the link from another site
mkdir -p "$T/www"
printf '<!doctype html><title>IT desk</title><a id="go" href="%s">Confirm your laptop</a>\n' \
	"$PHISH_URL" >"$T/www/phish.html"
attack_page_serve phish.html
export ATTACK_PAGE PHISH_URL LOCAL_URL USER_CODE
browser_run phishing phishing
[ "$T_FAILS" -eq 0 ]
