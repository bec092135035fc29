package console

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/url"
	"strings"

	"github.com/orgstack/orgstack"
)

const policiesPath = "/organizations/policies"

func (c *Console) policyRoutes() {
	c.handle("GET /organizations/policies", c.page(c.policiesPage))
	c.handle("GET /organizations/policies/{id}", c.page(c.policyPage))
	c.handle("POST /organizations/policies", c.action(c.createPolicy))
	c.handle("POST /organizations/policies/{id}/update", c.action(c.updatePolicy))
	c.handle("POST /organizations/policies/{id}/delete", c.action(c.deletePolicy))
	c.handle("POST /organizations/policies/{id}/attach", c.action(c.attachPolicy))
	c.handle("POST /organizations/policies/{id}/detach", c.action(c.detachPolicy))
	c.handle("POST /organizations/policy-types/{type}/enable", c.action(c.enablePolicyType))
	c.handle("POST /organizations/policy-types/{type}/disable", c.action(c.disablePolicyType))
}

// policyType is one type of organization policy the console manages.
type policyType struct {
	Type, Name, Short, About string
	// One names one policy of the type.
	One string
	// Sample is the content the create form starts with.
	Sample string
}

var policyTypes = []policyType{
	{Type: "SERVICE_CONTROL_POLICY", One: "Service control policy", Name: "Service control policies", Short: "SCPs",
		About:  "Service control policies set the maximum permissions of the IAM users and roles in your member accounts. They never restrict the management account.",
		Sample: "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Sid\": \"DenyLeavingTheOrganization\",\n      \"Effect\": \"Deny\",\n      \"Action\": \"organizations:LeaveOrganization\",\n      \"Resource\": \"*\"\n    }\n  ]\n}"},
	{Type: "RESOURCE_CONTROL_POLICY", One: "Resource control policy", Name: "Resource control policies", Short: "RCPs",
		About:  "Resource control policies set the maximum permissions on the resources in your member accounts, whoever requests them.",
		Sample: "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Sid\": \"EnforceSecureTransport\",\n      \"Effect\": \"Deny\",\n      \"Principal\": \"*\",\n      \"Action\": \"s3:*\",\n      \"Resource\": \"*\",\n      \"Condition\": {\n        \"BoolIfExists\": {\n          \"aws:SecureTransport\": \"false\"\n        }\n      }\n    }\n  ]\n}"},
	{Type: "TAG_POLICY", One: "Tag policy", Name: "Tag policies", Short: "Tag policies",
		About:  "Tag policies standardize the tags of the resources in your organization's accounts.",
		Sample: "{\n  \"tags\": {\n    \"costcenter\": {\n      \"tag_key\": {\n        \"@@assign\": \"CostCenter\"\n      }\n    }\n  }\n}"},
	{Type: "BACKUP_POLICY", One: "Backup policy", Name: "Backup policies", Short: "Backup policies",
		About:  "Backup policies deploy AWS Backup plans to your organization's accounts.",
		Sample: "{\n  \"plans\": {\n    \"daily\": {\n      \"regions\": {\n        \"@@assign\": [\"us-east-1\"]\n      },\n      \"rules\": {\n        \"daily\": {\n          \"schedule_expression\": {\n            \"@@assign\": \"cron(0 5 ? * * *)\"\n          },\n          \"target_backup_vault_name\": {\n            \"@@assign\": \"Default\"\n          }\n        }\n      }\n    }\n  }\n}"},
	{Type: "AISERVICES_OPT_OUT_POLICY", One: "AI services opt-out policy", Name: "AI services opt-out policies", Short: "AI opt-out policies",
		About:  "AI services opt-out policies control whether AWS AI services may store and use your content.",
		Sample: "{\n  \"services\": {\n    \"default\": {\n      \"opt_out_policy\": {\n        \"@@assign\": \"optOut\"\n      }\n    }\n  }\n}"},
}

// policyTypeOf returns the policy type named typ (the first when it names
// none).
func policyTypeOf(typ string) policyType {
	for _, t := range policyTypes {
		if t.Type == typ {
			return t
		}
	}
	return policyTypes[0]
}

// policyTab is a policy type as the page's tabs show it.
type policyTab struct {
	policyType
	Active  bool
	Enabled bool
}

// policyRow is one policy and its targets.
type policyRow struct {
	Policy       map[string]any
	Targets      []any
	TargetsError *orgstack.Error
}

// policiesData is the page of the policies of one type.
type policiesData struct {
	Tabs       []policyTab
	Type       policyType
	RootID     string
	Enabled    bool
	Status     string
	FeatureSet string
	Policies   []policyRow
}

// rootPolicyTypes reads the root and the status of each policy type on it.
func (q *req) rootPolicyTypes() (string, map[string]string, error) {
	roots, err := q.callAll("organizations", "ListRoots", nil, "Roots")
	if err != nil || len(roots) == 0 {
		return "", nil, err
	}
	status := map[string]string{}
	types, _ := get(roots[0], "PolicyTypes").([]any)
	for _, t := range types {
		status[toString(get(t, "Type"))] = toString(get(t, "Status"))
	}
	return toString(get(roots[0], "Id")), status, nil
}

// policiesPage lists the policies of one type with their targets.
func (c *Console) policiesPage(q *req) (string, *view) {
	typ := policyTypeOf(q.r.URL.Query().Get("type"))
	v := &view{Title: typ.Name, Section: "policies"}
	d := &policiesData{Type: typ}
	v.Data = d
	org, err := q.call("organizations", "DescribeOrganization", nil)
	if !q.try(v, err) {
		return "policies", v
	}
	d.FeatureSet = toString(get(org, "Organization", "FeatureSet"))
	root, status, err := q.rootPolicyTypes()
	if !q.try(v, err) {
		return "policies", v
	}
	d.RootID, d.Status = root, status[typ.Type]
	d.Enabled = d.Status == "ENABLED"
	for _, t := range policyTypes {
		d.Tabs = append(d.Tabs, policyTab{policyType: t, Active: t.Type == typ.Type, Enabled: status[t.Type] == "ENABLED"})
	}
	policies, err := q.callAll("organizations", "ListPolicies", map[string]any{"Filter": typ.Type}, "Policies")
	if !q.try(v, err) {
		return "policies", v
	}
	byName(policies)
	for _, p := range policies {
		m, _ := p.(map[string]any)
		row := policyRow{Policy: m}
		targets, err := q.callAll("organizations", "ListTargetsForPolicy", map[string]any{"PolicyId": get(m, "Id")}, "Targets")
		if err != nil {
			row.TargetsError = q.c.apiError(err)
		}
		byTarget(targets)
		row.Targets = targets
		d.Policies = append(d.Policies, row)
	}
	return "policies", v
}

// byTarget sorts policy targets: the root, then OUs, then accounts, each
// by name.
func byTarget(targets []any) {
	byName(targets)
	rank := map[string]int{"ROOT": 0, "ORGANIZATIONAL_UNIT": 1, "ACCOUNT": 2}
	for i := 1; i < len(targets); i++ {
		for j := i; j > 0 && rank[toString(get(targets[j], "Type"))] < rank[toString(get(targets[j-1], "Type"))]; j-- {
			targets[j], targets[j-1] = targets[j-1], targets[j]
		}
	}
}

// policyData is the page of one policy.
type policyData struct {
	Policy  map[string]any
	Type    policyType
	Content string
	Targets []any
	// Options are the roots, OUs and accounts the policy may be attached
	// to (those it isn't attached to).
	Options      []treeNode
	OptionsError *orgstack.Error
	AWSManaged   bool
}

func (c *Console) policyPage(q *req) (string, *view) {
	id := q.r.PathValue("id")
	v := &view{Title: "Policy " + id, Section: "policies"}
	d := &policyData{}
	v.Data = d
	out, err := q.call("organizations", "DescribePolicy", map[string]any{"PolicyId": id})
	if !q.try(v, err) {
		return "policies_policy", v
	}
	d.Policy, _ = out["Policy"].(map[string]any)
	summary := get(d.Policy, "PolicySummary")
	v.Title = toString(get(summary, "Name"))
	d.Type = policyTypeOf(toString(get(summary, "Type")))
	d.AWSManaged = get(summary, "AwsManaged") == true
	d.Content = prettyJSON(toString(get(d.Policy, "Content")))
	targets, err := q.callAll("organizations", "ListTargetsForPolicy", map[string]any{"PolicyId": id}, "Targets")
	if !q.try(v, err) {
		return "policies_policy", v
	}
	byTarget(targets)
	d.Targets = targets
	attached := map[string]bool{}
	for _, t := range targets {
		attached[toString(get(t, "TargetId"))] = true
	}
	tree, err := q.orgTree()
	if err != nil {
		d.OptionsError = q.c.apiError(err)
		return "policies_policy", v
	}
	for _, n := range tree.Nodes {
		if !attached[n.ID] {
			d.Options = append(d.Options, n)
		}
	}
	return "policies_policy", v
}

// prettyJSON indents a JSON document, or returns it as it is when it
// isn't one.
func prettyJSON(s string) string {
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(s), "", "  "); err != nil {
		return s
	}
	return b.String()
}

func policyURL(id string) string { return policiesPath + "/" + url.PathEscape(id) }

func policiesURL(typ string) string { return policiesPath + "?type=" + url.QueryEscape(typ) }

func (c *Console) createPolicy(q *req) string {
	typ := q.r.PostFormValue("type")
	name := strings.TrimSpace(q.r.PostFormValue("name"))
	in := map[string]any{"Type": typ, "Name": name, "Content": q.r.PostFormValue("content"),
		"Description": strings.TrimSpace(q.r.PostFormValue("description"))}
	out, err := q.call("organizations", "CreatePolicy", in)
	q.done(err, "Policy created", "Policy "+name+" was created. Attach it to the root, an OU or an account for it to take effect.")
	if err != nil {
		return policiesURL(typ)
	}
	return policyURL(toString(get(out, "Policy", "PolicySummary", "Id")))
}

func (c *Console) updatePolicy(q *req) string {
	id := q.r.PathValue("id")
	in := map[string]any{"PolicyId": id, "Name": strings.TrimSpace(q.r.PostFormValue("name")), "Content": q.r.PostFormValue("content"),
		"Description": strings.TrimSpace(q.r.PostFormValue("description"))}
	_, err := q.call("organizations", "UpdatePolicy", in)
	q.done(err, "Policy saved", "Policy "+id+" was updated.")
	return policyURL(id)
}

func (c *Console) deletePolicy(q *req) string {
	id := q.r.PathValue("id")
	if strings.TrimSpace(q.r.PostFormValue("confirm")) != "delete" {
		q.s.addFlash(flash{Kind: "error", Title: "Policy not deleted", Message: "To confirm, enter delete in the box."})
		return policyURL(id)
	}
	_, err := q.call("organizations", "DeletePolicy", map[string]any{"PolicyId": id})
	q.done(err, "Policy deleted", "Policy "+id+" was deleted.")
	if err != nil {
		return policyURL(id)
	}
	return policiesURL(q.r.PostFormValue("type"))
}

func (c *Console) attachPolicy(q *req) string {
	id := q.r.PathValue("id")
	target := q.r.PostFormValue("target")
	_, err := q.call("organizations", "AttachPolicy", map[string]any{"PolicyId": id, "TargetId": target})
	q.done(err, "Policy attached", "Policy "+id+" is attached to "+target+".")
	return q.back(policyURL(id))
}

func (c *Console) detachPolicy(q *req) string {
	id := q.r.PathValue("id")
	target := q.r.PostFormValue("target")
	_, err := q.call("organizations", "DetachPolicy", map[string]any{"PolicyId": id, "TargetId": target})
	q.done(err, "Policy detached", "Policy "+id+" is no longer attached to "+target+".")
	return q.back(policyURL(id))
}

func (c *Console) enablePolicyType(q *req) string {
	typ := policyTypeOf(q.r.PathValue("type"))
	_, err := q.call("organizations", "EnablePolicyType", map[string]any{"RootId": q.r.PostFormValue("root"), "PolicyType": q.r.PathValue("type")})
	q.done(err, typ.Name+" enabled", "You can now attach "+strings.ToLower(typ.Name)+" to the root, OUs and accounts.")
	return policiesURL(typ.Type)
}

// disablePolicyType disables a policy type on the root, which detaches
// every policy of the type; the typed word confirms it.
func (c *Console) disablePolicyType(q *req) string {
	typ := policyTypeOf(q.r.PathValue("type"))
	if strings.TrimSpace(q.r.PostFormValue("confirm")) != "disable" {
		q.s.addFlash(flash{Kind: "error", Title: typ.Name + " not disabled", Message: "To confirm, enter disable in the box."})
		return policiesURL(typ.Type)
	}
	_, err := q.call("organizations", "DisablePolicyType", map[string]any{"RootId": q.r.PostFormValue("root"), "PolicyType": q.r.PathValue("type")})
	q.done(err, typ.Name+" disabled", "Every "+strings.ToLower(typ.One)+" was detached from the root, OUs and accounts.")
	return policiesURL(typ.Type)
}

func init() {
	areaFuncs = append(areaFuncs, template.FuncMap{
		// indent indents an option of a select by depth (non-breaking
		// spaces, which options keep).
		"indent": func(depth int) string { return strings.Repeat("\u00a0\u00a0\u00a0", depth) },
	})
}
