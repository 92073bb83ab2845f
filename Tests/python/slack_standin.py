"""A stand-in for Slack's incoming webhooks: a real HTTP server on loopback that records each
request and answers from a script of (status, headers, body) responses."""
import http.server
import json
import threading
import time


class SlackStandIn:
    def __init__(self, responses=None):
        self.responses = list(responses or [])
        self.requests = []
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                standin.requests.append({"time": time.monotonic(), "path": self.path,
                                         "content_type": self.headers.get("Content-Type", ""), "body": body})
                status, headers, text = standin.responses.pop(0) if standin.responses else (200, {}, "ok")
                payload = text.encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # The path carries the webhook's secret token, as Slack's does.
    TOKEN = "T0TEST/B0TEST/s3cr3tW3bh00kT0k3n"

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/services/{self.TOKEN}"

    def payloads(self):
        return [json.loads(request["body"]) for request in self.requests]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
