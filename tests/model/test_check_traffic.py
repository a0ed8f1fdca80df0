"""The model check itself: it must find what AWS would refuse or never send."""
import json

import check_traffic

GRAPH = "arn:aws:detective:us-east-1:111111111111:graph:0123456789abcdef0123456789abcdef"


def exchange(service, operation, request, response, status=200, method="POST", path="/", injected=False):
    return {"service": service, "operation": operation, "method": method, "path": path, "query": "",
            "request": request, "status": status, "response": response, "injected": injected}


def violations(tmp_path, *records):
    (tmp_path / "t.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))
    checker = check_traffic.Checker()
    for number, record in enumerate(records, 1):
        checker.exchange(record, f"t.jsonl:{number}")
    return sorted(checker.problems)


def test_conforming_exchanges_pass(tmp_path):
    assert violations(
        tmp_path,
        exchange("detective", "ListGraphs", {"MaxResults": 200},
                 {"GraphList": [{"Arn": GRAPH, "CreatedTime": "2024-01-01T00:00:00.000Z"}]}, path="/graphs/list"),
        exchange("detective", "GetMembers", {"GraphArn": GRAPH, "AccountIds": ["222222222222"]},
                 {"MemberDetails": [{"AccountId": "222222222222", "Status": "ENABLED", "InvitationType": "ORGANIZATION"}],
                  "UnprocessedAccounts": []}, path="/graph/members/get"),
        exchange("organizations", "ListAccounts", {}, {"__type": "TooManyRequestsException", "Message": "x"}, status=400),
        exchange("iam", "GetRole", {"Action": "GetRole", "Version": "2010-05-08", "RoleName": "r"},
                 "<GetRoleResponse><GetRoleResult><Role><Path>/</Path><RoleName>r</RoleName>"
                 "<RoleId>AROA0000000000000000</RoleId><Arn>arn:aws:iam::111111111111:role/r</Arn>"
                 "<CreateDate>2024-01-01T00:00:00Z</CreateDate></Role></GetRoleResult></GetRoleResponse>"),
    ) == []


def test_each_constraint_is_named_with_operation_and_member_path(tmp_path):
    found = violations(
        tmp_path,
        exchange("detective", "ListGraphs", {"MaxResults": 500},
                 {"GraphList": [{"Arn": "arn:aws:detective:us-east-1:111111111111:graph:a"}]}, path="/graphs/list"),
        exchange("detective", "GetMembers", {"GraphArn": GRAPH},
                 {"MemberDetails": [{"AccountId": "1", "Status": "WEIRD", "Extra": 1}]}, path="/graph/members/get"),
        exchange("detective", "CreateGraph", {}, {"__type": "ValidationException", "Message": "x"}, status=400,
                 path="/graph"),
        exchange("organizations", "ListAccounts", {}, {"__type": "TooManyRequestsException"}, status=429),
        exchange("organizations", "DescribeAccount", {"AccountId": "123"},
                 {"Account": {"Id": "123456789012", "JoinedTimestamp": "2024-01-01"}}),
    )
    expected = [
        "detective ListGraphs request .MaxResults: 500 is above the maximum 200",
        "detective ListGraphs response .GraphList[0].Arn: 'arn:aws:detective:us-east-1:111111111111:graph:a' does not match",
        "detective GetMembers request .AccountIds: required by GetMembersRequest, missing",
        "detective GetMembers response .MemberDetails[0].AccountId: 1 characters, fewer than the minimum 12",
        "detective GetMembers response .MemberDetails[0].Status: 'WEIRD' is not one of MemberStatus's values",
        "detective GetMembers response .MemberDetails[0].Extra: not a member of MemberDetail",
        "detective CreateGraph response : error 'ValidationException' is neither declared",
        "organizations ListAccounts response : TooManyRequestsException with status 429, the model says 400",
        "organizations DescribeAccount request .AccountId: '123' does not match AccountId's pattern",
        "organizations DescribeAccount response .Account.JoinedTimestamp: expected epoch seconds",
    ]
    for text in expected:
        assert any(problem.startswith(text) for problem in found), (text, found)
    assert len(found) == len(expected), found


def test_routes_and_query_parameters_are_checked(tmp_path):
    found = violations(
        tmp_path,
        exchange("detective", "ListMembers", {"GraphArn": GRAPH}, {"MemberDetails": []}, method="GET",
                 path="/graph/members/list"),
        exchange("detective", "ListMembers", {"GraphArn": GRAPH}, {"MemberDetails": []}, path="/graph/members"),
        exchange("iam", "GetRole", {"Action": "GetRole", "Version": "2010-05-08", "RoleName": "r", "Bogus": "1"},
                 "<GetRoleResponse><GetRoleResult><Role><Path>/</Path></Role></GetRoleResult></GetRoleResponse>"),
    )
    assert "detective ListMembers request : method GET, the model says POST" in found
    assert "detective ListMembers request : path /graph/members, the model says /graph/members/list" in found
    assert "iam GetRole request Bogus: not a parameter of the operation" in found
    assert "iam GetRole response .Role.RoleName: required by Role, missing" in found


QUEUE = "https://sqs.us-east-1.amazonaws.com/111111111111/reports"
PRODUCT = "arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default"


def test_the_sinks_json_and_rest_json_exchanges_are_checked(tmp_path):
    finding = {"SchemaVersion": "2018-10-08", "Id": "f", "ProductArn": PRODUCT, "GeneratorId": "g",
               "AwsAccountId": "111111111111", "CreatedAt": "2026-11-22T12:00:00Z", "UpdatedAt": "2026-11-22T12:00:00Z",
               "Severity": {"Label": "HIGH"}, "Title": "t", "Description": "d",
               "Resources": [{"Type": "AwsIamRole", "Id": "arn:aws:iam::222222222222:role/r"}]}
    assert violations(
        tmp_path,
        exchange("sqs", "SendMessage", {"QueueUrl": QUEUE, "MessageBody": "{}", "DelaySeconds": 900},
                 {"MessageId": "m", "MD5OfMessageBody": "99914b932bd37a50b983c5e7c90ae93b"}),
        exchange("sqs", "SendMessage", {"QueueUrl": QUEUE, "MessageBody": "{}"},
                 {"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "x"}, status=400),
        exchange("sqs", "SendMessage", {"QueueUrl": QUEUE, "MessageBody": "{}", "DelaySeconds": 901},
                 {"__type": "com.amazonaws.sqs#InvalidParameterValue", "message": "x"}, status=400),
        exchange("events", "PutEvents", {"Entries": [{"Source": "s", "DetailType": "d", "Detail": "{}", "Time": 1.5}]},
                 {"FailedEntryCount": 0, "Entries": [{"EventId": "e"}]}),
        exchange("securityhub", "BatchImportFindings", {"Findings": [finding]},
                 {"FailedCount": 0, "SuccessCount": 1, "FailedFindings": []}, path="/findings/import"),
        exchange("securityhub", "BatchImportFindings", {"Findings": [finding]},
                 {"__type": "InvalidAccessException", "Message": "x", "Code": "InvalidAccessException"},
                 status=401, path="/findings/import"),
    ) == []


def test_the_sinks_violations_are_named(tmp_path):
    found = violations(
        tmp_path,
        exchange("sqs", "SendMessage", {"QueueUrl": QUEUE}, {"MessageId": "m", "MD5OfMessageBody": 1}),
        exchange("events", "PutEvents", {"Entries": [{"Time": "2026-11-22T12:00:00Z"}] * 11},
                 {"FailedEntryCount": 0, "Entries": [{"EventId": "e" * 65}]}),
        exchange("securityhub", "BatchImportFindings", {"Findings": [{"Id": "f"}]},
                 {"FailedCount": 0, "SuccessCount": 1}, method="PUT", path="/findings"),
        exchange("securityhub", "BatchImportFindings", {"Findings": [{"Id": "f"}]},
                 {"__type": "InvalidAccessException", "Message": "x"}, status=403, path="/findings/import"),
    )
    expected = [
        "sqs SendMessage request .MessageBody: required by SendMessageRequest, missing",
        "sqs SendMessage response .MD5OfMessageBody: expected a string",
        "events PutEvents request .Entries: 11 items, more than the maximum 10",
        "events PutEvents request .Entries[0].Time: expected epoch seconds",
        "events PutEvents response .Entries[0].EventId: 65 characters, more than the maximum 64",
        "securityhub BatchImportFindings request : method PUT, the model says POST",
        "securityhub BatchImportFindings request : path /findings, the model says /findings/import",
        "securityhub BatchImportFindings request .Findings[0].SchemaVersion: required by AwsSecurityFinding, missing",
        "securityhub BatchImportFindings response : InvalidAccessException with status 403, the model says 401",
    ]
    for text in expected:
        assert any(problem.startswith(text) for problem in found), (text, found)


def test_no_traffic_is_a_failure(tmp_path, capsys):
    assert check_traffic.main([str(tmp_path)]) == 1
    assert "no traffic recorded" in capsys.readouterr().out
