"""Every call checked against IAM, as AWS would authorize it.

Which IAM action an API operation needs, which resource types it authorizes (with their ARN
formats) and which other actions it depends on come from the Service Authorization
Reference, as policy_sentry packages it offline (`iam-definition.json`). The evaluation of
identity policies, resource policies (trust policies, queue, bus and function policies) and
their condition operators is Principal Mapper's (`local_check_authorization_full`,
`resource_policy_authorization`), which implements the String, Arn, Bool, Numeric, Date,
IpAddress and Null operators with IfExists and the ForAnyValue/ForAllValues qualifiers, and
the same-account / cross-account rules. moto's evaluator was considered and not used: it
implements StringEquals only and passes any other operator (ArnLike, Bool) unchecked.

What is ours: how each call's resource ARN is built from its request (checked against the
Reference's ARN format), and the request context (the global condition keys a call carries)."""
import collections
import collections.abc
import json
import pathlib
import re
from dataclasses import dataclass, field

import policy_sentry

# Principal Mapper 1.1.5 (its latest release) imports Mapping and MutableMapping from
# `collections`, where Python 3.10 removed them: the aliases are restored before importing it.
for _name in ("Mapping", "MutableMapping"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

from principalmapper.common import Node, Policy  # noqa: E402
from principalmapper.querying.local_policy_simulation import (  # noqa: E402
    ResourcePolicyEvalResult, resource_policy_authorization, resource_policy_matching_statements)
from principalmapper.querying.query_interface import local_check_authorization_full  # noqa: E402
from principalmapper.util.case_insensitive_dict import CaseInsensitiveDict  # noqa: E402

SAR_FILE = pathlib.Path(policy_sentry.__file__).parent / "shared" / "data" / "iam-definition.json"

# The sandbox's service names, as IAM's service prefixes.
PREFIXES = {"detective": "detective", "organizations": "organizations", "iam": "iam", "sts": "sts",
            "sqs": "sqs", "events": "events", "securityhub": "securityhub", "cloudtrail": "cloudtrail"}

# Managed policies SAM attaches to functions' roles, as AWS publishes them.
MANAGED = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                       "Resource": "*"}]},
}


class Sar:
    """The Service Authorization Reference."""

    def __init__(self, path=SAR_FILE):
        self.data = json.loads(pathlib.Path(path).read_text())
        self._by_operation = {}
        for prefix, service in self.data.items():
            if not isinstance(service, dict) or "privileges" not in service:
                continue
            table = {}
            for name, privilege in service["privileges"].items():
                link = privilege.get("api_documentation_link") or ""
                found = re.search(r"API_(\w+)\.html", link)
                if found:
                    table.setdefault(found.group(1), name)
                table.setdefault(name, name)
            self._by_operation[prefix] = table

    def action(self, prefix, operation):
        """The IAM action an API operation needs (ListOrganizationAdminAccounts is
        detective:ListOrganizationAdminAccount, by its documentation link)."""
        name = self._by_operation.get(prefix, {}).get(operation)
        if name is None:
            raise KeyError(f"the Service Authorization Reference has no action for {prefix} {operation}")
        return f"{prefix}:{name}"

    def privilege(self, action):
        prefix, name = action.split(":", 1)
        return self.data[prefix]["privileges"][name]

    def resource_types(self, action):
        """(type, required, ARN format) of each resource type the action authorizes."""
        prefix = action.split(":", 1)[0]
        types = []
        for name, kind in self.privilege(action)["resource_types"].items():
            if not name:
                continue
            base = name.rstrip("*")
            arn = self.data[prefix]["resources"].get(base, {}).get("arn")
            types.append((base, kind["required"], arn))
        return types

    def dependent_actions(self, action):
        return sorted({dependent for kind in self.privilege(action)["resource_types"].values()
                       for dependent in kind["dependent_actions"]})

    def access_level(self, action):
        return self.privilege(action)["access_level"]

    def matches_format(self, arn, arn_format):
        """Whether an ARN we built has the Reference's shape for that resource type."""
        pattern = re.escape(arn_format)
        pattern = re.sub(r"\\\$\\\{[A-Za-z]+\\\}", "[^:]*", pattern)
        # Names with paths and ids may hold '/'.
        pattern = pattern.replace("[^:]*", ".+")
        return re.fullmatch(pattern, arn) is not None


@dataclass
class Principal:
    """Who makes calls: a role of a rendered stack (a Lambda function's, the forwarding role),
    or a person of a test."""
    arn: str
    account: str
    stack: str
    role: str
    policies: list = field(default_factory=list)
    trust_policy: dict = None
    session: str = "session"

    def node(self):
        policies = [Policy(self.arn, name, document) for name, document in self.policies]
        return Node(self.arn, f"AROA{abs(hash(self.arn)) % 10 ** 16:016d}", policies, [], self.trust_policy or {
            "Version": "2012-10-17", "Statement": []}, None, 0, False, False, None, False, {})

    def session_arn(self):
        name = self.arn.split("/")[-1]
        partition = self.arn.split(":")[1]
        return f"arn:{partition}:sts::{self.account}:assumed-role/{name}/{self.session}"


def role_principal(stack, logical_id, session=None):
    """The role `logical_id` of a rendered stack, with its inline and known managed policies."""
    role = stack.resources[logical_id]
    properties = role["Properties"]
    policies = [(policy["PolicyName"], policy["PolicyDocument"]) for policy in properties.get("Policies", [])]
    for arn in properties.get("ManagedPolicyArns", []):
        generic = re.sub(r"^arn:aws[-a-z]*:", "arn:aws:", arn)
        if generic not in MANAGED:
            raise KeyError(f"{stack}: {logical_id} has managed policy {arn}, whose document the check does not know")
        policies.append((arn, MANAGED[generic]))
    return Principal(arn=role["Attributes"]["Arn"], account=stack.account, stack=stack.name, role=logical_id,
                     policies=policies, trust_policy=properties.get("AssumeRolePolicyDocument"),
                     session=session or logical_id)


@dataclass
class Decision:
    allowed: bool
    principal: Principal
    action: str
    resource: str
    why: str = ""

    def __str__(self):
        verdict = "allowed" if self.allowed else "DENIED"
        where = f"stack {self.principal.stack}, role {self.principal.role} ({self.principal.arn})"
        return f"{verdict}: {where}: {self.action} on {self.resource}{': ' + self.why if self.why else ''}"


def arn_account(arn):
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None


class Authorizer:
    """Decides calls for an organization: its id and accounts give aws:PrincipalOrgID and
    aws:ResourceOrgID."""

    def __init__(self, sar, organization_id, organization_accounts):
        self.sar = sar
        self.organization_id = organization_id
        self.organization_accounts = set(organization_accounts)

    def context(self, principal, region, resource, extra=None):
        context = {
            "aws:PrincipalArn": principal.arn,
            "aws:PrincipalAccount": principal.account,
            "aws:PrincipalType": "AssumedRole",
            "aws:userid": f"AROA:{principal.session}",
            "aws:RequestedRegion": region,
            "aws:SecureTransport": "true",
        }
        if principal.account in self.organization_accounts:
            context["aws:PrincipalOrgID"] = self.organization_id
        owner = arn_account(resource) if resource != "*" else None
        if owner:
            context["aws:ResourceAccount"] = owner
            if owner in self.organization_accounts:
                context["aws:ResourceOrgID"] = self.organization_id
        context.update(extra or {})
        return context

    def decide(self, principal, action, resource, region, extra=None, resource_policy=None, resource_owner=None):
        context = self.context(principal, region, resource, extra)
        if resource_policy is not None and resource_owner is None:
            resource_owner = arn_account(resource)
        allowed = local_check_authorization_full(principal.node(), action, resource, context,
                                                 resource_policy=resource_policy, resource_owner=resource_owner)
        why = "" if allowed else f"context {json.dumps(context, sort_keys=True)}"
        return Decision(allowed, principal, action, resource, why)

    def service_may(self, service, action, resource, resource_policy, context):
        """A service principal (events.amazonaws.com) through a resource policy alone."""
        keys = CaseInsensitiveDict({"aws:SecureTransport": "true", **context})
        for statement in resource_policy_matching_statements(service, resource_policy, action, resource, keys):
            if statement["Effect"] == "Deny":
                return False
        result = resource_policy_authorization(service, arn_account(resource), resource_policy, action, resource, keys)
        return result == ResourcePolicyEvalResult.SERVICE_MATCH
