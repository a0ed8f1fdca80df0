"""The IAM check itself: each kind of denial it must catch, and the calls it must refuse to
pass unchecked. Without these, "0 denied calls" could mean a check that denies nothing."""
import pytest

from calls import Calls, UnknownResource
from iam import Authorizer, Principal, Sar

ORGANIZATION = "o-orgsim00001"
ADMIN = "111111111111"
MEMBER = "222222222222"
OUTSIDE = "444444444444"


@pytest.fixture(scope="module")
def sar():
    return Sar()


@pytest.fixture(scope="module")
def authorizer(sar):
    return Authorizer(sar, ORGANIZATION, [ADMIN, MEMBER])


def role(name, statements, account=ADMIN, trust=None):
    return Principal(arn=f"arn:aws:iam::{account}:role/{name}", account=account, stack="test", role=name,
                     policies=[("inline", {"Version": "2012-10-17", "Statement": statements})], trust_policy=trust)


class World:
    """What the check asks of the organization, for one lookup role."""
    partition = "aws"
    management_account = "999999999999"
    organization_id = ORGANIZATION

    def __init__(self, trust=None, queue_policy=None):
        self.trust = trust
        self.queue = queue_policy

    def trust_policy(self, arn):
        return self.trust

    def iam_path(self, account, kind, name):
        return "/"

    def queue_policy(self, arn):
        return self.queue

    def bus_policy(self, arn):
        return None


def decide_all(authorizer, calls, principal, record):
    return [authorizer.decide(principal, a.action, a.resource, record["region"], a.context, a.resource_policy,
                              a.resource_owner)
            for a in calls.authorizations(record, principal.account)]


def test_the_reference_names_the_action_of_an_operation(sar):
    # The IAM action is not always the operation's name.
    assert sar.action("detective", "ListOrganizationAdminAccounts") == "detective:ListOrganizationAdminAccount"
    assert sar.action("detective", "StartInvestigation") == "detective:StartInvestigation"
    assert "organizations:DescribeOrganization" in sar.dependent_actions("detective:UpdateOrganizationConfiguration")
    with pytest.raises(KeyError):
        sar.action("detective", "NoSuchOperation")


def test_a_graph_of_another_region_is_denied(sar, authorizer):
    investigator = role("investigate", [{"Effect": "Allow", "Action": "detective:StartInvestigation",
                                         "Resource": f"arn:aws:detective:eu-west-1:{ADMIN}:graph:*"}])
    calls = Calls(sar, World())
    record = {"service": "detective", "operation": "StartInvestigation", "region": "us-west-2",
              "parameters": {"GraphArn": f"arn:aws:detective:us-west-2:{ADMIN}:graph:{'a' * 32}"}}
    assert [d.allowed for d in decide_all(authorizer, calls, investigator, record)] == [False]
    record["region"] = "eu-west-1"
    record["parameters"]["GraphArn"] = f"arn:aws:detective:eu-west-1:{ADMIN}:graph:{'a' * 32}"
    assert [d.allowed for d in decide_all(authorizer, calls, investigator, record)] == [True]


def test_a_dependent_action_not_granted_is_denied(sar, authorizer):
    """UpdateOrganizationConfiguration needs organizations:DescribeOrganization too."""
    graph = f"arn:aws:detective:eu-west-1:{ADMIN}:graph:{'a' * 32}"
    narrow = role("enroll", [{"Effect": "Allow", "Action": "detective:UpdateOrganizationConfiguration",
                              "Resource": "arn:aws:detective:*:111111111111:graph:*"}])
    record = {"service": "detective", "operation": "UpdateOrganizationConfiguration", "region": "eu-west-1",
              "parameters": {"GraphArn": graph, "AutoEnable": True}}
    decisions = decide_all(authorizer, Calls(sar, World()), narrow, record)
    assert [(d.action, d.allowed) for d in decisions] == [
        ("detective:UpdateOrganizationConfiguration", True), ("organizations:DescribeOrganization", False)]


def test_a_trust_policy_condition_decides_an_assume_role(sar, authorizer):
    lookup = f"arn:aws:iam::{MEMBER}:role/detective-autopilot-principal-lookup"
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ADMIN}:root"}, "Action": "sts:AssumeRole",
        "Condition": {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ADMIN}:role/*InvestigateFindingsFunctionRole*"}}}]}
    may_assume = [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/detective-autopilot-principal-lookup"}]
    calls = Calls(sar, World(trust=trust))
    record = {"service": "sts", "operation": "AssumeRole", "region": "us-east-1",
              "parameters": {"RoleArn": lookup, "RoleSessionName": "lookup"}}
    ours = role("stack-InvestigateFindingsFunctionRole-ABC", may_assume)
    assert [d.allowed for d in decide_all(authorizer, calls, ours, record)] == [True]
    # Another role of the administrator account, though its own policy allows it.
    theirs = role("stack-SomethingElse-ABC", may_assume)
    assert [d.allowed for d in decide_all(authorizer, calls, theirs, record)] == [False]
    # Cross-account: the trust alone is not enough, the caller's own policy must allow it.
    unallowed = role("stack-InvestigateFindingsFunctionRole-XYZ", [])
    assert [d.allowed for d in decide_all(authorizer, calls, unallowed, record)] == [False]


def test_a_queue_policys_deny_wins(sar, authorizer):
    queue = f"arn:aws:sqs:eu-west-1:{ADMIN}:reports"
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyEveryone", "Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": queue}]}
    sender = role("sender", [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue}])
    record = {"service": "sqs", "operation": "SendMessage", "region": "eu-west-1",
              "parameters": {"QueueUrl": f"https://sqs.eu-west-1.amazonaws.com/{ADMIN}/reports", "MessageBody": "x"}}
    assert [d.allowed for d in decide_all(authorizer, Calls(sar, World(queue_policy=policy)), sender, record)] == [False]
    assert [d.allowed for d in decide_all(authorizer, Calls(sar, World()), sender, record)] == [True]


def test_a_condition_on_a_service_principal_is_checked(sar, authorizer):
    reader = role("graph-setup", [{"Effect": "Allow", "Action": "organizations:ListDelegatedAdministrators",
                                   "Resource": "*",
                                   "Condition": {"StringEquals": {"organizations:ServicePrincipal": "detective.amazonaws.com"}}}])
    calls = Calls(sar, World())
    record = {"service": "organizations", "operation": "ListDelegatedAdministrators", "region": "us-east-1",
              "parameters": {"ServicePrincipal": "detective.amazonaws.com"}}
    assert [d.allowed for d in decide_all(authorizer, calls, reader, record)] == [True]
    record["parameters"]["ServicePrincipal"] = "guardduty.amazonaws.com"
    assert [d.allowed for d in decide_all(authorizer, calls, reader, record)] == [False]


def test_a_call_the_check_cannot_place_is_refused_not_passed(sar):
    calls = Calls(sar, World())
    with pytest.raises(UnknownResource):
        calls.authorizations({"service": "kms", "operation": "Decrypt", "region": "eu-west-1", "parameters": {}}, ADMIN)
    # A graph operation without its graph.
    with pytest.raises(UnknownResource):
        calls.authorizations({"service": "detective", "operation": "StartInvestigation", "region": "eu-west-1",
                              "parameters": {}}, ADMIN)
    # A resource ARN off the Reference's format for its type.
    with pytest.raises(UnknownResource):
        calls.authorizations({"service": "detective", "operation": "GetMembers", "region": "eu-west-1",
                              "parameters": {"GraphArn": "not-an-arn"}}, ADMIN)


def test_a_service_principal_needs_the_resource_policy(authorizer):
    function = f"arn:aws:lambda:eu-west-1:{ADMIN}:function:f"
    rule = f"arn:aws:events:eu-west-1:{ADMIN}:rule/r"
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "lambda:InvokeFunction",
        "Resource": function, "Condition": {"ArnLike": {"AWS:SourceArn": rule}}}]}
    assert authorizer.service_may("events.amazonaws.com", "lambda:InvokeFunction", function, policy,
                                  {"aws:SourceArn": rule})
    assert not authorizer.service_may("events.amazonaws.com", "lambda:InvokeFunction", function, policy,
                                      {"aws:SourceArn": f"arn:aws:events:eu-west-1:{OUTSIDE}:rule/r"})
    assert not authorizer.service_may("sns.amazonaws.com", "lambda:InvokeFunction", function, policy,
                                      {"aws:SourceArn": rule})
