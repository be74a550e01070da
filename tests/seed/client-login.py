# The seed's CLI login client (seeds/001: "CLI Authentication with OAuth Example"),
# reconstructed from the lines the seed document shows, to check that airlock stays
# wire-compatible with it: GET /cli_login?paircode=P answers the URL to open as text,
# GET /token?paircode=P is polled every second and must never answer non-2xx, and a
# non-empty body means "logged in, the session cookie is set".
#
# Filled in where the seed document shows nothing:
# - host: the seed uses a `host` it does not show; here it comes from $AIRLOCK_HOST,
#   defaulting to localhost:5001 (FastHTML's serve() port, where the seed server runs).
# - token_file: auth_token.txt in the working directory, as the seed's README says.
# - the seed targets httpx >= 0.24, whose Response.raise_for_status() returns the
#   response; Debian 12's python3-httpx (0.23) returns None, so it is given the newer
#   behaviour below and the seed's own lines run exactly as shown.
# Run with /usr/bin/python3 (Debian's python3-httpx).
import secrets, httpx, webbrowser, json, os
from time import time, sleep

if tuple(int(x) for x in httpx.__version__.split('.')[:2]) < (0, 24):
    _raise_for_status = httpx.Response.raise_for_status
    def _raise_and_return(self):
        _raise_for_status(self)
        return self
    httpx.Response.raise_for_status = _raise_and_return

host = os.environ.get('AIRLOCK_HOST', 'localhost:5001')
token_file = 'auth_token.txt'

def poll_token(paircode, host, interval=1, timeout=180):
    "Poll server for token until received or timeout"
    start = time()
    client = httpx.Client()
    while time()-start < timeout:
        resp = client.get(f"http://{host}/token?paircode={paircode}").raise_for_status()
        if resp.text.strip(): return dict(client.cookies)
        sleep(interval)

paircode = secrets.token_urlsafe(16)
url = f'http://{host}/cli_login?paircode={paircode}'
login_url = httpx.get(url).text
webbrowser.open(login_url)

# Save the session cookies
cookies = poll_token(paircode, host)
if cookies:
    with open(token_file, 'w') as f: json.dump(cookies, f)
    print(f"Token saved to {token_file}")
