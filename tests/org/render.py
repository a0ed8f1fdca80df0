"""A stack as CloudFormation would create it: the template (SAM's transform run locally, as
`sam_transform.py` does for checkov), then every condition, intrinsic function and
parameter resolved for one account and region by cloud-radar (a maintained CloudFormation
renderer), with the physical names and attributes CloudFormation gives resources that name
none of their own.

CloudFormation's generated names are `<stack>-<logical id>-<random>`, cut to the resource
type's limit. How it cuts a long one is not documented; here the stack name gives way
first (what names seen in accounts look like), and the random part is derived from the
stack and logical id, so that a run is repeatable."""
import copy
import hashlib
import json
import pathlib

from cloud_radar.cf.unit import Template

from sam_transform import transformed

ROOT = pathlib.Path(__file__).resolve().parents[2]

# The most characters CloudFormation may give each kind of generated name.
NAME_LIMITS = {
    "AWS::IAM::Role": 64,
    "AWS::Lambda::Function": 64,
    "AWS::SQS::Queue": 80,
    "AWS::Events::Rule": 64,
    "AWS::SNS::Topic": 256,
}


class Refused(Exception):
    """CloudFormation would refuse to create the stack (a parameter, or a Rules assertion)."""


def generated_name(stack, logical_id, limit, where=""):
    digest = hashlib.sha256(f"{where}/{stack}/{logical_id}".encode()).hexdigest().upper()
    suffix = "".join(c for c in digest if c.isalnum())[:12]
    room = limit - len(suffix) - 2
    logical = logical_id[:room]
    prefix = stack[: max(0, room - len(logical))]
    return f"{prefix}-{logical}-{suffix}" if prefix else f"{logical}-{suffix}"


class Stack:
    """One deployed stack: its resources as CloudFormation made them."""

    def __init__(self, name, account, region, partition, parameters, resources, outputs):
        self.name = name
        self.id = stack_id(name, account, region, partition)
        self.account = account
        self.region = region
        self.partition = partition
        self.parameters = parameters
        self.resources = resources
        self.outputs = outputs

    def __repr__(self):
        return f"stack {self.name} ({self.account}, {self.region})"

    def of_type(self, kind):
        return {name: r for name, r in self.resources.items() if r["Type"] == kind}

    def role_id(self, arn):
        """The logical id of the stack's IAM role with this ARN, or None."""
        return next((name for name, role in self.of_type("AWS::IAM::Role").items()
                     if role["Attributes"]["Arn"] == arn), None)

    def physical(self, logical_id):
        return self.resources[logical_id]["Physical"]


def _attributes(kind, stack, logical_id, properties, account, region, partition):
    """Ref and Fn::GetAtt values of a resource, as CloudFormation gives them."""
    arn = f"arn:{partition}"
    name = properties.get("RoleName") or properties.get("FunctionName") or properties.get("QueueName") \
        or properties.get("Name")
    if isinstance(name, dict):
        name = None
    if kind in NAME_LIMITS and not name:
        # Unique per account and region, as CloudFormation's are (IAM's names are global).
        name = generated_name(stack, logical_id, NAME_LIMITS[kind], f"{account}/{region}")
    if kind == "AWS::IAM::Role":
        path = properties.get("Path", "/")
        role_arn = f"{arn}:iam::{account}:role{path}{name}"
        return {"ref": name, "attribute-values": {"Arn": role_arn, "RoleId": f"AROA{hashlib.md5(role_arn.encode()).hexdigest()[:16].upper()}"}}
    if kind == "AWS::Lambda::Function":
        return {"ref": name, "attribute-values": {"Arn": f"{arn}:lambda:{region}:{account}:function:{name}"}}
    if kind == "AWS::SQS::Queue":
        return {"ref": f"https://sqs.{region}.amazonaws.com/{account}/{name}",
                "attribute-values": {"Arn": f"{arn}:sqs:{region}:{account}:{name}", "QueueName": name,
                                     "QueueUrl": f"https://sqs.{region}.amazonaws.com/{account}/{name}"}}
    if kind == "AWS::Events::Rule":
        return {"ref": name, "attribute-values": {"Arn": f"{arn}:events:{region}:{account}:rule/{name}"}}
    if kind == "AWS::SNS::Topic":
        topic = f"{arn}:sns:{region}:{account}:{name}"
        return {"ref": topic, "attribute-values": {"TopicArn": topic, "TopicName": name}}
    if kind == "AWS::KMS::Key":
        key = hashlib.md5(f"{account}/{region}/{stack}/{logical_id}".encode()).hexdigest()
        key_id = f"{key[:8]}-{key[8:12]}-{key[12:16]}-{key[16:20]}-{key[20:]}"
        return {"ref": key_id, "attribute-values": {"Arn": f"{arn}:kms:{region}:{account}:key/{key_id}", "KeyId": key_id}}
    if kind == "AWS::Logs::LogGroup":
        return {"attribute-values": {"Arn": f"{arn}:logs:{region}:{account}:log-group:{logical_id}:*"}}
    return {"ref": generated_name(stack, logical_id, 128, f"{account}/{region}")}


def _check_rules(template, parameters, region, account, partition):
    """The template's Rules, as CloudFormation checks them before creating anything: each rule
    whose RuleCondition holds must have every Assert hold."""
    rules = template.get("Rules") or {}
    if not rules:
        return
    probe = {"Parameters": template["Parameters"], "Conditions": {}, "Resources": {"Probe": {
        "Type": "AWS::CloudFormation::WaitConditionHandle", "Properties": {"Rules": {}}}}}
    for name, rule in rules.items():
        probe["Conditions"][f"{name}Applies"] = rule.get("RuleCondition", {"Fn::Equals": ["a", "a"]})
        for index, assertion in enumerate(rule["Assertions"]):
            probe["Conditions"][f"{name}Assert{index}"] = assertion["Assert"]
    rendered = _render(probe, parameters, region, account, partition, "rules")
    conditions = rendered["Conditions"]
    for name, rule in rules.items():
        if not conditions[f"{name}Applies"]:
            continue
        for index, assertion in enumerate(rule["Assertions"]):
            if not conditions[f"{name}Assert{index}"]:
                raise Refused(f"rule {name}: {assertion.get('AssertDescription', 'assertion failed')}")


def stack_id(stack_name, account, region, partition):
    unique = hashlib.sha256(f"{account}/{region}/{stack_name}".encode()).hexdigest()
    return (f"arn:{partition}:cloudformation:{region}:{account}:stack/{stack_name}/"
            f"{unique[:8]}-{unique[8:12]}-{unique[12:16]}-{unique[16:20]}-{unique[20:32]}")


# cloud-radar's AWS::NoValue is "" by default, which would also drop every property that is
# really an empty string (an empty environment variable): a value of its own, removed from
# lists too (CloudFormation removes a list's NoValue items; cloud-radar only a property's).
NO_VALUE = "<<AWS::NoValue>>"


def _without_no_value(node):
    if isinstance(node, dict):
        return {key: _without_no_value(value) for key, value in node.items() if value != NO_VALUE}
    if isinstance(node, list):
        return [_without_no_value(item) for item in node if item != NO_VALUE]
    return node


def _render(template, parameters, region, account, partition, stack_name):
    Template.NoValue = NO_VALUE
    Template.AccountId = account
    Template.StackName = stack_name
    Template.StackId = stack_id(stack_name, account, region, partition)
    Template.Partition = partition
    Template.URLSuffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    try:
        return _without_no_value(Template(copy.deepcopy(template)).create_stack(parameters, region=region).data)
    except ValueError as error:
        raise Refused(str(error)) from error


def render_stack(template_path, stack_name, account, region, parameters, partition="aws"):
    """The stack CloudFormation would create from `template_path` with `parameters`."""
    source = pathlib.Path(template_path)
    text = source.read_text()
    if "AWS::Serverless-2016-10-31" in text:
        template = transformed(str(source), region=region)
    else:
        from cfnlint.decode import cfn_yaml
        template = cfn_yaml.load(str(source))
    # SAM's generated resources share their function's Metadata object: copied apart.
    template = json.loads(json.dumps(template))
    _check_rules(template, parameters, region, account, partition)
    # Physical names and attributes, as cloud-radar's resource metadata, for Ref and GetAtt.
    for logical_id, resource in template["Resources"].items():
        values = _attributes(resource["Type"], stack_name, logical_id, resource.get("Properties") or {},
                             account, region, partition)
        resource.setdefault("Metadata", {})["Cloud-Radar"] = values
    data = _render(template, parameters, region, account, partition, stack_name)
    resources = {}
    for logical_id, resource in data["Resources"].items():
        resource = dict(resource)
        metadata = resource.get("Metadata", {}).get("Cloud-Radar", {})
        resource["Physical"] = metadata.get("ref", logical_id)
        resource["Attributes"] = metadata.get("attribute-values", {})
        resources[logical_id] = resource
    outputs = {name: output.get("Value") for name, output in (data.get("Outputs") or {}).items()}
    return Stack(stack_name, account, region, partition, parameters, resources, outputs)
