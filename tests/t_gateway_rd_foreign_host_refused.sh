#!/usr/bin/env bash
# run: once
# /login?rd=URL: after sign-in the browser goes to rd, which must be a path on this site
# or an http(s) URL on public_url's host or a host [frontend] allowed_redirect_hosts
# names (exact, or ".domain" for hosts under it).  Another host, //host, userinfo,
# javascript:, a backslash or control characters: 400 "redirect to another site
# refused", nothing kept.  rd survives the provider round trip (a cookie, checked again
# when used, then cleared) as written by nginx (raw, '&' included) or percent-encoded.
# An unusable allowed_redirect_hosts entry stops the frontend at start.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_gateway.sh"

GW_FRONTEND_EXTRA="allowed_redirect_hosts = allowed.example, .apps.example" gw_up "rd"
J=$T/rd.jar

login_code() { curl -sS --max-time 10 -o "$T/rd.body" -w '%{http_code}' "$GW_URL/login?rd=$1"; }
refused() {
	local c; c=$(login_code "$1")
	if [ "$c" = 400 ] && grep -q "redirect to another site refused" "$T/rd.body"; then pass "rd ${1:0:60} refused"
	else fail "rd ${1:0:60} refused (got $c)"; fi
}
accepted() { expect_eq "rd $1 accepted" 200 "$(login_code "$1")"; }

refused "https://evil.example/x"
refused "//evil.example/x"
refused "/\\evil.example/x"
refused "https://evil@127.0.0.1/x"
refused "https://127.0.0.1@evil.example/x"
refused "https://127.0.0.1:80@evil.example/"
refused "javascript:alert(1)"
refused "javascript%3Aalert(1)"
refused "%2F%2Fevil.example%2F"
refused "https://apps.example/"
refused "https://allowed.example.evil.com/"
refused "https://evilallowed.example/"
refused "https://allowed.example%0d%0aSet-Cookie:x=1/"
refused "https%3A%2F%2Fallowed.example%2F%0D%0ASet-Cookie%3Ax%3D1"
refused "ftp://allowed.example/"
refused "https://allowed.example:99999/"
refused "https:/allowed.example/"
refused "https://$(head -c 2100 /dev/zero | tr '\0' a).apps.example/"
accepted "/app/page"
accepted "http://127.0.0.1:$GW_PORT/app/page"
accepted "https://allowed.example/x?y=1"
accepted "https://ALLOWED.example:8443/x"
accepted "https://deep.a.apps.example/"
accepted "https%3A%2F%2Fallowed.example%2Fencoded%3Fq%3D1"

# Through sign-in: nginx's raw rd, '?' and '&' included, comes back as written.
signin_to() { # RD -> the final CODE LOCATION of the sign-in
	local url back
	rm -f "$J"
	sc "$J" -o /dev/null "$GW_URL/login${1:+?rd=$1}" || return 1
	url=$(stack_authorize_url "$J" op)
	back=$(stack_provider_login "$url" alice op)
	sc "$J" -o /dev/null -w '%{http_code} %{redirect_url}' "$back"
}
expect_eq "sign-in ends at the relative rd" "303 $GW_URL/app/page?x=1&y=2" "$(signin_to "/app/page?x=1&y=2")"
expect_eq "the rd cookie is cleared once used" "" "$(awk '$6 == "airlock_rd"' "$J")"
expect_eq "sign-in ends at the allowed host" "303 https://allowed.example/landing?a=1&b=2" \
	"$(signin_to "https://allowed.example/landing?a=1&b=2")"
expect_eq "sign-in without rd ends at /" "303 $GW_URL/" "$(signin_to "")"
# /login with a refused rd, or without one, forgets an earlier rd.
for second in "?rd=https://evil.example/" ""; do
	rm -f "$J"
	sc "$J" -o /dev/null "$GW_URL/login?rd=/earlier"
	sc "$J" -o /dev/null "$GW_URL/login$second"
	url=$(stack_authorize_url "$J" op); back=$(stack_provider_login "$url" alice op)
	expect_eq "/login${second:- without rd} forgets an earlier rd" "303 $GW_URL/" \
		"$(sc "$J" -o /dev/null -w '%{http_code} %{redirect_url}' "$back")"
done
# A forged rd cookie is checked again when used.
rm -f "$J"
url=$(stack_authorize_url "$J" op); back=$(stack_provider_login "$url" alice op)
evil=$(printf '%s' "https://evil.example/" | base64 -w0 | tr '+/' '-_' | tr -d '=')
printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tairlock_rd\t%s\n' "$evil" >>"$J"
expect_eq "a forged rd cookie is not followed" "303 $GW_URL/" \
	"$(sc "$J" -o /dev/null -w '%{http_code} %{redirect_url}' "$back")"

# allowed_redirect_hosts entries that are not host names stop the frontend at start.
for bad in "https://x.example" "x.example:443" "*.example" "a..example" "-a.example" "x.example/" "."; do
	sed "s|^allowed_redirect_hosts = .*|allowed_redirect_hosts = ok.example, $bad|" "$STACK_CONF" >"$T/bad.conf"
	out=$("$BIN/airlock-frontend" -n -f "$T/bad.conf" 2>&1); rc=$?
	if [ $rc = 1 ] && grep -q "allowed_redirect_hosts" <<<"$out"; then pass "allowed_redirect_hosts '$bad' refused at start"
	else fail "allowed_redirect_hosts '$bad' refused at start (rc $rc: $out)"; fi
done
sed "s|^allowed_redirect_hosts = .*|allowed_redirect_hosts = ok.example .Sub.Example,127.0.0.1|" "$STACK_CONF" >"$T/ok.conf"
expect_eq "good allowed_redirect_hosts accepted" 0 "$("$BIN/airlock-frontend" -n -f "$T/ok.conf" >/dev/null 2>&1; echo $?)"

exit $((T_FAILS > 0))
