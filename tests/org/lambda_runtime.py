"""A function as Lambda runs it: its binary started with the environment Lambda gives it (the
template's variables, the reserved ones, its role's credentials), talking to a Lambda
Runtime API stand-in, kept warm between invocations, and stopped at its timeout."""
import http.server
import json
import queue
import subprocess
import threading
import time
import uuid

RUNTIME = "/2018-06-01/runtime"


class Invocation:
    def __init__(self, event, deadline_ms):
        self.id = str(uuid.uuid4())
        self.event = event
        self.deadline_ms = deadline_ms
        self.done = threading.Event()
        self.response = None
        self.error = None


class _Api(http.server.BaseHTTPRequestHandler):
    def log_message(self, *_):
        pass

    def _reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        host = self.server.host
        if self.path != f"{RUNTIME}/invocation/next":
            return self._reply(404)
        invocation = host.pending.get()
        host.current = invocation
        self._reply(200, json.dumps(invocation.event).encode(), {
            "Lambda-Runtime-Aws-Request-Id": invocation.id,
            "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": host.function_arn,
            "Lambda-Runtime-Trace-Id": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};Sampled=0",
            "Content-Type": "application/json",
        })

    def do_POST(self):
        host = self.server.host
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        invocation = host.current
        if self.path.endswith("/init/error"):
            host.init_error = body.decode(errors="replace")
        elif invocation and self.path == f"{RUNTIME}/invocation/{invocation.id}/response":
            invocation.response = json.loads(body) if body else None
            invocation.done.set()
        elif invocation and self.path == f"{RUNTIME}/invocation/{invocation.id}/error":
            invocation.error = json.loads(body) if body else {"errorMessage": "unknown"}
            invocation.done.set()
        else:
            return self._reply(404)
        self._reply(202)


class FunctionHost:
    """One deployed function: `invoke` runs an event through it as one Lambda invocation."""

    def __init__(self, binary, env, function_arn, timeout_s, log_path):
        self.binary = str(binary)
        self.env = env
        self.function_arn = function_arn
        self.timeout_s = timeout_s
        self.log_path = log_path
        self.pending = queue.Queue()
        self.current = None
        self.init_error = None
        self.process = None
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Api)
        self.server.host = self
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.lock = threading.Lock()

    def _start(self):
        if self.process and self.process.poll() is None:
            return
        env = {**self.env, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{self.server.server_address[1]}"}
        log = open(self.log_path, "a")
        self.process = subprocess.Popen([self.binary], env=env, stdout=log, stderr=subprocess.STDOUT)

    def invoke(self, event):
        """(response, error): the handler's answer, or Lambda's error (the function's, an
        init failure, or a timeout, which stops the process as Lambda does)."""
        with self.lock:
            self._start()
            deadline_ms = int((time.time() + self.timeout_s) * 1000)
            invocation = Invocation(event, deadline_ms)
            self.pending.put(invocation)
            finished = invocation.done.wait(self.timeout_s + 2)
            if not finished:
                self.stop()
                return None, {"errorType": "Sandbox.Timedout",
                              "errorMessage": f"Task timed out after {self.timeout_s} seconds"
                              + (f"; init error: {self.init_error}" if self.init_error else "")}
            return invocation.response, invocation.error

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
        # An invocation taken by a process that died is lost, as in Lambda.
        self.pending = queue.Queue()

    def close(self):
        self.stop()
        self.server.shutdown()
