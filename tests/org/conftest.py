"""The simulated organization the scenarios run in: one sandbox standing in for AWS in every
account and region, and the stacks the README's "From zero" deploys, created in its order."""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import pytest

HERE = pathlib.Path(__file__).resolve().parent
# Our modules, and tests/deploy's that the simulation shares (the SAM transform, the
# EventBridge matcher).
sys.path[:0] = [str(HERE), str(HERE.parent / "deploy")]

from local_servers import free_port, stop, wait_for  # noqa: E402
from organization import Organization  # noqa: E402

ROOT = HERE.parents[1]
AUTOPILOT = os.environ.get("AUTOPILOT", str(ROOT / "target" / "debug" / "autopilot"))
BINARIES = pathlib.Path(AUTOPILOT).parent

# The README's example organization: its commands are what the simulation deploys.
ORGANIZATION_ID = "o-a1b2c3d4e5"
MANAGEMENT = "999999999999"
ADMINISTRATOR = "111111111111"
MEMBER_A = "222222222222"
MEMBER_B = "333333333333"
# Invited to the administrator's graph; not in the organization.
OUTSIDE = "444444444444"
HOME = "eu-west-1"
EXTRA = "us-west-2"
# Organizations' events reach EventBridge here only.
ORGANIZATIONS_REGION = "us-east-1"
REGIONS = f"{HOME},{EXTRA}"
LOOKUP_ROLE = "detective-autopilot-principal-lookup"
TEMPLATE = ROOT / "template.yaml"
ROLE_LOOKUP_TEMPLATE = ROOT / "role-lookup.yaml"


def account(id_, name):
    return {"id": id_, "name": name, "email": f"{name}@example.com", "status": "ACTIVE"}


INITIAL_STATE = {
    "partition": "aws",
    "caller_account_id": ADMINISTRATOR,
    "organization": {"id": ORGANIZATION_ID, "management_account_id": MANAGEMENT, "accounts": [
        account(MANAGEMENT, "management"), account(ADMINISTRATOR, "security"),
        account(MEMBER_A, "workloads"), account(MEMBER_B, "ci")]},
    "regions": {},
    # The organization trail of the management account: every account's management events,
    # in every region (what EventBridge's "AWS API Call via CloudTrail" events need).
    "trails": [{"account_id": MANAGEMENT, "name": "organization-trail", "home_region": ORGANIZATIONS_REGION,
                "is_multi_region_trail": True, "is_organization_trail": True, "logging": True,
                "management_events": "All"}],
    "iam_roles": [{"account_id": MEMBER_B, "name": "deployer", "path": "/ci/"},
                  {"account_id": MEMBER_A, "name": "app", "path": "/"}],
    "iam_users": [{"account_id": MEMBER_A, "name": "ci-deployer", "path": "/automation/"}],
}

MANAGEMENT_PARAMETERS = {"AccountRole": "management", "AdministratorAccountId": ADMINISTRATOR,
                         "AdministratorRegion": HOME, "ControlTowerHomeRegion": HOME, "Regions": REGIONS,
                         "AlarmEmail": "secops@example.com"}
ADMINISTRATOR_PARAMETERS = {"AccountRole": "administrator", "ManagementAccountId": MANAGEMENT, "Regions": REGIONS,
                            "DatasourcePackages": "EKS_AUDIT", "GraphTags": "team=security",
                            "InvestigateSecurityHubFindings": "true", "SecurityHubFindings": "true",
                            "RoleLookupRoleName": LOOKUP_ROLE, "OrganizationId": ORGANIZATION_ID,
                            "AlarmEmail": "secops@example.com"}


@pytest.fixture(scope="session")
def workdir():
    path = pathlib.Path(tempfile.mkdtemp(prefix="autopilot-org-"))
    print(f"organization simulation logs in {path}")
    return path


def start_sandbox(workdir, state):
    (workdir / "state.json").write_text(json.dumps(state))
    port = free_port()
    log = open(workdir / "sandbox.log", "w")
    process = subprocess.Popen([AUTOPILOT, "sandbox", "serve", "--port", str(port), "--state", str(workdir / "state.json")],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/_sandbox/state")
    return process, url


SUMMARY = ROOT / "target" / "org-simulation.txt"


def summary(org):
    """What the simulation covered, for `make test` to print."""
    stacks = sorted({(stack.account, stack.region) for stack in org.stacks})
    accounts = sorted({account for account, _ in stacks})
    regions = sorted({region for _, region in stacks})
    checked = len(org.decisions)
    denied = sum(1 for decision in org.decisions if not decision.allowed)
    actions = sorted({decision.action for decision in org.decisions})
    return (f"organization simulation: {len(org.stacks)} stacks in {len(accounts)} accounts and {len(regions)} regions, "
            f"{len(org.invocations)} invocations, {checked} calls checked against IAM ({len(actions)} actions), "
            f"{denied} denied, {len(org.notifications)} notifications a person reads\n")


@pytest.fixture(scope="module")
def world(workdir):
    """An organization with nothing deployed."""
    process, url = start_sandbox(workdir, INITIAL_STATE)
    accounts = [a["id"] for a in INITIAL_STATE["organization"]["accounts"]]
    organization = Organization(url, BINARIES, workdir, ORGANIZATION_ID, MANAGEMENT, accounts)
    try:
        yield organization
    finally:
        organization.close()
        stop(process)
        SUMMARY.parent.mkdir(exist_ok=True)
        SUMMARY.write_text(summary(organization))


# The README's "From zero", in its order: (name, template, stack, account, region, parameters).
FROM_ZERO = [
    # 1. Management account: Organizations' events region (the designation), Control Tower's
    #    home region, and every other region of Regions (Detective's calls are regional).
    ("management", TEMPLATE, "detective-autopilot-management", MANAGEMENT, ORGANIZATIONS_REGION, MANAGEMENT_PARAMETERS),
    ("management-home", TEMPLATE, "detective-autopilot-management-ct", MANAGEMENT, HOME, MANAGEMENT_PARAMETERS),
    ("management-extra", TEMPLATE, "detective-autopilot-management", MANAGEMENT, EXTRA, MANAGEMENT_PARAMETERS),
    # 2. The administrator account: home region, then each other region.
    ("administrator", TEMPLATE, "detective-autopilot-administrator", ADMINISTRATOR, HOME, ADMINISTRATOR_PARAMETERS),
    ("administrator-extra", TEMPLATE, "detective-autopilot-administrator", ADMINISTRATOR, EXTRA,
     {**{k: v for k, v in ADMINISTRATOR_PARAMETERS.items() if k != "ManagementAccountId"},
      "EnrollAccounts": "false", "AdministratorRegion": HOME}),
    # 3. An account invited from outside the organization.
    ("member", TEMPLATE, "detective-autopilot-member", OUTSIDE, HOME,
     {"AccountRole": "member", "TrustedAdminAccountIds": ADMINISTRATOR, "Regions": REGIONS}),
] + [
    # 4. The principal lookup role in the organization's accounts (a service-managed StackSet
    #    deploys to every account but the management account).
    (f"role-lookup-{member}", ROLE_LOOKUP_TEMPLATE, "detective-autopilot-role-lookup", member, ORGANIZATIONS_REGION,
     {"AdministratorAccountId": ADMINISTRATOR, "OrganizationId": ORGANIZATION_ID})
    for member in (ADMINISTRATOR, MEMBER_A, MEMBER_B)
]


def deploy_from_zero(org):
    """The README's "From zero", in its order; the stacks by name."""
    stacks = {name: org.deploy(template, stack, account, region, parameters)
              for name, template, stack, account, region, parameters in FROM_ZERO}
    # The first sweep (the schedule's first run).
    org.fire_schedule(stacks["administrator"], "enroll-accounts")
    return stacks


@pytest.fixture(scope="module")
def deployed(world):
    return deploy_from_zero(world)


@pytest.fixture
def status(world, workdir):
    """`autopilot status --aws` as the administrator runs it, the management account's
    profile for the designation: (its JSON report, its exit code)."""
    def run(regions=REGIONS):
        administrator = world.person(ADMINISTRATOR)
        management = world.person(MANAGEMENT)
        (workdir / "credentials").write_text(
            "[management]\n"
            f"aws_access_key_id = {management['aws_access_key_id']}\n"
            f"aws_secret_access_key = {management['aws_secret_access_key']}\n")
        (workdir / "config").write_text(f"[profile management]\nregion = {HOME}\n")
        env = {"PATH": os.environ["PATH"], "HOME": str(workdir), "AWS_ENDPOINT_URL": world.sandbox,
               "AWS_ACCESS_KEY_ID": administrator["aws_access_key_id"],
               "AWS_SECRET_ACCESS_KEY": administrator["aws_secret_access_key"], "AWS_REGION": HOME,
               "AWS_CONFIG_FILE": str(workdir / "config"),
               "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "credentials")}
        done = subprocess.run([AUTOPILOT, "status", "--aws", "--management-profile", "management", "--regions", regions,
                               "--json"], capture_output=True, text=True, env=env, timeout=120)
        world.settle()
        return json.loads(done.stdout or "null"), done.returncode
    return run


@pytest.fixture(autouse=True)
def no_denied_calls(request):
    """Every scenario: no call any role made was denied by its IAM."""
    yield
    if "world" in request.fixturenames:
        org = request.getfixturevalue("world")
        org.settle()
        denied, org.denials = list(org.denials), []
        assert denied == [], "denied calls:\n" + "\n".join(denied)
