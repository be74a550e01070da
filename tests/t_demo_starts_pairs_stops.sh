#!/usr/bin/env bash
# `make demo` (tests/demo.sh) from this tree: check mode (start everything, / and /login
# answer, stop), then the interactive mode in the background: a CLI pairing through the
# project's own devidp provider, a web sign-in that devidp's back-channel logout ends,
# then SIGTERM stops every process the demo started.
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_idp.sh"     # IDP_KIT: curl-login.sh drives devidp's login form
. "$AIRLOCK_SRC/tests/lib_cli.sh"
for p in airlock-store airlock-authd airlock-frontend; do
	if [ ! -x "$BIN/$p" ]; then skip "demo smoke ($p not built yet)"; exit 0; fi
done
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
	skip "demo smoke (node >= 20 not installed)"; exit 0
fi
port=$(free_port); idp=$(free_port)
while [ "$idp" = "$port" ]; do idp=$(free_port); done
export DEMO_DIR=$T/demo DEMO_PORT=$port DEMO_IDP_PORT=$idp BIN

# --- check mode ---
DEMO_CHECK=1 timeout 120 bash "$AIRLOCK_SRC/tests/demo.sh" >"$T/check.out" 2>"$T/check.err"; rc=$?
cat "$T/check.out"
expect_eq "demo check mode exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || tail -n 20 "$T/check.err"
check "demo config generated" grep -q "^public_url = http://127.0.0.1:$port" "$T/demo/airlock.conf"
check "demo config has authd's public key" grep -Eq '^proof_public_key = [A-Za-z0-9_-]{43}$' "$T/demo/airlock.conf"
expect_eq "client secret file is 0600" 600 "$(stat -c %a "$T/demo/secrets/dev.client_secret" 2>/dev/null)"
expect_eq "secrets dir is 0700" 700 "$(stat -c %a "$T/demo/secrets" 2>/dev/null)"
check "client secret not in the config" bash -c "! grep -qF -- \"\$(cat '$T/demo/secrets/dev.client_secret')\" '$T/demo/airlock.conf'"
check "check mode left nothing on the demo port" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null"
check "check mode left nothing on the devidp port" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$idp) 2>/dev/null"
for f in "$T"/demo/logs/*.log; do [ -f "$f" ] && cp "$f" "$T/demo-check-$(basename "$f")"; done

# --- interactive mode, driven like a person would ---
bg demo bash "$AIRLOCK_SRC/tests/demo.sh"
DEMO_PID=$LAST_PID
wait_for "demo URL" 60 grep -q "^http://127.0.0.1:$port/\$" "$T/demo.log"
check "the demo prints its URL" grep -q "^http://127.0.0.1:$port/\$" "$T/demo.log"
cli_env
B=$(cli_browser demob approve dora dev)
mkdir -p "$T/cwd"; cd "$T/cwd" || exit 1
BROWSER=$B timeout 60 "$CLI" login --server "http://127.0.0.1:$port" >"$T/login.out" 2>"$T/login.err"; rc=$?
expect_eq "CLI pairing through devidp exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || tail -n 10 "$T/login.err" "$T/demob.log"
expect_eq "whoami through the demo" "dev:dora" "$("$CLI" whoami 2>&1)"
# A web sign-in as erin, keeping devidp's session; signing out at devidp sends a
# back-channel logout that ends erin's airlock session at once; dora's CLI stays.
A=http://127.0.0.1:$port D=http://127.0.0.1:$idp
web() { curl -sS --max-time 10 -b "$T/web.jar" -c "$T/web.jar" "$@"; }
back=$(CURL_LOGIN_JAR=$T/devidp.jar sh "$IDP_KIT/curl-login.sh" \
	"$(web -o /dev/null -w '%{redirect_url}' "$A/login/dev")" erin)
web -o /dev/null "$back"
expect_eq "erin signed in on the web through devidp" 200 "$(web -o /dev/null -w '%{http_code}' "$A/")"
xsrf=$(curl -sS --max-time 10 -b "$T/devidp.jar" -c "$T/devidp.jar" "$D/session/end" |
	sed -n 's/.*name="xsrf" value="\([^"]*\)".*/\1/p' | head -1)
expect_eq "erin signs out at devidp" 303 "$(curl -sS --max-time 10 -b "$T/devidp.jar" \
	-c "$T/devidp.jar" -o /dev/null -w '%{http_code}' -d "xsrf=$xsrf" -d logout=yes "$D/session/end/confirm")"
expect_eq "devidp's back-channel logout ended erin's airlock session" 303 \
	"$(web -o /dev/null -w '%{http_code}' "$A/")"
expect_eq "dora's CLI session stays" "dev:dora" "$("$CLI" whoami 2>&1)"
kill -TERM "$DEMO_PID"
for _ in $(seq 100); do kill -0 "$DEMO_PID" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM ends the demo" bash -c "! kill -0 $DEMO_PID 2>/dev/null"
check "nothing listens on the demo port afterwards" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null"
check "devidp stopped" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$idp) 2>/dev/null"
# ("[.]": the pattern must not match the command line of the shell running pgrep)
check "no daemon of this demo is left" bash -c "! pgrep -f -- '$T/demo/airlock[.]conf' >/dev/null"
# Daemon logs join lib.sh's sanitizer check.
for f in "$T"/demo/logs/*.log; do [ -f "$f" ] && cp "$f" "$T/demo-run-$(basename "$f")"; done
cli_sanitizer_check
exit 0
