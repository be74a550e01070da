#!/usr/bin/env bash
# A provider's error callback shows only our own words: anyone can write an
# error_description (or an unknown error code) into a link to /auth_redirect,
# so those reach the log, never the page.  Each known RFC 6749 error code has
# its own sentence of ours.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"

stack_up "login error text" op
U=$STACK_URL
WORDS="Your account is locked, call 555-0100 and read out your password"
page() { curl -sS --max-time 10 -w '\n%{http_code}' -G "$@"; }

OUT=$(page --data-urlencode error=access_denied --data-urlencode "error_description=$WORDS" \
	--data-urlencode state=x "$U/auth_redirect")
expect_eq "access_denied with a description: 403" 403 "$(printf '%s' "$OUT" | tail -1)"
check "...the page shows our sentence for access_denied" \
	grep -q "cancelled or not allowed at the provider" <<<"$OUT"
expect_eq "...and none of the attacker's words" 0 "$(grep -c -e 'locked' -e '555-0100' -e 'password' <<<"$OUT")"
expect_match "...which are in the log instead" "provider error \"access_denied\", description \"$WORDS\"" \
	"$(cat "$T"/frontend*.log)"

OUT=$(page --data-urlencode error=invalid_scope --data-urlencode 'error_description=<b>"owned"</b>' \
	"$U/auth_redirect/op")
expect_eq "markup in the description is not on the page" 0 "$(grep -c 'owned' <<<"$OUT")"
expect_match "...and is one log line with its quotes replaced" 'description "<b>\?owned\?</b>"' \
	"$(cat "$T"/frontend*.log)"

for e in access_denied invalid_request unauthorized_client unsupported_response_type invalid_scope \
	server_error temporarily_unavailable; do
	printf '%s\n' "$(page --data-urlencode "error=$e" "$U/auth_redirect" |
		sed -n 's/.*<p[^>]*>\([^<]*provider[^<]*\)<\/p>.*/\1/p' | head -1)"
done >"$T/texts"
expect_eq "each known error code has a sentence of ours" 7 "$(grep -c . "$T/texts")"
expect_eq "...all different" 7 "$(sort -u "$T/texts" | grep -c .)"

OUT=$(page --data-urlencode "error=please_call_555_0100" "$U/auth_redirect")
expect_eq "an unknown error code: 400" 400 "$(printf '%s' "$OUT" | tail -1)"
expect_eq "...shown only as our generic sentence" 0 "$(grep -c '555' <<<"$OUT")"
check "...which is there" grep -q "could not complete the sign-in" <<<"$OUT"
[ "$T_FAILS" -eq 0 ]
