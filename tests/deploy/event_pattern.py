"""EventBridge's pattern matching, as moto implements it, with the one difference from
EventBridge that our patterns meet corrected (arrays of objects)."""
import contextlib
import json
from unittest import mock

from moto.events.models import EventPattern


def flatten_like_eventbridge(node, prefix="", result=None):
    """moto's EventPattern._flatten_dict, except that an array of objects is flattened too,
    as EventBridge does: each field's values across the elements are gathered in one list,
    which a pattern field matches when any of them does. moto (5.2) keeps such an array as one
    opaque value, so no pattern could reach into Security Hub's detail.findings."""
    if result is None:
        result = {}
    if isinstance(node, dict):
        for k, v in node.items():
            key = f"{prefix}.{k}" if prefix else k
            if isinstance(v, dict) and v:
                flatten_like_eventbridge(v, key, result)
            elif isinstance(v, list) and any(isinstance(item, dict) for item in v):
                for item in v:
                    fields = flatten_like_eventbridge(item, key) if isinstance(item, dict) else {key: item}
                    for field, value in fields.items():
                        result.setdefault(field, []).extend(value if isinstance(value, list) else [value])
            else:
                result[key] = v
    return result


@contextlib.contextmanager
def eventbridge_flattening():
    """moto's matcher (its EventBridge too, under mock_aws) flattening as EventBridge does."""
    with mock.patch.object(EventPattern, "_flatten_dict", staticmethod(flatten_like_eventbridge)):
        yield


def matches(pattern, event):
    """Whether the rule pattern (a dict or its JSON) matches the event."""
    with eventbridge_flattening():
        return EventPattern.load(pattern if isinstance(pattern, str) else json.dumps(pattern)).matches_event(event)
