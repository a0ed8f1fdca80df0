"""template.yaml against the code: IAM actions, configuration variables, and every rule's
event pattern run through moto's EventBridge matcher on our samples and the corpus."""
import json
import re

import boto3
import pytest
from cfnlint.decode import cfn_yaml
from moto import mock_aws

from conftest import CORPUS, ROOT, load_events
from event_pattern import eventbridge_flattening
from event_pattern import matches as pattern_matches

# Every function is a folder under functions/: the template must deploy each, and only those.
FUNCTIONS = tuple(sorted(path.name for path in (ROOT / "functions").iterdir() if (path / "Cargo.toml").is_file()))


def resources(template, kind):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def functions(template):
    """Binary name -> the function's resource."""
    return {
        r["Metadata"]["BuildProperties"]["Binary"]: r
        for r in resources(template, "AWS::Serverless::Function").values()
    }


def logical_id(template, binary):
    return next(name for name, r in resources(template, "AWS::Serverless::Function").items()
                if r["Metadata"]["BuildProperties"]["Binary"] == binary)


def sqs_triggers(template, binary):
    """(queue's logical id, FunctionResponseTypes) of each SQS source of the function: its
    event source mappings and its SAM SQS events."""
    function_id = logical_id(template, binary)
    found = []
    for mapping in resources(template, "AWS::Lambda::EventSourceMapping").values():
        properties = mapping["Properties"]
        source = properties["EventSourceArn"].get("Fn::GetAtt", [None])[0]
        if (properties["FunctionName"] in ({"Ref": function_id}, {"Fn::GetAtt": [function_id, "Arn"]})
                and template["Resources"].get(source, {}).get("Type") == "AWS::SQS::Queue"):
            found.append((source, properties.get("FunctionResponseTypes", [])))
    for event in functions(template)[binary]["Properties"].get("Events", {}).values():
        if event["Type"] == "SQS":
            found.append((event["Properties"]["Queue"]["Fn::GetAtt"][0], event["Properties"].get("FunctionResponseTypes", [])))
    return found


def alarmed_queues(template):
    return {
        alarm["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for alarm in resources(template, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["Namespace"] == "AWS/SQS"
    }


def policy_documents(function):
    """(condition, policy document) for each of the function's Policies: condition is None
    for a policy every stack gets, or the condition of the `Fn::If` branch it sits in
    ("!Cond" for the else branch); AWS::NoValue branches give nothing."""
    def branches(policy, condition):
        if isinstance(policy, dict) and "Fn::If" in policy:
            name, when_true, when_false = policy["Fn::If"]
            yield from branches(when_true, name)
            yield from branches(when_false, "!" + name)
        elif isinstance(policy, dict) and policy != {"Ref": "AWS::NoValue"}:
            yield condition, policy

    for policy in function["Properties"]["Policies"]:
        yield from branches(policy, None)


def actions_of(statements):
    actions = set()
    for statement in statements:
        listed = statement["Action"]
        actions.update([listed] if isinstance(listed, str) else listed)
    return actions


def statements(function):
    """(condition, statement) of every statement the function's Policies write out (SAM
    policy templates such as SQSSendMessagePolicy are not statements)."""
    for branch, document in policy_documents(function):
        for statement in document.get("Statement", []):
            yield branch, statement


def granting(function, action):
    """(condition, Resource) of every statement that grants the action."""
    return [(branch, statement["Resource"]) for branch, statement in statements(function)
            if action in actions_of([statement])]


def granted_actions(function, condition=...):
    """What the role grants: in every branch (the union of both sides of each `Fn::If`), or
    only in the policies of the given condition."""
    actions = set()
    for branch, document in policy_documents(function):
        if condition is ... or branch == condition:
            actions |= actions_of(document.get("Statement", []))
    # The queues' permissions (a dead-letter queue's, from the SAM policy template; the report
    # queue's, for its sender and its event source mapping) come from the template, not from
    # the code; the tests below check them.
    return {action for action in actions if not action.startswith("sqs:")}


def test_every_function_is_in_the_template(template):
    assert sorted(functions(template)) == sorted(FUNCTIONS)


@pytest.mark.parametrize("binary", FUNCTIONS)
def test_iam_actions_are_exactly_what_the_code_calls(template, described, binary):
    function = functions(template)[binary]
    granted = granted_actions(function)
    called = {action for action in described[binary]["actions"] if not action.startswith("sqs:")}
    assert granted - called == set(), "granted but never called"
    assert called - granted == set(), "called but not granted"
    # An SQS action the code declares must be granted too (by a statement of its own).
    sqs_called = {action for action in described[binary]["actions"] if action.startswith("sqs:")}
    assert sqs_called <= actions_of(s for _, s in statements(function)), "called but not granted"


def referenced(node):
    """Every logical id or parameter an intrinsic expression names (Ref, Fn::GetAtt)."""
    if isinstance(node, list):
        return set().union(set(), *(referenced(item) for item in node))
    if not isinstance(node, dict):
        return set()
    found = set()
    for key, value in node.items():
        if key == "Ref":
            found.add(value)
        elif key == "Fn::GetAtt":
            found.add(value[0] if isinstance(value, list) else value.split(".")[0])
        elif key != "Condition":
            found |= referenced(value)
    return found


def generated_roles(template):
    """The roles SAM generates: <FunctionLogicalId>Role of each function without a Role, under
    the function's condition."""
    return {f"{name}Role": function.get("Condition")
            for name, function in resources(template, "AWS::Serverless::Function").items()
            if "Role" not in function["Properties"]}


@pytest.mark.parametrize("binary", FUNCTIONS)
def test_every_variable_is_a_parameter_with_the_codes_default(template, described, binary):
    variables = functions(template)[binary]["Properties"]["Environment"]["Variables"]
    assert sorted(variables) == sorted(described[binary]["variables"])
    for name, value in variables.items():
        if binary == "configure-detective" and name in PROPERTY_VARIABLES.values():
            # The stack's setup, per part: test_the_function_obeys_its_stack... checks it.
            continue
        if "Ref" not in value and not (
                "Fn::If" in value and isinstance(value["Fn::If"][1], dict) and "Ref" in value["Fn::If"][1]):
            # Built from the stack's own resources (OWN_ROLE_ARNS: the roles' ARNs, by
            # Fn::If/Fn::Join/Fn::GetAtt). The rule: no parameter behind it (a parameter must
            # be the variable's whole value, so that its default can be compared), every
            # resource it names is the stack's (a generated role counts), and with nothing
            # to compare the code must run without it: its default is unset.
            names = referenced(value)
            assert names, name
            assert not names & template["Parameters"].keys(), name
            assert names <= template["Resources"].keys() | generated_roles(template).keys(), name
            assert described[binary]["variables"][name] == "", name
            continue
        if "Fn::If" in value:
            # Set only when a resource of the stack is (REPORT_QUEUE_URL: the report queue
            # when Reports is true); otherwise empty or absent, which must be the code's default.
            condition, when_true, when_false = value["Fn::If"]
            assert condition in template["Conditions"], name
            assert when_true["Ref"] in template["Resources"], name
            assert template["Resources"][when_true["Ref"]]["Condition"] == condition, name
            assert when_false in ("", {"Ref": "AWS::NoValue"}), name
            assert described[binary]["variables"][name] == "", name
            continue
        if value["Ref"].startswith("AWS::") or value["Ref"] in template["Resources"]:
            # A pseudo parameter (the stack's own id), or a resource of the function's own
            # stack (report-investigations' queues): the code's default is unset.
            if value["Ref"] in template["Resources"]:
                assert template["Resources"][value["Ref"]].get("Condition") == \
                    functions(template)[binary].get("Condition"), name
            assert described[binary]["variables"][name] == "", name
            continue
        parameter = template["Parameters"][value["Ref"]]
        template_default = str(parameter.get("Default", ""))
        code_default = described[binary]["variables"][name]
        if parameter["Type"] == "Number":
            assert float(template_default) == float(code_default), name
        else:
            assert template_default == code_default, name


@pytest.mark.parametrize("binary", FUNCTIONS)
def test_functions_follow_the_house_settings(template, binary):
    function = functions(template)[binary]
    globals_ = template["Globals"]["Function"]
    assert function["Metadata"]["BuildMethod"] == "rust-cargolambda"
    assert globals_["Runtime"] == "provided.al2023" and globals_["Handler"] == "bootstrap"
    assert globals_["LoggingConfig"]["LogFormat"] == "JSON"
    triggers = sqs_triggers(template, binary)
    if triggers:
        # Invoked synchronously by its event source mapping: a failed message is delivered
        # again, then moved by its queue's redrive policy to an alarmed dead-letter queue,
        # and the function answers per message (a batch item failure returns that message
        # alone). An EventInvokeConfig would never apply.
        assert "EventInvokeConfig" not in function["Properties"]
        for queue, response_types in triggers:
            redrive = template["Resources"][queue]["Properties"]["RedrivePolicy"]
            dead_letter = redrive["deadLetterTargetArn"]["Fn::GetAtt"]
            assert dead_letter[1] == "Arn" and dead_letter[0] in alarmed_queues(template), queue
            assert response_types == ["ReportBatchItemFailures"], queue
    else:
        on_failure = function["Properties"]["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
        assert on_failure["Type"] == "SQS"


# ---------- configure-detective ----------

# The custom resources' property names: the code's NAMES (shared/src/configure/desired.rs),
# which read them from a request's ResourceProperties. Update both together.
SETUP_PROPERTIES = {"Regions", "AdministratorAccountId", "DatasourcePackages", "GraphTags", "AutoEnable", "DisableOnDelete"}
# What the management stack's part (designating the delegated administrator) calls...
ORGANIZATION_ACTIONS = {
    "detective:ListOrganizationAdminAccount",
    "detective:EnableOrganizationAdminAccount",
    "detective:DisableOrganizationAdminAccount",
    "organizations:DescribeOrganization",
    "organizations:EnableAWSServiceAccess",
    "organizations:RegisterDelegatedAdministrator",
    "iam:CreateServiceLinkedRole",
}
# ...and the administrator stack's (the graph).
GRAPH_ACTIONS = {
    "detective:ListGraphs",
    "organizations:ListDelegatedAdministrators",
    # Detective's dependent action of DescribeOrganizationConfiguration and
    # UpdateOrganizationConfiguration (both parts need it).
    "organizations:DescribeOrganization",
    "detective:CreateGraph",
    "detective:DeleteGraph",
    "detective:ListDatasourcePackages",
    "detective:UpdateDatasourcePackages",
    "detective:ListTagsForResource",
    "detective:TagResource",
    "detective:UntagResource",
    "detective:DescribeOrganizationConfiguration",
    "detective:UpdateOrganizationConfiguration",
}
PARTS = {"organization": "DeploysOrganizationSetup", "graph": "DeploysGraphSetup"}
DESTRUCTIVE = {"RemovesAdministratorOnDelete": "detective:DisableOrganizationAdminAccount",
               "DeletesGraphOnDelete": "detective:DeleteGraph"}


def setup_resources(template):
    return resources(template, "Custom::DetectiveSetup")


def test_the_parts_split_exactly_what_configure_detective_calls(described):
    assert ORGANIZATION_ACTIONS | GRAPH_ACTIONS == set(described["configure-detective"]["actions"])
    assert ORGANIZATION_ACTIONS & GRAPH_ACTIONS == {"organizations:DescribeOrganization"}


def test_each_stack_role_is_granted_only_its_parts_actions(template):
    function = functions(template)["configure-detective"]
    assert function["Condition"] == "DeploysConfigureDetective"
    assert {branch for branch, _ in policy_documents(function)} == {None, *PARTS.values(), *DESTRUCTIVE}
    assert granted_actions(function, None) == set(), "granted in every stack"
    # The destructive call of each part only where DisableOnDelete is true (in IAM too).
    for condition, action in DESTRUCTIVE.items():
        assert granted_actions(function, condition) == {action}, condition
    assert granted_actions(function, "DeploysOrganizationSetup") == ORGANIZATION_ACTIONS - set(DESTRUCTIVE.values())
    graph = granted_actions(function, "DeploysGraphSetup")
    assert graph == GRAPH_ACTIONS - set(DESTRUCTIVE.values())
    conditions = template["Conditions"]
    disables = {"Fn::Equals": [{"Ref": "DisableOnDelete"}, "true"]}
    assert conditions["RemovesAdministratorOnDelete"] == {"Fn::And": [{"Condition": "DeploysOrganizationSetup"}, disables]}
    assert conditions["DeletesGraphOnDelete"] == {"Fn::And": [{"Condition": "DeploysGraphSetup"}, disables]}
    # Of Organizations and IAM, the graph part only reads: who is Detective's administrator,
    # and the organization (what Detective's organization configuration calls need).
    assert {action for action in graph if action.startswith(("organizations:", "iam:"))} == {
        "organizations:ListDelegatedAdministrators", "organizations:DescribeOrganization"}
    read = [statement for branch, statement in statements(function) if branch == "DeploysGraphSetup"
            and "organizations:ListDelegatedAdministrators" in actions_of([statement])]
    assert read[0]["Condition"] == {"StringEquals": {"organizations:ServicePrincipal": "detective.amazonaws.com"}}


def test_the_parts_are_deployed_by_their_stack_roles_only(template):
    conditions = template["Conditions"]
    configure = {"Fn::Equals": [{"Ref": "ConfigureDetective"}, "true"]}
    # One designation per organization: the management stack in the Organizations region.
    assert conditions["DeploysOrganizationSetup"] == {"Fn::And": [{"Condition": "ForwardsOrganizationsEvents"}, configure]}
    assert conditions["ForwardsOrganizationsEvents"]["Fn::And"][0] == {"Condition": "IsManagement"}
    assert conditions["DeploysGraphSetup"] == {"Fn::And": [{"Condition": "DeploysEnrollAccounts"}, configure]}
    assert conditions["DeploysConfigureDetective"] == {
        "Fn::Or": [{"Condition": "DeploysOrganizationSetup"}, {"Condition": "DeploysGraphSetup"}]
    }
    assert template["Parameters"]["ConfigureDetective"]["Default"] == "true"
    # Deleting the stack destroys nothing unless asked.
    assert template["Parameters"]["DisableOnDelete"]["Default"] == "false"


def test_organizations_and_iam_writes_are_only_for_detective(template):
    function = functions(template)["configure-detective"]
    expected = {
        "organizations:EnableAWSServiceAccess": {"StringEquals": {"organizations:ServicePrincipal": "detective.amazonaws.com"}},
        "organizations:RegisterDelegatedAdministrator": {"StringEquals": {"organizations:ServicePrincipal": "detective.amazonaws.com"}},
        "iam:CreateServiceLinkedRole": {"StringEquals": {"iam:AWSServiceName": "detective.amazonaws.com"}},
    }
    seen = set()
    for _, document in policy_documents(function):
        for statement in document.get("Statement", []):
            for action in actions_of([statement]) & expected.keys():
                assert statement.get("Condition") == expected[action], action
                seen.add(action)
    assert seen == expected.keys()


def test_the_custom_resources_carry_the_codes_property_names(template):
    setups = setup_resources(template)
    assert {r["Properties"]["Part"] for r in setups.values()} == set(PARTS)
    function = functions(template)["configure-detective"]
    for name, setup in setups.items():
        properties = setup["Properties"]
        assert setup["Condition"] == PARTS[properties["Part"]], name
        assert properties["ServiceToken"] == {"Fn::GetAtt": ["ConfigureDetectiveFunction", "Arn"]}, name
        named = set(properties) - {"ServiceToken", "ServiceTimeout", "Part"}
        assert named <= SETUP_PROPERTIES, (name, named - SETUP_PROPERTIES)
        assert {"Regions", "AdministratorAccountId", "DisableOnDelete"} <= named, name
        # CloudFormation must wait at least as long as the function may run (it answers
        # before its own deadline); the default would be an hour.
        assert properties["ServiceTimeout"] >= function["Properties"]["Timeout"], name
        assert properties["ServiceTimeout"] < 3600, name
    graph = next(r["Properties"] for r in setups.values() if r["Properties"]["Part"] == "graph")
    # The graph part must run in the administrator account itself.
    assert graph["AdministratorAccountId"] == {"Ref": "AWS::AccountId"}
    assert set(graph) >= {"DatasourcePackages", "GraphTags", "AutoEnable"}


# The properties as the function's variables name them (NAMES in desired.rs).
PROPERTY_VARIABLES = {"Part": "PART", "Regions": "REGIONS", "AdministratorAccountId": "ADMINISTRATOR_ACCOUNT_ID",
                      "DatasourcePackages": "DATASOURCE_PACKAGES", "GraphTags": "GRAPH_TAGS",
                      "AutoEnable": "AUTO_ENABLE", "DisableOnDelete": "DISABLE_ON_DELETE"}


def test_the_function_obeys_its_stack_whose_parameters_its_variables_repeat(template):
    """Deployed, the desired state is the function's own variables (a request whose properties
    differ is refused): each part's properties must be exactly those variables, in that part's
    stack, or every deployment would be refused."""
    variables = functions(template)["configure-detective"]["Properties"]["Environment"]["Variables"]
    assert variables["STACK_ID"] == {"Ref": "AWS::StackId"}

    def in_part(value, condition):
        if isinstance(value, dict) and "Fn::If" in value:
            name, when_true, when_false = value["Fn::If"]
            if name in PARTS.values():
                return in_part(when_true if name == condition else when_false, condition)
        return value

    for name, setup in setup_resources(template).items():
        condition = setup["Condition"]
        properties = {key: value for key, value in setup["Properties"].items()
                      if key not in ("ServiceToken", "ServiceTimeout")}
        for prop, variable in PROPERTY_VARIABLES.items():
            own = in_part(variables[variable], condition)
            if prop in properties:
                assert own == properties[prop], (name, prop)
            else:
                # Not asked by this part: the variable must be what the code reads as unset.
                assert own in ("", "true" if variable == "AUTO_ENABLE" else ""), (name, prop, own)


def test_investigations_run_one_at_a_time(template):
    assert functions(template)["investigate-findings"]["Properties"]["ReservedConcurrentExecutions"] == 1


def test_every_queue_is_encrypted_and_alarmed(template):
    queues = resources(template, "AWS::SQS::Queue")
    alarmed = alarmed_queues(template)
    for name, queue in queues.items():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True, name
        assert name in alarmed, name


# The notification topic: the one this stack creates for AlarmEmail, or NotificationTopicArn.
TOPIC = {"Fn::If": ["CreatesNotificationTopic", {"Ref": "AlarmTopic"}, {"Ref": "NotificationTopicArn"}]}
NOTIFY = {"Fn::If": ["HasNotificationTopic", [TOPIC], {"Ref": "AWS::NoValue"}]}


def test_every_alarm_notifies_the_topic(template):
    for name, alarm in resources(template, "AWS::CloudWatch::Alarm").items():
        assert alarm["Properties"].get("AlarmActions") == NOTIFY, name
    assert template["Resources"]["AlarmTopic"]["Condition"] == "CreatesNotificationTopic"


@pytest.mark.parametrize("role", ["administrator", "management"])
def test_the_administrator_and_management_stacks_require_a_person_to_notify(template, role):
    rule = template["Rules"]["AlertsReachAPerson"]
    condition = rule["RuleCondition"]["Fn::Or"]
    assert {"Fn::Equals": [{"Ref": "AccountRole"}, role]} in condition
    assert rule["Assertions"][0]["Assert"] == {"Fn::Or": [
        {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]},
        {"Fn::Not": [{"Fn::Equals": [{"Ref": "NotificationTopicArn"}, ""]}]}]}


def test_tamper_alerts_and_reports_reach_the_topic_as_readable_messages(template):
    """Each rule delivers the event's `message` (what the code writes for people) to the
    topic, only our account's events, and only reports at or above the threshold."""
    conditions = template["Conditions"]
    assert conditions["NotifiesTamperAlerts"] == {"Fn::And": [{"Condition": "DeploysEnrollAccounts"},
                                                              {"Condition": "HasNotificationTopic"}]}
    tamper = template["Resources"]["TamperAlertNotificationRule"]
    assert tamper["Condition"] == "NotifiesTamperAlerts"
    properties = tamper["Properties"]
    assert properties["EventBusName"] == {"Ref": "AlertBusName"}
    assert properties["EventPattern"] == {"source": ["detective-autopilot"], "account": [{"Ref": "AWS::AccountId"}],
                                          "detail-type": ["Detective Configuration Changed"]}
    reports = template["Resources"]["ReportNotificationRule"]
    assert reports["Condition"] == "NotifiesReports"
    assert reports["Properties"]["EventBusName"] == {"Ref": "ReportBusName"}
    for rule in (tamper, reports):
        target, = rule["Properties"]["Targets"]
        assert target["Arn"] == TOPIC
        assert target["InputTransformer"] == {"InputPathsMap": {"message": "$.detail.message"},
                                              "InputTemplate": "<message>"}
    # The ranks are the code's order of severities.
    ranks = {name: value["Rank"] for name, value in template["Mappings"]["Severities"].items()}
    assert [name for name, _ in sorted(ranks.items(), key=lambda item: int(item[1]))] == [
        "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL", "none"]
    assert set(template["Parameters"]["NotifyReportsAtOrAbove"]["AllowedValues"]) == set(ranks)


def test_the_created_topic_admits_only_this_accounts_alarms_and_rules(template):
    statements = template["Resources"]["AlarmTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allowed = [s for s in statements if s["Effect"] == "Allow"]
    assert {s["Principal"]["Service"] for s in allowed} == {"cloudwatch.amazonaws.com", "events.amazonaws.com"}
    for statement in allowed:
        assert statement["Action"] == "sns:Publish"
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    key = template["Resources"]["AlarmTopicKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert any(s["Principal"].get("Service") == "events.amazonaws.com" for s in key)


def test_cloudwatch_may_use_the_alarm_topics_key(template):
    # Alarms cannot publish to a topic encrypted with the AWS managed alias/aws/sns.
    topic = template["Resources"]["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    statements = template["Resources"]["AlarmTopicKey"]["Properties"]["KeyPolicy"]["Statement"]
    cloudwatch = [s for s in statements if s["Principal"].get("Service") == "cloudwatch.amazonaws.com"]
    assert cloudwatch and set(cloudwatch[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_extra_region_administrator_stacks_can_leave_enroll_accounts_out(template):
    by_binary = functions(template)
    assert by_binary["enroll-accounts"]["Condition"] == "DeploysEnrollAccounts"
    assert by_binary["investigate-findings"]["Condition"] == "IsAdministrator"
    assert template["Conditions"]["DeploysEnrollAccounts"] == {
        "Fn::And": [{"Condition": "IsAdministrator"}, {"Fn::Equals": [{"Ref": "EnrollAccounts"}, "true"]}]
    }
    enroll_queue = "EnrollAccountsDeadLetterQueue"
    for name, resource in template["Resources"].items():
        # The dashboard names it behind Fn::If (test_the_dashboard_is_json_and_shows_each_deployed_dead_letter_queue).
        if enroll_queue in json.dumps(resource) and name not in ("EnrollAccountsDeadLetterQueue", "Dashboard"):
            assert resource.get("Condition") == "DeploysEnrollAccounts", name


# ---------- event patterns ----------


def substitute(sub, template):
    """Fn::Sub of parameters with their defaults, pseudo parameters, and the variables of its
    list form (a FindInMap of a parameter's default)."""
    text, variables = (sub, {}) if isinstance(sub, str) else sub
    values = {name: str(parameter.get("Default", "")) for name, parameter in template["Parameters"].items()}
    values.update(PSEUDO)
    for name, value in variables.items():
        if "Fn::FindInMap" in value:
            mapping, key, attribute = value["Fn::FindInMap"]
            key = values[key["Ref"]] if isinstance(key, dict) else key
            values[name] = str(template["Mappings"][mapping][key][attribute])
    return re.sub(r"\$\{([\w:]+)\}", lambda m: values[m.group(1)], text)


def without_account(pattern):
    """The pattern without its `account` filter (the samples come from many accounts; the
    filters are checked by test_rules_match_only_our_accounts)."""
    return {key: value for key, value in pattern.items() if key != "account"}


def rule_patterns(template):
    """(group, rule name, pattern): group is the function a rule invokes, or 'forwarded'."""
    rules = []
    for binary, function in functions(template).items():
        for name, event in function["Properties"].get("Events", {}).items():
            if event["Type"] in ("EventBridgeRule", "CloudWatchEvent"):
                rules.append((binary, name, without_account(event["Properties"]["Pattern"])))
    by_logical_id = {
        name: r["Metadata"]["BuildProperties"]["Binary"]
        for name, r in resources(template, "AWS::Serverless::Function").items()
    }
    for name, rule in resources(template, "AWS::Events::Rule").items():
        pattern = rule["Properties"]["EventPattern"]
        if isinstance(pattern, dict) and "Fn::Sub" in pattern:
            pattern = json.loads(substitute(pattern["Fn::Sub"], template))
        target = rule["Properties"]["Targets"][0]["Arn"]
        if "Fn::GetAtt" in target:
            group = by_logical_id[target["Fn::GetAtt"][0]]
        else:
            group = "notified" if target == TOPIC else "forwarded"
        rules.append((group, name, without_account(pattern)))
    return rules


@pytest.fixture(scope="module")
def matches(template):
    """Group -> names of the events some rule of that group matched, using moto's matcher
    (with arrays of objects flattened as EventBridge does)."""
    events = load_events()
    found = {}
    with mock_aws(), eventbridge_flattening():
        bus = boto3.client("events", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        queues = {}
        for group, name, pattern in rule_patterns(template):
            url = sqs.create_queue(QueueName=name)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            bus.put_rule(Name=name, EventPattern=json.dumps(pattern))
            bus.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": arn}])
            queues[name] = (group, url)
        for file, event in events.items():
            entry = {
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps({**(event["detail"] or {}), "_file": file}),
                "Resources": [r for r in event.get("resources") or [] if isinstance(r, str)],
            }
            assert bus.put_events(Entries=[entry])["FailedEntryCount"] == 0, file
        for name, (group, url) in queues.items():
            while True:
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
                if not messages:
                    break
                for message in messages:
                    found.setdefault(group, set()).add(json.loads(message["Body"])["detail"]["_file"])
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


LIFECYCLE = {
    "organizations-create-account-result-succeeded.json",
    "organizations-account-joined-organization.json",
    "organizations-account-departed-organization.json",
    "organizations-accept-handshake.json",
    "organizations-remove-account-from-organization.json",
    "organizations-leave-organization.json",
    "organizations-close-account-result.json",
    "controltower-create-managed-account.json",
    "controltower-update-managed-account.json",
}
# Guard the guard: successful calls that weaken Detective. Made in the administrator account
# (its own bus; DisassociateMembership in a member account, which nothing forwards yet, but
# the rule matches it when it arrives)...
TAMPER = {
    "detective-delete-members.json",
    "detective-update-organization-configuration.json",
    "detective-update-datasource-packages.json",
    "detective-delete-graph.json",
    "detective-disassociate-membership.json",
}
# ...and in the management account, forwarded by its stack.
TAMPER_FORWARDED = {
    "detective-disable-organization-admin-account.json",
    "organizations-deregister-delegated-administrator.json",
}
ENROLL = LIFECYCLE | TAMPER | TAMPER_FORWARDED
# What the management stacks forward (all they see of what enroll-accounts handles), and
# what extra-region administrator stacks forward to the home region (Detective's calls there).
FORWARDED = LIFECYCLE | TAMPER_FORWARDED | TAMPER
ENROLL_CORPUS = {
    "aws-sea_eventbridge-RemoveAccountFromOrganization-envelope_AssumedRole.json",
    "awsdocs-controltower-lifecycle-CreateManagedAccount-comments-stripped.json",
    "awsdocs-controltower-lifecycle-UpdateManagedAccount-comments-stripped.json",
}
INVESTIGATE = {
    "guardduty-finding-iam-user-first-delivery.json",
    "guardduty-finding-iam-user-second-delivery.json",
    "guardduty-finding-assumed-role.json",
    # The pattern cannot see INVESTIGATE_SAMPLE_FINDINGS: the function ignores samples itself.
    "guardduty-finding-sample-ignored.json",
    # Attack sequences carry no accessKeyDetails: the $or matches their resourceType.
    "guardduty-finding-attack-sequence-one-principal.json",
    "guardduty-finding-attack-sequence-several-principals.json",
    # SecurityHubGuardDutyFindingRule (deployed only with InvestigateSecurityHubFindings true;
    # every rule of the template is in its group here, whatever its condition).
    "securityhub-guardduty-finding-imported.json",
    "securityhub-guardduty-attack-sequence-imported.json",
}
INVESTIGATE_CORPUS = set()
# No rule delivers Detective's CreateMembers to accept-invitations (nothing forwarded it);
# its schedule is its trigger.
ACCEPT = set()


def with_corpus(ours, corpus):
    return ours | corpus if load_events().keys() >= corpus else ours


def test_enroll_rules_match_exactly_the_account_lifecycle_and_tamper_events(matches):
    assert matches.get("enroll-accounts", set()) == with_corpus(ENROLL, ENROLL_CORPUS)


def test_forwarding_rules_forward_exactly_what_enroll_accounts_handles(matches):
    """Every account lifecycle event, the management account's tamper calls, and the
    administrator's own calls of other regions than the home one."""
    assert matches.get("forwarded", set()) == with_corpus(FORWARDED, ENROLL_CORPUS)
    assert matches.get("forwarded", set()) <= matches.get("enroll-accounts", set())


def test_the_finding_rules_match_iam_findings_and_attack_sequences_at_or_above_min_severity_only(matches):
    assert matches.get("investigate-findings", set()) == with_corpus(INVESTIGATE, INVESTIGATE_CORPUS)


def test_accept_invitations_is_triggered_by_its_schedule_only(template, matches):
    assert matches.get("accept-invitations", set()) == ACCEPT
    events = functions(template)["accept-invitations"]["Properties"]["Events"]
    assert {event["Type"] for event in events.values()} == {"Schedule"}
    assert "ForwardedInvitationEvents" not in template["Parameters"]


def forwarding_rules(template):
    return {name: rule for name, rule in resources(template, "AWS::Events::Rule").items() if name.startswith("Forward")}


def test_forwarding_is_deployed_where_the_events_arrive(template):
    """Organizations events reach EventBridge only in the partition's Organizations region
    (us-east-1); Control Tower's lifecycle events only in its home region."""
    rules = forwarding_rules(template)
    assert rules
    for name, rule in rules.items():
        source = rule["Properties"]["EventPattern"]["source"]
        # Detective's DisableOrganizationAdminAccount is regional: delivered wherever it was
        # called, so every management stack forwards it; the administrator's own calls of
        # an extra region are forwarded by that region's administrator stack.
        expected = {"aws.organizations": "ForwardsOrganizationsEvents", "aws.controltower": "ForwardsControlTowerEvents",
                    "aws.detective": "ForwardsDetectiveToHome" if name == "ForwardDetectiveWeakenedToHomeRule"
                    else "IsManagement"}
        assert rule["Condition"] == expected[source[0]], name
    conditions = template["Conditions"]
    assert conditions["ForwardsControlTowerEvents"] == {"Fn::And": [
        {"Condition": "IsManagement"}, {"Fn::Equals": [{"Ref": "AWS::Region"}, {"Ref": "ControlTowerHomeRegion"}]}]}
    assert template["Mappings"]["Partitions"]["aws"]["OrganizationsRegion"] == "us-east-1"
    membership = rules["ForwardAccountMembershipRule"]["Properties"]["EventPattern"]["detail"]["eventName"]
    assert membership == ["AccountJoinedOrganization", "AccountDepartedOrganization"]
    # Of Detective, from the management account only the call only it can make; from an
    # extra region, every call enroll-accounts' DetectiveWeakened rule matches.
    detective = {name: rule["Properties"]["EventPattern"] for name, rule in rules.items()
                 if rule["Properties"]["EventPattern"]["source"] == ["aws.detective"]}
    assert detective["ForwardDetectiveAdministratorDisabledRule"]["detail"]["eventName"] == [
        "DisableOrganizationAdminAccount"]
    weakened = functions(template)["enroll-accounts"]["Properties"]["Events"]["DetectiveWeakened"]["Properties"]["Pattern"]
    assert without_account(detective["ForwardDetectiveWeakenedToHomeRule"]) == without_account(weakened)
    # The home region answers this account's and the management account's calls; an extra
    # region forwards its own account's.
    assert weakened["account"] == [{"Ref": "AWS::AccountId"}, {"Ref": "ManagementAccountId"}]
    assert detective["ForwardDetectiveWeakenedToHomeRule"]["account"] == [{"Ref": "AWS::AccountId"}]
    assert set(detective) == {"ForwardDetectiveAdministratorDisabledRule", "ForwardDetectiveWeakenedToHomeRule"}
    assert template["Conditions"]["ForwardsDetectiveToHome"] == {"Fn::And": [
        {"Condition": "IsAdministrator"}, {"Fn::Equals": [{"Ref": "EnrollAccounts"}, "false"]},
        {"Fn::Not": [{"Fn::Equals": [{"Ref": "AdministratorRegion"}, {"Ref": "AWS::Region"}]}]}]}


def test_the_role_lookup_template_is_the_sam_templates_role_without_a_transform(template):
    """The StackSet's template: CloudFormation creates service-managed stack sets only from
    templates without a Transform. The same role as template.yaml's, statement for statement."""
    standalone = cfn_yaml.load(str(ROOT / "role-lookup.yaml"))
    assert "Transform" not in standalone
    assert list(standalone["Resources"]) == ["RoleLookupRole"]
    ours = standalone["Resources"]["RoleLookupRole"]["Properties"]
    sam = template["Resources"]["RoleLookupRole"]["Properties"]
    assert json.loads(json.dumps(ours)) == json.loads(json.dumps(sam))
    assert standalone["Parameters"]["AdministratorAccountId"]["AllowedPattern"] == "^[0-9]{12}$"


def test_the_lookup_role_reads_principals_and_nothing_else(template, described):
    role = template["Resources"]["RoleLookupRole"]
    assert role["Condition"] == "IsRoleLookup"
    statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    granted = {action for statement in statements for action in statement["Action"]}
    assert granted == set(described["investigate-findings"]["lookup_role_actions"])
    # Exactly investigate-findings' roles (their path), of the administrator, in our organization.
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    path = functions(template)["investigate-findings"]["Properties"]["RolePath"]
    assert path == "/detective-autopilot/investigate-findings/"
    assert trust["Condition"] == {
        "ArnLike": {"aws:PrincipalArn": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AdministratorAccountId}:role"
                                                    + path + "*"}},
        "StringEquals": {"aws:PrincipalOrgID": {"Ref": "OrganizationId"}}}
    # And investigate-findings assumes it only in an account of our organization.
    assume = [s for s in functions(template)["investigate-findings"]["Properties"]["Policies"][1]["Statement"]
              if s["Action"] == ["sts:AssumeRole"]]
    assert assume[0]["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${RoleLookupRoleName}"}
    assert assume[0]["Condition"] == {"StringEquals": {"aws:ResourceOrgID": {"Ref": "OrganizationId"}}}
    rules = template["Rules"]
    assert rules["LookupNeedsTheOrganization"]["RuleCondition"] == {"Fn::And": [
        {"Fn::Equals": [{"Ref": "AccountRole"}, "administrator"]},
        {"Fn::Not": [{"Fn::Equals": [{"Ref": "RoleLookupRoleName"}, ""]}]}]}
    assert rules["RoleLookupNeedsTheOrganization"]["RuleCondition"] == {"Fn::Equals": [{"Ref": "AccountRole"},
                                                                                      "role-lookup"]}


def test_failed_scheduled_runs_are_alarmed(template):
    """They are answered rather than retried, so neither Errors nor a DLQ would show them."""
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    for name, function in (("EnrollAccountsSweepFailedAlarm", "enroll-accounts"),
                           ("AcceptInvitationsCheckFailedAlarm", "accept-invitations")):
        properties = alarms[name]["Properties"]
        assert properties["Namespace"] == "DetectiveAutopilot" and properties["MetricName"] == "EventsReceived"
        assert properties["Dimensions"] == [{"Name": "Function", "Value": function},
                                            {"Name": "Trigger", "Value": "ScheduledEvent"},
                                            {"Name": "Status", "Value": "failed"}]


def test_negatives_match_no_rule(matches):
    matched = set().union(*matches.values())
    for negative in (
        "organizations-create-account-result-failed.json",
        # A failed call changed nothing: the tamper rules leave it out.
        "detective-delete-members-failed-ignored.json",
        # Our own kind of call (enroll-accounts' CreateMembers).
        "detective-create-members.json",
        "guardduty-runtime-protection-healthy-ignored.json",
        "guardduty-finding-root-ignored.json",
        "guardduty-finding-low-severity-ignored.json",
        "scheduled-event.json",
        "aws-to-slack-cevo_envelope_GuardDuty-Runtime-Protection-Unhealthy_EKS.json",
        "o7conseils-sns-message_envelope_AWS-API-Call-via-CloudTrail_source-aws.guardduty_CreateSampleFindings.json",
        "aws-sea_eventbridge-MoveAccount-envelope_AssumedRole.json",
        "awsdocs-controltower-lifecycle-DisableGuardrail.json",
        "cloud-custodian_securityhub-custom-action_GuardDuty-IAMUser-ConsoleLogin_ASFF.json",
        "example-eventbridge-event-obj.json",
    ):
        assert negative not in matched, negative


def test_every_rule_that_invokes_a_function_may_invoke_it(template):
    """Each rule with a function target has its Lambda permission, under the same condition."""
    permissions = {
        p["Properties"]["SourceArn"]["Fn::GetAtt"][0]: p
        for p in resources(template, "AWS::Lambda::Permission").values()
    }
    for name, rule in resources(template, "AWS::Events::Rule").items():
        target = rule["Properties"]["Targets"][0]["Arn"]
        if "Fn::GetAtt" not in target:
            continue
        permission = permissions[name]
        assert permission["Condition"] == rule["Condition"], name
        assert permission["Properties"]["FunctionName"] == {"Ref": target["Fn::GetAtt"][0]}, name
        assert permission["Properties"]["Principal"] == "events.amazonaws.com", name


def every_target(template):
    """(rule, target) of every EventBridge target: the rules' and SAM's rule events'."""
    for name, rule in resources(template, "AWS::Events::Rule").items():
        for target in rule["Properties"]["Targets"]:
            yield name, target
    for binary, function in functions(template).items():
        for name, event in function["Properties"].get("Events", {}).items():
            if event["Type"] in ("EventBridgeRule", "Schedule", "CloudWatchEvent"):
                yield f"{binary}.{name}", event["Properties"]


def test_every_target_bounds_its_retries_and_parks_what_it_could_not_deliver(template):
    for name, target in every_target(template):
        retry = target.get("RetryPolicy", {})
        assert set(retry) == {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"}, name
        assert 0 < retry["MaximumEventAgeInSeconds"] <= 86400, name
        assert "DeadLetterConfig" in target, name


def test_rules_match_only_our_accounts(template):
    """Tamper events of this account and the management account only; our own buses'
    notifications of this account only."""
    enroll = functions(template)["enroll-accounts"]["Properties"]["Events"]
    assert enroll["DetectiveWeakened"]["Properties"]["Pattern"]["account"] == [
        {"Ref": "AWS::AccountId"}, {"Ref": "ManagementAccountId"}]
    assert enroll["DetectiveAdministratorDeregistered"]["Properties"]["Pattern"]["account"] == [
        {"Ref": "ManagementAccountId"}]
    report = template["Resources"]["ReportNotificationRule"]["Properties"]["EventPattern"]
    assert json.loads(substitute(report["Fn::Sub"], template))["account"] == [PSEUDO["AWS::AccountId"]]


def test_the_finding_rules_deliver_alike(template):
    """The Security Hub rule retries and dead-letters as the GuardDuty rule does."""
    rules = template["Resources"]
    guardduty = rules["GuardDutyFindingRule"]
    security_hub = rules["SecurityHubGuardDutyFindingRule"]
    assert security_hub["Properties"]["Targets"] == guardduty["Properties"]["Targets"]
    # Active GuardDuty findings only: no sample of ours is archived or from another of
    # Security Hub's products, so the pattern itself is checked.
    findings = json.loads(substitute(security_hub["Properties"]["EventPattern"]["Fn::Sub"], template))["detail"]["findings"]
    # Numeric on GuardDuty's severity (the default MinSeverity, 7), as the GuardDuty rule.
    assert findings == {"ProductArn": [{"suffix": ":product/aws/guardduty"}], "RecordState": ["ACTIVE"],
                        "$or": [{"Severity": {"Product": [{"numeric": [">=", 7]}]}},
                                {"Severity": {"Product": [{"exists": False}]}}]}
    assert guardduty["Condition"] == "IsAdministrator"
    assert security_hub["Condition"] == "InvestigatesSecurityHubFindings"
    assert template["Conditions"]["InvestigatesSecurityHubFindings"] == {"Fn::And": [
        {"Condition": "IsAdministrator"}, {"Fn::Equals": [{"Ref": "InvestigateSecurityHubFindings"}, "true"]}]}
    assert template["Parameters"]["InvestigateSecurityHubFindings"]["Default"] == "false"


# ---------- report-investigations ----------

GRAPHS = {"Fn::Sub": "arn:${AWS::Partition}:detective:${AWS::Region}:${AWS::AccountId}:graph:*"}


def report_queue(template):
    """The logical id of the queue report-investigations reads."""
    queues = [queue for queue, _ in sqs_triggers(template, "report-investigations")]
    assert len(queues) == 1, queues
    return queues[0]


def test_reports_are_deployed_by_the_administrator_when_asked(template):
    assert template["Conditions"]["DeploysReports"] == {"Fn::And": [
        {"Condition": "IsAdministrator"}, {"Fn::Equals": [{"Ref": "Reports"}, "true"]}]}
    assert template["Parameters"]["Reports"]["Default"] == "true"
    queue = report_queue(template)
    dead_letter = template["Resources"][queue]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    for name, resource in template["Resources"].items():
        if name not in ("InvestigateFindingsFunction", "Dashboard") and re.search(rf"\b({queue}|{dead_letter}|ReportInvestigationsFunction)\b", json.dumps(resource)):
            assert resource.get("Condition") == "DeploysReports", name


def test_the_report_queue_follows_an_investigation_for_a_day(template):
    """A RUNNING investigation's request comes back once per VisibilityTimeout, until
    maxReceiveCount sends it to the dead-letter queue."""
    properties = template["Resources"][report_queue(template)]["Properties"]
    visibility = properties["VisibilityTimeout"]
    receives = properties["RedrivePolicy"]["maxReceiveCount"]
    assert visibility * receives >= 24 * 3600
    # Lambda's advice for an SQS event source: at least 6 x the function's timeout.
    assert visibility >= 6 * functions(template)["report-investigations"]["Properties"]["Timeout"]
    # The request outlives its first delivery's delay and every receive...
    longest = template["Parameters"]["ReportDelaySeconds"]["MaxValue"] + visibility * receives
    assert properties["MessageRetentionPeriod"] > longest
    # ...and the dead-letter queue, which keeps its first enqueue time, outlives the queue.
    dead_letter = template["Resources"][properties["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]]
    assert dead_letter["Properties"]["MessageRetentionPeriod"] > properties["MessageRetentionPeriod"]
    assert template["Parameters"]["ReportDelaySeconds"]["MaxValue"] <= 900  # SQS's longest delay


def test_a_report_queue_nobody_reads_is_alarmed_before_its_requests_expire(template):
    queue = report_queue(template)
    properties = template["Resources"][queue]["Properties"]
    longest = (template["Parameters"]["ReportDelaySeconds"]["MaxValue"]
               + properties["VisibilityTimeout"] * properties["RedrivePolicy"]["maxReceiveCount"])
    ages = [alarm["Properties"] for alarm in resources(template, "AWS::CloudWatch::Alarm").values()
            if alarm["Properties"].get("MetricName") == "ApproximateAgeOfOldestMessage"]
    assert [age["Dimensions"] for age in ages] == [[{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]]
    assert longest < ages[0]["Threshold"] < properties["MessageRetentionPeriod"] - ages[0]["Period"]


def test_the_report_requests_report_batch_item_failures(template):
    assert sqs_triggers(template, "report-investigations") == [(report_queue(template), ["ReportBatchItemFailures"])]
    mappings = [m for m in resources(template, "AWS::Lambda::EventSourceMapping").values()
                if m["Properties"]["FunctionName"] == {"Ref": "ReportInvestigationsFunction"}]
    assert len(mappings) == 1 and mappings[0]["Properties"]["BatchSize"] <= 10
    # Not a SAM SQS event: SAM would attach AWSLambdaSQSQueueExecutionRole, which may receive
    # and delete the messages of every queue of the account.
    function = functions(template)["report-investigations"]["Properties"]
    assert not any(event["Type"] == "SQS" for event in function.get("Events", {}).values())
    assert all(isinstance(policy, dict) for policy in function["Policies"]), "no managed policy"


def test_report_investigations_receives_from_the_report_queue_only(template):
    function = functions(template)["report-investigations"]
    queue = {"Fn::GetAtt": [report_queue(template), "Arn"]}
    granted = {action for _, statement in statements(function) for action in actions_of([statement])}
    sqs = {action for action in granted if action.startswith("sqs:")}
    assert sqs == {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:SendMessage"}
    for action in sqs - {"sqs:SendMessage"}:
        assert granting(function, action) == [(None, queue)], action
    # It sends only to its own queue (a message sent again) and its dead-letter queue.
    dead_letter = template["Resources"][report_queue(template)]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]
    assert granting(function, "sqs:SendMessage") == [(None, [queue, dead_letter])]
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["REPORT_QUEUE_URL"] == {"Ref": report_queue(template)}
    assert variables["REPORT_DEAD_LETTER_QUEUE_URL"] == {"Ref": dead_letter["Fn::GetAtt"][0]}
    assert not [p for p in function["Properties"]["Policies"] if isinstance(p, dict) and "Statement" not in p and "Fn::If" not in p]


def test_investigate_findings_may_send_only_to_the_report_queue(template):
    function = functions(template)["investigate-findings"]
    queue = report_queue(template)
    assert granting(function, "sqs:SendMessage") == [("DeploysReports", {"Fn::GetAtt": [queue, "Arn"]})]
    assert not [a for _, s in statements(function) for a in actions_of([s]) if a.startswith("sqs:") and a != "sqs:SendMessage"]
    # Besides the SAM policy template for its own dead-letter queue.
    templates = [p for p in function["Properties"]["Policies"] if isinstance(p, dict) and "SQSSendMessagePolicy" in p]
    assert templates == [{"SQSSendMessagePolicy": {"QueueName": {"Fn::GetAtt": ["InvestigateFindingsDeadLetterQueue", "QueueName"]}}}]
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["REPORT_QUEUE_URL"] == {"Fn::If": ["DeploysReports", {"Ref": queue}, ""]}
    assert variables["REPORT_DELAY_SECONDS"] == {"Ref": "ReportDelaySeconds"}


def test_reports_are_put_on_the_report_bus_only(template):
    function = functions(template)["report-investigations"]
    bus = {"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${ReportBusName}"}
    assert granting(function, "events:PutEvents") == [(None, bus)]
    assert function["Properties"]["Environment"]["Variables"]["REPORT_BUS_NAME"] == {"Ref": "ReportBusName"}


def test_imports_and_archives_are_granted_only_when_asked(template):
    function = functions(template)["report-investigations"]
    variables = function["Properties"]["Environment"]["Variables"]
    conditions = template["Conditions"]
    for action in ("detective:GetInvestigation", "detective:ListIndicators"):
        assert granting(function, action) == [(None, GRAPHS)], action
    # ARCHIVE_AT_OR_BELOW set: UpdateInvestigationState.
    assert granting(function, "detective:UpdateInvestigationState") == [("ArchivesInvestigations", GRAPHS)]
    assert conditions["ArchivesInvestigations"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "ArchiveAtOrBelow"}, ""]}]}
    assert variables["ARCHIVE_AT_OR_BELOW"] == {"Ref": "ArchiveAtOrBelow"}
    # SECURITY_HUB true: BatchImportFindings, into this account's default product only.
    product = {"Fn::Sub": "arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:product/${AWS::AccountId}/default"}
    assert granting(function, "securityhub:BatchImportFindings") == [("ImportsReportsIntoSecurityHub", product)]
    assert conditions["ImportsReportsIntoSecurityHub"] == {"Fn::Equals": [{"Ref": "SecurityHubFindings"}, "true"]}
    assert variables["SECURITY_HUB"] == {"Ref": "SecurityHubFindings"}


def test_failed_reports_are_alarmed(template):
    """A report that could not be made is a batch item failure, not an invocation error."""
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    failed = alarms["ReportsFailedAlarm"]["Properties"]
    assert failed["Namespace"] == "DetectiveAutopilot" and failed["MetricName"] == "ReportsFailed"
    assert failed["Dimensions"] == [{"Name": "Function", "Value": "report-investigations"}]
    assert (failed["Statistic"], failed["Period"], failed["Threshold"], failed["ComparisonOperator"]) == (
        "Sum", 300, 0, "GreaterThanThreshold")
    errors = alarms["ReportInvestigationsErrorsAlarm"]["Properties"]
    assert errors["Namespace"] == "AWS/Lambda" and errors["MetricName"] == "Errors"
    assert errors["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "ReportInvestigationsFunction"}}]
    for name in ("ReportsFailedAlarm", "ReportInvestigationsErrorsAlarm"):
        assert template["Resources"][name]["Condition"] == "DeploysReports", name


# ---------- guard the guard (enroll-accounts' tamper rules) ----------

TAMPER_RULE = "DetectiveWeakened"


def tamper_pattern(template):
    return functions(template)["enroll-accounts"]["Properties"]["Events"][TAMPER_RULE]["Properties"]["Pattern"]


def sample(name):
    return json.loads((ROOT / "events" / name).read_text())


def cloudtrail_event(source, event_source, event_name, **detail):
    """An "AWS API Call via CloudTrail" event as EventBridge delivers it."""
    return {
        "version": "0", "id": "00000000-0000-0000-0000-000000000000",
        "detail-type": "AWS API Call via CloudTrail", "source": source,
        "account": "111111111111", "time": "2026-01-01T00:00:00Z", "region": "us-east-1", "resources": [],
        "detail": {
            "eventVersion": "1.09", "eventSource": event_source, "eventName": event_name,
            "awsRegion": "us-east-1", "eventType": "AwsApiCall", "managementEvent": True,
            "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111111111111:assumed-role/ops/alice"},
            **detail,
        },
    }


def detective_call(name, **detail):
    return cloudtrail_event("aws.detective", "detective.amazonaws.com", name, **detail)


GRAPH = "arn:aws:detective:us-east-1:111111111111:graph:a1b2c3d4e5f60718293a4b5c6d7e8f90"


def ordinary_calls():
    """Calls that do not weaken Detective (ours, a member's, reads) and look-alikes."""
    calls = {
        "detective-create-members.json": sample("detective-create-members.json"),
        "CreateMembers": detective_call("CreateMembers", requestParameters={
            "graphArn": GRAPH, "accounts": [{"accountId": "222222222222"}]}),
        "StartMonitoringMember": detective_call("StartMonitoringMember", requestParameters={
            "graphArn": GRAPH, "accountId": "222222222222"}),
        "AcceptInvitation": detective_call("AcceptInvitation", requestParameters={"graphArn": GRAPH}),
        "ListMembers": detective_call("ListMembers", requestParameters={"graphArn": GRAPH}, readOnly=True),
        "DescribeOrganizationConfiguration": detective_call(
            "DescribeOrganizationConfiguration", requestParameters={"graphArn": GRAPH}, readOnly=True),
        "ListDatasourcePackages": detective_call("ListDatasourcePackages", requestParameters={"graphArn": GRAPH}),
        "CreateGraph": detective_call("CreateGraph"),
        "EnableOrganizationAdminAccount": detective_call(
            "EnableOrganizationAdminAccount", requestParameters={"accountId": "111111111111"}),
        # A failed weakening call changed nothing.
        "DeleteMembers AccessDenied": detective_call("DeleteMembers", errorCode="AccessDeniedException",
                                                     requestParameters={"graphArn": GRAPH, "accountIds": ["222222222222"]}),
        # Another service's delegated administrator, and Detective's being registered.
        "DeregisterDelegatedAdministrator guardduty": cloudtrail_event(
            "aws.organizations", "organizations.amazonaws.com", "DeregisterDelegatedAdministrator",
            requestParameters={"accountId": "111111111111", "servicePrincipal": "guardduty.amazonaws.com"}),
        "RegisterDelegatedAdministrator detective": cloudtrail_event(
            "aws.organizations", "organizations.amazonaws.com", "RegisterDelegatedAdministrator",
            requestParameters={"accountId": "111111111111", "servicePrincipal": "detective.amazonaws.com"}),
        # Another service's calls of the same names.
        "GuardDuty DeleteMembers": cloudtrail_event(
            "aws.guardduty", "guardduty.amazonaws.com", "DeleteMembers",
            requestParameters={"detectorId": "d", "accountIds": ["222222222222"]}),
        "Security Hub DisassociateFromAdministratorAccount": cloudtrail_event(
            "aws.securityhub", "securityhub.amazonaws.com", "DisassociateFromAdministratorAccount"),
    }
    # Detective's one published CloudTrail record (a failed AcceptInvitation), when present.
    published = CORPUS / "detective" / "awsdocs-detective-AcceptInvitation-ValidationException-cloudtrail-record-unescaped.json"
    if published.is_file():
        record = json.loads(published.read_text())
        calls[published.name] = {**detective_call("AcceptInvitation"), "detail": record}
    return calls


def matching_rules(template, event):
    return [name for _, name, pattern in rule_patterns(template) if pattern_matches(pattern, event)]


def test_ordinary_detective_calls_match_no_rule(template):
    """Our own kind of call (CreateMembers, StartMonitoringMember), a member's AcceptInvitation,
    reads, failed calls and other services' look-alikes start nothing, in any stack."""
    for name, event in ordinary_calls().items():
        assert matching_rules(template, event) == [], name


def test_the_tamper_rules_match_each_weakening_call(template):
    """The matcher above sees them (so that its negatives mean something), each by exactly the
    enroll-accounts rule and, from the management account, one forwarding rule."""
    for name in sorted(TAMPER):
        assert matching_rules(template, sample(name)) == [TAMPER_RULE, "ForwardDetectiveWeakenedToHomeRule"], name
    assert matching_rules(template, sample("detective-disable-organization-admin-account.json")) == [
        TAMPER_RULE, "ForwardDetectiveWeakenedToHomeRule", "ForwardDetectiveAdministratorDisabledRule"]
    assert matching_rules(template, sample("organizations-deregister-delegated-administrator.json")) == [
        "DetectiveAdministratorDeregistered", "ForwardDetectiveAdministratorDeregisteredRule"]


def test_the_tamper_rule_lists_exactly_the_weakening_calls(template):
    pattern = tamper_pattern(template)
    assert pattern["source"] == ["aws.detective"]
    assert pattern["detail-type"] == ["AWS API Call via CloudTrail"]
    assert pattern["detail"]["eventSource"] == ["detective.amazonaws.com"]
    assert pattern["detail"]["eventName"] == [
        "DeleteMembers", "UpdateOrganizationConfiguration", "UpdateDatasourcePackages",
        "DisassociateMembership", "DeleteGraph", "DisableOrganizationAdminAccount"]
    assert pattern["detail"]["errorCode"] == [{"exists": False}]
    deregistered = functions(template)["enroll-accounts"]["Properties"]["Events"]["DetectiveAdministratorDeregistered"]
    assert deregistered["Properties"]["Pattern"]["detail"]["requestParameters"] == {
        "servicePrincipal": ["detective.amazonaws.com"]}
    # Delivered like the function's other events: retried, then dead-lettered.
    events = functions(template)["enroll-accounts"]["Properties"]["Events"]
    for name in (TAMPER_RULE, "DetectiveAdministratorDeregistered"):
        properties = events[name]["Properties"]
        assert events[name]["Type"] == "EventBridgeRule", name
        assert properties["RetryPolicy"] == events["CreateAccountResult"]["Properties"]["RetryPolicy"], name
        assert properties["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["EnrollAccountsDeadLetterQueue", "Arn"]}}, name


def test_tamper_alerts_are_put_on_the_alert_bus_only(template):
    function = functions(template)["enroll-accounts"]
    bus = {"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${AlertBusName}"}
    assert granting(function, "events:PutEvents") == [(None, bus)]
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["ALERT_BUS_NAME"] == {"Ref": "AlertBusName"}
    parameters = template["Parameters"]
    assert parameters["AlertBusName"]["Default"] == "default"
    assert parameters["AlertBusName"]["AllowedPattern"] == parameters["ReportBusName"]["AllowedPattern"]


def test_data_source_packages_are_restored_on_the_accounts_graphs(template):
    function = functions(template)["enroll-accounts"]
    graphs = {"Fn::Sub": "arn:${AWS::Partition}:detective:*:${AWS::AccountId}:graph:*"}
    for action in ("detective:ListDatasourcePackages", "detective:UpdateDatasourcePackages", "detective:DeleteMembers"):
        assert granting(function, action) == [(None, graphs)], action
    variables = function["Properties"]["Environment"]["Variables"]
    # The packages the graph setup turns on are the ones kept on.
    assert variables["DATASOURCE_PACKAGES"] == {"Ref": "DatasourcePackages"}
    assert template["Resources"]["DetectiveGraphSetup"]["Properties"]["DatasourcePackages"] == {"Ref": "DatasourcePackages"}


def test_the_tamper_parameters(template):
    parameters = template["Parameters"]
    variables = functions(template)["enroll-accounts"]["Properties"]["Environment"]["Variables"]
    assert parameters["TamperResponse"]["AllowedValues"] == ["restore", "alert", "off"]
    assert parameters["TamperResponse"]["Default"] == "restore"
    assert variables["TAMPER_RESPONSE"] == {"Ref": "TamperResponse"}
    assert variables["TRUSTED_CHANGE_PRINCIPALS"] == {"Ref": "TrustedChangePrincipals"}
    # What the code accepts (IAM role or user ARNs, comma-separated) and nothing it refuses,
    # so that a bad value fails the deployment rather than every invocation.
    allowed = re.compile(parameters["TrustedChangePrincipals"]["AllowedPattern"])
    for good in ("", "arn:aws:iam::111111111111:role/break-glass",
                 "arn:aws:iam::111111111111:role/a, arn:aws-us-gov:iam::111111111111:user/path/pipeline"):
        assert allowed.fullmatch(good), good
    for bad in ("alice", "arn:aws:iam::111111111111:role/a,bob", "arn:aws:sts::111111111111:assumed-role-x"):
        assert not allowed.fullmatch(bad), bad


def stack_conditions(template, **parameters):
    """Every condition's value in a stack deployed in us-east-1 with these parameters (the
    others at their defaults)."""
    values = {name: str(p.get("Default", "")) for name, p in template["Parameters"].items()}
    values.update({"AWS::Region": "us-east-1", "AWS::Partition": "aws"}, **parameters)

    def value(node):
        if isinstance(node, str):
            return node
        if "Ref" in node:
            return values[node["Ref"]]
        mapping, first, second = (value(item) for item in node["Fn::FindInMap"])
        return template["Mappings"][mapping][first][second]

    def holds(node):
        (function, arguments), = node.items()
        if function == "Condition":
            return holds(template["Conditions"][arguments])
        if function == "Fn::Equals":
            return value(arguments[0]) == value(arguments[1])
        if function == "Fn::Not":
            return not holds(arguments[0])
        return (all if function == "Fn::And" else any)(holds(item) for item in arguments)

    return {name: holds(condition) for name, condition in template["Conditions"].items()}


def resolve(node, conditions):
    """A value of Fn::If, Fn::Join and Fn::GetAtt ...Arn as a list of the logical ids whose
    ARNs it joins."""
    if isinstance(node, dict) and "Fn::If" in node:
        name, when_true, when_false = node["Fn::If"]
        return resolve(when_true if conditions[name] else when_false, conditions)
    if isinstance(node, dict) and "Fn::Join" in node:
        delimiter, items = node["Fn::Join"]
        assert delimiter == ","
        return [arn for item in items for arn in resolve(item, conditions)]
    if node == {"Ref": "AWS::NoValue"}:
        return []
    (logical_id, attribute), = [node["Fn::GetAtt"]]
    assert attribute == "Arn"
    return [logical_id]


def roles_that_can_weaken_detective(template, conditions):
    """The generated roles of the stack's functions granted a call the tamper rule matches."""
    weakening = {f"detective:{name}" for name in tamper_pattern(template)["detail"]["eventName"]}
    weakening.add("organizations:DeregisterDelegatedAdministrator")
    roles = set()
    for name, function in resources(template, "AWS::Serverless::Function").items():
        if not conditions[function["Condition"]]:
            continue
        for branch, statement in statements(function):
            active = branch is None or (not conditions[branch[1:]] if branch.startswith("!") else conditions[branch])
            if active and actions_of([statement]) & weakening:
                roles.add(f"{name}Role")
    return roles


@pytest.mark.parametrize("configure_detective", ["true", "false"])
def test_own_sessions_name_every_function_of_the_stack_that_can_weaken_detective(template, configure_detective):
    """So that the stack's own writes (the sweep's, a restore's, configure-detective's) are
    never taken for tampering, only from the functions' own sessions (role and function
    name), and a role that is not deployed is not named."""
    conditions = stack_conditions(template, AccountRole="administrator", ConfigureDetective=configure_detective)
    assert conditions["DeploysEnrollAccounts"]
    variables = functions(template)["enroll-accounts"]["Properties"]["Environment"]["Variables"]
    assert variables["OWN_ROLE_ARN"] == {"Fn::GetAtt": ["EnrollAccountsFunctionRole", "Arn"]}
    setup = evaluate(variables["SETUP_SESSION"], template, AccountRole="administrator",
                     ConfigureDetective=configure_detective)
    roles = generated_roles(template)
    named = {"EnrollAccountsFunctionRole"}
    if configure_detective == "true":
        assert setup == "<ConfigureDetectiveFunctionRole.Arn>=<ConfigureDetectiveFunction>"
        named.add("ConfigureDetectiveFunctionRole")
    else:
        assert setup == ""
    for role in named:
        assert role in roles and conditions[roles[role]], role
    assert named == roles_that_can_weaken_detective(template, conditions)
    assert variables["ACCOUNT_ID"] == {"Ref": "AWS::AccountId"}
    assert variables["MANAGEMENT_ACCOUNT_ID"] == {"Ref": "ManagementAccountId"}


def test_tamper_events_are_alarmed(template):
    alarm = template["Resources"]["TamperEventsAlarm"]
    assert alarm["Condition"] == "DeploysEnrollAccounts"
    properties = alarm["Properties"]
    assert properties["Namespace"] == "DetectiveAutopilot" and properties["MetricName"] == "TamperEvents"
    assert properties["Dimensions"] == [{"Name": "Function", "Value": "enroll-accounts"}]
    assert (properties["Statistic"], properties["Period"], properties["EvaluationPeriods"], properties["Threshold"],
            properties["ComparisonOperator"], properties["TreatMissingData"]) == (
        "Sum", 300, 1, 0, "GreaterThanThreshold", "notBreaching")
    assert properties["AlarmActions"] == NOTIFY


# ---------- hardening (issue 15): logs, queues, least privilege, confused deputy, parameters ----------

PSEUDO = {
    "AWS::Region": "us-east-1", "AWS::Partition": "aws", "AWS::AccountId": "123456789012",
    "AWS::StackName": "detective-autopilot", "AWS::URLSuffix": "amazonaws.com",
}


def stack_values(template, **parameters):
    """Parameter and pseudo-parameter values of a stack: the defaults, then these."""
    values = {name: str(p.get("Default", "")) for name, p in template["Parameters"].items()}
    values.update(PSEUDO)
    values.update(parameters)
    return values


NO_VALUE = object()


def evaluate(node, template, **parameters):
    """The value of an intrinsic expression in a stack with these parameters: Ref, Fn::Sub,
    Fn::Join, Fn::Split, Fn::Select, Fn::If, Fn::FindInMap; a resource's Ref or Fn::GetAtt
    stands as "<LogicalId>" or "<LogicalId.Attribute>"."""
    values = stack_values(template, **parameters)
    conditions = stack_conditions(template, **{k: v for k, v in parameters.items()})

    def value(node):
        if isinstance(node, list):
            return [item for item in (value(item) for item in node) if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (function, argument), = node.items()
            if function == "Ref":
                return NO_VALUE if argument == "AWS::NoValue" else values.get(argument, f"<{argument}>")
            if function == "Fn::GetAtt":
                return "<{}.{}>".format(*argument) if isinstance(argument, list) else f"<{argument}>"
            if function == "Fn::If":
                name, when_true, when_false = argument
                return value(when_true if conditions[name] else when_false)
            if function == "Fn::Sub":
                text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], value(argument[1]))
                return re.sub(r"\$\{([^}]+)\}", lambda m: str(variables.get(m[1], values.get(m[1], f"<{m[1]}>"))), text)
            if function == "Fn::Join":
                delimiter, items = argument
                assert isinstance(delimiter, str), "a Join's delimiter must be literal"
                return delimiter.join(value(items))
            if function == "Fn::Split":
                delimiter, text = argument
                assert isinstance(delimiter, str), "a Split's delimiter must be literal"
                return value(text).split(delimiter)
            if function == "Fn::Select":
                index, items = argument
                return value(items)[int(value(index))]
            if function == "Fn::FindInMap":
                mapping, first, second = value(argument)
                return template["Mappings"][mapping][first][second]
        return {key: item for key, item in ((key, value(item)) for key, item in node.items()) if item is not NO_VALUE}

    return value(node)


def wildcard(pattern, text, ignore_case=False):
    """IAM's wildcard match: * any characters, ? one."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.IGNORECASE if ignore_case else 0) is not None


def arn_matches(pattern, arn):
    """IAM matches an ARN's partition, service, region and account one by one, and its
    resource as a whole: a wildcard never spans a colon of the first five."""
    wanted, found = pattern.split(":", 5), arn.split(":", 5)
    return len(wanted) == len(found) == 6 and all(wildcard(w, f) for w, f in zip(wanted, found))


def listed(value):
    return value if isinstance(value, list) else [value]


def role_statements(template, binary, **parameters):
    """Every statement the function's role gets in a stack with these parameters (the SAM
    policy templates aside: they name the queues only)."""
    policies = evaluate(functions(template)[binary]["Properties"]["Policies"], template, **parameters)
    return [statement for policy in policies for statement in policy.get("Statement", [])]


def allows(statements, action, resource):
    """The identity policy's decision for one request: an explicit Deny wins, then an
    Allow (without conditions: none of these has one)."""
    def applies(statement):
        return (any(wildcard(a, action, ignore_case=True) for a in listed(statement["Action"]))
                and any(arn_matches(r, resource) or r == "*" for r in listed(statement["Resource"])))
    if any(s["Effect"] == "Deny" and applies(s) for s in statements):
        return False
    allowing = [s for s in statements if s["Effect"] == "Allow" and applies(s)]
    assert all("Condition" not in s for s in allowing), "conditions are not evaluated here"
    return bool(allowing)


# Each partition the template supports (its Partitions mapping), with a region of it.
PARTITION_REGIONS = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-north-1"}
TRUSTED_ADMINS = ("111111111111", "222222222222")
STRANGER = "333333333333"


def test_the_template_supports_exactly_the_partitions_tested(template):
    assert set(template["Mappings"]["Partitions"]) == set(PARTITION_REGIONS)


@pytest.mark.parametrize("partition", sorted(PARTITION_REGIONS))
@pytest.mark.parametrize("trusted", [TRUSTED_ADMINS[:1], TRUSTED_ADMINS])
def test_invitations_are_accepted_on_the_trusted_administrators_graphs_only(template, partition, trusted):
    region = PARTITION_REGIONS[partition]
    statements = role_statements(template, "accept-invitations", AccountRole="member",
                                 TrustedAdminAccountIds=",".join(trusted),
                                 **{"AWS::Partition": partition, "AWS::Region": region})

    def graph(account, graph_id="a1b2c3d4e5f60718293a4b5c6d7e8f90", graph_region=region, graph_partition=partition):
        return f"arn:{graph_partition}:detective:{graph_region}:{account}:graph:{graph_id}"

    for account in trusted:
        assert allows(statements, "detective:AcceptInvitation", graph(account)), account
        # Any region of the trusted administrator (the code checks the invitation's region).
        assert allows(statements, "detective:AcceptInvitation", graph(account, graph_region="eu-west-1")), account
    untrusted = [
        graph(STRANGER),
        graph(TRUSTED_ADMINS[1]) if len(trusted) == 1 else graph("444444444444"),
        # A trusted account's id elsewhere in the ARN than its account.
        graph(STRANGER, graph_id=trusted[0]),
        graph(trusted[0] + "1"),
        graph(trusted[0], graph_partition="aws-iso" if partition == "aws" else "aws"),
    ]
    for arn in untrusted:
        assert not allows(statements, "detective:AcceptInvitation", arn), arn
    assert allows(statements, "detective:ListInvitations", "*")


@pytest.mark.parametrize("untrusted_invitations", ["ignore", "reject"])
@pytest.mark.parametrize("leave_untrusted_graphs", ["false", "true"])
def test_rejecting_and_leaving_are_granted_only_when_asked(template, untrusted_invitations, leave_untrusted_graphs):
    """They answer untrusted graphs, so they cannot be limited to the trusted accounts; each
    is granted by its parameter alone."""
    statements = role_statements(template, "accept-invitations", AccountRole="member",
                                 TrustedAdminAccountIds=TRUSTED_ADMINS[0],
                                 UntrustedInvitations=untrusted_invitations,
                                 LeaveUntrustedGraphs=leave_untrusted_graphs)
    stranger = f"arn:aws:detective:us-east-1:{STRANGER}:graph:a1b2c3d4e5f60718293a4b5c6d7e8f90"
    assert allows(statements, "detective:RejectInvitation", stranger) == (untrusted_invitations == "reject")
    assert allows(statements, "detective:DisassociateMembership", stranger) == (leave_untrusted_graphs == "true")
    assert not allows(statements, "detective:AcceptInvitation", stranger)


def test_trusted_admin_account_ids_allow_no_spaces(template):
    """The accept policy's ARNs are built from the list as written (the code would tolerate
    spaces; an ARN with one matches nothing)."""
    allowed = re.compile(template["Parameters"]["TrustedAdminAccountIds"]["AllowedPattern"])
    for good in ("", "111111111111", "111111111111,222222222222,333333333333"):
        assert allowed.fullmatch(good), good
    for bad in ("111111111111, 222222222222", " 111111111111", "111111111111,", "all", "*", "11111111111",
                "111111111111,,222222222222"):
        assert not allowed.fullmatch(bad), bad


def test_enroll_accounts_describes_the_management_accounts_organization_only(template):
    """DescribeAccount's resource type is the organization's account, whose ARN names the
    management account (Service Authorization Reference); ListAccounts has none."""
    statements = role_statements(template, "enroll-accounts", AccountRole="administrator",
                                 ManagementAccountId="999999999999")
    ours = "arn:aws:organizations::999999999999:account/o-abcdefghij/444444444444"
    assert allows(statements, "organizations:DescribeAccount", ours)
    assert allows(statements, "organizations:DescribeAccount", "arn:aws:organizations::999999999999:account/o-abcdefghij/999999999999")
    assert not allows(statements, "organizations:DescribeAccount", "arn:aws:organizations::888888888888:account/o-zyxwvutsrq/444444444444")
    assert allows(statements, "organizations:ListAccounts", "*")
    for statement in statements:
        if "organizations:DescribeAccount" in listed(statement["Action"]):
            assert statement["Resource"] != "*"


# ---------- queues ----------


def queue_policies(template, queue):
    return {name: p for name, p in resources(template, "AWS::SQS::QueuePolicy").items()
            if {"Ref": queue} in p["Properties"]["Queues"]}


def test_every_queue_refuses_insecure_transport(template):
    for queue, properties in resources(template, "AWS::SQS::Queue").items():
        policies = queue_policies(template, queue)
        assert len(policies) == 1, queue
        (name, policy), = policies.items()
        assert policy["Condition"] == properties["Condition"], name
        assert policy["Properties"]["Queues"] == [{"Ref": queue}], name
        deny = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
        assert deny == [{
            "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "sqs:*",
            "Resource": {"Fn::GetAtt": [queue, "Arn"]},
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }], name


# ---------- logs ----------


def test_every_function_logs_to_its_own_encrypted_log_group_with_retention(template):
    log_groups = resources(template, "AWS::Logs::LogGroup")
    seen = set()
    for binary, function in functions(template).items():
        logging = function["Properties"]["LoggingConfig"]
        assert set(logging) == {"LogGroup"}, binary  # the rest comes from Globals
        name = logging["LogGroup"]["Ref"]
        group = log_groups[name]
        seen.add(name)
        assert group["Condition"] == function["Condition"], binary
        assert group["Properties"] == {
            "LogGroupName": {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}/{binary}"},
            "RetentionInDays": {"Ref": "LogRetentionDays"},
            "KmsKeyId": {"Fn::GetAtt": ["LogsKey", "Arn"]},
        }, binary
    assert seen == set(log_groups), "a log group of no function"


def test_sam_keeps_the_global_logging_settings_with_each_log_group(template):
    """SAM merges a function's LoggingConfig into Globals' (the JSON format and levels stay)."""
    from sam_transform import transformed
    translated = transformed(str(ROOT / "template.yaml"))["Resources"]
    globals_ = template["Globals"]["Function"]["LoggingConfig"]
    for name, function in resources(template, "AWS::Serverless::Function").items():
        assert translated[name]["Type"] == "AWS::Lambda::Function", name
        assert translated[name]["Properties"]["LoggingConfig"] == {**globals_, **function["Properties"]["LoggingConfig"]}, name
        # checkov's skips reach the transformed template too.
        assert translated[name]["Metadata"]["checkov"] == function["Metadata"]["checkov"], name


def test_log_retention_is_a_cloudwatch_period(template):
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::Logs::LogGroup").schema
    parameter = template["Parameters"]["LogRetentionDays"]
    assert parameter["Type"] == "Number" and parameter["Default"] == 365
    assert parameter["AllowedValues"] == schema["properties"]["RetentionInDays"]["enum"]
    assert "LogRetentionDays" in template["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"][0]["Parameters"]


STACKS = [
    {"AccountRole": role, "EnrollAccounts": enroll, "ConfigureDetective": configure, "Reports": reports, "AWS::Region": region}
    for role in ("administrator", "management", "member", "role-lookup")
    for enroll in ("true", "false") for configure in ("true", "false") for reports in ("true", "false")
    for region in ("us-east-1", "eu-west-1")
]


def test_the_logs_key_exists_wherever_a_log_group_does(template):
    key = template["Resources"]["LogsKey"]
    groups = resources(template, "AWS::Logs::LogGroup")
    for stack in STACKS:
        conditions = stack_conditions(template, **stack)
        deployed = [name for name, group in groups.items() if conditions[group["Condition"]]]
        assert conditions[key["Condition"]] == bool(deployed), stack


def test_cloudwatch_logs_may_use_the_key_for_this_stacks_log_groups_only(template):
    statements = template["Resources"]["LogsKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert template["Resources"]["LogsKey"]["Properties"]["EnableKeyRotation"] is True
    logs = [s for s in statements if "Service" in s["Principal"]]
    assert len(logs) == 1
    logs = evaluate(logs[0], template)
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert evaluate(template["Resources"]["LogsKey"]["Properties"]["KeyPolicy"]["Statement"][-1]["Principal"],
                    template, **{"AWS::Region": "cn-north-1", "AWS::URLSuffix": "amazonaws.com.cn",
                                 "AWS::Partition": "aws-cn"}) == {"Service": "logs.cn-north-1.amazonaws.com.cn"}
    (operator, context), = logs["Condition"].items()
    assert operator == "ArnLike"
    (key, pattern), = context.items()
    assert key == "kms:EncryptionContext:aws:logs:arn"
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:{}"
    for group in resources(template, "AWS::Logs::LogGroup").values():
        name = evaluate(group["Properties"]["LogGroupName"], template)
        assert wildcard(pattern, arn.format(name)), name
    for other in ("/aws/lambda/detective-autopilot-member/accept-invitations", "/aws/lambda/other",
                  "/aws/lambda/detective-autopilot"):
        assert not wildcard(pattern, arn.format(other)), other
    assert not wildcard(pattern, "arn:aws:logs:us-east-1:210987654321:log-group:/aws/lambda/detective-autopilot/x")


# ---------- confused deputy ----------


def test_cloudwatch_uses_the_alarm_topics_key_for_this_accounts_alarms_only(template):
    statements = template["Resources"]["AlarmTopicKey"]["Properties"]["KeyPolicy"]["Statement"]
    cloudwatch, = [s for s in statements if s["Principal"].get("Service") == "cloudwatch.amazonaws.com"]
    assert cloudwatch["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnLike": {"aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*"}},
    }


def test_only_this_accounts_rules_may_forward_with_the_forwarding_role(template):
    trust = template["Resources"]["ForwardingRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [{
        "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
            "ArnLike": {"aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*"}},
        },
    }]
    # Every user of each forwarding role is a rule of this stack (so of this account and region).
    for role_id in ("ForwardingRole", "DetectiveForwardingRole"):
        trust = template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust == [{
            "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                "ArnLike": {"aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*"}},
            },
        }], role_id
        role = {"Fn::GetAtt": [role_id, "Arn"]}
        for name, resource in template["Resources"].items():
            if json.dumps(role) in json.dumps(resource) and name != role_id:
                assert resource["Type"] == "AWS::Events::Rule", name
                assert [t["RoleArn"] for t in resource["Properties"]["Targets"]] == [role], name
    # The extra region's role puts only on the home region's default bus of this account.
    home = template["Resources"]["DetectiveForwardingRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert home == [{"Effect": "Allow", "Action": "events:PutEvents", "Resource": {
        "Fn::Sub": "arn:${AWS::Partition}:events:${AdministratorRegion}:${AWS::AccountId}:event-bus/default"}}]


def test_the_administrators_bus_accepts_only_what_the_management_stack_forwards(template):
    statement = template["Resources"]["ForwardedEventsBusPolicy"]["Properties"]["Statement"]
    assert statement["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${ManagementAccountId}:root"}}
    condition = statement["Condition"]
    assert list(condition) == ["StringEquals", "ArnLike"]
    # Only the forwarding role (its path), not any principal of the management account.
    path = template["Resources"]["ForwardingRole"]["Properties"]["Path"]
    assert condition["ArnLike"] == {"aws:PrincipalArn": {
        "Fn::Sub": "arn:${AWS::Partition}:iam::${ManagementAccountId}:role" + path + "*"}}
    patterns = [rule["Properties"]["EventPattern"] for rule in forwarding_rules(template).values()]
    assert set(condition["StringEquals"]["events:source"]) == {s for p in patterns for s in p["source"]}
    assert set(condition["StringEquals"]["events:detail-type"]) == {d for p in patterns for d in p["detail-type"]}
    assert set(condition["StringEquals"]["events:source"]) == {"aws.organizations", "aws.controltower", "aws.detective"}


# ---------- parameters ----------

# The code's bounds of each numeric variable (config::number / config::whole_number in
# shared/src/investigate/config.rs and shared/src/enroll/config.rs); `autopilot describe`
# does not expose them. test_the_bounds_are_the_codes reads them back from the source.
CODE_BOUNDS = {
    "MIN_SEVERITY": (0, 10),
    "DEDUP_WINDOW_HOURS": (0, 24 * 365),
    "SCOPE_PADDING_HOURS": (0, 24 * 30),
    "MAX_CONCURRENT_REGIONS": (1, 32),
    "MEMBER_QUOTA": (1, 1_200),
    "REPORT_DELAY_SECONDS": (0, 900),
}


def numeric_variables(template):
    """variable -> the Number parameter behind it, over every function."""
    found = {}
    for function in functions(template).values():
        for variable, value in function["Properties"]["Environment"]["Variables"].items():
            if isinstance(value, dict) and "Ref" in value and template["Parameters"].get(value["Ref"], {}).get("Type") == "Number":
                found[variable] = value["Ref"]
    return found


def test_number_parameters_carry_the_codes_bounds(template):
    variables = numeric_variables(template)
    assert set(variables) == set(CODE_BOUNDS)
    for variable, parameter in variables.items():
        properties = template["Parameters"][parameter]
        assert (properties.get("MinValue"), properties.get("MaxValue")) == CODE_BOUNDS[variable], parameter


def arithmetic(text):
    """A bound as the source writes it (24 * 365, 10.0)."""
    import ast
    import operator
    operators = {ast.Mult: operator.mul, ast.Add: operator.add, ast.Sub: operator.sub}

    def value(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in operators:
            return operators[type(node.op)](value(node.left), value(node.right))
        raise ValueError(text)
    return value(ast.parse(text.strip(), mode="eval").body)


def test_the_bounds_are_the_codes():
    source = "\n".join(path.read_text() for path in sorted((ROOT / "shared" / "src").glob("*/config.rs")))
    calls = re.findall(r"\bconfig::(?:whole_number|number)\(\s*env,\s*\"(\w+)\",\s*([^,]+),\s*([^,]+),\s*([^)]+?),?\s*\)", source)
    found = {variable: (arithmetic(low), arithmetic(high)) for variable, _, low, high in calls}
    assert found == CODE_BOUNDS


SCHEDULES = ("EnrollSchedule", "AcceptSchedule")


def test_schedules_are_rate_or_cron_expressions(template):
    for name in SCHEDULES:
        pattern = re.compile(template["Parameters"][name]["AllowedPattern"])
        assert pattern.fullmatch(template["Parameters"][name]["Default"]), name
        for good in ("rate(1 hour)", "rate(12 hours)", "rate(5 minutes)", "rate(1 day)", "cron(0 */6 * * ? *)",
                     "cron(15 10 ? * MON-FRI *)"):
            assert pattern.fullmatch(good), (name, good)
        for bad in ("rate(0 hours)", "rate(1 fortnight)", "rate(hours)", "every 12 hours", "cron(0 12 * * ?)",
                    "rate(1 hour) ", "12h", ""):
            assert not pattern.fullmatch(bad), (name, bad)


def parameter_errors(template, given):
    """What CloudFormation would refuse of these parameter values before any rule."""
    errors = []
    for name, value in given.items():
        if name.startswith("AWS::"):
            continue
        properties = template["Parameters"].get(name)
        if properties is None:
            errors.append(f"{name}: no such parameter")
            continue
        if "AllowedValues" in properties and value not in [str(v) for v in properties["AllowedValues"]]:
            errors.append(f"{name}: {value!r} not allowed")
        if "AllowedPattern" in properties and not re.fullmatch(properties["AllowedPattern"], value):
            errors.append(f"{name}: {value!r} does not match")
        if properties["Type"] == "Number":
            number = float(value)
            if not properties.get("MinValue", number) <= number <= properties.get("MaxValue", number):
                errors.append(f"{name}: {value} out of range")
    return errors


def rule_failures(template, **parameters):
    """The AssertDescription of every Rules assertion that fails for these parameters."""
    values = stack_values(template, **parameters)

    def value(node):
        if isinstance(node, dict) and "Ref" in node:
            return values[node["Ref"]]
        return node

    def holds(node):
        (function, arguments), = node.items()
        if function == "Fn::Equals":
            return value(arguments[0]) == value(arguments[1])
        if function == "Fn::Not":
            return not holds(arguments[0])
        if function == "Fn::And":
            return all(holds(item) for item in arguments)
        if function == "Fn::Or":
            return any(holds(item) for item in arguments)
        raise AssertionError(f"{function} is not evaluated here")

    return [assertion["AssertDescription"]
            for rule in template.get("Rules", {}).values()
            if "RuleCondition" not in rule or holds(rule["RuleCondition"])
            for assertion in rule["Assertions"] if not holds(assertion["Assert"])]


def test_an_administrator_stack_that_enrolls_needs_the_management_account(template):
    failures = rule_failures(template, AccountRole="administrator", AlarmEmail="secops@example.com")
    assert len(failures) == 1 and "needs ManagementAccountId" in failures[0], failures
    assert rule_failures(template, AccountRole="administrator", ManagementAccountId="999999999999",
                         AlarmEmail="secops@example.com") == []
    # An extra-region stack (EnrollAccounts false) neither receives forwarded events nor
    # reads Organizations.
    assert rule_failures(template, AccountRole="administrator", EnrollAccounts="false",
                         NotificationTopicArn="arn:aws:sns:us-east-1:111111111111:secops") == []
    enroll = functions(template)["enroll-accounts"]
    assert enroll["Condition"] == "DeploysEnrollAccounts"
    assert "ManagementAccountId" in json.dumps(enroll["Properties"]["Policies"])


def test_a_member_stack_needs_trusted_administrators(template):
    failures = rule_failures(template, AccountRole="member")
    assert len(failures) == 1 and "needs TrustedAdminAccountIds" in failures[0], failures
    assert rule_failures(template, AccountRole="member", TrustedAdminAccountIds="111111111111") == []


def test_the_other_roles_need_none_of_those(template):
    assert rule_failures(template, AccountRole="management", AdministratorAccountId="111111111111",
                         AlarmEmail="secops@example.com") == []
    assert rule_failures(template, AccountRole="role-lookup", AdministratorAccountId="111111111111",
                         OrganizationId="o-a1b2c3d4e5") == []


def test_the_lookup_needs_the_organization(template):
    failures = rule_failures(template, AccountRole="role-lookup", AdministratorAccountId="111111111111")
    assert len(failures) == 1 and "needs OrganizationId" in failures[0], failures
    lookup = {"AccountRole": "administrator", "EnrollAccounts": "false", "AlarmEmail": "secops@example.com",
              "RoleLookupRoleName": "detective-autopilot-principal-lookup"}
    failures = rule_failures(template, **lookup)
    assert len(failures) == 1 and "needs OrganizationId" in failures[0], failures
    assert rule_failures(template, **lookup, OrganizationId="o-a1b2c3d4e5") == []


def test_a_stack_that_alerts_needs_a_person_to_tell(template):
    for role in ("administrator", "management"):
        failures = rule_failures(template, AccountRole=role, EnrollAccounts="false",
                                 AdministratorAccountId="111111111111")
        assert failures == ["AccountRole administrator and management need AlarmEmail or NotificationTopicArn "
                            "(where alarms, tamper alerts and reports are delivered)."], (role, failures)


def readme_stacks():
    """The parameters of every stack the README deploys (sam deploy --parameter-overrides, of
    template.yaml; aws cloudformation create-stack-set --parameters, of its --template-body)."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "README.md").read_text())
    stacks = []
    for line in text.splitlines():
        line = line.split(" #")[0]
        if re.search(r"\bsam deploy\b", line) and "--parameter-overrides" in line:
            overrides = re.split(r"\s--", line.split("--parameter-overrides", 1)[1])[0]
            stacks.append((line, "template.yaml", dict(token.split("=", 1) for token in overrides.split())))
        elif "create-stack-set" in line and "--parameters" in line:
            body = re.search(r"--template-body file://(\S+)", line)
            stacks.append((line, body and body.group(1),
                           dict(re.findall(r"ParameterKey=([^,\s]+),ParameterValue=(\S*)", line))))
    return stacks


def test_the_readme_deployments_pass_the_parameters_and_rules(template):
    stacks = readme_stacks()
    assert {stack["AccountRole"] for _, file, stack in stacks if file == "template.yaml"} >= {
        "administrator", "management", "member"}
    assert [file for _, file, _ in stacks if file != "template.yaml"] == ["role-lookup.yaml"]
    for line, file, stack in stacks:
        if file == "template.yaml":
            assert parameter_errors(template, stack) == [], line
            assert rule_failures(template, **stack) == [], line
        else:
            standalone = cfn_yaml.load(str(ROOT / file))
            assert parameter_errors(standalone, stack) == [], line
            # Every parameter without a default is given.
            assert {name for name, properties in standalone["Parameters"].items()
                    if "Default" not in properties} <= set(stack), line


def test_every_checkov_skip_gives_its_reason(template):
    """Every check that stays failed is suppressed where it applies, with a reason."""
    skipped = 0
    for name, resource in template["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert set(skip) == {"id", "comment"}, name
            assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), name
            assert len(skip["comment"]) >= 60, (name, skip["id"])
            skipped += 1
    assert skipped


# ---------- issue 23: a full graph, the dashboard ----------


@pytest.mark.parametrize("enroll,reports,configure", [("true", "true", "true"), ("false", "false", "false"),
                                                      ("true", "false", "true")])
def test_the_dashboard_is_json_and_shows_each_deployed_dead_letter_queue(template, enroll, reports, configure):
    parameters = dict(AccountRole="administrator", EnrollAccounts=enroll, Reports=reports, ConfigureDetective=configure)
    conditions = stack_conditions(template, **parameters)
    dashboard = template["Resources"]["Dashboard"]
    assert dashboard["Condition"] == "IsAdministrator"
    body = json.loads(evaluate(dashboard["Properties"]["DashboardBody"], template, **parameters))
    assert all(widget["properties"]["region"] == PSEUDO["AWS::Region"] for widget in body["widgets"])
    queues = [metric[3] for widget in body["widgets"] for metric in widget["properties"]["metrics"]
              if isinstance(metric[0], str) and metric[0] == "AWS/SQS"]
    deployed = [f"<{name}.QueueName>" for name, queue in resources(template, "AWS::SQS::Queue").items()
                if name.endswith("DeadLetterQueue") and conditions[queue["Condition"]]]
    assert sorted(queues) == sorted(deployed)
    titles = " ".join(widget["properties"]["title"] for widget in body["widgets"])
    for shown in ("Coverage", "left out", "Investigations", "Reports by severity", "Tamper", "Failures", "Dead-letter"):
        assert shown in titles, shown


def test_enroll_priority_admits_exactly_the_rules_the_code_reads(template):
    allowed = re.compile(template["Parameters"]["EnrollPriority"]["AllowedPattern"])
    for good in ("", "account:111111111111", "ou:ou-ab12-cdef5678,tag:env=prod,tag:critical,ou:r-ab12",
                 "tag:cost center=shared services"):
        assert allowed.fullmatch(good), good
    for bad in ("account:1234", "ou:Production", "tag:", "prod", "account:111111111111,", ",tag:x"):
        assert not allowed.fullmatch(bad), bad


def test_enroll_accounts_reads_units_and_tags_of_the_management_accounts_organization_only(template):
    statements = role_statements(template, "enroll-accounts", AccountRole="administrator",
                                 ManagementAccountId="999999999999")
    ours = "arn:aws:organizations::999999999999:"
    for action in ("organizations:ListAccountsForParent", "organizations:ListOrganizationalUnitsForParent",
                   "organizations:ListTagsForResource"):
        assert allows(statements, action, f"{ours}ou/o-abcdefghij/ou-ab12-cdef5678"), action
        assert allows(statements, action, f"{ours}root/o-abcdefghij/r-ab12"), action
        assert not allows(statements, action, "arn:aws:organizations::888888888888:ou/o-zyxwvutsrq/ou-ab12-cdef5678")
    assert allows(statements, "organizations:ListTagsForResource", f"{ours}account/o-abcdefghij/444444444444")
