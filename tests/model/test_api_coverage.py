"""The README's "Every Detective operation" table names every operation of botocore's
Detective model, and nothing else."""
import pathlib
import re

from botocore.loaders import Loader

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def table_operations():
    text = README.read_text()
    section = text.split("## Every Detective operation", 1)[1].split("\n## ", 1)[0]
    return {match.group(1) for match in re.finditer(r"^\| ([A-Z][A-Za-z]+) \|", section, re.MULTILINE)}


def test_every_detective_operation_is_used_or_deliberately_left_out():
    model = set(Loader().load_service_model("detective", "service-2")["operations"])
    listed = table_operations()
    assert model - listed == set(), "operations the README does not account for"
    assert listed - model == set(), "operations the model does not have"
