# The seed's CLI "do something" client (seeds/001), reconstructed from the lines the
# seed document shows: loads the cookies client-login.py saved to auth_token.txt and
# prints what GET /secured answers (the signed-in user's id).
#
# Filled in where the seed document shows nothing:
# - host: from $AIRLOCK_HOST, default localhost:5001 (see client-login.py).
# - Path.read_json comes from fastcore in the seed; Debian has no fastcore, so the same
#   one-liner is given to pathlib.Path here and the seed's lines run exactly as shown.
# Run with /usr/bin/python3 (Debian's python3-httpx).
import httpx, json, os
from pathlib import Path

if not hasattr(Path, 'read_json'):
    Path.read_json = lambda self: json.loads(self.read_text())

host = os.environ.get('AIRLOCK_HOST', 'localhost:5001')
token_file = 'auth_token.txt'

def get_client(cookie_file):
    client = httpx.Client()
    cookies = Path(cookie_file).read_json()
    client.cookies.update(cookies)
    return client

client = get_client(token_file)
url = f'http://{host}/secured'
res = client.get(url).text
print(res)
