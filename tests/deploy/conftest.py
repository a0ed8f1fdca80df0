"""Shared fixtures for the deployment checks: the template, the code's own description, events."""
import json
import os
import pathlib
import subprocess

import pytest
from cfnlint.decode import cfn_yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "events-corpus"


@pytest.fixture(scope="session")
def template():
    return cfn_yaml.load(str(ROOT / "template.yaml"))


@pytest.fixture(scope="session")
def described():
    """What the code says each function calls and reads (`autopilot describe`)."""
    binary = os.environ.get("AUTOPILOT", str(ROOT / "target" / "debug" / "autopilot"))
    return json.loads(subprocess.run([binary, "describe"], check=True, capture_output=True, text=True).stdout)


def load_events():
    """Our samples and, when present, the published corpus: name -> EventBridge event."""
    files = sorted((ROOT / "events").glob("*.json"))
    if CORPUS.is_dir():
        files += sorted(CORPUS.glob("*/*.json"))
    else:
        print(f"NOTICE: {CORPUS} is absent; corpus events skipped")
    events = {}
    for path in files:
        try:
            event = json.loads(path.read_text())
        except ValueError:
            continue
        if isinstance(event, dict) and {"source", "detail-type", "detail"} <= event.keys():
            events[path.name] = event
    return events
