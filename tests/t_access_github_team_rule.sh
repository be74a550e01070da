#!/usr/bin/env bash
# [access] github_teams against the GitHub stand-in: the sign-in asks read:org; a team
# member (GitHub's team membership API answers "active" for the user's token) signs in;
# a non-member gets the 403 page naming the account, no session cookie, no session in
# the store, its token revoked, and authd logs "login gh as gh:N refused by [access]".
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_stack.sh"
export GH_TEAMS="acme/core:octo" GH_ORGS="acme:octo,mallory"
stack_init gh || { skip "GitHub team rule: $STACK_SKIP"; exit 0; }
printf '\n[access]\ngithub_teams = acme/core\n' >>"$STACK_CONF"
stack_start || { fail "stack did not start"; exit 1; }
STOREC=$BIN/tools/storec
sessions() { "$STOREC" -t 3000 "$STORE_SOCK" ping | awk '{ print $3 }'; }

# login JAR USER: signs in through the stand-in; the last page in $T/USER.html, prints its status
login() {
	local url back
	url=$(stack_authorize_url "$1" gh)
	printf '%s\n' "$url" >"$T/$2.url"
	back=$(stack_provider_login "$url" "$2" gh)
	sc "$1" -o "$T/$2.html" -w '%{http_code}' "$back"
}

expect_eq "a team member signs in (303 to /)" 303 "$(login "$T/octo.jar" octo)"
expect_match "the authorize step asked read:org" 'scope=read%3Auser(%20|\+)read%3Aorg' "$(cat "$T/octo.url")"
check "the member has a session cookie" test -n "$(st_cookie "$T/octo.jar")"
expect_eq "the member sees the counter page" 200 "$(st_code "$T/octo.jar" /)"
check "GitHub was asked about octo's team membership (active)" \
	grep -q "API GET /orgs/acme/teams/core/memberships/octo 200" "$IDP_GH_LOG"
expect_eq "the store holds one session" 1 "$(sessions)"

expect_eq "a non-member of the team gets 403" 403 "$(login "$T/mallory.jar" mallory)"
page=$(cat "$T/mallory.html")
expect_match "the page names the account" "Test mallory</strong> \(gh:[0-9]+\)" "$page"
expect_match "the page says it is not allowed here" "is not allowed to sign in here" "$page"
expect_match "the page offers another account" 'href="/login"' "$page"
expect_eq "no session cookie was set" "" "$(st_cookie "$T/mallory.jar")"
expect_eq "/ still sends the non-member to sign in" 303 "$(st_code "$T/mallory.jar" /)"
expect_eq "the store still holds one session" 1 "$(sessions)"
check "GitHub was asked about mallory's team membership (not a member)" \
	grep -q "API GET /orgs/acme/teams/core/memberships/mallory 404" "$IDP_GH_LOG"
check "no organisation was asked about (no github_orgs rule)" \
	bash -c "! grep -q /user/memberships/ '$IDP_GH_LOG'"
check "authd logged the refusal" grep -Eq "login gh as gh:[0-9]+ refused by \[access\]" "$T/authd.log"
expect_within 5 "the refused account's token was revoked" 1 \
	grep -c "revoke gh: done" "$T/authd.log"
[ "$T_FAILS" -eq 0 ]
