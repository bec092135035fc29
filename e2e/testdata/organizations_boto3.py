"""Drives orgstack's Organizations, IAM and STS with boto3.

Run by e2e/boto3_test.go with AWS_ENDPOINT_URL pointing at a fresh server.
Exits non-zero with a message on the first failed check.
"""
import sys
import time

import boto3
import botocore.exceptions

MGMT = "111111111111"
STANDALONE = "999999999999"


def client(service, account):
    return boto3.client(
        service,
        aws_access_key_id=account,
        aws_secret_access_key="orgstack-test-secret",
        region_name="us-east-1",
    )


def check(cond, what):
    if not cond:
        sys.exit("check failed: " + what)


def expect_error(fn, code, reason=None, **kwargs):
    try:
        fn(**kwargs)
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        check(got == code, "want %s, got %s: %s" % (code, got, e))
        if reason is not None:
            check(e.response.get("Reason") == reason, "want reason %s, got %r" % (reason, e.response.get("Reason")))
        check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, "status %s" % e.response["ResponseMetadata"]["HTTPStatusCode"])
        check(e.response["ResponseMetadata"].get("RequestId"), "no request id")
        return e
    sys.exit("expected %s, got success" % code)


orgs = client("organizations", MGMT)
alone = client("organizations", STANDALONE)

# Modeled exceptions are raised as their own classes.
try:
    alone.describe_organization()
    sys.exit("standalone account described an organization")
except alone.exceptions.AWSOrganizationsNotInUseException as e:
    check("not a member of an organization" in str(e), str(e))

org = orgs.create_organization(FeatureSet="ALL")["Organization"]
check(org["Id"].startswith("o-"), "org id")
check(org["MasterAccountId"] == MGMT, "master account")
expect_error(orgs.create_organization, "AlreadyInOrganizationException")

ids = []
for i in range(7):
    st = orgs.create_account(Email="b%d@example.com" % i, AccountName="boto%d" % i)["CreateAccountStatus"]
    check(st["State"] == "IN_PROGRESS", "initial state")
    for _ in range(200):
        st = orgs.describe_create_account_status(CreateAccountRequestId=st["Id"])["CreateAccountStatus"]
        if st["State"] != "IN_PROGRESS":
            break
        time.sleep(0.02)
    check(st["State"] == "SUCCEEDED", "create_account: %r" % st)
    check(hasattr(st["CompletedTimestamp"], "year"), "timestamps parse as datetimes")
    ids.append(st["AccountId"])

# The paginator follows NextToken across pages.
pages = list(orgs.get_paginator("list_accounts").paginate(PaginationConfig={"PageSize": 3}))
check(len(pages) == 3, "pages: %d" % len(pages))
listed = [a["Id"] for p in pages for a in p["Accounts"]]
check(sorted(listed) == sorted(ids + [MGMT]), "listed %r" % listed)

root = orgs.list_roots()["Roots"][0]["Id"]
expect_error(orgs.list_accounts, "InvalidInputException", "INVALID_NEXT_TOKEN", NextToken="nope")
expect_error(orgs.describe_account, "InvalidInputException", "INVALID_PATTERN", AccountId="abc")
expect_error(orgs.list_accounts, "InvalidInputException", "MAX_VALUE_EXCEEDED", MaxResults=100)
expect_error(orgs.create_organizational_unit, "InvalidInputException", "MAX_LENGTH_EXCEEDED", ParentId=root, Name="x" * 200)
expect_error(orgs.list_children, "InvalidInputException", "INVALID_ENUM", ParentId=root, ChildType="GROUP")
e = expect_error(orgs.close_account, "ConstraintViolationException", "CANNOT_CLOSE_MANAGEMENT_ACCOUNT", AccountId=MGMT)

member = client("organizations", ids[0])
try:
    member.list_accounts()
    sys.exit("a member listed the organization's accounts")
except member.exceptions.AccessDeniedException as e:
    check(str(e).endswith("You don't have permissions to access this resource."), str(e))
check(member.describe_organization()["Organization"]["Id"] == org["Id"], "member describe")

# IAM: botocore decodes the URL-encoded policy document into a dict.
iam = client("iam", ids[0])
role = iam.get_role(RoleName="OrganizationAccountAccessRole")["Role"]
doc = role["AssumeRolePolicyDocument"]
check(isinstance(doc, dict), "policy document type %s" % type(doc))
check(doc["Statement"][0]["Principal"]["AWS"] == "arn:aws:iam::%s:root" % MGMT, "trust %r" % doc)
check(hasattr(role["CreateDate"], "year"), "CreateDate parses")
try:
    iam.get_role(RoleName="nope")
    sys.exit("missing role found")
except iam.exceptions.NoSuchEntityException as e:
    check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 404, "NoSuchEntity status")
names = [r["RoleName"] for p in iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 1}) for r in p["Roles"]]
check(names == ["AWSServiceRoleForOrganizations", "OrganizationAccountAccessRole"], "roles %r" % names)

ident = client("sts", ids[1]).get_caller_identity()
check(ident["Account"] == ids[1] and ident["Arn"] == "arn:aws:iam::%s:root" % ids[1], "identity %r" % ident)
default = boto3.client("sts", aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1").get_caller_identity()
check(default["Account"] == "123456789012", "default account %r" % default)

print("ok")
