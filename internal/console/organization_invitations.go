package console

import (
	"errors"
	"html/template"
	"sort"

	"github.com/orgstack/orgstack"
)

const invitationsPath = "/organizations/invitations"

func (c *Console) invitationRoutes() {
	c.handle("GET /organizations/invitations", c.page(c.invitationsPage))
	c.handle("POST /organizations/invitations/{id}/accept", c.action(c.acceptHandshake))
	c.handle("POST /organizations/invitations/{id}/decline", c.action(c.declineHandshake))
	c.handle("POST /organizations/invitations/{id}/cancel", c.action(c.cancelHandshake))
	c.handle("POST /organizations/enable-all-features", c.action(c.enableAllFeatures))
}

// handshakeRow is one handshake as the page shows it.
type handshakeRow struct {
	ID, Action, State  string
	Requested, Expires any
	// Organization is the organization that sent it; Recipient the
	// account or e-mail address it went to ("" when none, as for the
	// enable-all-features handshake).
	Organization, Recipient, RecipientType string
	ManagementEmail, ManagementName        string
	FeatureSet, Notes, Parent              string
	CanAccept, CanDecline, CanCancel       bool
}

// handshakeOf reads a handshake of the API.
func handshakeOf(h any) handshakeRow {
	row := handshakeRow{
		ID: toString(get(h, "Id")), Action: toString(get(h, "Action")), State: toString(get(h, "State")),
		Requested: get(h, "RequestedTimestamp"), Expires: get(h, "ExpirationTimestamp"),
	}
	parties, _ := get(h, "Parties").([]any)
	for _, p := range parties {
		switch typ := toString(get(p, "Type")); typ {
		case "ORGANIZATION":
			row.Organization = toString(get(p, "Id"))
		default:
			row.Recipient, row.RecipientType = toString(get(p, "Id")), typ
		}
	}
	var walk func(rs any)
	walk = func(rs any) {
		list, _ := rs.([]any)
		for _, r := range list {
			value := toString(get(r, "Value"))
			switch toString(get(r, "Type")) {
			case "MASTER_EMAIL":
				row.ManagementEmail = value
			case "MASTER_NAME":
				row.ManagementName = value
			case "ORGANIZATION_FEATURE_SET":
				row.FeatureSet = value
			case "NOTES":
				row.Notes = value
			case "PARENT_HANDSHAKE":
				row.Parent = value
			}
			walk(get(r, "Resources"))
		}
	}
	walk(get(h, "Resources"))
	return row
}

// allFeatures is the progress of enabling all features.
type allFeatures struct {
	Handshake *handshakeRow
	// Approvals are the members' handshakes (APPROVE_ALL_FEATURES and
	// ADD_ORGANIZATIONS_SERVICE_LINKED_ROLE).
	Approvals []handshakeRow
	Accepted  int
}

// invitationsData is the page of handshakes.
type invitationsData struct {
	Org        map[string]any
	NotInOrg   bool
	Management bool
	// Received are the handshakes the signed-in account received; Sent
	// those its organization sent (for the management account), without
	// the members' approvals of enabling all features.
	Received      []handshakeRow
	Sent          []handshakeRow
	SentError     *orgstack.Error
	ConsolidatedB bool
	AllFeatures   *allFeatures
}

// invitationsPage lists the handshakes of the signed-in account and, for
// the management account, those of its organization.
func (c *Console) invitationsPage(q *req) (string, *view) {
	v := &view{Title: "Invitations", Section: "invitations"}
	d := &invitationsData{}
	v.Data = d
	org, err := q.call("organizations", "DescribeOrganization", nil)
	if err != nil {
		var e *orgstack.Error
		if !errors.As(err, &e) || e.Code != "AWSOrganizationsNotInUseException" {
			q.try(v, err)
			return "invitations", v
		}
		d.NotInOrg = true
	} else {
		d.Org, _ = org["Organization"].(map[string]any)
		d.Management = toString(get(d.Org, "MasterAccountId")) == q.caller.AccountID
		d.ConsolidatedB = toString(get(d.Org, "FeatureSet")) == "CONSOLIDATED_BILLING"
	}
	received, err := q.callAll("organizations", "ListHandshakesForAccount", nil, "Handshakes")
	if !q.try(v, err) {
		return "invitations", v
	}
	for _, h := range received {
		row := handshakeOf(h)
		row.CanAccept = row.active()
		row.CanDecline = row.State == "REQUESTED"
		d.Received = append(d.Received, row)
	}
	newestFirst(d.Received)
	if !d.Management {
		return "invitations", v
	}
	sent, err := q.callAll("organizations", "ListHandshakesForOrganization", nil, "Handshakes")
	if err != nil {
		d.SentError = q.c.apiError(err)
		return "invitations", v
	}
	var children []handshakeRow
	for _, h := range sent {
		row := handshakeOf(h)
		row.CanCancel = row.active()
		if row.Parent != "" {
			children = append(children, row)
			continue
		}
		if row.Action == "ENABLE_ALL_FEATURES" {
			row.CanAccept = row.State == "OPEN"
		}
		d.Sent = append(d.Sent, row)
	}
	newestFirst(d.Sent)
	newestFirst(children)
	// The enable-all-features handshake in progress, or the latest.
	var parent *handshakeRow
	for i := range d.Sent {
		if h := &d.Sent[i]; h.Action == "ENABLE_ALL_FEATURES" && (parent == nil || (h.active() && !parent.active())) {
			parent = h
		}
	}
	if parent != nil && (d.ConsolidatedB || parent.State == "ACCEPTED") {
		af := &allFeatures{Handshake: parent}
		for _, ch := range children {
			if ch.Parent == parent.ID {
				af.Approvals = append(af.Approvals, ch)
				if ch.State == "ACCEPTED" {
					af.Accepted++
				}
			}
		}
		d.AllFeatures = af
	}
	return "invitations", v
}

func (c *Console) acceptHandshake(q *req) string {
	id := q.r.PathValue("id")
	out, err := q.call("organizations", "AcceptHandshake", map[string]any{"HandshakeId": id})
	msg := "Handshake " + id + " was accepted."
	switch toString(get(out, "Handshake", "Action")) {
	case "INVITE":
		msg = "Your account joined the organization."
	case "ENABLE_ALL_FEATURES":
		msg = "Your organization now has all features enabled."
	case "APPROVE_ALL_FEATURES", "ADD_ORGANIZATIONS_SERVICE_LINKED_ROLE":
		msg = "Your account approved enabling all features in its organization."
	}
	q.done(err, "Handshake accepted", msg)
	return invitationsPath
}

func (c *Console) declineHandshake(q *req) string {
	id := q.r.PathValue("id")
	_, err := q.call("organizations", "DeclineHandshake", map[string]any{"HandshakeId": id})
	q.done(err, "Handshake declined", "Handshake "+id+" was declined.")
	return invitationsPath
}

func (c *Console) cancelHandshake(q *req) string {
	id := q.r.PathValue("id")
	_, err := q.call("organizations", "CancelHandshake", map[string]any{"HandshakeId": id})
	q.done(err, "Handshake canceled", "Handshake "+id+" was canceled.")
	return invitationsPath
}

func (c *Console) enableAllFeatures(q *req) string {
	out, err := q.call("organizations", "EnableAllFeatures", nil)
	q.done(err, "Enabling all features", "Handshake "+toString(get(out, "Handshake", "Id"))+" asks every invited member account to approve. Once all have, finalize it here.")
	return invitationsPath + "#all-features"
}

// newestFirst sorts handshakes by the time they were requested, newest
// first.
func newestFirst(rows []handshakeRow) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, _ := timeOf(rows[i].Requested)
		b, _ := timeOf(rows[j].Requested)
		return a.After(b)
	})
}

// active reports whether a handshake still waits for an answer.
func (h handshakeRow) active() bool { return h.State == "REQUESTED" || h.State == "OPEN" }

// handshakeActions name handshake actions as people read them.
var handshakeActions = map[string]string{
	"INVITE":                                "Invitation to join the organization",
	"ENABLE_ALL_FEATURES":                   "Enable all features",
	"APPROVE_ALL_FEATURES":                  "Approve enabling all features",
	"ADD_ORGANIZATIONS_SERVICE_LINKED_ROLE": "Allow the organization's service-linked role",
}

func init() {
	areaFuncs = append(areaFuncs, template.FuncMap{
		"handshakeAction": func(a string) string {
			if s, ok := handshakeActions[a]; ok {
				return s
			}
			return a
		},
	})
}
