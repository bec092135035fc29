package console

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
)

func (c *Console) changeManagerRoutes() {
	c.handle("GET /systems-manager/change-manager", c.page(c.changeRequestsPage))
	c.handle("GET /systems-manager/change-manager/requests/{id}", c.page(c.changeRequestPage))
	c.handle("POST /systems-manager/change-manager/requests/{id}/approve", c.action(c.signalChange("Approve")))
	c.handle("POST /systems-manager/change-manager/requests/{id}/reject", c.action(c.signalChange("Reject")))
}

// changeRow is one change request in the list.
type changeRow struct {
	ID          string
	Name        string
	Template    string
	Version     string
	Runbook     string
	Status      smStatus
	RequestedBy string
	Started     any
	Ended       any
	Scheduled   any
	OpsItem     string
	Pending     bool
}

// changeFilter is a tab of the list: a group of statuses.
type changeFilter struct {
	Key   string
	Label string
	Count int
}

// changeRequestsData is the Change Manager page.
type changeRequestsData struct {
	Region   string
	Filter   string
	Filters  []changeFilter
	Requests []changeRow
	All      int
}

// changeGroup puts an automation status in a tab of the list.
func changeGroup(status string) string {
	switch status {
	case "PendingApproval", "PendingChangeCalendarOverride":
		return "pending"
	case "Approved", "Scheduled", "InProgress", "Pending", "Waiting", "RunbookInProgress", "Exiting":
		return "progress"
	case "Success", "CompletedWithSuccess":
		return "success"
	}
	return "closed"
}

func changeRowOf(m any) changeRow {
	r := changeRow{
		ID: toString(get(m, "AutomationExecutionId")), Name: toString(get(m, "ChangeRequestName")),
		Template: toString(get(m, "DocumentName")), Version: toString(get(m, "DocumentVersion")),
		Status:      smStatusOf(toString(get(m, "AutomationExecutionStatus"))),
		RequestedBy: toString(get(m, "ExecutedBy")), Started: get(m, "ExecutionStartTime"), Ended: get(m, "ExecutionEndTime"),
		Scheduled: get(m, "ScheduledTime"), OpsItem: toString(get(m, "OpsItemId")),
	}
	if rbs, ok := get(m, "Runbooks").([]any); ok && len(rbs) > 0 {
		r.Runbook = toString(get(rbs[0], "DocumentName"))
	}
	if r.Name == "" {
		r.Name = r.Template
	}
	r.Pending = r.Status.Value == "PendingApproval"
	return r
}

// changeRequestsPage lists the change requests of the caller's account in
// the session's region (DescribeAutomationExecutions filtered on the
// ChangeRequest subtype), newest first, with Approve and Reject on those
// that wait for approval.
func (c *Console) changeRequestsPage(q *req) (string, *view) {
	v := &view{Title: "Change Manager", Section: "change-manager"}
	d := &changeRequestsData{Region: q.s.Region, Filter: q.r.URL.Query().Get("status")}
	v.Data = d
	d.Filters = []changeFilter{{Key: "", Label: "All"}, {Key: "pending", Label: "Pending approval"}, {Key: "progress", Label: "In progress"},
		{Key: "success", Label: "Succeeded"}, {Key: "closed", Label: "Rejected, failed or cancelled"}}
	list, err := q.callAll("ssm", "DescribeAutomationExecutions", map[string]any{
		"Filters": []any{map[string]any{"Key": "AutomationSubtype", "Values": []any{"ChangeRequest"}}},
	}, "AutomationExecutionMetadataList")
	if !q.try(v, err) {
		return "sm-changes", v
	}
	d.All = len(list)
	for _, m := range list {
		r := changeRowOf(m)
		g := changeGroup(r.Status.Value)
		for i := range d.Filters {
			if d.Filters[i].Key == "" || d.Filters[i].Key == g {
				d.Filters[i].Count++
			}
		}
		if d.Filter == "" || d.Filter == g {
			d.Requests = append(d.Requests, r)
		}
	}
	return "sm-changes", v
}

// changeStep is one step execution of a change request's runbook.
type changeStep struct {
	Name    string
	Action  string
	Status  smStatus
	Account string
	Region  string
	Started any
	Ended   any
	Failure string
}

// changeRequestData is one change request's page.
type changeRequestData struct {
	Request    changeRow
	Execution  map[string]any
	OpsItem    map[string]any
	OpsItemErr any
	Parameters []changeParam
	Targets    []changeTarget
	Steps      []changeStep
	Done       int
	Total      int
}

type changeParam struct {
	Name   string
	Values []string
}

type changeTarget struct {
	Accounts []string
	Regions  []string
}

// changeRequestPage shows a change request (GetAutomationExecution) and
// its /aws/changerequest OpsItem (GetOpsItem): what it runs, where, its
// approval and its steps.
func (c *Console) changeRequestPage(q *req) (string, *view) {
	id := q.r.PathValue("id")
	v := &view{Title: "Change request", Section: "change-manager"}
	d := &changeRequestData{}
	v.Data = d
	out, err := q.call("ssm", "GetAutomationExecution", map[string]any{"AutomationExecutionId": id})
	if !q.try(v, err) {
		return "sm-change", v
	}
	e, _ := out["AutomationExecution"].(map[string]any)
	if toString(get(e, "AutomationSubtype")) != "ChangeRequest" {
		c.errorPage(q.w, q.r, http.StatusNotFound, "The automation execution "+id+" isn't a change request.")
		return "", nil
	}
	d.Execution = e
	d.Request = changeRowOf(e)
	v.Title = d.Request.Name
	if params, ok := get(e, "Parameters").(map[string]any); ok {
		for _, k := range sortedKeys(params) {
			p := changeParam{Name: k}
			if l, ok := params[k].([]any); ok {
				for _, x := range l {
					p.Values = append(p.Values, toString(x))
				}
			}
			d.Parameters = append(d.Parameters, p)
		}
	}
	var locs []any
	if rbs, ok := get(e, "Runbooks").([]any); ok && len(rbs) > 0 {
		locs, _ = get(rbs[0], "TargetLocations").([]any)
	}
	if len(locs) == 0 {
		locs, _ = get(e, "TargetLocations").([]any)
	}
	for _, l := range locs {
		t := changeTarget{}
		for _, a := range asList(get(l, "Accounts")) {
			t.Accounts = append(t.Accounts, toString(a))
		}
		for _, r := range asList(get(l, "Regions")) {
			t.Regions = append(t.Regions, toString(r))
		}
		d.Targets = append(d.Targets, t)
	}
	for _, s := range asList(get(e, "StepExecutions")) {
		st := changeStep{Name: toString(get(s, "StepName")), Action: toString(get(s, "Action")),
			Status: smStatusOf(toString(get(s, "StepStatus"))), Started: get(s, "ExecutionStartTime"), Ended: get(s, "ExecutionEndTime"),
			Failure: toString(get(s, "FailureMessage"))}
		if a := asList(get(s, "TargetLocation", "Accounts")); len(a) > 0 {
			st.Account = toString(a[0])
		}
		if r := asList(get(s, "TargetLocation", "Regions")); len(r) > 0 {
			st.Region = toString(r[0])
		}
		if st.Status.Value == "Success" {
			d.Done++
		}
		d.Steps = append(d.Steps, st)
	}
	sort.SliceStable(d.Steps, func(i, j int) bool {
		if d.Steps[i].Account != d.Steps[j].Account {
			return d.Steps[i].Account < d.Steps[j].Account
		}
		return d.Steps[i].Region < d.Steps[j].Region
	})
	d.Total = len(d.Steps)
	if d.Request.OpsItem != "" {
		oi, err := q.call("ssm", "GetOpsItem", map[string]any{"OpsItemId": d.Request.OpsItem})
		if err != nil {
			d.OpsItemErr = q.smError(err)
		} else {
			d.OpsItem, _ = oi["OpsItem"].(map[string]any)
		}
	}
	return "sm-change", v
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// signalChange approves or rejects a change request as its approver
// (SendAutomationSignal with the comment as the payload's Comment).
func (c *Console) signalChange(signal string) func(q *req) string {
	return func(q *req) string {
		id := q.r.PathValue("id")
		in := map[string]any{"AutomationExecutionId": id, "SignalType": signal}
		if comment := strings.TrimSpace(q.r.PostFormValue("comment")); comment != "" {
			in["Payload"] = map[string]any{"Comment": []any{comment}}
		}
		_, err := q.call("ssm", "SendAutomationSignal", in)
		if signal == "Approve" {
			q.done(err, "Change request approved", "The change request "+id+" is approved; its runbook runs when the request is due.")
		} else {
			q.done(err, "Change request rejected", "The change request "+id+" is rejected; its runbook won't run.")
		}
		return q.back("/systems-manager/change-manager/requests/" + url.PathEscape(id))
	}
}
