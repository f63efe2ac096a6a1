"""A real HTTP subscriber in a thread of the test process: it records every request and answers
what the test tells it (a status, a huge body, or nothing for a while)."""

import contextlib
import http.server
import ssl
import threading
import time


class Subscriber:
    def __init__(self, tls: ssl.SSLContext | None = None):
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []  # answered in turn; then ``default``
        self.default = 200
        self.huge = False
        self.hang = 0.0
        subscriber = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                subscriber.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                if subscriber.hang:
                    time.sleep(subscriber.hang)
                status = subscriber.statuses.pop(0) if subscriber.statuses else subscriber.default
                self.send_response(status)
                if subscriber.huge:
                    self.send_header("Content-Length", str(1 << 30))
                    self.end_headers()
                    chunk = b"x" * 65536
                    try:
                        for _ in range(1 << 14):
                            self.wfile.write(chunk)
                    except OSError:
                        pass
                    return
                self.send_header("Content-Length", "2")
                self.end_headers()
                with contextlib.suppress(OSError):  # the platform stopped waiting (the timeout test)
                    self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_address[1]}/hooks/tinhso"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
