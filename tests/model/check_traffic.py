"""The sandbox checked against the official service models.

Every call the sandbox served during a test run is in $SANDBOX_TRAFFIC_DIR (one JSON line
per exchange). Each request our code sent and each response the sandbox returned is checked
against botocore's packaged models (loaded from the installed package, never copied):
the operation's HTTP method and URI, required members, types, enums, string lengths and
patterns, numeric ranges, list and map sizes, unknown members, timestamp formats, and for
errors the code (declared by the operation, or one AWS documents as common to every
operation), its HTTP status and its members.

    python tests/model/check_traffic.py DIR [DIR ...]

Prints what was checked per operation; exits 1 naming the operation, the member path and
the constraint of every violation, or when there was nothing to check.
"""
import collections
import datetime
import json
import pathlib
import re
import sys
import xml.etree.ElementTree as ElementTree

from botocore.loaders import Loader

# The traffic log's service names are the IAM action prefixes; each is checked against the
# botocore model of that name: detective/2018-10-26, organizations/2016-11-28, iam/2010-05-08,
# sts/2011-06-15, sqs/2012-11-05 (json), events/2015-10-07 (json), securityhub/2018-10-26
# (rest-json), cloudtrail/2013-11-01 (json).
MODELS = {
    "detective": "2018-10-26", "organizations": "2016-11-28", "iam": "2010-05-08", "sts": "2011-06-15",
    "sqs": "2012-11-05", "events": "2015-10-07", "securityhub": "2018-10-26", "cloudtrail": "2013-11-01",
}
SERVICES = tuple(MODELS)

# Errors every AWS API may return besides the operation's own (the API references' "Common
# Errors"). Detective's own TooManyRequestsException is declared on only some operations;
# which code throttling takes on the others is not documented, so it is accepted on all.
COMMON_ERRORS = {
    "AccessDeniedException", "IncompleteSignature", "InternalFailure", "InvalidAction",
    "InvalidClientTokenId", "NotAuthorized", "OptInRequired", "RequestExpired",
    "ServiceUnavailable", "ThrottlingException", "ValidationError",
}
# IAM and STS spell it AccessDenied ("An error occurred (AccessDenied) when calling the
# AssumeRole operation: ... is not authorized to perform: sts:AssumeRole"). SQS's API
# reference lists InvalidParameterValue and MissingParameter among its common errors (an
# out-of-range DelaySeconds, a missing MessageBody), which its model declares on no
# operation. EventBridge answers a request off the model's constraints (more than 10
# entries, entries over 256 KB) with ValidationException, which its model does not declare.
SERVICE_WIDE_ERRORS = {
    "detective": {"TooManyRequestsException"}, "sts": {"AccessDenied"}, "iam": {"AccessDenied"},
    "sqs": {"InvalidParameterValue", "MissingParameter"}, "events": {"ValidationException"},
}
COMMON_STATUS = {"AccessDeniedException": 400, "AccessDenied": 403, "InternalFailure": 500,
                 "ServiceUnavailable": 503, "ThrottlingException": 400, "ValidationError": 400}
# Protocol fields of JSON error bodies, besides the error shape's members.
JSON_ERROR_FIELDS = {"__type", "message", "Message", "code"}


class Checker:
    def __init__(self):
        loader = Loader()
        self.models = {name: loader.load_service_model(name, "service-2", api_version=version)
                       for name, version in MODELS.items()}
        self.problems = collections.Counter()
        self.examples = {}
        self.checked = collections.Counter()
        self.unchecked_patterns = set()
        self.pattern_cache = {}

    # ---------- reporting ----------
    def problem(self, where, message, source):
        key = f"{where}: {message}"
        self.problems[key] += 1
        self.examples.setdefault(key, source)

    # ---------- values against shapes ----------
    def pattern(self, text):
        if text not in self.pattern_cache:
            try:
                self.pattern_cache[text] = re.compile(text)
            except re.error:
                self.pattern_cache[text] = None
                self.unchecked_patterns.add(text)
        return self.pattern_cache[text]

    def value(self, model, shape_name, value, path, report, timestamp_format, ignore=()):
        shape = model["shapes"][shape_name]
        kind = shape["type"]
        if kind == "structure":
            if not isinstance(value, dict):
                return report(path, f"expected an object ({shape_name}), found {type(value).__name__}")
            members = shape.get("members", {})
            for required in shape.get("required", []):
                if required in ignore or members.get(required, {}).get("location"):
                    continue
                if value.get(required) is None:
                    report(f"{path}.{required}", f"required by {shape_name}, missing")
            for key, item in value.items():
                if key in ignore:
                    continue
                if key not in members:
                    report(f"{path}.{key}", f"not a member of {shape_name}")
                    continue
                member = members[key]
                fmt = member.get("timestampFormat", timestamp_format)
                self.value(model, member["shape"], item, f"{path}.{key}", report, fmt)
        elif kind == "list":
            if not isinstance(value, list):
                return report(path, f"expected a list ({shape_name}), found {type(value).__name__}")
            self.size(shape, len(value), path, report, "items")
            for index, item in enumerate(value):
                self.value(model, shape["member"]["shape"], item, f"{path}[{index}]", report, timestamp_format)
        elif kind == "map":
            if not isinstance(value, dict):
                return report(path, f"expected a map ({shape_name}), found {type(value).__name__}")
            self.size(shape, len(value), path, report, "entries")
            for key, item in value.items():
                self.value(model, shape["key"]["shape"], key, f"{path}{{key {key!r}}}", report, timestamp_format)
                self.value(model, shape["value"]["shape"], item, f"{path}[{key!r}]", report, timestamp_format)
        elif kind == "string":
            if not isinstance(value, str):
                return report(path, f"expected a string ({shape_name}), found {value!r}")
            if "enum" in shape and value not in shape["enum"]:
                report(path, f"{value!r} is not one of {shape_name}'s values {shape['enum']}")
            self.size(shape, len(value), path, report, "characters")
            if "pattern" in shape:
                compiled = self.pattern(shape["pattern"])
                if compiled is not None and not compiled.search(value):
                    report(path, f"{value!r} does not match {shape_name}'s pattern {shape['pattern']}")
        elif kind in ("integer", "long"):
            if not isinstance(value, int) or isinstance(value, bool):
                return report(path, f"expected a whole number ({shape_name}), found {value!r}")
            self.range(shape, value, path, report)
        elif kind in ("double", "float"):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                return report(path, f"expected a number ({shape_name}), found {value!r}")
            self.range(shape, value, path, report)
        elif kind == "boolean":
            if not isinstance(value, bool):
                report(path, f"expected true or false ({shape_name}), found {value!r}")
        elif kind == "timestamp":
            fmt = shape.get("timestampFormat", timestamp_format)
            if fmt == "unixTimestamp":
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    report(path, f"expected epoch seconds ({shape_name}), found {value!r}")
            elif not isinstance(value, str) or not iso8601(value):
                report(path, f"expected an ISO 8601 timestamp ({shape_name}), found {value!r}")
        elif kind == "blob":
            if not isinstance(value, str):
                report(path, f"expected base64 text ({shape_name}), found {value!r}")

    @staticmethod
    def size(shape, size, path, report, unit):
        if "min" in shape and size < shape["min"]:
            report(path, f"{size} {unit}, fewer than the minimum {shape['min']}")
        if "max" in shape and size > shape["max"]:
            report(path, f"{size} {unit}, more than the maximum {shape['max']}")

    @staticmethod
    def range(shape, value, path, report):
        if "min" in shape and value < shape["min"]:
            report(path, f"{value} is below the minimum {shape['min']}")
        if "max" in shape and value > shape["max"]:
            report(path, f"{value} is above the maximum {shape['max']}")

    # ---------- one exchange ----------
    def exchange(self, record, source):
        service = record["service"]
        model = self.models.get(service)
        operation = record["operation"]
        where = f"{service} {operation}"
        if model is None or operation not in model["operations"]:
            self.problem(where, "not an operation of the service model", source)
            return
        self.checked[(service, operation)] += 1
        op = model["operations"][operation]
        protocol = model["metadata"]["protocol"]
        request_report = lambda path, message: self.problem(f"{where} request {path}", message, source)
        response_report = lambda path, message: self.problem(f"{where} response {path}", message, source)
        body_format = "iso8601" if protocol == "query" else "unixTimestamp"
        input_shape = op.get("input", {}).get("shape")
        if protocol == "rest-json":
            self.rest_request(model, op, record, input_shape, request_report, body_format)
        elif protocol == "json":
            if input_shape:
                self.value(model, input_shape, record["request"], "", request_report, body_format)
        elif protocol == "query":
            self.query_request(model, op, record, input_shape, request_report)
        if 200 <= record["status"] < 300:
            expected = op["http"].get("responseCode", 200)
            if record["status"] != expected:
                response_report("", f"status {record['status']}, the model says {expected}")
            self.success(model, op, record, protocol, response_report, body_format)
        else:
            self.error(model, service, op, record, protocol, response_report)

    def rest_request(self, model, op, record, input_shape, report, body_format):
        http = op["http"]
        if record["method"] != http["method"]:
            report("", f"method {record['method']}, the model says {http['method']}")
        template = http["requestUri"].split("?")[0]
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if not re.match(pattern, record["path"]):
            report("", f"path {record['path']}, the model says {template}")
        if not input_shape:
            return
        members = model["shapes"][input_shape].get("members", {})
        located = {name for name, member in members.items() if member.get("location")}
        located |= {member.get("locationName") for member in members.values() if member.get("location")}
        body = {key: value for key, value in record["request"].items() if key not in located}
        self.value(model, input_shape, body, "", report, body_format, ignore=located)

    def query_request(self, model, op, record, input_shape, report):
        params = dict(record["request"])
        if params.pop("Version", None) != model["metadata"]["apiVersion"]:
            report("Version", f"is not {model['metadata']['apiVersion']}")
        params.pop("Action", None)
        if input_shape:
            value = unflatten(model, input_shape, "", params)
            for leftover in sorted(params):
                report(leftover, "not a parameter of the operation")
            self.value(model, input_shape, value, "", report, "iso8601")

    def success(self, model, op, record, protocol, report, body_format):
        output = op.get("output", {}).get("shape")
        response = record["response"]
        if protocol == "query":
            value = parse_query_response(model, record["operation"], op, response, report)
            if output is not None and value is not None:
                self.value(model, output, value, "", report, "iso8601")
            return
        if output is None:
            if response not in ({}, None):
                report("", f"the operation returns nothing, the sandbox sent {response!r}")
            return
        members = model["shapes"][output].get("members", {})
        located = {name for name, member in members.items() if member.get("location")}
        self.value(model, output, response, "", report, body_format, ignore=located)

    def error(self, model, service, op, record, protocol, report):
        response = record["response"]
        if protocol == "query":
            code, body = parse_query_error(response, report)
        else:
            code, body = response.get("__type", ""), response
        code = code.split("#")[-1]
        declared = {}
        for error in op.get("errors", []):
            shape = model["shapes"][error["shape"]]
            declared[shape.get("error", {}).get("code", error["shape"])] = error["shape"]
        if code in declared:
            shape_name = declared[code]
            shape = model["shapes"][shape_name]
            trait = shape.get("error", {})
            if protocol == "json":
                expected = 500 if shape.get("fault") else 400
            else:
                expected = trait.get("httpStatusCode", 500 if shape.get("fault") else 400)
            if record["status"] != expected:
                report("", f"{code} with status {record['status']}, the model says {expected}")
            if protocol != "query":
                self.value(model, shape_name, body, f"[{code}]", report, "unixTimestamp", ignore=JSON_ERROR_FIELDS)
        elif code in COMMON_ERRORS or code in SERVICE_WIDE_ERRORS.get(service, set()):
            if code in COMMON_STATUS and protocol == "query" and record["status"] not in (COMMON_STATUS[code], 403):
                report("", f"{code} with status {record['status']}")
        else:
            report("", f"error {code!r} is neither declared by the operation nor a common AWS error")


def iso8601(text):
    try:
        datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def unflatten(model, shape_name, prefix, params):
    """awsQuery parameters (`Name`, `List.member.1`, `Struct.Member`) back into a value,
    removing what it uses from `params`."""
    shape = model["shapes"][shape_name]
    kind = shape["type"]
    if kind == "structure":
        value = {}
        for name, member in shape.get("members", {}).items():
            key = f"{prefix}{member.get('locationName', name)}"
            if any(p == key or p.startswith(key + ".") for p in params):
                value[name] = unflatten(model, member["shape"], key, params)
        return value
    if kind == "list":
        items, index = [], 1
        while any(p == f"{prefix}.member.{index}" or p.startswith(f"{prefix}.member.{index}.") for p in params):
            items.append(unflatten(model, shape["member"]["shape"], f"{prefix}.member.{index}", params))
            index += 1
        params.pop(prefix, None)  # an empty list is sent as `Name=`
        return items
    text = params.pop(prefix, None)
    return scalar(kind, text)


def scalar(kind, text):
    if text is None:
        return None
    if kind in ("integer", "long"):
        return int(text) if re.fullmatch(r"-?\d+", text) else text
    if kind in ("double", "float"):
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, text)
    return text


def strip(tag):
    return tag.split("}")[-1]


def parse_query_response(model, operation, op, text, report):
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        report("", f"not XML: {error}")
        return None
    if strip(root.tag) != f"{operation}Response":
        report("", f"root element {strip(root.tag)}, expected {operation}Response")
    wrapper = op.get("output", {}).get("resultWrapper")
    result = next((child for child in root if strip(child.tag) == wrapper), None)
    if result is None:
        report("", f"no {wrapper} element")
        return None
    return from_xml(model, op["output"]["shape"], result, "", report)


def from_xml(model, shape_name, element, path, report):
    shape = model["shapes"][shape_name]
    kind = shape["type"]
    if kind == "structure":
        members = shape.get("members", {})
        names = {member.get("locationName", name): name for name, member in members.items()}
        value = {}
        for child in element:
            tag = strip(child.tag)
            if tag not in names:
                report(f"{path}.{tag}", f"not a member of {shape_name}")
                continue
            name = names[tag]
            value[name] = from_xml(model, members[name]["shape"], child, f"{path}.{name}", report)
        return value
    if kind == "list":
        return [from_xml(model, shape["member"]["shape"], child, f"{path}[{i}]", report)
                for i, child in enumerate(element) if strip(child.tag) == "member"]
    return scalar(kind, element.text or "")


def parse_query_error(text, report):
    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, TypeError) as error:
        report("", f"error document is not XML: {error}")
        return "", {}
    code = root.find(".//Error/Code")
    return (code.text if code is not None else ""), {}


def main(dirs):
    checker = Checker()
    files = sorted(path for folder in dirs for path in pathlib.Path(folder).glob("*.jsonl"))
    exchanges = 0
    for path in files:
        with open(path) as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                checker.exchange(json.loads(line), f"{path.name}:{number}")
                exchanges += 1
    by_service = collections.defaultdict(list)
    for (service, operation), count in sorted(checker.checked.items()):
        by_service[service].append(f"{operation} {count}")
    print(f"model check: {exchanges} exchanges from {len(files)} sandboxes, against botocore's models")
    for service, operations in sorted(by_service.items()):
        print(f"  {service}: {', '.join(operations)}")
    for pattern in sorted(checker.unchecked_patterns):
        print(f"  note: pattern not expressible in Python's re, not checked: {pattern}")
    if exchanges == 0:
        print("model check: no traffic recorded; was SANDBOX_TRAFFIC_DIR set for the tests?")
        return 1
    if checker.problems:
        print(f"model check: {sum(checker.problems.values())} violations ({len(checker.problems)} distinct):")
        for key, count in checker.problems.most_common():
            print(f"  {key} [{count}x, e.g. {checker.examples[key]}]")
        return 1
    print("model check: every request and response conforms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
