"""End to end, with the real binaries as Lambda runs them: cargo lambda watch (the Lambda
runtime emulator) runs the functions; moto_server stands in for Organizations and
`autopilot sandbox serve` for Detective, both on loopback. Servers are started in the
background by PID, stopped by PID, and log outside the source tree."""
import json
import os
import pathlib
import socket
import subprocess
import tempfile
import time
import urllib.request

import boto3
import pytest

from local_servers import free_port, stop, wait_for

ROOT = pathlib.Path(__file__).resolve().parents[2]
ADMIN = "123456789012"  # moto's account: the organization's management and Detective administrator here
GRAPH = f"arn:aws:detective:us-east-1:{ADMIN}:graph:0123456789abcdef0123456789abcdef"
TRUSTED = "777777777777"
STRANGER = "666666666666"
# A member account whose IAM (in moto) holds a role with a path, read through the lookup role.
WITH_ROLES = "210987654321"
LOOKUP_ROLE = "detective-autopilot-principal-lookup"


class Stack:
    """The three background processes and what the tests need from them."""

    def __init__(self, logs):
        self.logs = logs
        self.processes = []

    def start(self, name, command, env=None):
        log = open(self.logs / f"{name}.log", "w")
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.processes.append((name, process))
        return process

    def stop(self):
        for _, process in reversed(self.processes):
            stop(process)


@pytest.fixture(scope="module")
def stack():
    logs = pathlib.Path(tempfile.mkdtemp(prefix="autopilot-e2e-"))
    print(f"e2e logs in {logs}")
    stack = Stack(logs)
    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
                   "AWS_DEFAULT_REGION": "us-east-1"}
    try:
        # Organizations in moto, seeded through its API.
        moto_port = free_port()
        stack.start("moto", [str(ROOT / ".venv" / "bin" / "moto_server"), "-p", str(moto_port)])
        moto = f"http://127.0.0.1:{moto_port}"
        wait_for(f"{moto}/moto-api/", 30)
        organizations = boto3.client("organizations", endpoint_url=moto, region_name="us-east-1",
                                     aws_access_key_id="testing", aws_secret_access_key="testing")
        organizations.create_organization(FeatureSet="ALL")
        created = organizations.create_account(Email="newcomer@example.com", AccountName="newcomer")
        stack.new_account = created["CreateAccountStatus"]["AccountId"]
        # IAM in moto: the lookup role in both accounts that have principals, a role with a path
        # in the member, the finding's user in the administrator (moto's own account).
        sts = boto3.client("sts", endpoint_url=moto, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        member = sts.assume_role(RoleArn=f"arn:aws:iam::{WITH_ROLES}:role/setup", RoleSessionName="setup")["Credentials"]
        member_iam = boto3.client("iam", endpoint_url=moto, region_name="us-east-1",
                                  aws_access_key_id=member["AccessKeyId"], aws_secret_access_key=member["SecretAccessKey"],
                                  aws_session_token=member["SessionToken"])
        admin_iam = boto3.client("iam", endpoint_url=moto, region_name="us-east-1",
                                 aws_access_key_id="testing", aws_secret_access_key="testing")
        for iam in (member_iam, admin_iam):
            iam.create_role(RoleName=LOOKUP_ROLE, AssumeRolePolicyDocument="{}")
        member_iam.create_role(RoleName="deployer", Path="/ci/pipelines/", AssumeRolePolicyDocument="{}")
        admin_iam.create_user(UserName="ci-deployer")
        # SQS, EventBridge and Security Hub in moto for the report loop: the report queue,
        # and a rule on the default bus sending the reports to a queue the test reads.
        sqs = boto3.client("sqs", endpoint_url=moto, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        stack.report_queue = sqs.create_queue(QueueName="detective-autopilot-reports")["QueueUrl"]
        stack.report_events = sqs.create_queue(QueueName="report-events")["QueueUrl"]
        events_arn = sqs.get_queue_attributes(QueueUrl=stack.report_events, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        bus = boto3.client("events", endpoint_url=moto, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        bus.put_rule(Name="reports", EventPattern=json.dumps({"source": ["detective-autopilot"]}))
        bus.put_targets(Rule="reports", Targets=[{"Id": "q", "Arn": events_arn}])
        stack.sqs, stack.moto = sqs, moto

        # Detective in the sandbox: the administrator's organization graph (the sandbox knows
        # the same organization as moto), and two invitations for the member side.
        state = {
            "caller_account_id": ADMIN,
            "organization": {"id": "o-e2e", "management_account_id": ADMIN, "accounts": [
                {"id": ADMIN, "email": "admin@example.com"},
                {"id": stack.new_account, "email": "newcomer@example.com"}]},
            "regions": {"us-east-1": {
                "organization_admin_account_id": ADMIN,
                "graphs": [{"arn": GRAPH, "members": [{"account_id": WITH_ROLES, "email": "roles@example.com",
                                                        "status": "ENABLED"}]}],
                "invitations": [
                    {"graph_arn": f"arn:aws:detective:us-east-1:{TRUSTED}:graph:{'a' * 32}", "administrator_id": TRUSTED, "status": "INVITED"},
                    {"graph_arn": f"arn:aws:detective:us-east-1:{STRANGER}:graph:{'b' * 32}", "administrator_id": STRANGER, "status": "INVITED"},
                ]}},
        }
        (logs / "state.json").write_text(json.dumps(state))
        sandbox_port = free_port()
        stack.start("sandbox", [os.environ.get("AUTOPILOT", str(ROOT / "target/debug/autopilot")), "sandbox", "serve",
                                "--port", str(sandbox_port), "--state", str(logs / "state.json")])
        stack.sandbox = f"http://127.0.0.1:{sandbox_port}"
        wait_for(f"{stack.sandbox}/_sandbox/state", 30)

        # The functions under the Lambda runtime emulator.
        stack.invoke_port = free_port()
        env = {**os.environ, **credentials,
               "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
               "AWS_ENDPOINT_URL_ORGANIZATIONS": moto, "AWS_ENDPOINT_URL_DETECTIVE": stack.sandbox,
               "AWS_ENDPOINT_URL_IAM": moto, "AWS_ENDPOINT_URL_STS": moto, "ROLE_LOOKUP_ROLE_NAME": LOOKUP_ROLE,
               "TRUSTED_ADMIN_ACCOUNT_IDS": TRUSTED, "AWS_MAX_ATTEMPTS": "2",
               "AWS_ENDPOINT_URL_SQS": moto, "AWS_ENDPOINT_URL_EVENTBRIDGE": moto, "AWS_ENDPOINT_URL_SECURITYHUB": moto,
               "REPORT_QUEUE_URL": stack.report_queue, "REPORT_DELAY_SECONDS": "0", "SECURITY_HUB": "true"}
        stack.env = env
        stack.start("watch", ["cargo", "lambda", "watch", "--invoke-port", str(stack.invoke_port), "--ignore-changes",
                              "--env-var", f"AWS_ENDPOINT_URL_ORGANIZATIONS={moto}",
                              "--env-var", f"AWS_ENDPOINT_URL_DETECTIVE={stack.sandbox}",
                              "--env-var", f"AWS_ENDPOINT_URL_IAM={moto}",
                              "--env-var", f"AWS_ENDPOINT_URL_STS={moto}",
                              "--env-var", f"ROLE_LOOKUP_ROLE_NAME={LOOKUP_ROLE}",
                              "--env-var", f"TRUSTED_ADMIN_ACCOUNT_IDS={TRUSTED}",
                              "--env-var", "AWS_MAX_ATTEMPTS=2",
                              "--env-var", f"AWS_ENDPOINT_URL_SQS={moto}",
                              "--env-var", f"AWS_ENDPOINT_URL_EVENTBRIDGE={moto}",
                              "--env-var", f"AWS_ENDPOINT_URL_SECURITYHUB={moto}",
                              "--env-var", f"REPORT_QUEUE_URL={stack.report_queue}",
                              "--env-var", "REPORT_DELAY_SECONDS=0",
                              "--env-var", "SECURITY_HUB=true",
                              # configure-detective obeys its stack: the graph setup the
                              # template gives it (the setup test's request asks the same).
                              *[argument for name, value in setup_variables().items()
                                for argument in ("--env-var", f"{name}={value}")],
                              "--env-var", "AWS_ACCESS_KEY_ID=testing,AWS_SECRET_ACCESS_KEY=testing,AWS_REGION=us-east-1"],
                    env=env)
        # The emulator's runtime server: ready when its port accepts connections (its start
        # takes from under a second to several on a busy machine).
        wait_for_port(stack.invoke_port, 60)
        yield stack
    finally:
        stack.stop()


def setup_request():
    """The graph setup's Create for the administrator's stack."""
    event = json.loads((ROOT / "events" / "cloudformation" / "create-graph.json").read_text())
    event["StackId"] = event["StackId"].replace("111111111111", ADMIN)
    event["ResourceProperties"].update({"AdministratorAccountId": ADMIN, "DatasourcePackages": "EKS_AUDIT",
                                        "GraphTags": "team=security"})
    return event


def setup_variables():
    """configure-detective's variables as its stack sets them for setup_request()."""
    properties = setup_request()["ResourceProperties"]
    return {"STACK_ID": setup_request()["StackId"], "PART": properties["Part"], "REGIONS": properties["Regions"],
            "ADMINISTRATOR_ACCOUNT_ID": ADMIN, "DATASOURCE_PACKAGES": properties["DatasourcePackages"],
            "GRAPH_TAGS": properties["GraphTags"], "AUTO_ENABLE": properties["AutoEnable"],
            "DISABLE_ON_DELETE": properties["DisableOnDelete"]}


def wait_for_port(port, seconds):
    deadline = time.monotonic() + seconds
    while True:
        for host in ("::1", "127.0.0.1"):
            try:
                socket.create_connection((host, port), timeout=1).close()
                return
            except OSError:
                pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing listens on port {port} after {seconds} s")
        time.sleep(0.2)


def invoke(stack, function, event):
    path = stack.logs / f"event-{function}-{time.time_ns()}.json"
    path.write_text(json.dumps(event))
    result = subprocess.run(
        ["cargo", "lambda", "invoke", function, "--invoke-port", str(stack.invoke_port), "--data-file", str(path),
         "--output-format", "json"],
        cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=900,
    )
    return result


def sandbox_state(stack):
    return json.load(urllib.request.urlopen(f"{stack.sandbox}/_sandbox/state"))


def test_an_account_created_in_the_organization_is_enrolled_with_its_email(stack):
    event = json.loads((ROOT / "events" / "organizations-create-account-result-succeeded.json").read_text())
    event["detail"]["serviceEventDetails"]["createAccountStatus"]["accountId"] = stack.new_account
    result = invoke(stack, "enroll-accounts", event)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "acted", outcome
    members = sandbox_state(stack)["regions"]["us-east-1"]["graphs"][0]["members"]
    enrolled = [m for m in members if m["account_id"] == stack.new_account]
    assert enrolled and enrolled[0]["email"] == "newcomer@example.com", members


def test_a_guardduty_finding_starts_an_investigation(stack):
    event = json.loads((ROOT / "events" / "guardduty-finding-iam-user-first-delivery.json").read_text())
    event["detail"]["accountId"] = ADMIN
    result = invoke(stack, "investigate-findings", event)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "acted", outcome
    investigations = sandbox_state(stack)["regions"]["us-east-1"]["investigations"]
    assert [i["entity_arn"] for i in investigations] == [f"arn:aws:iam::{ADMIN}:user/ci-deployer"]


def test_the_investigation_is_reported_on_the_bus_and_in_security_hub(stack):
    """The report loop with moto's SQS, EventBridge and Security Hub: the request
    investigate-findings sent, delivered as Lambda's event source mapping would."""
    received = stack.sqs.receive_message(QueueUrl=stack.report_queue, MaxNumberOfMessages=10,
                                         AttributeNames=["All"])["Messages"]
    assert len(received) == 1, received
    request = json.loads(received[0]["Body"])
    assert request["entity_arn"] == f"arn:aws:iam::{ADMIN}:user/ci-deployer"
    batch = {"Records": [{
        "messageId": received[0]["MessageId"], "receiptHandle": received[0]["ReceiptHandle"],
        "body": received[0]["Body"], "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
        "md5OfBody": received[0]["MD5OfBody"], "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:us-east-1:{ADMIN}:detective-autopilot-reports", "awsRegion": "us-east-1"}]}
    result = invoke(stack, "report-investigations", batch)
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["batchItemFailures"] == [], response
    events = stack.sqs.receive_message(QueueUrl=stack.report_events, MaxNumberOfMessages=10)["Messages"]
    assert len(events) == 1, events
    event = json.loads(events[0]["Body"])
    assert event["detail-type"] == "Detective Investigation Completed"
    assert event["detail"]["investigation_id"] == request["investigation_id"]
    assert event["detail"]["indicator_counts"]["TTP_OBSERVED"] > 0
    hub = boto3.client("securityhub", endpoint_url=stack.moto, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    findings = hub.get_findings()["Findings"]
    assert [f["Id"] for f in findings] == [event["detail"]["id"]]
    assert findings[0]["Resources"][0]["Id"] == f"arn:aws:iam::{ADMIN}:user/ci-deployer"


def test_a_role_with_a_path_is_investigated_under_the_arn_iam_gives(stack):
    """The lookup through moto's STS and IAM, an implementation independent of ours."""
    event = json.loads((ROOT / "events" / "guardduty-finding-assumed-role.json").read_text())
    event["detail"]["accountId"] = WITH_ROLES
    event["detail"]["resource"]["accessKeyDetails"]["userName"] = "deployer"
    result = invoke(stack, "investigate-findings", event)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "acted", outcome
    assert outcome["actions"][0]["entity_arn"] == f"arn:aws:iam::{WITH_ROLES}:role/ci/pipelines/deployer"
    assert "notes" not in outcome["actions"][0], outcome


def test_a_trusted_invitation_is_accepted_and_an_untrusted_one_is_not(stack):
    event = json.loads((ROOT / "events" / "scheduled-event.json").read_text())
    result = invoke(stack, "accept-invitations", event)
    assert result.returncode == 0, result.stderr
    statuses = {i["administrator_id"]: i["status"] for i in sandbox_state(stack)["regions"]["us-east-1"]["invitations"]}
    assert statuses == {TRUSTED: "ENABLED", STRANGER: "INVITED"}


def test_the_setup_custom_resource_sets_the_graph_up_and_answers_cloudformation(stack):
    """CloudFormation's request to the real binary; the sandbox stands in for the presigned URL."""
    event = setup_request()
    event["ResponseURL"] = f"{stack.sandbox}/_sandbox/cloudformation/e2e"
    result = invoke(stack, "configure-detective", event)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["cloudformation"]["delivered"] is True, outcome
    answers = json.load(urllib.request.urlopen(f"{stack.sandbox}/_sandbox/cloudformation"))
    assert [(a["path"], a["body"]["Status"], a["body"]["PhysicalResourceId"]) for a in answers] == [
        ("/_sandbox/cloudformation/e2e", "SUCCESS", f"detective-autopilot:graph:{ADMIN}")]
    graph = sandbox_state(stack)["regions"]["us-east-1"]["graphs"][0]
    assert graph["tags"]["team"] == "security", graph
    assert graph["datasource_packages"]["EKS_AUDIT"]["state"] == "STARTED", graph
    assert graph["auto_enable"] is True


def test_members_removed_by_someone_are_restored_and_the_alert_reaches_a_rule(stack):
    """Someone removes the enrolled account; its CloudTrail record reaches enroll-accounts,
    which enrolls it again and alerts (moto's EventBridge rule delivers the alert to SQS)."""
    detective = boto3.client("detective", endpoint_url=stack.sandbox, region_name="us-east-1",
                             aws_access_key_id="testing", aws_secret_access_key="testing")
    detective.delete_members(GraphArn=GRAPH, AccountIds=[stack.new_account])
    event = json.loads((ROOT / "events" / "detective-delete-members.json").read_text())
    event["detail"]["requestParameters"] = {"graphArn": GRAPH, "accountIds": [stack.new_account]}
    event["detail"]["userIdentity"]["accountId"] = ADMIN
    result = invoke(stack, "enroll-accounts", event)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "acted", outcome
    members = sandbox_state(stack)["regions"]["us-east-1"]["graphs"][0]["members"]
    # A member again (being verified: the sandbox settles it at the next read).
    assert [m["status"] for m in members if m["account_id"] == stack.new_account] in (
        ["ENABLED"], ["VERIFICATION_IN_PROGRESS"]), members
    alerts = [json.loads(m["Body"]) for m in
              stack.sqs.receive_message(QueueUrl=stack.report_events, MaxNumberOfMessages=10).get("Messages", [])]
    alerts = [a for a in alerts if a["detail-type"] == "Detective Configuration Changed"]
    assert len(alerts) == 1, alerts
    assert alerts[0]["detail"]["operation"] == "DeleteMembers"
    assert alerts[0]["detail"]["response"] == "restoring"
    assert alerts[0]["detail"]["source_ip"] == "203.0.113.9"


def test_a_malformed_event_returns_an_error_naming_the_problem(stack):
    event = json.loads((ROOT / "events" / "guardduty-finding-malformed-severity.json").read_text())
    result = invoke(stack, "investigate-findings", event)
    assert result.returncode != 0
    assert "event.detail.severity: expected a number or a numeric string" in result.stdout + result.stderr


def test_metrics_reach_the_log_in_embedded_metric_format(stack):
    records = []
    for line in (stack.logs / "watch.log").read_text().splitlines():
        start = line.find('{"_aws"')
        if start >= 0:
            records.append(json.loads(line[start:]))
    started = [r for r in records if r.get("Function") == "investigate-findings" and r.get("InvestigationsStarted") == 1]
    assert started, records
    namespaces = {m["Namespace"] for r in records for m in r["_aws"]["CloudWatchMetrics"]}
    assert namespaces == {"DetectiveAutopilot"}
    enrolled = [r for r in records if r.get("Function") == "enroll-accounts"]
    assert enrolled and enrolled[0]["MembersEnrolled"] == 1 and enrolled[0]["Trigger"] == "Organizations.CreateAccountResult"
