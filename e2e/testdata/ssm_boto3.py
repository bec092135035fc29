"""Drives orgstack's Systems Manager OpsData (OpsItems, compliance,
inventory) with boto3: its paginators and its modeled exception classes.

Run by e2e/ssm_opsdata_test.go with AWS_ENDPOINT_URL pointing at a fresh
server. Exits non-zero with a message on the first failed check, prints
"ok" otherwise.
"""
import datetime
import sys

import boto3

ACCOUNT = "111111111111"
OTHER = "222222222222"


def client(account, region="us-east-1"):
    return boto3.client(
        "ssm",
        aws_access_key_id=account,
        aws_secret_access_key="orgstack-test-secret",
        region_name=region,
    )


def check(cond, what):
    if not cond:
        sys.exit("check failed: " + what)


ssm = client(ACCOUNT)

# OpsItems, listed through the paginator in pages of two.
created = []
for i in range(5):
    out = ssm.create_ops_item(
        Title="Disk full on web-%d" % i,
        Description="The root volume is full.",
        Source="EC2",
        Priority=1 + i % 3,
        Severity=str(1 + i % 4),
        Category="Availability",
        OperationalData={"host": {"Value": "web-%d" % i, "Type": "SearchableString"}},
    )
    check(out["OpsItemId"].startswith("oi-"), "OpsItemId %s" % out["OpsItemId"])
    check(out["OpsItemArn"] == "arn:aws:ssm:us-east-1:%s:opsitem/%s" % (ACCOUNT, out["OpsItemId"]), "OpsItemArn")
    created.append(out["OpsItemId"])

pages = ssm.get_paginator("describe_ops_items").paginate(
    OpsItemFilters=[{"Key": "Status", "Values": ["Open"], "Operator": "Equal"}],
    PaginationConfig={"PageSize": 2},
)
seen, count = [], 0
for page in pages:
    count += 1
    check(len(page["OpsItemSummaries"]) <= 2, "page size")
    for s in page["OpsItemSummaries"]:
        seen.append(s["OpsItemId"])
        check(isinstance(s["CreatedTime"], datetime.datetime), "CreatedTime is a datetime")
check(count == 3, "pages: %d" % count)
check(sorted(seen) == sorted(created), "paginated ids %s" % seen)

item = ssm.get_ops_item(OpsItemId=created[0])["OpsItem"]
check(item["Status"] == "Open" and item["Version"] == "1", "get_ops_item %s" % item)
check(item["OperationalData"]["host"]["Value"] == "web-0", "operational data")
ssm.update_ops_item(OpsItemId=created[0], Status="Resolved", OperationalDataToDelete=["host"])
item = ssm.get_ops_item(OpsItemId=created[0])["OpsItem"]
check(item["Status"] == "Resolved" and "host" not in item.get("OperationalData", {}), "after update %s" % item)
resolved = ssm.describe_ops_items(OpsItemFilters=[{"Key": "Status", "Values": ["Resolved"], "Operator": "Equal"}])
check([s["OpsItemId"] for s in resolved["OpsItemSummaries"]] == [created[0]], "resolved filter")

# Modeled exceptions are raised as their own classes.
try:
    ssm.get_ops_item(OpsItemId="oi-000000000000")
    sys.exit("got a missing OpsItem")
except ssm.exceptions.OpsItemNotFoundException as e:
    check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, "status")
try:
    ssm.create_ops_item(Title="t", Description="d", Source="s",
                        OperationalData={"amazonKey": {"Value": "v", "Type": "String"}})
    sys.exit("a reserved OperationalData key was accepted")
except ssm.exceptions.OpsItemInvalidParameterException as e:
    check(e.response.get("ParameterNames") == ["OperationalData"], "ParameterNames %r" % e.response.get("ParameterNames"))
try:
    ssm.list_compliance_summaries(NextToken="not-a-token")
    sys.exit("a bad token was accepted")
except ssm.exceptions.InvalidNextToken:
    pass

# Patch compliance of three nodes, through the paginators.
when = datetime.datetime(2024, 5, 1, 10, 0, tzinfo=datetime.timezone.utc)
nodes = ["i-0%016d" % n for n in range(3)]
for n, node in enumerate(nodes):
    ssm.put_compliance_items(
        ResourceId=node, ResourceType="ManagedInstance", ComplianceType="Patch",
        ExecutionSummary={"ExecutionTime": when, "ExecutionId": "run-%d" % n, "ExecutionType": "Command"},
        Items=[
            {"Id": "KB%d" % k, "Title": "Update %d" % k, "Severity": "CRITICAL" if k == 0 else "LOW",
             "Status": "NON_COMPLIANT" if (n == 0 and k == 0) else "COMPLIANT"}
            for k in range(3)
        ],
    )
items = []
for page in ssm.get_paginator("list_compliance_items").paginate(
        ResourceIds=[nodes[0]], ResourceTypes=["ManagedInstance"], PaginationConfig={"PageSize": 1}):
    items.extend(page["ComplianceItems"])
check([i["Id"] for i in items] == ["KB0", "KB1", "KB2"], "compliance items %s" % items)
check(items[0]["ExecutionSummary"]["ExecutionTime"] == when, "execution time %r" % items[0]["ExecutionSummary"])

resources = []
for page in ssm.get_paginator("list_resource_compliance_summaries").paginate(PaginationConfig={"PageSize": 2}):
    resources.extend(page["ResourceComplianceSummaryItems"])
check([r["ResourceId"] for r in resources] == nodes, "resources %s" % resources)
check(resources[0]["Status"] == "NON_COMPLIANT" and resources[0]["OverallSeverity"] == "CRITICAL", "node 0 %s" % resources[0])
check(resources[0]["NonCompliantSummary"]["SeveritySummary"]["CriticalCount"] == 1, "critical count")
check(all(r["Status"] == "COMPLIANT" for r in resources[1:]), "nodes 1 and 2 compliant")

summary = ssm.list_compliance_summaries()["ComplianceSummaryItems"]
check(len(summary) == 1 and summary[0]["ComplianceType"] == "Patch", "summaries %s" % summary)
check(summary[0]["CompliantSummary"]["CompliantCount"] == 2, "compliant count")
check(summary[0]["NonCompliantSummary"]["NonCompliantCount"] == 1, "non-compliant count")

# Inventory of the same nodes, through the get_inventory paginator.
for n, node in enumerate(nodes):
    ssm.put_inventory(InstanceId=node, Items=[{
        "TypeName": "AWS:InstanceInformation", "SchemaVersion": "1.0", "CaptureTime": "2024-05-01T10:00:00Z",
        "Content": [{"InstanceId": node, "PlatformType": "Linux" if n else "Windows", "AgentVersion": "3.3.40.0",
                     "InstanceStatus": "Active"}],
    }])
entities = []
for page in ssm.get_paginator("get_inventory").paginate(PaginationConfig={"PageSize": 2}):
    entities.extend(page["Entities"])
check([e["Id"] for e in entities] == nodes, "inventory %s" % entities)
linux = ssm.get_inventory(Filters=[{"Key": "AWS:InstanceInformation.PlatformType", "Values": ["Linux"], "Type": "Equal"}])
check([e["Id"] for e in linux["Entities"]] == nodes[1:], "Linux nodes")
infos = []
for page in ssm.get_paginator("describe_instance_information").paginate(PaginationConfig={"PageSize": 5}):
    infos.extend(page["InstanceInformationList"])
check([i["InstanceId"] for i in infos] == nodes and infos[0]["PingStatus"] == "Online", "instance information %s" % infos)
try:
    ssm.put_inventory(InstanceId=nodes[0], Items=[{"TypeName": "AWS:Bogus", "SchemaVersion": "1.0",
                                                   "CaptureTime": "2024-05-01T10:00:00Z", "Content": []}])
    sys.exit("an unknown AWS: type was accepted")
except ssm.exceptions.InvalidTypeNameException:
    pass

# Data is per account and per region.
for other in (client(OTHER), client(ACCOUNT, "eu-west-1")):
    check(other.describe_ops_items()["OpsItemSummaries"] == [], "ops items leak")
    check(other.list_resource_compliance_summaries()["ResourceComplianceSummaryItems"] == [], "compliance leaks")
    check(other.get_inventory()["Entities"] == [], "inventory leaks")

print("ok")
