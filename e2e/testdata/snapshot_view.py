"""Prints, as JSON, what boto3 sees of an organization: everything a
snapshot must restore. Run by e2e/snapshot_test.go with AWS_ENDPOINT_URL
pointing at a server and the management account's id as the access key;
the test compares the output before export and after import.
"""
import json
import os

import boto3


def client(service, account):
    return boto3.client(
        service,
        aws_access_key_id=account,
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )


def pages(c, op, key, **kwargs):
    out = []
    for page in c.get_paginator(op).paginate(**kwargs):
        out.extend(page[key])
    return out


mgmt = os.environ["AWS_ACCESS_KEY_ID"]
org = client("organizations", mgmt)
view = {"organization": org.describe_organization()["Organization"]}
roots = pages(org, "list_roots", "Roots")
view["roots"] = roots
accounts = sorted(pages(org, "list_accounts", "Accounts"), key=lambda a: a["Id"])
view["accounts"] = accounts
view["parents"] = {a["Id"]: org.list_parents(ChildId=a["Id"])["Parents"] for a in accounts}

ous = {}
todo = [r["Id"] for r in roots]
while todo:
    parent = todo.pop()
    for ou in pages(org, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent):
        ous[ou["Id"]] = {"ou": ou, "parent": parent,
                         "accounts": sorted(a["Id"] for a in pages(org, "list_accounts_for_parent", "Accounts", ParentId=ou["Id"]))}
        todo.append(ou["Id"])
view["ous"] = ous

policies = {}
for p in pages(org, "list_policies", "Policies", Filter="SERVICE_CONTROL_POLICY"):
    policies[p["Id"]] = {
        "policy": org.describe_policy(PolicyId=p["Id"])["Policy"],
        "targets": sorted((t["TargetId"] for t in pages(org, "list_targets_for_policy", "Targets", PolicyId=p["Id"]))),
    }
view["policies"] = policies
view["serviceAccess"] = sorted(pages(org, "list_aws_service_access_for_organization", "EnabledServicePrincipals"),
                               key=lambda s: s["ServicePrincipal"])
admins = pages(org, "list_delegated_administrators", "DelegatedAdministrators")
view["delegatedAdministrators"] = {
    a["Id"]: sorted(pages(org, "list_delegated_services_for_account", "DelegatedServices", AccountId=a["Id"]),
                    key=lambda s: s["ServicePrincipal"])
    for a in admins
}

roles = {}
for a in accounts:
    iam = client("iam", a["Id"])
    roles[a["Id"]] = sorted(
        ({k: r.get(k) for k in ("RoleName", "RoleId", "Arn", "Path", "CreateDate", "AssumeRolePolicyDocument")}
         for r in pages(iam, "list_roles", "Roles")),
        key=lambda r: r["RoleName"])
view["roles"] = roles
print(json.dumps(view, default=str, sort_keys=True, indent=1))
