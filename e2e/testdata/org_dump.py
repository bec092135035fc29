"""Prints an organization as JSON, read with boto3 as its management account.

Run by e2e/seed_test.go with AWS_ENDPOINT_URL and the management account's
credentials in the environment. The IAM users and roles of the member
accounts named as arguments are read through OrganizationAccountAccessRole,
as an administrator would.
"""
import json
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3

org = boto3.client("organizations")
sts = boto3.client("sts")


def pages(method, key, **kwargs):
    out = []
    for page in org.get_paginator(method).paginate(**kwargs):
        out.extend(page[key])
    return out


def tags(resource):
    return {t["Key"]: t["Value"] for t in pages("list_tags_for_resource", "Tags", ResourceId=resource)}


root = org.list_roots()["Roots"][0]
types = sorted(t["Type"] for t in root["PolicyTypes"] if t["Status"] == "ENABLED")


def policies(target):
    names = []
    for t in types:
        names += [p["Name"] for p in pages("list_policies_for_target", "Policies", TargetId=target, Filter=t)]
    return sorted(names)


accounts = {a["Id"]: a for a in pages("list_accounts", "Accounts")}
names = {i: a["Name"] for i, a in accounts.items()}
dump = {
    "organization": org.describe_organization()["Organization"]["FeatureSet"],
    "policy_types": types,
    "root_policies": policies(root["Id"]),
    "root_accounts": sorted(a["Name"] for a in pages("list_accounts_for_parent", "Accounts", ParentId=root["Id"])),
    "ous": {},
    "accounts": {},
}


def walk(parent, path):
    for ou in pages("list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent):
        p = path + ou["Name"]
        dump["ous"][p] = {
            "policies": policies(ou["Id"]),
            "tags": tags(ou["Id"]),
            "accounts": sorted(a["Name"] for a in pages("list_accounts_for_parent", "Accounts", ParentId=ou["Id"])),
        }
        walk(ou["Id"], p + "/")


walk(root["Id"], "")
pool = ThreadPoolExecutor(8)
for i, a, t, p in pool.map(lambda ia: (ia[0], ia[1], tags(ia[0]), policies(ia[0])), accounts.items()):
    dump["accounts"][a["Name"]] = {"email": a["Email"], "tags": t, "policies": p}
dump["trusted_services"] = sorted(s["ServicePrincipal"] for s in pages("list_aws_service_access_for_organization", "EnabledServicePrincipals"))
dump["delegated_administrators"] = {}
for d in pages("list_delegated_administrators", "DelegatedAdministrators"):
    for s in pages("list_delegated_services_for_account", "DelegatedServices", AccountId=d["Id"]):
        dump["delegated_administrators"].setdefault(s["ServicePrincipal"], []).append(d["Name"])
for v in dump["delegated_administrators"].values():
    v.sort()


def iam_of(client):
    users = {u["UserName"]: {
        "path": u["Path"],
        "managed": sorted(p["PolicyArn"] for p in client.list_attached_user_policies(UserName=u["UserName"])["AttachedPolicies"]),
        "inline": sorted(client.list_user_policies(UserName=u["UserName"])["PolicyNames"]),
    } for u in client.list_users()["Users"]}
    roles = {r["RoleName"]: {
        "managed": sorted(p["PolicyArn"] for p in client.list_attached_role_policies(RoleName=r["RoleName"])["AttachedPolicies"]),
    } for r in client.list_roles()["Roles"] if not r["Path"].startswith("/aws-service-role/") and r["RoleName"] != "OrganizationAccountAccessRole"}
    return {"users": users, "roles": roles}


dump["iam"] = {"management": iam_of(boto3.client("iam"))}
mgmt = sts.get_caller_identity()["Account"]
def member_iam(i):
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{i}:role/OrganizationAccountAccessRole", RoleSessionName="check")["Credentials"]
    return iam_of(boto3.client("iam", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"]))


# The member accounts whose IAM to read are named on the command line.
for i, name in names.items():
    if i != mgmt and name in sys.argv[1:]:
        dump["iam"][name] = member_iam(i)
print(json.dumps(dump, indent=1, sort_keys=True))
