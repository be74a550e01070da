#!/usr/bin/env bash
# run: once
# A real browser (chromium) opens an application page through nginx with the shipped
# docs/nginx-gateway.conf: without a session it is sent to airlock's sign-in with
# rd = that page, signs in at the test OpenID provider, and lands back on the page,
# which shows the identity headers the application got from nginx (airlock's /auth).
. "$(dirname "$0")/lib.sh"
. "$AIRLOCK_SRC/tests/lib_gateway.sh"
. "$AIRLOCK_SRC/tests/lib_browser.sh"

browser_setup || { skip "gateway browser sign-in: $BROWSER_SKIP"; exit 0; }
gw_up "gateway browser sign-in"
APP_PATH="/app/report?year=2026&q=a%20b" browser_run gateway gateway
exit $((T_FAILS > 0))
