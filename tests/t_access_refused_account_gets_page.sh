#!/usr/bin/env bash
# [access] with e-mail, domain and claim rules, against the OpenID provider and the GitHub
# stand-in: an allowed account signs in; a refused one gets a 403 page naming it (name and
# user id, a link to sign in with another account), no session cookie, / still asks it to
# sign in, and the store holds no session for it.  GitHub's public e-mail address matches
# a domain rule case-insensitively; the OpenID account matches a userinfo claim.  The
# verified address is kept with the user: GET /auth hands it on as X-Airlock-Email.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
export GH_EMAILS="octo:Octo@Example.COM;mallory:mallory@example.com.evil.test"
stack_init op gh || { skip "refused account page: $STACK_SKIP"; exit 0; }
printf '\n[access]\nemails = nobody@example.net\ndomains = example.com\nclaims = preferred_username=alice\n' \
	>>"$STACK_CONF"
stack_start || { fail "stack did not start"; exit 1; }
STOREC=$BIN/tools/storec
sessions() { "$STOREC" -t 3000 "$STORE_SOCK" ping | awk '{ print $3 }'; }

# login JAR USER PROVIDER: the last page in $T/USER.html; prints its status
login() {
	local back
	back=$(stack_provider_login "$(stack_authorize_url "$1" "$3")" "$2" "$3")
	sc "$1" -o "$T/$2.html" -w '%{http_code}' "$back"
}

expect_eq "OpenID: alice (claim rule) signs in" 303 "$(login "$T/alice.jar" alice op)"
expect_eq "OpenID: alice sees the counter page" 200 "$(st_code "$T/alice.jar" /)"
expect_eq "GitHub: octo (domain rule, other case) signs in" 303 "$(login "$T/octo.jar" octo gh)"
expect_eq "the store holds two sessions" 2 "$(sessions)"
# The verified address is kept with the user and handed to a gateway by /auth.
expect_match "GET /auth names octo's verified e-mail" "^X-Airlock-Email: Octo@Example\.COM"$'\r'"?$" \
	"$(st_get "$T/octo.jar" /auth -D - -o /dev/null)"
expect_eq "alice's provider gave none: no X-Airlock-Email" 0 \
	"$(st_get "$T/alice.jar" /auth -D - -o /dev/null | grep -ci '^X-Airlock-Email')"

expect_eq "OpenID: bob is refused with 403" 403 "$(login "$T/bob.jar" bob op)"
page=$(cat "$T/bob.html")
expect_match "the page names bob's account" "Test User bob</strong> \(op:bob\)" "$page"
expect_match "the page says it is not allowed" "is not allowed to sign in here" "$page"
expect_match "the page links to sign in with another account" 'href="/login">Sign in with another account' "$page"
expect_eq "bob has no session cookie" "" "$(st_cookie "$T/bob.jar")"
expect_eq "/ sends bob to sign in" 303 "$(st_code "$T/bob.jar" /)"
check "authd logged bob's refusal" grep -q "login op as op:bob refused by \[access\]" "$T/authd.log"

expect_eq "GitHub: a look-alike domain is refused with 403" 403 "$(login "$T/mallory.jar" mallory gh)"
expect_match "the page names mallory's account" "Test mallory</strong> \(gh:[0-9]+\)" "$(cat "$T/mallory.html")"
expect_eq "mallory has no session cookie" "" "$(st_cookie "$T/mallory.jar")"
expect_eq "the store still holds two sessions" 2 "$(sessions)"
[ "$T_FAILS" -eq 0 ]
