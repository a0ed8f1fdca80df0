"""Real event shapes: every GuardDuty finding and Security Hub finding among our samples
(events/), the fuzzer's seeds (the same files, and the published corpus beside the checkout)
and its regression inputs is checked against the service's own model in botocore: GuardDuty's
`Finding` (the "GuardDuty Finding" event's detail is the finding, in the model's wire names)
and Security Hub's `AwsSecurityFinding` (each of "Security Hub Findings - Imported"'s
detail.findings): members, required members, types, enums and documented lengths.
Then every field path investigate-findings reads (`autopilot describe`'s event_fields) must
exist in those models, or be one of the few the models leave out, each named below with
where AWS documents it."""
import json
import os
import pathlib
import re
import subprocess

import pytest
from botocore.loaders import Loader

from check_traffic import Checker, iso8601

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "events-corpus"
AUTOPILOT = os.environ.get("AUTOPILOT", str(ROOT / "target" / "debug" / "autopilot"))

MODELS = {"guardduty": ("2017-11-28", "Finding"), "securityhub": ("2018-10-26", "AwsSecurityFinding")}

# Samples that are wrong on purpose: the check must find what is wrong with each.
MALFORMED = {
    "guardduty-finding-malformed-severity.json": "severity: expected a number",
}

# Fields GuardDuty's events carry that its API model does not describe, each documented.
OUTSIDE_THE_MODEL = {
    # "Sample findings are identified by the sample value true in additionalInfo" (GuardDuty
    # User Guide, "Sample findings"); the model's ServiceAdditionalInfo has Value and Type only.
    ("guardduty", "service.additionalInfo.sample"):
        "GuardDuty User Guide, Sample findings: additionalInfo.sample is true for a sample finding",
}
# In GuardDuty's events, service.additionalInfo is an open object (threatListName, unusual,
# sample, ...: GuardDuty User Guide, "Finding details"), where the API's ServiceAdditionalInfo
# carries it as JSON text in Value: its members are not checked.
OPEN_OBJECTS = {("guardduty", "service.additionalInfo")}
# "Length Constraints: ... Maximum length of 256." is in the documentation of many of Security
# Hub's members, not in their shapes (NonEmptyString has none): read from there.
DOCUMENTED_MAX = re.compile(r"Maximum length of ([0-9]+)")


def wire_members(shape):
    """A structure's members by the name they have on the wire (locationName), with the shape."""
    return {member.get("locationName", name): member for name, member in shape.get("members", {}).items()}


class EventShapes:
    """Values against a model's shapes, by wire names (GuardDuty's camelCase)."""

    def __init__(self):
        loader = Loader()
        self.models = {service: loader.load_service_model(service, "service-2", api_version=version)
                       for service, (version, _) in MODELS.items()}
        self.checker = Checker.__new__(Checker)
        self.checker.pattern_cache = {}
        self.checker.unchecked_patterns = set()

    def check(self, service, value, path=""):
        problems = []
        version, root = MODELS[service]
        self.service = service
        self._value(self.models[service], root, value, path, lambda where, what: problems.append(f"{where}: {what}"))
        return problems

    def _value(self, model, shape_name, value, path, report, documentation=""):
        shape = model["shapes"][shape_name]
        kind = shape["type"]
        if (self.service, path) in OPEN_OBJECTS:
            return None
        if kind == "structure":
            if not isinstance(value, dict):
                return report(path, f"expected an object ({shape_name}), found {type(value).__name__}")
            members = wire_members(shape)
            required = {shape["members"][name].get("locationName", name) for name in shape.get("required", [])}
            for name in sorted(required):
                if value.get(name) is None:
                    report(f"{path}.{name}".lstrip("."), f"required by {shape_name}, missing")
            for key, item in value.items():
                where = f"{path}.{key}".lstrip(".")
                # Events write an absent member as null.
                if item is None:
                    continue
                if key not in members:
                    if (self.service, where) not in OUTSIDE_THE_MODEL:
                        report(where, f"not a member of {shape_name}")
                    continue
                self._value(model, members[key]["shape"], item, where, report, members[key].get("documentation", ""))
        elif kind == "list":
            if not isinstance(value, list):
                return report(path, f"expected a list ({shape_name}), found {type(value).__name__}")
            Checker.size(shape, len(value), path, report, "items")
            for item in value:
                self._value(model, shape["member"]["shape"], item, f"{path}[]", report, documentation)
        elif kind == "map":
            if not isinstance(value, dict):
                return report(path, f"expected a map ({shape_name}), found {type(value).__name__}")
            Checker.size(shape, len(value), path, report, "entries")
            for key, item in value.items():
                self._value(model, shape["key"]["shape"], key, f"{path}{{key}}", report)
                self._value(model, shape["value"]["shape"], item, f"{path}.{key}", report)
        elif kind == "string":
            if not isinstance(value, str):
                return report(path, f"expected a string ({shape_name}), found {value!r}")
            if "enum" in shape and value not in shape["enum"]:
                report(path, f"{value!r} is not one of {shape_name}'s values {shape['enum']}")
            Checker.size(shape, len(value), path, report, "characters")
            documented = DOCUMENTED_MAX.search(documentation)
            if documented and "max" not in shape and len(value) > int(documented.group(1)):
                report(path, f"{len(value)} characters, more than the documented maximum {documented.group(1)}")
        elif kind in ("integer", "long"):
            if not isinstance(value, int) or isinstance(value, bool):
                return report(path, f"expected a whole number ({shape_name}), found {value!r}")
            Checker.range(shape, value, path, report)
        elif kind in ("double", "float"):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                return report(path, f"expected a number ({shape_name}), found {value!r}")
            Checker.range(shape, value, path, report)
        elif kind == "boolean":
            if not isinstance(value, bool):
                report(path, f"expected true or false ({shape_name}), found {value!r}")
        elif kind == "timestamp":
            if not (isinstance(value, str) and iso8601(value)) and not isinstance(value, (int, float)):
                report(path, f"expected a timestamp ({shape_name}), found {value!r}")

    def path_exists(self, service, path):
        """Whether a dotted field path (`[]` for a list's items) names a member of the model;
        a map's keys are free."""
        model = self.models[service]
        shape_name = MODELS[service][1]
        for part in path.split("."):
            shape = model["shapes"][shape_name]
            while shape["type"] == "list":
                shape_name = shape["member"]["shape"]
                shape = model["shapes"][shape_name]
            if shape["type"] == "map":
                shape_name = shape["value"]["shape"]
                continue
            name = part.removesuffix("[]")
            members = wire_members(shape)
            if shape["type"] != "structure" or name not in members:
                return False
            shape_name = members[name]["shape"]
            if part.endswith("[]") and model["shapes"][shape_name]["type"] != "list":
                return False
        return True


@pytest.fixture(scope="module")
def shapes():
    return EventShapes()


def event_files():
    """Our samples, the fuzzer's seeds and regression inputs: name -> event."""
    files = sorted((ROOT / "events").rglob("*.json"))
    files += sorted((ROOT / "fuzz" / "regressions").rglob("*.json"))
    if CORPUS.is_dir():
        files += sorted(CORPUS.rglob("*.json"))
    else:
        print(f"NOTICE: {CORPUS} is absent; corpus events skipped")
    found = {}
    for path in files:
        try:
            found[str(path.relative_to(ROOT.parent))] = json.loads(path.read_text())
        except ValueError:
            continue
    return found


def findings(event):
    """(service, path, value) of each finding an event carries."""
    if not isinstance(event, dict) or not isinstance(event.get("detail"), dict):
        return []
    if event.get("source") == "aws.guardduty" and event.get("detail-type") == "GuardDuty Finding":
        return [("guardduty", "detail", event["detail"])]
    if event.get("source") == "aws.securityhub" and isinstance(event["detail"].get("findings"), list):
        return [("securityhub", f"detail.findings[{index}]", finding)
                for index, finding in enumerate(event["detail"]["findings"])]
    return []


# Published payloads of others that their services' models do not describe exactly; each is
# kept as published (never "fixed"), and what differs is named.
CORPUS_DEVIATIONS = {
    # SOURCES.md: "organization.asn is NUMBER -1 (elsewhere string "-1")".
    "cloud-custodian_iam-duty-event_UnauthorizedAccess-IAMUser-TorIPCaller_IAMUser_envelope-debug.json": {
        "service.action.awsApiCallAction.remoteIpDetails.organization.asn"},
    # A Security Hub custom action's copy, as cloud-custodian's test data keeps it: two
    # lower-case members AwsSecurityFinding does not have.
    "cloud-custodian_securityhub-custom-action_GuardDuty-IAMUser-ConsoleLogin_ASFF.json": {
        "approximateArrivalTimestamp", "updatedAt"},
}


def test_every_sample_finding_has_its_services_model_shape(shapes):
    checked, problems = 0, []
    for name, event in event_files().items():
        base = pathlib.Path(name).name
        if "regressions" in name or "/non-native/" in name or "/invalid-as-published/" in name:
            # Fuzzer crash inputs (absurd on purpose, replayed by tests/fuzz_regressions.rs),
            # and shapes AWS never sends (the corpus's SOURCES.md): no model describes them.
            continue
        for service, where, finding in findings(event):
            checked += 1
            found = shapes.check(service, finding)
            if base in MALFORMED:
                assert any(MALFORMED[base] in problem for problem in found), (name, found)
                continue
            allowed = CORPUS_DEVIATIONS.get(base, set())
            found = [problem for problem in found if problem.split(":")[0] not in allowed]
            problems += [f"{name} {where}.{problem}" for problem in found]
    assert checked >= 10
    assert problems == [], "\n".join(problems)


def test_the_check_finds_each_kind_of_violation(shapes):
    finding = json.loads((ROOT / "events" / "guardduty-finding-iam-user-first-delivery.json").read_text())["detail"]
    cases = {
        "accountId": (None, "required by Finding, missing"),
        "severity": ("8", "expected a number"),
        "resource": ([], "expected an object"),
        "invented": (1, "not a member of Finding"),
    }
    for field, (value, expected) in cases.items():
        changed = dict(finding)
        if value is None:
            changed.pop(field)
        else:
            changed[field] = value
        found = shapes.check("guardduty", changed)
        assert any(expected in problem and problem.startswith(field) for problem in found), (field, found)
    asff = json.loads((ROOT / "events" / "securityhub-guardduty-finding-imported.json").read_text())["detail"]["findings"][0]
    long_title = dict(asff, Title="x" * 257)
    assert any(p.startswith("Title: 257 characters, more than the documented maximum 256")
               for p in shapes.check("securityhub", long_title))
    bad_state = dict(asff, RecordState="GONE")
    assert any("not one of" in p for p in shapes.check("securityhub", bad_state))


@pytest.fixture(scope="module")
def event_fields():
    described = json.loads(subprocess.run([AUTOPILOT, "describe"], check=True, capture_output=True, text=True).stdout)
    return described["investigate-findings"]["event_fields"]


def test_every_field_the_code_reads_is_in_the_services_model(shapes, event_fields):
    assert set(event_fields) == {"guardduty", "securityhub"}
    outside = set()
    for service, paths in event_fields.items():
        assert paths, service
        for path in paths:
            if not shapes.path_exists(service, path):
                outside.add((service, path))
    # Exactly the documented exceptions: a new one must be explained here, and a stale one goes.
    assert outside == set(OUTSIDE_THE_MODEL), sorted(outside ^ set(OUTSIDE_THE_MODEL))


def test_a_path_the_model_lacks_is_caught(shapes):
    assert shapes.path_exists("guardduty", "service.detection.sequence.actors[].session.issuer")
    assert not shapes.path_exists("guardduty", "service.detection.sequence.actors[].session.issuerArn")
    assert shapes.path_exists("securityhub", "ProductFields.aws/guardduty/service/additionalInfo/sample")
    assert not shapes.path_exists("securityhub", "Detection.Sequence.Actors[].User.Owner")
    assert re.fullmatch(r"\w+", "x")
