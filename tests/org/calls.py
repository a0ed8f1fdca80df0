"""A call the sandbox served, as IAM sees it: the action (the Reference's), the resource ARN
of each resource type the action authorizes (built from the request), the condition keys
the request carries, and the resource's own policy where AWS consults one."""
from dataclasses import dataclass, field


@dataclass
class Authorization:
    action: str
    resource: str
    context: dict = field(default_factory=dict)
    resource_policy: dict = None
    resource_owner: str = None


class UnknownResource(Exception):
    """A call whose resource the check cannot build: the check must learn it, never pass it."""


def queue_arn(url, partition):
    # https://sqs.<region>.amazonaws.com/<account>/<name>
    parts = url.split("/")
    host, account, name = parts[2], parts[3], parts[4]
    region = host.split(".")[1]
    return f"arn:{partition}:sqs:{region}:{account}:{name}"


class Calls:
    """Builds the authorizations of sandbox request records. `world` answers what the request
    alone does not say: the partition, the organization, IAM paths, resource policies."""

    def __init__(self, sar, world):
        self.sar = sar
        self.world = world

    def authorizations(self, record, caller_account):
        service, operation, region = record["service"], record["operation"], record["region"]
        params = record.get("parameters") or {}
        action = self.sar.action(service, operation)
        builder = getattr(self, f"_{service}", None)
        if builder is None:
            raise UnknownResource(f"no resource rule for {service}")
        found = builder(operation, action, params, region, caller_account)
        checked = []
        for authorization in found:
            types = self.sar.resource_types(authorization.action)
            if authorization.resource != "*":
                formats = [arn for _, _, arn in types if arn]
                if not any(self.sar.matches_format(authorization.resource, arn) for arn in formats):
                    raise UnknownResource(
                        f"{operation}: {authorization.resource} has none of the Reference's formats {formats}")
            elif any(required for _, required, _ in types):
                raise UnknownResource(f"{operation}: {authorization.action} needs a resource; the check built none")
            checked.append(authorization)
        # The actions the Reference says this one depends on (Detective designating an
        # administrator registers it in Organizations with the caller's permissions).
        for dependent in self.sar.dependent_actions(action):
            checked.append(self._dependent(dependent, params, caller_account))
        return checked

    def _dependent(self, action, params, caller_account):
        partition = self.world.partition
        context = {}
        resource = "*"
        if action == "organizations:RegisterDelegatedAdministrator" and params.get("AccountId"):
            resource = (f"arn:{partition}:organizations::{self.world.management_account}:account/"
                        f"{self.world.organization_id}/{params['AccountId']}")
            context["organizations:ServicePrincipal"] = "detective.amazonaws.com"
        elif action == "organizations:EnableAWSServiceAccess":
            context["organizations:ServicePrincipal"] = "detective.amazonaws.com"
        elif action == "iam:CreateServiceLinkedRole":
            resource = (f"arn:{partition}:iam::{caller_account}:role/aws-service-role/detective.amazonaws.com/"
                        "AWSServiceRoleForDetective")
            context["iam:AWSServiceName"] = "detective.amazonaws.com"
        return Authorization(action, resource, context)

    # ---------- per service ----------

    def _detective(self, operation, action, params, region, caller):
        arns = []
        for key in ("GraphArn", "ResourceArn"):
            if params.get(key):
                arns.append(params[key])
        arns.extend(params.get("GraphArns") or [])
        if not any(required for _, required, _ in self.sar.resource_types(action)):
            return [Authorization(action, "*")]
        return [Authorization(action, arn) for arn in arns] or [Authorization(action, "*")]

    def _organizations(self, operation, action, params, region, caller):
        base = f"arn:{self.world.partition}:organizations::{self.world.management_account}:"
        organization = self.world.organization_id
        if operation == "DescribeAccount":
            return [Authorization(action, f"{base}account/{organization}/{params.get('AccountId')}")]
        # A unit, root or account by its id (Service Authorization Reference resource types).
        named = params.get("ParentId") or params.get("ResourceId") or ""
        if operation in ("ListAccountsForParent", "ListOrganizationalUnitsForParent", "ListTagsForResource") and named:
            kind = "root" if named.startswith("r-") else "ou" if named.startswith("ou-") else "account"
            return [Authorization(action, f"{base}{kind}/{organization}/{named}")]
        context = {}
        if params.get("ServicePrincipal"):
            context["organizations:ServicePrincipal"] = params["ServicePrincipal"]
        return [Authorization(action, "*", context)]

    def _sts(self, operation, action, params, region, caller):
        if operation == "AssumeRole":
            role = params.get("RoleArn", "")
            trust = self.world.trust_policy(role)
            return [Authorization(action, role, {"sts:RoleSessionName": params.get("RoleSessionName", "")},
                                  resource_policy=trust or {"Version": "2012-10-17", "Statement": []},
                                  resource_owner=role.split(":")[4])]
        return [Authorization(action, "*")]

    def _iam(self, operation, action, params, region, caller):
        kind = {"GetRole": "role", "GetUser": "user"}.get(operation)
        if kind is None:
            raise UnknownResource(f"no resource rule for iam {operation}")
        name = params.get("RoleName") or params.get("UserName")
        path = self.world.iam_path(caller, kind, name)
        return [Authorization(action, f"arn:{self.world.partition}:iam::{caller}:{kind}{path}{name}")]

    def _sqs(self, operation, action, params, region, caller):
        arn = queue_arn(params["QueueUrl"], self.world.partition)
        return [Authorization(action, arn, resource_policy=self.world.queue_policy(arn),
                              resource_owner=arn.split(":")[4])]

    def _events(self, operation, action, params, region, caller):
        found = []
        for entry in params.get("Entries") or []:
            bus = entry.get("EventBusName") or "default"
            arn = bus if bus.startswith("arn:") else f"arn:{self.world.partition}:events:{region}:{caller}:event-bus/{bus}"
            found.append(Authorization(action, arn, {"events:source": entry.get("Source", ""),
                                                     "events:detail-type": entry.get("DetailType", "")},
                                       resource_policy=self.world.bus_policy(arn),
                                       resource_owner=arn.split(":")[4]))
        return found

    def _securityhub(self, operation, action, params, region, caller):
        return [Authorization(action, finding.get("ProductArn", "")) for finding in params.get("Findings") or []]

    def _cloudtrail(self, operation, action, params, region, caller):
        names = params.get("trailNameList") or []
        if params.get("Name"):
            names = [params["Name"]]
        if not any(required for _, required, _ in self.sar.resource_types(action)):
            return [Authorization(action, "*")]
        return [Authorization(action, name if name.startswith("arn:") else
                              f"arn:{self.world.partition}:cloudtrail:{region}:{caller}:trail/{name}") for name in names]
