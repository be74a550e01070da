#!/usr/bin/env python3
"""A stand-in application behind nginx: answers every request with a JSON
object of its method, path and headers (names in lower case; a repeated
header's values joined with ", "), one member a line.  Usage: echo_upstream.py PORT"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        # The whole body is read before answering, so that the proxy never
        # meets a closed connection while it still sends (a 502).
        n, got = int(self.headers.get("Content-Length") or 0), 0
        while got < n:
            chunk = self.rfile.read(min(65536, n - got))
            if not chunk:
                break
            got += len(chunk)
        headers = {}
        for k, v in self.headers.items():
            k = k.lower()
            headers[k] = headers[k] + ", " + v if k in headers else v
        out = json.dumps({"method": self.command, "path": self.path,
                          "headers": headers, "body_bytes": got},
                         sort_keys=True, indent=1).encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = answer

    def log_message(self, fmt, *args):
        sys.stderr.write("%s\n" % (fmt % args))


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Echo).serve_forever()
