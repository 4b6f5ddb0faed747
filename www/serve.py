#!/usr/bin/env python3
"""Serves the approval-chain preview: www/ at /, the npm package's browser build at /pkg/.

A plain static server (the standard library's http.server) that knows `.wasm` is application/wasm
and tells the browser not to cache, so a rebuilt module is picked up on reload.

    python3 www/serve.py            # http://127.0.0.1:8080
    PORT=9000 python3 www/serve.py  # PORT overrides; PORT=0 picks a free port
"""
import http.server
import os
import posixpath
import sys
import urllib.parse

ROOT = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(ROOT)
MOUNTS = {"/pkg/": os.path.join(REPO, "pkg")}


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".svg": "image/svg+xml",
    }

    def translate_path(self, path):
        path = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
        for prefix, directory in MOUNTS.items():
            if path.startswith(prefix):
                return self._under(directory, path[len(prefix):])
        return self._under(ROOT, path)

    @staticmethod
    def _under(directory, rel):
        # Normalised and kept inside `directory`: `..` cannot climb out.
        parts = [p for p in posixpath.normpath("/" + rel).split("/") if p and p not in (".", "..")]
        return os.path.join(directory, *parts)

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, fmt, *args):
        if os.environ.get("QUIET") != "1":
            super().log_message(fmt, *args)


def main():
    port = int(os.environ.get("PORT", "8080"))
    if not os.path.exists(os.path.join(REPO, "pkg", "web", "release_policy.js")):
        sys.exit("pkg/web is missing: run `make pkg` first (make run does it)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"Preview: http://127.0.0.1:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
