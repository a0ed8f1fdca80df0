"""The Python baseline: what every peer's Lambda (boto3 on the Python runtime) does at start.

Module level, as in the peers' handlers: import boto3 and create the Detective and
Organizations clients. Then the runtime loop: ask the Runtime API for an event, answer it,
ask for the next. The benchmark measures process start to the first request (init) and the
peak RSS; it makes no AWS call, so it flatters Python if anything.
"""
import json
import os
import urllib.request

import boto3

detective = boto3.client("detective")
organizations = boto3.client("organizations")

API = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime/invocation"

while True:
    with urllib.request.urlopen(f"{API}/next") as invocation:
        request_id = invocation.headers["Lambda-Runtime-Aws-Request-Id"]
        json.load(invocation)
    answer = json.dumps({"status": "acted", "regions": [detective.meta.region_name]}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{API}/{request_id}/response", data=answer, method="POST")).close()
