"""The whole organization, as deployed: stacks rendered from the template for their account
and region, the real function binaries run as Lambda runs them, and the sandbox as every
account's AWS. Events go only where deployed rules send them: EventBridge's matching is
moto's, and each delivery is authorized as AWS would (the rule's target permission, the
forwarding role's trust and policy, the target bus's policy). Every call a function makes
is checked against the IAM of the role that made it (`iam.py`); a denied call is kept in
`denials`, which the tests require to stay empty.

What the harness plays, since no AWS service runs here: EventBridge (rules, targets, retries
of asynchronous invocations, their on-failure destinations), Lambda's SQS event source
mappings (batches, partial batch responses, receive counts, the redrive policy), CloudTrail
(an "AWS API Call via CloudTrail" event for each write the sandbox served, on the bus of the
caller's account and region, only where a trail logs management events there), and
CloudFormation (custom resources: a Create request to the service token, the answer read
back). Time is compressed: a message's delay and visibility timeout pass at the next round."""
import copy
import datetime
import json
import pathlib
import urllib.request
import uuid

from iam import Authorizer, Principal, Sar, role_principal
from lambda_runtime import FunctionHost
from render import render_stack
from calls import Calls, queue_arn
from event_pattern import matches

ROOT = pathlib.Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
PERSON_POLICY = [("administrator", {"Version": "2012-10-17",
                                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})]


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(time):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ")


def camel(name):
    return name[:1].lower() + name[1:]


class Deployed:
    """A function of a stack: its host process, its role, its configuration."""

    def __init__(self, stack, logical_id, host, principal, arn, invoke_config):
        self.stack = stack
        self.logical_id = logical_id
        self.host = host
        self.principal = principal
        self.arn = arn
        self.invoke_config = invoke_config
        self.binary = stack.resources[logical_id]["Metadata"]["BuildProperties"]["Binary"]

    def __repr__(self):
        return f"{self.binary} of {self.stack}"


class Queue:
    """An SQS queue as its consumers see it: messages with receive counts."""

    def __init__(self, stack, logical_id):
        resource = stack.resources[logical_id]
        self.stack = stack
        self.logical_id = logical_id
        self.arn = resource["Attributes"]["Arn"]
        self.url = resource["Physical"]
        redrive = (resource.get("Properties") or {}).get("RedrivePolicy") or {}
        self.dead_letter = redrive.get("deadLetterTargetArn")
        self.max_receives = int(redrive.get("maxReceiveCount", 0) or 0)
        self.messages = []

    def __repr__(self):
        return f"queue {self.logical_id} of {self.stack}"


class Organization:
    """Accounts, regions, stacks and the routes between them, over one sandbox."""

    def __init__(self, sandbox_url, binaries, workdir, organization_id, management_account, accounts, partition="aws"):
        self.sandbox = sandbox_url
        self.binaries = pathlib.Path(binaries)
        self.workdir = pathlib.Path(workdir)
        self.partition = partition
        self.organization_id = organization_id
        self.management_account = management_account
        self.sar = Sar()
        self.authorizer = Authorizer(self.sar, organization_id, accounts)
        self.calls = Calls(self.sar, self)
        self.stacks = []
        self.functions = {}
        self.queues = {}
        self.keys = {}
        self.decisions = []
        self.denials = []
        # What the notification topics received: what a person reads.
        self.notifications = []
        self.invocations = []
        self.dead_letters = {}
        self.undeliverable = []
        self.checked = 0
        self.sqs_seen = 0
        self.events_seen = 0
        self.cloudformation_seen = 0
        self._key_index = 0

    # ---------- the sandbox ----------

    def _get(self, path):
        return json.load(urllib.request.urlopen(f"{self.sandbox}{path}", timeout=30))

    def state(self):
        return self._get("/_sandbox/state")

    def change_state(self, change):
        state = self.state()
        change(state)
        request = urllib.request.Request(f"{self.sandbox}/_sandbox/state", data=json.dumps(state).encode(),
                                         method="PUT", headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=30).read()

    def requests_log(self):
        return self._get("/_sandbox/requests")

    # ---------- deployment ----------

    def _access_key(self, account):
        self._key_index += 1
        return f"ASIA{account}F{self._key_index:03d}"

    def person(self, account, role="ops-admin", session="mallory"):
        """Credentials of a person in `account` (an administrator's role), for boto3."""
        key = self._access_key(account)
        self.keys[key] = Principal(arn=f"arn:{self.partition}:iam::{account}:role/{role}", account=account,
                                   stack="(a person)", role=role, policies=PERSON_POLICY, session=session)
        return {"aws_access_key_id": key, "aws_secret_access_key": "sandbox", "aws_session_token": "sandbox",
                "endpoint_url": self.sandbox}

    def deploy(self, template, stack_name, account, region, parameters):
        stack = render_stack(template, stack_name, account, region, parameters, self.partition)
        self.stacks.append(stack)
        # CloudFormation creates the stack's IAM roles: AWS now knows them (the lookup role).
        roles = [{"account_id": account, "name": role["Physical"], "path": role["Properties"].get("Path", "/")}
                 for role in stack.of_type("AWS::IAM::Role").values()]
        self.change_state(lambda state: state.setdefault("iam_roles", []).extend(roles))
        for logical_id in stack.of_type("AWS::SQS::Queue"):
            queue = Queue(stack, logical_id)
            self.queues[queue.arn] = queue
        for logical_id, function in stack.of_type("AWS::Lambda::Function").items():
            self._host(stack, logical_id, function)
        for logical_id, resource in stack.resources.items():
            if resource["Type"].startswith("Custom::"):
                self._create_custom_resource(stack, logical_id, resource)
        return stack

    def _host(self, stack, logical_id, function):
        properties = function["Properties"]
        role_arn = properties["Role"]
        role_id = stack.role_id(role_arn)
        name = function["Physical"]
        principal = role_principal(stack, role_id, session=name)
        key = self._access_key(stack.account)
        self.keys[key] = principal
        logging = properties.get("LoggingConfig") or {}
        variables = {key: str(value) for key, value in ((properties.get("Environment") or {}).get("Variables") or {}).items()}
        env = {
            **variables,
            "AWS_REGION": stack.region, "AWS_DEFAULT_REGION": stack.region,
            "AWS_LAMBDA_FUNCTION_NAME": name, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(properties.get("MemorySize", 128)),
            "AWS_LAMBDA_LOG_GROUP_NAME": logging.get("LogGroup", f"/aws/lambda/{name}"),
            "AWS_LAMBDA_LOG_STREAM_NAME": f"2026/12/03/[$LATEST]{uuid.uuid4().hex}",
            "AWS_LAMBDA_LOG_FORMAT": logging.get("LogFormat", "Text"),
            "AWS_LAMBDA_LOG_LEVEL": logging.get("ApplicationLogLevel", "INFO"),
            "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023", "_HANDLER": properties.get("Handler", "bootstrap"),
            "LAMBDA_TASK_ROOT": "/var/task", "LAMBDA_RUNTIME_DIR": "/var/runtime", "TZ": ":UTC",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": "sandbox", "AWS_SESSION_TOKEN": "sandbox",
            # The one difference from Lambda: every AWS endpoint is the sandbox.
            "AWS_ENDPOINT_URL": self.sandbox,
        }
        binary = function["Metadata"]["BuildProperties"]["Binary"]
        arn = function["Attributes"]["Arn"]
        host = FunctionHost(self.binaries / binary, env, arn, int(properties.get("Timeout", 3)),
                            self.workdir / f"{stack.name}-{stack.region}-{binary}.log")
        invoke_config = next((config["Properties"] for config in stack.of_type("AWS::Lambda::EventInvokeConfig").values()
                              if config["Properties"]["FunctionName"] == name), {})
        self.functions[arn] = Deployed(stack, logical_id, host, principal, arn, invoke_config)

    def _create_custom_resource(self, stack, logical_id, resource):
        """CloudFormation's Create request to the resource's service token, and its answer."""
        properties = {key: value if isinstance(value, (str, dict, list)) else str(value)
                      for key, value in resource["Properties"].items()}
        path = f"/_sandbox/cloudformation/{stack.account}/{stack.region}/{stack.name}/{logical_id}"
        request = {
            "RequestType": "Create", "ServiceToken": properties["ServiceToken"],
            "ResponseURL": f"{self.sandbox}{path}", "StackId": stack.id,
            "RequestId": str(uuid.uuid4()), "LogicalResourceId": logical_id, "ResourceType": resource["Type"],
            "ResourceProperties": properties,
        }
        function = self.functions[properties["ServiceToken"]]
        self.invoke_async(function, request)
        self.settle()
        answers = [answer for answer in self._get("/_sandbox/cloudformation") if answer["path"] == path]
        if not answers or answers[-1]["body"].get("Status") != "SUCCESS":
            raise AssertionError(f"{stack}: {logical_id} was not created: {answers[-1]['body'] if answers else 'no answer'}")

    # ---------- EventBridge ----------

    def buses(self, account, region, bus="default"):
        """The rules on a bus: (stack, rule logical id, rule)."""
        found = []
        for stack in self.stacks:
            if (stack.account, stack.region) != (account, region):
                continue
            for logical_id, rule in stack.of_type("AWS::Events::Rule").items():
                properties = rule["Properties"]
                if properties.get("EventBusName", "default") == bus and properties.get("State", "ENABLED") == "ENABLED":
                    found.append((stack, logical_id, rule))
        return found

    def put_event(self, account, region, event, bus="default"):
        """An event on a bus: every matching rule delivers it to its targets."""
        event = {"version": "0", "id": str(uuid.uuid4()), "time": iso(now()), "resources": [], **event}
        for stack, logical_id, rule in self.buses(account, region, bus):
            pattern = rule["Properties"].get("EventPattern")
            if pattern is None or not matches(pattern, event):
                continue
            for target in rule["Properties"]["Targets"]:
                self._deliver(stack, logical_id, rule, target, event)

    def fire_schedule(self, stack, function_binary):
        """A schedule rule of the stack fires (the Scheduled Event its target receives)."""
        for logical_id, rule in stack.of_type("AWS::Events::Rule").items():
            properties = rule["Properties"]
            if "ScheduleExpression" not in properties:
                continue
            for target in properties["Targets"]:
                function = self.functions.get(target["Arn"])
                if function and function.binary == function_binary:
                    event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
                             "source": "aws.events", "account": stack.account, "time": iso(now()),
                             "region": stack.region, "resources": [rule["Attributes"]["Arn"]], "detail": {}}
                    return self._deliver(stack, logical_id, rule, target, event)
        raise AssertionError(f"{stack} has no schedule for {function_binary}")

    def _deliver(self, stack, rule_id, rule, target, event):
        rule_arn = rule["Attributes"]["Arn"]
        arn = target["Arn"]
        if arn in self.functions:
            function = self.functions[arn]
            if not self._lambda_permits(function, rule_arn, stack.account):
                self._deny(f"{stack}: rule {rule_id} may not invoke {function} (no lambda:InvokeFunction permission for it)")
                return None
            return self.invoke_async(function, event)
        if ":event-bus/" in arn:
            return self._forward(stack, rule_id, rule, target, event)
        if ":sns:" in arn:
            return self._publish(stack, rule_id, rule, target, event)
        self._deny(f"{stack}: rule {rule_id} targets {arn}, which the simulation does not know")
        return None

    def _lambda_permits(self, function, rule_arn, source_account):
        statements = []
        for permission in function.stack.of_type("AWS::Lambda::Permission").values():
            properties = permission["Properties"]
            if properties["FunctionName"] not in (function.arn, function.host.function_arn.split(":")[-1]):
                continue
            condition = {"ArnLike": {"AWS:SourceArn": properties["SourceArn"]}} if properties.get("SourceArn") else {}
            statements.append({"Effect": "Allow", "Principal": {"Service": properties["Principal"]},
                               "Action": properties["Action"], "Resource": function.arn,
                               **({"Condition": condition} if condition else {})})
        policy = {"Version": "2012-10-17", "Statement": statements}
        return bool(statements) and self.authorizer.service_may(
            "events.amazonaws.com", "lambda:InvokeFunction", function.arn, policy,
            {"aws:SourceArn": rule_arn, "aws:SourceAccount": source_account})

    def _forward(self, stack, rule_id, rule, target, event):
        """A bus target: EventBridge assumes the target's role, puts the event with it, and the
        target bus's policy must admit it when it is another account's."""
        bus_arn = target["Arn"]
        rule_arn = rule["Attributes"]["Arn"]
        role_arn = target.get("RoleArn")
        role_id = stack.role_id(role_arn)
        if role_id is None:
            self._deny(f"{stack}: rule {rule_id} forwards to {bus_arn} without a role of the stack")
            return
        role = role_principal(stack, role_id, session="events")
        trust = role.trust_policy
        if not self.authorizer.service_may("events.amazonaws.com", "sts:AssumeRole", role_arn, trust,
                                           {"aws:SourceArn": rule_arn, "aws:SourceAccount": stack.account}):
            self._deny(f"{stack}: EventBridge may not assume {role_id} for rule {rule_id}")
            return
        _, _, _, region, account, resource = bus_arn.split(":", 5)
        decision = self.authorizer.decide(
            role, "events:PutEvents", bus_arn, stack.region,
            {"events:source": event["source"], "events:detail-type": event["detail-type"]},
            resource_policy=self.bus_policy(bus_arn) if account != stack.account else None,
            resource_owner=account)
        self.decisions.append(decision)
        if not decision.allowed:
            self._deny(f"{stack}: forwarding rule {rule_id}: {decision}")
            return
        self.put_event(account, region, event, bus=resource.split("/", 1)[1])

    def _route_own_events(self, record):
        """Our functions' PutEvents (tamper alerts, reports) reach their bus, whose rules (the
        notification rules) deliver them."""
        if record["operation"] != "PutEvents" or record["status"] != 200:
            return
        principal = self.principal_of(record)
        if principal is None or principal.stack == "(a person)":
            return
        for entry in (record.get("parameters") or {}).get("Entries", []):
            bus = (entry.get("EventBusName") or "default").split("/")[-1]
            self.put_event(principal.account, record["region"], {
                "source": entry["Source"], "detail-type": entry["DetailType"], "account": principal.account,
                "region": record["region"], "resources": entry.get("Resources", []),
                "detail": json.loads(entry["Detail"])}, bus=bus)

    def _publish(self, stack, rule_id, rule, target, event):
        """An SNS target: the topic's policy must let this rule publish (a topic the stacks
        created; an existing topic's policy is its owner's), and the input transformer makes
        the message a person reads."""
        topic = target["Arn"]
        policies = [policy["Properties"]["PolicyDocument"] for s in self.stacks
                    for policy in s.of_type("AWS::SNS::TopicPolicy").values() if topic in policy["Properties"]["Topics"]]
        created = any(topic == t["Attributes"]["TopicArn"] for s in self.stacks for t in s.of_type("AWS::SNS::Topic").values())
        if created and not any(self.authorizer.service_may(
                "events.amazonaws.com", "sns:Publish", topic, policy,
                {"aws:SourceArn": rule["Attributes"]["Arn"], "aws:SourceAccount": stack.account}) for policy in policies):
            self._deny(f"{stack}: rule {rule_id} may not publish to {topic} (its topic policy)")
            return
        message = event
        transformer = target.get("InputTransformer")
        if transformer:
            message = transformer["InputTemplate"]
            for name, path in transformer.get("InputPathsMap", {}).items():
                value = event
                for key in path.removeprefix("$.").split("."):
                    value = value.get(key) if isinstance(value, dict) else None
                message = message.replace(f"<{name}>", value if isinstance(value, str) else json.dumps(value))
        self.notifications.append({"stack": stack.name, "region": stack.region, "rule": rule_id, "topic": topic,
                                   "message": message})

    # ---------- Lambda ----------

    def invoke_async(self, function, event):
        """An asynchronous invocation: retried as its EventInvokeConfig says, then sent to its
        on-failure destination. The response of the last attempt."""
        attempts = 1 + int(function.invoke_config.get("MaximumRetryAttempts", 2))
        response, error = None, None
        for _ in range(attempts):
            response, error = self.invoke(function, event)
            if error is None:
                return response
        destination = ((function.invoke_config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        if destination:
            decision = self.authorizer.decide(function.principal, "sqs:SendMessage", destination, function.stack.region,
                                              resource_policy=self.queue_policy(destination))
            self.decisions.append(decision)
            if not decision.allowed:
                self._deny(f"{function}: its on-failure destination: {decision}")
            self.dead_letters.setdefault(destination, []).append({"requestPayload": event, "responsePayload": error})
        else:
            self.undeliverable.append((function, event, error))
        return response

    def invoke(self, function, event):
        response, error = function.host.invoke(event)
        self.invocations.append({"function": function, "event": event, "response": response, "error": error})
        self.settle()
        return response, error

    def outcomes(self, binary, stack=None):
        """The responses of a function's invocations so far, oldest first."""
        return [entry["response"] if entry["error"] is None else {"error": entry["error"]}
                for entry in self.invocations
                if entry["function"].binary == binary and (stack is None or entry["function"].stack is stack)]

    # ---------- after every call: IAM, CloudTrail, SQS, the sinks ----------

    def settle(self):
        """Checks the calls served since the last time, turns writes into CloudTrail events,
        and delivers queued messages, until nothing new happens."""
        for _ in range(50):
            log = self.requests_log()
            new = log[self.checked:]
            self.checked = len(log)
            for record in new:
                self._authorize(record)
            # What the trails log is read once a round, not once a write.
            state = self.state() if new else None
            for record in new:
                self._cloudtrail(record, state)
                self._route_own_events(record)
            delivered = self._deliver_messages()
            if not new and not delivered:
                return
        raise AssertionError("the organization never settled (a loop between functions?)")

    def principal_of(self, record):
        key = record.get("access_key_id") or ""
        if key in self.keys:
            return self.keys[key]
        caller = record.get("caller_arn")
        if caller:
            # A session the sandbox's AssumeRole issued: the role of a stack.
            role_name = caller.split("/")[1]
            account = caller.split(":")[4]
            for stack in self.stacks:
                if stack.account != account:
                    continue
                for logical_id, role in stack.of_type("AWS::IAM::Role").items():
                    if role["Physical"] == role_name:
                        return role_principal(stack, logical_id, session=caller.split("/")[-1])
        return None

    def _authorize(self, record):
        for problem in self.check_record(record, keep=True):
            self._deny(problem)

    def check_record(self, record, keep=False):
        """The IAM check of one call, as `settle` makes it for every call served: what it
        denies (or why it cannot be checked). `keep`: the decisions count in the summary."""
        principal = self.principal_of(record)
        if principal is None:
            return [f"a call by an unknown principal (access key {record.get('access_key_id')!r}): "
                    f"{record['service']} {record['operation']} in {record['region']}"]
        if principal.stack == "(a person)":
            return []
        problems = []
        for authorization in self.calls.authorizations(record, principal.account):
            decision = self.authorizer.decide(principal, authorization.action, authorization.resource, record["region"],
                                              authorization.context, authorization.resource_policy,
                                              authorization.resource_owner)
            if keep:
                self.decisions.append(decision)
            if not decision.allowed:
                problems.append(str(decision))
        return problems

    def _deny(self, message):
        self.denials.append(message)

    # ---------- CloudTrail ----------

    def trail_logs(self, account, region, state):
        """Whether a trail of `state` logs management events of `account` in `region` (its own
        trail, or the organization trail of the management account), so that EventBridge
        receives them."""
        in_organization = any(a["id"] == account for a in (state.get("organization") or {}).get("accounts", []))
        for trail in state.get("trails", []):
            owner = trail["account_id"]
            covers_account = owner == account or (trail.get("is_organization_trail") and in_organization
                                                  and owner == self.management_account)
            covers_region = trail.get("is_multi_region_trail") or trail["home_region"] == region
            if covers_account and covers_region and trail.get("logging", True) \
                    and trail.get("management_events", "All") in ("All", "WriteOnly"):
                return True
        return False

    def _cloudtrail(self, record, state):
        service = record["service"]
        action = self.sar.action(service, record["operation"])
        if self.sar.access_level(action) in ("Read", "List"):
            return
        principal = self.principal_of(record)
        if principal is None:
            return
        region = "us-east-1" if service in ("organizations", "iam", "sts") and record["operation"] != "AssumeRole" \
            else record["region"]
        if not self.trail_logs(principal.account, region, state):
            return
        time = iso(now())
        role_name = principal.arn.split("/")[-1]
        detail = {
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "AssumedRole", "principalId": f"AROAEXAMPLE:{principal.session}",
                "arn": principal.session_arn(), "accountId": principal.account,
                "accessKeyId": record.get("access_key_id"),
                "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLE",
                                                     "arn": principal.arn, "accountId": principal.account,
                                                     "userName": role_name},
                                   "attributes": {"creationDate": time, "mfaAuthenticated": "false"}},
            },
            "eventTime": time, "eventSource": f"{service}.amazonaws.com", "eventName": record["operation"],
            "awsRegion": region,
            "sourceIPAddress": "203.0.113.9" if principal.stack == "(a person)" else "198.51.100.20",
            "userAgent": "aws-cli/2.17.0" if principal.stack == "(a person)" else "aws-sdk-rust",
            "requestParameters": {camel(key): value for key, value in (record.get("parameters") or {}).items()},
            "responseElements": None, "requestID": str(uuid.uuid4()), "eventID": str(uuid.uuid4()),
            "readOnly": False, "eventType": "AwsApiCall", "managementEvent": True,
            "recipientAccountId": principal.account, "eventCategory": "Management",
        }
        if record.get("error"):
            code, _, message = record["error"].partition(": ")
            detail["errorCode"], detail["errorMessage"] = code, message
        self.put_event(principal.account, region, {
            "detail-type": "AWS API Call via CloudTrail", "source": f"aws.{service}",
            "account": principal.account, "region": region, "detail": detail})

    # ---------- SQS ----------

    def _deliver_messages(self):
        sent = self._get("/_sandbox/sqs")
        new = sent[self.sqs_seen:]
        self.sqs_seen = len(sent)
        for message in new:
            arn = queue_arn(message["queue_url"], self.partition)
            queue = self.queues.get(arn)
            if queue is None:
                self._deny(f"a message to {message['queue_url']}, a queue no stack created")
                continue
            queue.messages.append({"id": str(uuid.uuid4()), "body": message["body"], "receives": 0,
                                   "attributes": message.get("attributes") or {}})
        delivered = False
        for stack in self.stacks:
            for mapping in stack.of_type("AWS::Lambda::EventSourceMapping").values():
                delivered |= self._poll(stack, mapping["Properties"])
        return delivered

    def _poll(self, stack, mapping):
        """One receive of an event source mapping: a batch to its function, its partial batch
        response applied."""
        queue = self.queues[mapping["EventSourceArn"]]
        if not queue.messages:
            return False
        function = next(f for f in self.functions.values() if f.stack is stack
                        and (f.arn == mapping["FunctionName"] or f.host.function_arn.endswith(f":{mapping['FunctionName']}")))
        for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
            decision = self.authorizer.decide(function.principal, action, queue.arn, stack.region,
                                              resource_policy=self.queue_policy(queue.arn))
            self.decisions.append(decision)
            if not decision.allowed:
                self._deny(f"{function}'s event source mapping: {decision}")
        batch = queue.messages[: int(mapping.get("BatchSize", 10))]
        records = []
        for message in batch:
            message["receives"] += 1
            records.append({
                "messageId": message["id"], "receiptHandle": f"{message['id']}#{message['receives']}",
                "body": message["body"],
                "attributes": {"ApproximateReceiveCount": str(message["receives"]),
                               "SentTimestamp": str(int(now().timestamp() * 1000)),
                               "ApproximateFirstReceiveTimestamp": str(int(now().timestamp() * 1000))},
                "messageAttributes": message["attributes"], "md5OfBody": "", "eventSource": "aws:sqs",
                "eventSourceARN": queue.arn, "awsRegion": queue.stack.region,
            })
        response, error = function.host.invoke({"Records": records})
        self.invocations.append({"function": function, "event": {"Records": records}, "response": response, "error": error})
        if error is not None:
            failed = {message["id"] for message in batch}
        else:
            failed = {item["itemIdentifier"] for item in (response or {}).get("batchItemFailures", [])}
        for message in batch:
            if message["id"] not in failed:
                queue.messages.remove(message)
            elif queue.max_receives and message["receives"] >= queue.max_receives:
                queue.messages.remove(message)
                self.dead_letters.setdefault(queue.dead_letter, []).append(message)
        return True

    def consumed(self):
        """The queues an event source mapping reads."""
        sources = {mapping["Properties"]["EventSourceArn"] for stack in self.stacks
                   for mapping in stack.of_type("AWS::Lambda::EventSourceMapping").values()}
        return [queue for arn, queue in self.queues.items() if arn in sources]

    def drain(self, rounds=200):
        """Delivers queued messages until every consumed queue is empty or `rounds` receives
        were made (an investigation still RUNNING comes back each round)."""
        for _ in range(rounds):
            self.settle()
            if not any(queue.messages for queue in self.consumed()):
                return
        raise AssertionError("queues not drained: " + ", ".join(
            f"{queue} holds {len(queue.messages)}" for queue in self.consumed() if queue.messages))

    # ---------- what the world needs to answer about IAM ----------

    def iam_path(self, account, kind, name):
        state = self.state()
        for entry in state.get("iam_roles" if kind == "role" else "iam_users", []):
            if entry["account_id"] == account and entry["name"].lower() == (name or "").lower():
                return entry.get("path", "/")
        return "/"

    def trust_policy(self, role_arn):
        for stack in self.stacks:
            role_id = stack.role_id(role_arn)
            if role_id is not None:
                return stack.resources[role_id]["Properties"].get("AssumeRolePolicyDocument")
        return None

    def queue_policy(self, arn):
        statements = []
        for stack in self.stacks:
            for policy in stack.of_type("AWS::SQS::QueuePolicy").values():
                queues = policy["Properties"]["Queues"]
                if any(self.queues.get(arn) and url == self.queues[arn].url for url in queues):
                    statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
        return {"Version": "2012-10-17", "Statement": statements} if statements else None

    def bus_policy(self, arn):
        _, _, _, region, account, resource = arn.split(":", 5)
        name = resource.split("/", 1)[1]
        statements = []
        for stack in self.stacks:
            if (stack.account, stack.region) != (account, region):
                continue
            for policy in stack.of_type("AWS::Events::EventBusPolicy").values():
                properties = policy["Properties"]
                if properties.get("EventBusName", "default") == name:
                    statements.append({"Sid": properties["StatementId"], **properties["Statement"]})
        return {"Version": "2012-10-17", "Statement": statements} if statements else None

    # ---------- what tests read ----------

    def security_hub_findings(self):
        return self._get("/_sandbox/securityhub")

    def dead_letters_of(self, stack, logical_id):
        """What a dead-letter queue holds: events Lambda or EventBridge gave up on, messages
        its source queue's redrive moved, and messages sent to it."""
        arn = stack.resources[logical_id]["Attributes"]["Arn"]
        return self.dead_letters.get(arn, []) + self.queues[arn].messages

    def alerts(self, since):
        """The tamper alerts put since request `since`, their details."""
        found = []
        for record in self.requests_log()[since:]:
            if record["operation"] != "PutEvents" or record["status"] != 200:
                continue
            for entry in record["parameters"].get("Entries", []):
                if entry.get("DetailType") == "Detective Configuration Changed":
                    found.append(json.loads(entry["Detail"]))
        return found

    def functions_of(self, stack, binary):
        return next(f for f in self.functions.values() if f.stack is stack and f.binary == binary)

    def key_of(self, principal):
        return next(key for key, known in self.keys.items() if known is principal)

    def close(self):
        for function in self.functions.values():
            function.host.close()


def sample(name, **changes):
    """An event of events/, deep-copied, with top-level fields changed."""
    event = json.loads((EVENTS / name).read_text())
    event.update(copy.deepcopy(changes))
    return event
