"""Scenarios across the simulated organization, in order: each builds on the ones before it,
as an organization's life does. Every one ends with no denied call (conftest's autouse
fixture); each asserts the calls made and the outcomes."""
import json
import re

import boto3

from conftest import (ADMINISTRATOR, EXTRA, FROM_ZERO, HOME, LOOKUP_ROLE, MANAGEMENT, MEMBER_A, MEMBER_B,
                      ORGANIZATIONS_REGION, OUTSIDE, ROOT)
from iam import Principal, role_principal
from organization import PERSON_POLICY, iso, now, sample


def graph_of(org, region, account=ADMINISTRATOR):
    graphs = [g for g in org.state()["regions"].get(region, {}).get("graphs", [])
              if g["arn"].split(":")[4] == account]
    return graphs[0] if graphs else None


def members(org, region):
    """The graph's members as the administrator sees them (ListMembers: Detective settles a
    verification when it is read)."""
    graph = graph_of(org, region)
    if graph is None:
        return {}
    client = detective(org, ADMINISTRATOR, region)
    found, token = {}, None
    while True:
        page = client.list_members(GraphArn=graph["arn"], **({"NextToken": token} if token else {}))
        found.update({m["AccountId"]: m["Status"] for m in page["MemberDetails"]})
        token = page.get("NextToken")
        if not token:
            return found


def calls(org, since, operation=None):
    return [r for r in org.requests_log()[since:] if operation is None or r["operation"] == operation]


def by_function(org, binary, stack=None, since=0):
    return [o for o in org.outcomes(binary, stack)[since:]]


def detective(org, account, region):
    return boto3.client("detective", region_name=region, **org.person(account))


def finding(region, account, *, user_type="IAMUser", name="ci-deployer", finding_id="f-extra-0001"):
    """A GuardDuty finding event as the administrator account receives it in `region`."""
    event = sample("guardduty-finding-iam-user-first-delivery.json")
    seen = now()
    detail = event["detail"]
    detail.update({"accountId": account, "region": region, "id": finding_id,
                   "arn": f"arn:aws:guardduty:{region}:{account}:detector/d/finding/{finding_id}",
                   "createdAt": iso(seen), "updatedAt": iso(seen)})
    detail["resource"]["accessKeyDetails"].update({"userType": user_type, "userName": name})
    detail["service"].update({"eventFirstSeen": iso(seen), "eventLastSeen": iso(seen)})
    event.update({"account": ADMINISTRATOR, "region": region})
    return event


# ---------- from zero ----------


def test_from_zero_every_active_account_is_an_enabled_member_in_every_region(world, deployed):
    org = world
    state = org.state()
    for region in (HOME, EXTRA):
        assert state["regions"][region]["organization_admin_account_id"] == ADMINISTRATOR, region
        graph = graph_of(org, region)
        assert graph is not None, region
        assert graph["auto_enable"] is True, region
        assert graph["tags"]["team"] == "security", region
        assert graph["datasource_packages"]["EKS_AUDIT"]["state"] == "STARTED", region
        assert members(org, region) == {MANAGEMENT: "ENABLED", MEMBER_A: "ENABLED", MEMBER_B: "ENABLED"}, region
    log = org.requests_log()
    designations = [(r["region"], r["parameters"]["AccountId"]) for r in log
                    if r["operation"] == "EnableOrganizationAdminAccount"]
    assert sorted(designations) == sorted([(HOME, ADMINISTRATOR), (EXTRA, ADMINISTRATOR)])
    # Made by the management stack's configure-detective, in the management account.
    assert {org.principal_of(r).account for r in log if r["operation"] == "EnableOrganizationAdminAccount"} == {MANAGEMENT}
    # The graphs were made by the designation, never by CreateGraph.
    assert [r for r in log if r["operation"] == "CreateGraph"] == []
    # The sweep: one ListAccounts run, one CreateMembers per region for the three accounts.
    created = sorted((r["region"], sorted(a["AccountId"] for a in r["parameters"]["Accounts"]))
                     for r in log if r["operation"] == "CreateMembers")
    assert created == sorted([(HOME, sorted([MANAGEMENT, MEMBER_A, MEMBER_B])),
                              (EXTRA, sorted([MANAGEMENT, MEMBER_A, MEMBER_B]))])
    sweep = by_function(org, "enroll-accounts", deployed["administrator"])[-1]
    assert sweep["status"] == "acted", sweep
    # Every function's role was checked against its IAM: some calls were, none denied.
    assert len(org.decisions) > 20
    assert all(d.allowed for d in org.decisions)


def test_the_status_reports_the_organization_covered_and_its_trail(world, deployed, status):
    report, code = status()
    assert code == 0, report
    assert report["accounts_monitored_everywhere"] == report["active_accounts"] == 4
    assert report["unread_regions"] == []
    for region in report["regions"]:
        assert region["administrator"] == ADMINISTRATOR, region
        # The management account's organization trail, seen from the administrator account.
        assert region["trail"] == {"logs_management_events": True, "trails": [
            f"arn:aws:cloudtrail:{ORGANIZATIONS_REGION}:{MANAGEMENT}:trail/organization-trail"]}, region


# ---------- accounts joining ----------


def test_an_account_created_and_an_account_invited_join(world, deployed):
    org = world
    since = len(org.requests_log())
    created, invited = "555555555555", "666666666666"

    def add(state):
        state["organization"]["accounts"] += [
            {"id": created, "name": "new", "email": "new@example.com", "status": "ACTIVE"},
            {"id": invited, "name": "acquired", "email": "acquired@example.com", "status": "ACTIVE"}]
    org.change_state(add)
    result = sample("organizations-create-account-result-succeeded.json")
    result["detail"]["serviceEventDetails"]["createAccountStatus"]["accountId"] = created
    org.put_event(MANAGEMENT, ORGANIZATIONS_REGION, result)
    joined = sample("organizations-account-joined-organization.json")
    joined["detail"]["serviceEventDetails"]["accountId"] = invited
    org.put_event(MANAGEMENT, ORGANIZATIONS_REGION, joined)
    for region in (HOME, EXTRA):
        assert members(org, region)[created] == "ENABLED", region
        assert members(org, region)[invited] == "ENABLED", region
    # Forwarded from the management account to the administrator's home region, then one
    # CreateMembers per account and region, each with the account's email.
    made = sorted((r["region"], a["AccountId"], a["EmailAddress"]) for r in calls(org, since, "CreateMembers")
                  for a in r["parameters"]["Accounts"])
    assert made == sorted([(region, created, "new@example.com") for region in (HOME, EXTRA)]
                          + [(region, invited, "acquired@example.com") for region in (HOME, EXTRA)])
    assert {org.principal_of(r).role for r in calls(org, since, "CreateMembers")} == {"EnrollAccountsFunctionRole"}


# ---------- findings ----------


def test_a_guardduty_finding_in_the_extra_region_is_investigated_and_reported_there(world, deployed):
    org = world
    since = len(org.requests_log())
    notified = len(org.notifications)
    org.put_event(ADMINISTRATOR, EXTRA, finding(EXTRA, MEMBER_A, name="ci-deployer", finding_id="f-extra-0001"))
    starts = calls(org, since, "StartInvestigation")
    assert len(starts) == 1
    assert starts[0]["region"] == EXTRA
    assert starts[0]["parameters"]["GraphArn"] == graph_of(org, EXTRA)["arn"]
    # The lookup role gave the user's path.
    assert starts[0]["parameters"]["EntityArn"] == f"arn:aws:iam::{MEMBER_A}:user/automation/ci-deployer"
    assert org.principal_of(starts[0]).stack == "detective-autopilot-administrator"
    assert deployed["administrator-extra"].region == EXTRA
    org.drain()
    reports = [r for r in calls(org, since, "PutEvents")
               if r["parameters"]["Entries"][0]["DetailType"] == "Detective Investigation Completed"]
    assert [r["region"] for r in reports] == [EXTRA]
    imports = calls(org, since, "BatchImportFindings")
    assert [r["region"] for r in imports] == [EXTRA]
    assert imports[0]["parameters"]["Findings"][0]["ProductArn"] == \
        f"arn:aws:securityhub:{EXTRA}:{ADMINISTRATOR}:product/{ADMINISTRATOR}/default"
    # A HIGH report (at NotifyReportsAtOrAbove's default) reaches that region's topic as text.
    told = [n for n in org.notifications[notified:] if n["rule"] == "ReportNotificationRule"]
    assert [n["region"] for n in told] == [EXTRA]
    message = told[0]["message"]
    assert message.startswith("Detective investigation ") and " SUCCESSFUL HIGH" in message.splitlines()[0], message
    assert f"Entity: arn:aws:iam::{MEMBER_A}:user/automation/ci-deployer" in message.splitlines()
    assert f"https://{EXTRA}.console.aws.amazon.com/detective/home" in message


def test_an_aggregated_security_hub_finding_is_left_to_its_own_regions_stack(world, deployed):
    """Security Hub's home region receives the linked region's findings too; the finding's
    own region receives it as well, and that region's stack investigates it."""
    org = world
    since = len(org.requests_log())
    event = sample("securityhub-guardduty-finding-imported.json")
    seen = iso(now())
    asff = event["detail"]["findings"][0]
    asff.update({"Region": EXTRA, "AwsAccountId": MEMBER_B, "FirstObservedAt": seen, "LastObservedAt": seen,
                 "CreatedAt": seen, "UpdatedAt": seen, "Id": f"arn:aws:guardduty:{EXTRA}:{MEMBER_B}:detector/d/finding/asff1",
                 "ProductArn": f"arn:aws:securityhub:{EXTRA}::product/aws/guardduty"})
    for resource in asff["Resources"]:
        if resource["Type"] == "AwsIamAccessKey":
            resource["Details"]["AwsIamAccessKey"].update({"PrincipalType": "AssumedRole", "PrincipalName": "deployer",
                                                           "AccountId": MEMBER_B})
    for region in (HOME, EXTRA):
        org.put_event(ADMINISTRATOR, region, {**event, "account": ADMINISTRATOR, "region": region})
    starts = calls(org, since, "StartInvestigation")
    assert [(s["region"], s["parameters"]["EntityArn"]) for s in starts] == [
        (EXTRA, f"arn:aws:iam::{MEMBER_B}:role/ci/deployer")]
    home = by_function(org, "investigate-findings", deployed["administrator"])[-1]
    assert home["status"] == "ignored", home
    assert EXTRA in home["reason"], home


def test_an_attack_sequence_role_is_investigated_under_its_issuers_arn(world, deployed):
    """The role of account B, path /ci/, acting in account A: investigated as B's role."""
    org = world
    since = len(org.requests_log())
    event = sample("guardduty-finding-attack-sequence-one-principal.json")
    seen = iso(now())
    detail = event["detail"]
    detail.update({"accountId": MEMBER_A, "region": HOME, "createdAt": seen, "updatedAt": seen,
                   "id": "attack-sequence-0001"})
    detail["service"].update({"eventFirstSeen": seen, "eventLastSeen": seen})
    sequence = detail["service"]["detection"]["sequence"]
    sequence["actors"] = [{
        "id": "USER:AROAEXAMPLEROLE00001:ci-session",
        "user": {"name": "deployer", "uid": "AROAEXAMPLEROLE00001:ci-session", "type": "AssumedRole",
                 "credentialUid": "ASIAEXAMPLEKEY000002", "account": {"uid": MEMBER_A, "account": "workloads"}},
        "session": {"uid": "ci-session", "mfaStatus": "DISABLED", "issuer": f"arn:aws:iam::{MEMBER_B}:role/ci/deployer"}}]
    sequence["resources"] = []
    event.update({"account": ADMINISTRATOR, "region": HOME})
    org.put_event(ADMINISTRATOR, HOME, event)
    starts = calls(org, since, "StartInvestigation")
    assert [s["parameters"]["EntityArn"] for s in starts] == [f"arn:aws:iam::{MEMBER_B}:role/ci/deployer"]
    # The issuer gave the owner and the path: no lookup was needed.
    assert calls(org, since, "AssumeRole") == []


# ---------- reports ----------


def test_a_report_with_a_long_role_path_is_imported_cut_and_published_once_through_redelivery(world, deployed):
    org = world
    long_path = "/" + "/".join(["platform-engineering-team"] * 12) + "/"
    role = "release-automation"

    def add(state):
        state["iam_roles"].append({"account_id": MEMBER_A, "name": role, "path": long_path})
        # The first import fails for a moment (throttled past the SDK's retries): the message
        # comes back, and the report already published is not published again.
        state.setdefault("faults", []).append({"operation": "BatchImportFindings", "error": "InternalException", "times": 5})
    org.change_state(add)
    since = len(org.requests_log())
    org.put_event(ADMINISTRATOR, HOME, finding(HOME, MEMBER_A, user_type="AssumedRole", name=role,
                                               finding_id="f-long-path"))
    org.drain()
    entity = f"arn:aws:iam::{MEMBER_A}:role{long_path}{role}"
    starts = calls(org, since, "StartInvestigation")
    assert [s["parameters"]["EntityArn"] for s in starts] == [entity]
    published = [r for r in calls(org, since, "PutEvents")
                 if r["status"] == 200 and r["parameters"]["Entries"][0]["Source"] == "detective-autopilot"
                 and json.loads(r["parameters"]["Entries"][0]["Detail"]).get("entity_arn") == entity]
    assert len(published) == 1, published
    imported = [r for r in calls(org, since, "BatchImportFindings") if r["status"] == 200]
    assert len(imported) == 1
    title = imported[0]["parameters"]["Findings"][0]["Title"]
    assert len(title) <= 256 and title.endswith("..."), title
    hub = [f for f in org.security_hub_findings() if f["finding"]["Resources"][0]["Id"] == entity]
    assert len(hub) == 1


def test_a_report_security_hub_rejects_for_good_goes_to_the_dead_letter_queue_with_its_reason(world, deployed):
    org = world

    def reject(state):
        state.setdefault("faults", []).append({"operation": "BatchImportFindings", "error": "AccessDeniedException"})
    org.change_state(reject)
    try:
        since = len(org.requests_log())
        org.put_event(ADMINISTRATOR, HOME, finding(HOME, MEMBER_A, name="ci-deployer", finding_id="f-rejected"))
        org.drain()
        attempts = calls(org, since, "BatchImportFindings")
        assert 1 <= len(attempts) <= 3, len(attempts)
        dead = org.dead_letters_of(deployed["administrator"], "ReportDeadLetterQueue")
        assert len(dead) == 1, dead
        assert "AccessDeniedException" in dead[0]["attributes"]["reason"]["StringValue"]
        published = [r for r in calls(org, since, "PutEvents")
                     if r["parameters"]["Entries"][0]["Source"] == "detective-autopilot"]
        assert len(published) == 1, "the report was published once, before the import failed"
    finally:
        org.change_state(lambda state: state.update(faults=[]))


# ---------- tamper ----------


def test_members_removed_in_the_extra_region_are_restored_and_alerted_from_the_home_region(world, deployed):
    org = world
    since = len(org.requests_log())
    notified = len(org.notifications)
    client = detective(org, ADMINISTRATOR, EXTRA)
    client.delete_members(GraphArn=graph_of(org, EXTRA)["arn"], AccountIds=[MEMBER_B])
    org.settle()
    assert members(org, EXTRA)[MEMBER_B] == "ENABLED"
    restored = calls(org, since, "CreateMembers")
    assert [(r["region"], org.principal_of(r).stack, org.principal_of(r).account) for r in restored] == [
        (EXTRA, "detective-autopilot-administrator", ADMINISTRATOR)]
    assert org.principal_of(restored[0]).role == "EnrollAccountsFunctionRole"
    alerts = org.alerts(since)
    assert [(a["operation"], a["region"], a["response"]) for a in alerts] == [("DeleteMembers", EXTRA, "restoring")]
    assert alerts[0]["who"]["arn"].endswith("assumed-role/ops-admin/mallory")
    # And a person reads it: the home stack's rule delivers it to its topic, in plain text.
    told = [n for n in org.notifications[notified:] if n["rule"] == "TamperAlertNotificationRule"]
    assert [(n["stack"], n["region"]) for n in told] == [("detective-autopilot-administrator", HOME)]
    lines = told[0]["message"].splitlines()
    assert lines[0] == f"Detective weakened: DeleteMembers in {EXTRA}"
    assert lines[1].startswith(f"Who: arn:aws:sts::{ADMINISTRATOR}:assumed-role/ops-admin/mallory (AssumedRole) from ")
    assert f"Accounts: {MEMBER_B}" in lines
    assert any(line.startswith("Response: restoring") for line in lines), lines
    assert any(line.startswith(f"Console: https://{EXTRA}.console.aws.amazon.com/detective/home") for line in lines)


def test_auto_enable_turned_off_without_naming_it_is_restored(world, deployed):
    """UpdateOrganizationConfiguration without autoEnable turns it off (the API's default)."""
    org = world
    since = len(org.requests_log())
    client = detective(org, ADMINISTRATOR, EXTRA)
    client.update_organization_configuration(GraphArn=graph_of(org, EXTRA)["arn"])
    org.settle()
    assert graph_of(org, EXTRA)["auto_enable"] is True
    alerts = org.alerts(since)
    assert [(a["operation"], a["region"]) for a in alerts] == [("UpdateOrganizationConfiguration", EXTRA)]


def test_an_invited_account_accepting(world, deployed):
    org = world
    since = len(org.requests_log())
    client = detective(org, ADMINISTRATOR, HOME)
    client.create_members(GraphArn=graph_of(org, HOME)["arn"],
                          Accounts=[{"AccountId": OUTSIDE, "EmailAddress": "partner@example.com"}])
    client.get_members(GraphArn=graph_of(org, HOME)["arn"], AccountIds=[OUTSIDE])
    org.fire_schedule(deployed["member"], "accept-invitations")
    accepted = calls(org, since, "AcceptInvitation")
    assert [(r["region"], r["parameters"]["GraphArn"]) for r in accepted] == [(HOME, graph_of(org, HOME)["arn"])]
    assert org.principal_of(accepted[0]).account == OUTSIDE
    assert members(org, HOME)[OUTSIDE] == "ENABLED"


def test_an_invited_member_deleted_by_someone_is_alerted(world, deployed):
    """It can only come back by a new invitation: nothing is restored, and the alert says so."""
    org = world
    since = len(org.requests_log())
    client = detective(org, ADMINISTRATOR, HOME)
    client.delete_members(GraphArn=graph_of(org, HOME)["arn"], AccountIds=[OUTSIDE])
    org.settle()
    assert OUTSIDE not in members(org, HOME)
    assert calls(org, since, "CreateMembers") == []
    alerts = org.alerts(since)
    assert [(a["operation"], a["response"]) for a in alerts] == [("DeleteMembers", "alerted_only")]
    assert "invitation" in alerts[0]["reason"]


def test_a_queued_graph_deletion_is_alerted(world, deployed):
    """Detective queues the deletion: ListGraphs may still list the graph afterwards."""
    org = world
    org.change_state(lambda state: state.update(graph_deletion_reads=3))
    since = len(org.requests_log())
    client = detective(org, ADMINISTRATOR, EXTRA)
    graph = graph_of(org, EXTRA)["arn"]
    client.delete_graph(GraphArn=graph)
    org.settle()
    alerts = org.alerts(since)
    assert [(a["operation"], a["region"], a["graph_arn"]) for a in alerts] == [("DeleteGraph", EXTRA, graph)]


def test_disable_organization_admin_account_in_the_management_account_is_alerted(world, deployed):
    org = world
    since = len(org.requests_log())
    client = detective(org, MANAGEMENT, HOME)
    client.disable_organization_admin_account()
    org.settle()
    alerts = org.alerts(since)
    assert [(a["operation"], a["region"]) for a in alerts] == [("DisableOrganizationAdminAccount", HOME)]
    assert alerts[0]["who"]["account_id"] == MANAGEMENT


# ---------- the check itself ----------


def test_a_denied_call_is_caught_naming_the_stack_role_action_and_resource(world, deployed):
    """investigate-findings of the home region may not start an investigation in another
    region's graph: a call its IAM denies is reported, not served silently."""
    org = world
    principal = org.functions_of(deployed["administrator"], "investigate-findings").principal
    record = {"service": "detective", "operation": "StartInvestigation", "region": EXTRA,
              "parameters": {"GraphArn": f"arn:aws:detective:{EXTRA}:{ADMINISTRATOR}:graph:{'a' * 32}",
                             "EntityArn": f"arn:aws:iam::{MEMBER_A}:role/app"},
              "access_key_id": org.key_of(principal)}
    denied = org.check_record(record)
    assert len(denied) == 1, denied
    message = denied[0]
    assert "stack detective-autopilot-administrator" in message
    assert "role InvestigateFindingsFunctionRole" in message
    assert "detective:StartInvestigation" in message
    assert f"arn:aws:detective:{EXTRA}:{ADMINISTRATOR}:graph:" in message


# ---------- insiders: what IAM refuses, whatever the code would do ----------


def person(org, account, role, path="/"):
    """Someone with every permission of their own account, as one of its roles."""
    return Principal(arn=f"arn:aws:iam::{account}:role{path}{role}", account=account, stack="(a person)", role=role,
                     policies=PERSON_POLICY, session="mallory")


def test_investigate_findings_assumes_a_lookup_role_only_in_the_organization(world, deployed):
    """An account outside the organization named in a finding, with a role of the lookup's name
    that trusts anyone: our role's own policy refuses the call (aws:ResourceOrgID)."""
    org = world
    investigate = org.functions_of(deployed["administrator"], "investigate-findings").principal
    welcoming = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                          "Principal": {"AWS": f"arn:aws:iam::{ADMINISTRATOR}:root"}}]}
    outside = org.authorizer.decide(investigate, "sts:AssumeRole", f"arn:aws:iam::{OUTSIDE}:role/{LOOKUP_ROLE}", HOME,
                                    resource_policy=welcoming, resource_owner=OUTSIDE)
    assert not outside.allowed, outside
    inside_role = f"arn:aws:iam::{MEMBER_A}:role/{LOOKUP_ROLE}"
    inside = org.authorizer.decide(investigate, "sts:AssumeRole", inside_role, HOME,
                                   resource_policy=org.trust_policy(inside_role), resource_owner=MEMBER_A)
    assert inside.allowed, inside


def test_the_lookup_role_trusts_investigate_findings_and_no_other_role_of_the_administrator(world, deployed):
    org = world
    role = f"arn:aws:iam::{MEMBER_A}:role/{LOOKUP_ROLE}"
    trust = org.trust_policy(role)
    # An administrator-account role whose name merely contains investigate-findings' role name.
    for impostor in (person(org, ADMINISTRATOR, "my-InvestigateFindingsFunctionRole-copy"),
                     person(org, ADMINISTRATOR, "ops", path="/detective-autopilot/")):
        decision = org.authorizer.decide(impostor, "sts:AssumeRole", role, HOME, resource_policy=trust,
                                         resource_owner=MEMBER_A)
        assert not decision.allowed, decision
    # Its path, but from an account outside the organization (aws:PrincipalOrgID).
    stranger = person(org, OUTSIDE, "x", path="/detective-autopilot/investigate-findings/")
    assert not org.authorizer.decide(stranger, "sts:AssumeRole", role, HOME, resource_policy=trust,
                                     resource_owner=MEMBER_A).allowed


def test_a_stack_that_keeps_detective_on_delete_cannot_destroy_it(world, deployed):
    """DisableOnDelete false (the README's stacks): configure-detective's roles may not call
    DeleteGraph or DisableOrganizationAdminAccount at all, whatever a request asks."""
    org = world
    graph_part = org.functions_of(deployed["administrator"], "configure-detective").principal
    # A graph of the account (another test may have deleted the one the setup made).
    graph = f"arn:aws:detective:{HOME}:{ADMINISTRATOR}:graph:{'a' * 32}"
    assert not org.authorizer.decide(graph_part, "detective:DeleteGraph", graph, HOME).allowed
    assert org.authorizer.decide(graph_part, "detective:UpdateDatasourcePackages", graph, HOME).allowed
    designation = org.functions_of(deployed["management"], "configure-detective").principal
    assert not org.authorizer.decide(designation, "detective:DisableOrganizationAdminAccount", "*",
                                     ORGANIZATIONS_REGION).allowed
    assert org.authorizer.decide(designation, "detective:EnableOrganizationAdminAccount", "*",
                                 ORGANIZATIONS_REGION).allowed


def test_the_administrators_bus_admits_the_forwarding_role_and_no_other_principal_of_management(world, deployed):
    org = world
    bus = f"arn:aws:events:{HOME}:{ADMINISTRATOR}:event-bus/default"
    context = {"events:source": "aws.detective", "events:detail-type": "AWS API Call via CloudTrail"}
    someone = person(org, MANAGEMENT, "ops-admin")
    assert not org.authorizer.decide(someone, "events:PutEvents", bus, HOME, context,
                                     resource_policy=org.bus_policy(bus), resource_owner=ADMINISTRATOR).allowed
    stack = deployed["management"]
    forwarding = role_principal(stack, "ForwardingRole")
    assert org.authorizer.decide(forwarding, "events:PutEvents", bus, HOME, context,
                                 resource_policy=org.bus_policy(bus), resource_owner=ADMINISTRATOR).allowed


# ---------- the README ----------


def readme_from_zero():
    """The stacks the README's "From zero" commands deploy: (stack, region, template,
    parameters), `DryRun` aside (the README rolls out in dry run first)."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### From zero"):]
    block = section[section.index("```sh") + 5:]
    block = block[:block.index("```")]
    commands = [" ".join(part.strip() for part in command.split("\\\n"))
                for command in re.split(r"\n(?=sam |aws )", block.replace("\\\n", "\\\n"))]
    found = []
    for command in commands:
        command = re.sub(r"#[^\n]*", "", command).replace("\\", " ")
        words = command.split()
        if words[:2] == ["sam", "deploy"]:
            options = dict(zip(words[2::1], words[3::1]))
            overrides = words[words.index("--parameter-overrides") + 1:]
            parameters = dict(word.split("=", 1) for word in overrides if "=" in word and not word.startswith("--"))
            parameters.pop("DryRun", None)
            found.append((options["--stack-name"], options["--region"], "template.yaml", parameters))
        elif words[:3] == ["aws", "cloudformation", "create-stack-set"]:
            template = words[words.index("--template-body") + 1].removeprefix("file://")
            values = dict(re.findall(r"ParameterKey=(\w+),ParameterValue=(\S+)", command))
            stack_set = words[words.index("--stack-set-name") + 1]
        elif words[:3] == ["aws", "cloudformation", "create-stack-instances"]:
            found.append((stack_set, words[words.index("--regions") + 1], template, values))
    return found


def test_the_readme_deploys_what_the_simulation_deploys():
    simulated = []
    for _, template, stack, _, region, parameters in FROM_ZERO:
        entry = (stack, region, template.name, {k: v for k, v in parameters.items() if k != "DryRun"})
        if entry not in simulated:
            simulated.append(entry)
    assert readme_from_zero() == simulated
