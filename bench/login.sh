#!/usr/bin/env bash
# Login overhead: what airlock adds to a sign-in beyond the provider's own
# answers.  Each of LOGINS sign-ins goes through the test OpenID provider's
# forms (tests/lib_stack.sh), then:
#   auth      curl's time_total of GET /auth_redirect: frontend -> authd,
#             authd's token request and userinfo request to the provider, the
#             proof, the store's session, the answer;
#   provider  the provider's own part, measured right after by doing the same
#             two requests ourselves with a login of our own (own state and
#             PKCE verifier, same client, scopes and redirect URI): POST token
#             endpoint (client_secret_basic) then GET userinfo, each counted as
#             curl's time_total - time_appconnect, i.e. request to complete
#             answer on an established TLS connection;
#   overhead  auth - provider of the same sign-in.
# The figure is the median of the per-sign-in overheads (and the medians of
# auth and provider next to it); the target is under 2 ms.  authd keeps its
# TLS connections to the provider open between logins and opens them ahead
# when a login starts, so a connection it must open itself counts against it.
#
# Standalone:  bench/login.sh   (the stack on loopback, daemons without -v)
#   LOGINS      sign-ins (default 9)
#   LOGIN_IDLE  seconds of idle before each sign-in (default 0; bench/run.sh:
#               6): more than the test provider's 5 s keep-alive, after which
#               a connection that is only reused, not kept warm, is gone
#   BIN         build to measure (default build/normal)
#   AUTHD_WRAP  command authd runs under, e.g. "valgrind --tool=callgrind"
#               (one that exits with authd: the clean-up signals the wrapper)
# Exits 1 if the stack does not start or a sign-in fails, 2 if the overhead
# is more than twice the target (a noisy machine may miss it by less).
# Sourced by bench/run.sh: defines login_measure, login_report and
# login_target only.

# login_measure N [IDLE]: N sign-ins; sets LOGIN_AUTH LOGIN_PROV LOGIN_OVER
# (medians, seconds) and LOGIN_OVER_LO LOGIN_OVER_HI (range of overheads).
login_measure() {
	local n=$1 idle=${2:-0} i jar url back code state disc authz tokep uiep verifier challenge
	local ans tok t1 t2 redir qredir
	disc=$(idp_curl "$IDP_OP_ISSUER/.well-known/openid-configuration") || return 1
	read -r authz tokep uiep < <(printf '%s' "$disc" | python3 -c 'import json, sys
d = json.load(sys.stdin); print(d["authorization_endpoint"], d["token_endpoint"], d["userinfo_endpoint"])')
	redir=$STACK_URL/auth_redirect
	qredir=$(printf '%s' "$redir" | python3 -c 'import sys, urllib.parse as u; print(u.quote(sys.stdin.read(), safe=""))')
	: >"$T/login.rows"
	for i in $(seq "$n"); do
		[ "$idle" = 0 ] || sleep "$idle"
		jar=$T/login$i.jar
		url=$(stack_authorize_url "$jar" op) && [ -n "$url" ] || { echo "login: no authorize URL" >&2; return 1; }
		back=$(stack_provider_login "$url" "bench$i" op) && [ -n "$back" ] ||
			{ echo "login: provider login failed" >&2; return 1; }
		ans=$(sc "$jar" -o /dev/null -w '%{http_code} %{time_total}' "$back")
		[ "${ans%% *}" = 303 ] || { echo "login: /auth_redirect answered $ans" >&2; return 1; }

		verifier=$(head -c 32 /dev/urandom | basenc --base64url | tr -d '=\n')
		challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | basenc --base64url | tr -d '=\n')
		state=$(head -c 16 /dev/urandom | basenc --base64url | tr -d '=\n')
		url="$authz?response_type=code&client_id=test-client&scope=openid%20profile&redirect_uri=$qredir"
		url+="&state=$state&nonce=$state&code_challenge=$challenge&code_challenge_method=S256"
		back=$(stack_provider_login "$url" "direct$i" op) && [ -n "$back" ] ||
			{ echo "login: direct provider login failed" >&2; return 1; }
		code=$(idp_param "$back" code)
		[ -n "$code" ] || { echo "login: direct login: no code" >&2; return 1; }
		tok=$(idp_curl -w '\n%{time_total} %{time_appconnect}' -u "test-client:$STACK_OP_SECRET" \
			--data-urlencode grant_type=authorization_code --data-urlencode "code=$code" \
			--data-urlencode "redirect_uri=$redir" --data-urlencode "code_verifier=$verifier" "$tokep")
		t1=$(printf '%s' "$tok" | tail -1 | awk '{ print $1 - $2 }')
		tok=$(printf '%s' "$tok" | sed '$d' | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])') ||
			{ echo "login: direct login: no access token" >&2; return 1; }
		t2=$(idp_curl -o /dev/null -w '%{http_code} %{time_total} %{time_appconnect}' \
			-H "Authorization: Bearer $tok" "$uiep")
		[ "${t2%% *}" = 200 ] || { echo "login: userinfo answered $t2" >&2; return 1; }
		t2=$(echo "$t2" | awk '{ print $2 - $3 }')
		echo "${ans#* } $t1 $t2" | awk '{ p = $2 + $3; print $1, p, $1 - p }' >>"$T/login.rows"
	done
	LOGIN_AUTH=$(awk '{ print $1 }' "$T/login.rows" | _login_median)
	LOGIN_PROV=$(awk '{ print $2 }' "$T/login.rows" | _login_median)
	LOGIN_OVER=$(awk '{ print $3 }' "$T/login.rows" | _login_median)
	LOGIN_OVER_LO=$(awk '{ print $3 }' "$T/login.rows" | sort -g | head -1)
	LOGIN_OVER_HI=$(awk '{ print $3 }' "$T/login.rows" | sort -g | tail -1)
}

_login_median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# login_report N [IDLE]: the figures of login_measure.
login_report() {
	awk -v a="$LOGIN_AUTH" -v p="$LOGIN_PROV" -v o="$LOGIN_OVER" -v lo="$LOGIN_OVER_LO" \
		-v hi="$LOGIN_OVER_HI" -v n="$1" -v idle="${2:-0}" 'BEGIN {
		printf "%-32s %9.1f ms (median of %d, %s s idle before each)\n", "login: GET /auth_redirect", a * 1000, n, idle
		printf "%-32s %9.1f ms (token + userinfo, direct, warm TLS)\n", "login: provider time", p * 1000
		printf "%-32s %9.1f ms (median of per-login differences; %.1f to %.1f ms)\n",
			"login: airlock overhead", o * 1000, lo * 1000, hi * 1000 }'
}

# login_target: the target line.  Status 0 when met, 1 when missed, 2 when the
# overhead is over twice the target (more than a noisy machine explains).
login_target() {
	if awk -v o="$LOGIN_OVER" 'BEGIN { exit !(o < 0.002) }'; then
		echo "target met:    login overhead < 2 ms ($(awk -v o="$LOGIN_OVER" 'BEGIN { printf "%.1f", o * 1000 }') ms)"
		return 0
	fi
	echo "target MISSED: login overhead < 2 ms ($(awk -v o="$LOGIN_OVER" 'BEGIN { printf "%.1f", o * 1000 }') ms)"
	awk -v o="$LOGIN_OVER" 'BEGIN { exit !(o < 0.004) }' && return 1
	return 2
}

[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

set -u
cd "$(dirname "$0")/.."
export AIRLOCK_SRC=$PWD
export BIN=${BIN:-$PWD/build/normal}
LOGINS=${LOGINS:-9}
LOGIN_IDLE=${LOGIN_IDLE:-0}
for f in airlock-store airlock-authd airlock-frontend; do
	[ -x "$BIN/$f" ] || { echo "bench/login.sh: $BIN/$f missing: run make" >&2; exit 1; }
done
. tests/lib.sh
. tests/lib_stack.sh
. bench/lib_bench.sh
bench_daemons_as_deployed
stack_init op || { echo "bench/login.sh: cannot set up the stack: $STACK_SKIP" >&2; exit 1; }
stack_start || { echo "bench/login.sh: the stack did not start" >&2; exit 1; }
echo "login overhead: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
	"$LOGINS sign-ins, ${LOGIN_IDLE} s idle before each"
login_measure "$LOGINS" "$LOGIN_IDLE" || { tail -5 "$T"/authd*.log >&2; exit 1; }
[ -z "${LOGIN_ROWS:-}" ] || awk '{ printf "  auth %.2f ms  provider %.2f ms  overhead %.2f ms\n", $1 * 1000, $2 * 1000, $3 * 1000 }' "$T/login.rows"
login_report "$LOGINS" "$LOGIN_IDLE"
login_target
rc=$?
[ "$rc" = 2 ] && exit 2
exit 0
