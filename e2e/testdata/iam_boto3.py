"""Drives orgstack's IAM users, access keys and policies with boto3.

Run by e2e/iam_identities_test.go with AWS_ENDPOINT_URL pointing at a
fresh server. Exits non-zero with a message on the first failed check;
prints "ok" when every check holds.
"""
import json
import sys

import boto3
import botocore.exceptions

ACCOUNT = "666666666666"

iam = boto3.client(
    "iam",
    aws_access_key_id=ACCOUNT,
    aws_secret_access_key="orgstack-test-secret",
    region_name="us-east-1",
)


def check(cond, what):
    if not cond:
        sys.exit("check failed: " + what)


def expect_error(fn, code, message=None, **kwargs):
    try:
        fn(**kwargs)
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        check(got == code, "want %s, got %s: %s" % (code, got, e))
        if message is not None:
            check(e.response["Error"]["Message"] == message, "message %r" % e.response["Error"]["Message"])
        return e
    sys.exit("expected %s, got success" % code)


def doc(*actions):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    })


# Users, listed through the paginator a page of two at a time.
names = ["user%02d" % i for i in range(7)]
for n in names:
    user = iam.create_user(UserName=n, Path="/py/")["User"]
    check(user["Arn"] == "arn:aws:iam::%s:user/py/%s" % (ACCOUNT, n), "arn %s" % user["Arn"])
expect_error(iam.create_user, "EntityAlreadyExists", "User with name user00 already exists.", UserName="user00")
pages = list(iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 2}))
check(len(pages) == 4, "list_users pages: %d" % len(pages))
listed = [u["UserName"] for p in pages for u in p["Users"]]
check(listed == names, "listed users %r" % listed)
check(iam.get_user()["User"]["Arn"] == "arn:aws:iam::%s:root" % ACCOUNT, "get_user as root")

# Access keys: two per user.
keys = [iam.create_access_key(UserName="user00")["AccessKey"] for _ in range(2)]
check(all(k["AccessKeyId"].startswith("AKIA") and len(k["SecretAccessKey"]) == 40 for k in keys), "keys %r" % keys)
expect_error(iam.create_access_key, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", UserName="user00")
iam.update_access_key(UserName="user00", AccessKeyId=keys[0]["AccessKeyId"], Status="Inactive")
statuses = {m["AccessKeyId"]: m["Status"] for m in iam.list_access_keys(UserName="user00")["AccessKeyMetadata"]}
check(statuses[keys[0]["AccessKeyId"]] == "Inactive", "statuses %r" % statuses)

# Inline policy documents come back as dicts (botocore decodes them).
iam.put_user_policy(UserName="user01", PolicyName="s3", PolicyDocument=doc("s3:GetObject"))
got = iam.get_user_policy(UserName="user01", PolicyName="s3")["PolicyDocument"]
check(isinstance(got, dict), "get_user_policy document is %s" % type(got))
check(got["Statement"][0]["Action"] == ["s3:GetObject"], "inline document %r" % got)
expect_error(iam.get_user_policy, "NoSuchEntity", "The user policy with name nope cannot be found.",
             UserName="user01", PolicyName="nope")

# Managed policies and their versions.
arns = []
for i in range(5):
    p = iam.create_policy(PolicyName="Py%d" % i, PolicyDocument=doc("sqs:SendMessage", "sqs:Get*"))["Policy"]
    check(p["DefaultVersionId"] == "v1" and p["AttachmentCount"] == 0, "policy %r" % p)
    arns.append(p["Arn"])
v1 = iam.get_policy_version(PolicyArn=arns[0], VersionId="v1")["PolicyVersion"]
check(isinstance(v1["Document"], dict), "get_policy_version document is %s" % type(v1["Document"]))
check(v1["Document"]["Statement"][0]["Action"] == ["sqs:SendMessage", "sqs:Get*"], "version document %r" % v1["Document"])
check(v1["IsDefaultVersion"] is True, "v1 not default")
aws_ro = iam.get_policy_version(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess", VersionId="v1")["PolicyVersion"]
check(isinstance(aws_ro["Document"], dict) and aws_ro["Document"]["Version"] == "2012-10-17", "ReadOnlyAccess %r" % aws_ro)

v2 = iam.create_policy_version(PolicyArn=arns[0], PolicyDocument=doc("sqs:*"), SetAsDefault=True)["PolicyVersion"]
check(v2["VersionId"] == "v2" and v2["IsDefaultVersion"], "v2 %r" % v2)
expect_error(iam.delete_policy_version, "DeleteConflict", "Cannot delete the default version of a policy.",
             PolicyArn=arns[0], VersionId="v2")
expect_error(iam.create_policy, "MalformedPolicyDocument", "Policy document must be version 2012-10-17 or greater.",
             PolicyName="NoVersion",
             PolicyDocument=json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))

iam.attach_user_policy(UserName="user02", PolicyArn=arns[1])
check(iam.get_policy(PolicyArn=arns[1])["Policy"]["AttachmentCount"] == 1, "attachment count")
expect_error(iam.delete_policy, "DeleteConflict", "Cannot delete a policy attached to entities.", PolicyArn=arns[1])

# The list_policies paginator walks local and AWS-managed policies.
local = [p["PolicyName"] for page in iam.get_paginator("list_policies").paginate(
    Scope="Local", PaginationConfig={"PageSize": 2}) for p in page["Policies"]]
check(sorted(local) == ["Py%d" % i for i in range(5)], "local policies %r" % local)
attached = [p["PolicyName"] for page in iam.get_paginator("list_policies").paginate(OnlyAttached=True)
            for p in page["Policies"]]
check(attached == ["Py1"], "attached policies %r" % attached)
everything = [p for page in iam.get_paginator("list_policies").paginate(PaginationConfig={"PageSize": 3})
              for p in page["Policies"]]
check(len(everything) > 5, "all policies: %d" % len(everything))

print("ok")
