#!/usr/bin/env python3
"""A small cookie-keeping browser for the nspawn tests (no JavaScript).

    browser.py JAR go URL            GET, following redirects (and refresh pages); prints the final
                                     "STATUS URL" line, then the body
    browser.py JAR submit URL WORD   GET URL (Sec-Fetch-Site: none), pick the first form whose action or
                                     a button's text/value contains WORD (case-
                                     insensitive), send it with its hidden inputs
                                     (and that button's name=value) by its method,
                                     with Origin/Sec-Fetch-Site as a browser would;
                                     follows redirects; prints as `go`
    browser.py JAR cookie NAME       prints the cookie's value (exit 1 if none)

Redirects are followed by hand (at most 10), cookies kept in JAR between runs.
"""
import html
import http.cookiejar
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def opener(jar):
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())


def fetch(op, url, data=None, method=None, headers=None):
    """One request; returns (status, headers, body, url)."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    req.add_header("User-Agent", "airlock-test-browser")
    req.add_header("Accept", "text/html")
    try:
        with op.open(req, timeout=15) as r:
            return r.status, r.headers, r.read().decode("utf-8", "replace"), url
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace"), url


REFRESH = re.compile(r'<meta http-equiv="refresh" content="0;url=([^"]*)">')


def follow(op, url, data=None, method=None, headers=None):
    """Redirects and <meta http-equiv=refresh> pages are followed, as browsers do."""
    st, hd, body, u = fetch(op, url, data, method, headers)
    for _ in range(10):
        m = REFRESH.search(body) if st == 200 else None
        if m is not None:
            u = urllib.parse.urljoin(u, html.unescape(m.group(1)))
        elif st in (301, 302, 303, 307, 308) and hd.get("Location"):
            u = urllib.parse.urljoin(u, hd["Location"])
        else:
            break
        st, hd, body, u = fetch(op, u, headers={"Sec-Fetch-Site": "cross-site"})
    return st, body, u


class Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms, self.cur, self.button = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.cur = {"action": a.get("action", ""), "method": (a.get("method") or "get").upper(),
                        "hidden": [], "buttons": []}
            self.forms.append(self.cur)
        elif self.cur is not None and tag == "input":
            t = (a.get("type") or "text").lower()
            if t == "hidden" and a.get("name"):
                self.cur["hidden"].append((a["name"], a.get("value", "")))
            elif t == "submit":
                self.cur["buttons"].append((a.get("name"), a.get("value", ""), a.get("value", "")))
        elif self.cur is not None and tag == "button":
            self.button = [a.get("name"), a.get("value", ""), ""]

    def handle_data(self, data):
        if self.button is not None:
            self.button[2] += data

    def handle_endtag(self, tag):
        if tag == "button" and self.button is not None and self.cur is not None:
            self.cur["buttons"].append(tuple(self.button))
            self.button = None
        elif tag == "form":
            self.cur = None


def submit(op, url, word):
    # opened by another program (the CLI), as a browser marks it
    st, body, page = follow(op, url, headers={"Sec-Fetch-Site": "none"})
    if st != 200:
        return st, body, page
    p = Forms()
    p.feed(body)
    w = word.lower()
    for f in p.forms:
        btn = next((b for b in f["buttons"] if w in (b[1] + " " + b[2]).lower()), None)
        if btn is None and w not in f["action"].lower():
            continue
        fields = list(f["hidden"])
        if btn is not None and btn[0]:
            fields.append((btn[0], btn[1]))
        target = urllib.parse.urljoin(page, f["action"] or page)
        origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(page))
        hdrs = {"Origin": origin, "Sec-Fetch-Site": "same-origin",
                "Content-Type": "application/x-www-form-urlencoded"}
        data = urllib.parse.urlencode(fields).encode()
        if f["method"] == "POST":
            return follow(op, target, data, "POST", hdrs)
        sep = "&" if "?" in target else "?"
        return follow(op, target + sep + data.decode())
    return 0, "no form matching %r on %s" % (word, page), page


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    jar = http.cookiejar.MozillaCookieJar(argv[0])
    try:
        jar.load(ignore_discard=True, ignore_expires=True)
    except (FileNotFoundError, http.cookiejar.LoadError):
        pass
    op = opener(jar)
    cmd = argv[1]
    if cmd == "cookie":
        for c in jar:
            if c.name == argv[2]:
                print(c.value)
                return 0
        return 1
    if cmd == "go":
        st, body, u = follow(op, argv[2])
    elif cmd == "submit" and len(argv) == 4:
        st, body, u = submit(op, argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    jar.save(ignore_discard=True, ignore_expires=True)
    print(st, u)
    print(body)
    return 0 if 200 <= st < 400 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
