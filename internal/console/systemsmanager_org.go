package console

import (
	"html/template"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/orgstack/orgstack"
)

func init() {
	areaFuncs = append(areaFuncs, template.FuncMap{
		"smPct":    smPct,
		"smWords":  smWords,
		"smBadge":  smBadge,
		"smStatus": smStatusOf,
	})
}

// smOrg is what the Systems Manager and Audit Manager pages know of the
// signed-in account's organization, read through the API as the caller:
// DescribeOrganization (which every member may call) and, when the caller
// may call them, ListAccounts and ListAWSServiceAccessForOrganization.
type smOrg struct {
	InOrg        bool
	ID           string
	Management   string
	IsManagement bool
	// Accounts are the organization's accounts when the caller may list
	// them (the management account, a delegated administrator); nil
	// otherwise.
	Accounts []map[string]any
	names    map[string]string
	// TrustedKnown is true when the caller may list the services with
	// trusted access.
	TrustedKnown bool
	trusted      map[string]any
}

// smOrgOf reads the caller's organization; withAccounts and withTrusted
// add the listings the caller may be refused (and then go without).
func (q *req) smOrgOf(withAccounts, withTrusted bool) *smOrg {
	o := &smOrg{names: map[string]string{}, trusted: map[string]any{}}
	org, err := q.call("organizations", "DescribeOrganization", nil)
	if err != nil {
		return o
	}
	o.InOrg = true
	o.ID = toString(get(org, "Organization", "Id"))
	o.Management = toString(get(org, "Organization", "MasterAccountId"))
	o.IsManagement = o.Management == q.caller.AccountID
	if withAccounts {
		if accounts, err := q.callAll("organizations", "ListAccounts", nil, "Accounts"); err == nil {
			o.Accounts = []map[string]any{}
			for _, a := range accounts {
				if m, ok := a.(map[string]any); ok {
					o.Accounts = append(o.Accounts, m)
					o.names[toString(m["Id"])] = toString(m["Name"])
				}
			}
			sort.SliceStable(o.Accounts, func(i, j int) bool {
				return strings.ToLower(toString(o.Accounts[i]["Name"])) < strings.ToLower(toString(o.Accounts[j]["Name"]))
			})
		}
	}
	if withTrusted {
		if enabled, err := q.callAll("organizations", "ListAWSServiceAccessForOrganization", nil, "EnabledServicePrincipals"); err == nil {
			o.TrustedKnown = true
			for _, e := range enabled {
				o.trusted[toString(get(e, "ServicePrincipal"))] = get(e, "DateEnabled")
			}
		}
	}
	return o
}

// Name is an account's name when the caller may list the accounts.
func (o *smOrg) Name(id string) string { return o.names[id] }

// trustedAccess is the trusted-access state of one service as a page
// shows it.
type trustedAccess struct {
	Principal string
	Known     bool
	Enabled   bool
	Since     any
}

func (o *smOrg) access(principal string) trustedAccess {
	since, on := o.trusted[principal]
	return trustedAccess{Principal: principal, Known: o.TrustedKnown, Enabled: on, Since: since}
}

// smStatus is a status as the pages show it: the API's word (kept in
// data-status attributes), words to read, and a badge colour.
type smStatus struct {
	Value string
	Label string
	Badge string
}

func smStatusOf(v string) smStatus {
	return smStatus{Value: v, Label: smWords(v), Badge: smBadge(v)}
}

// smWords turns an API enumeration into words: PendingApproval →
// "Pending approval", NOT_REVIEWED → "Not reviewed".
func smWords(v string) string {
	if v == "" {
		return "—"
	}
	var b strings.Builder
	if strings.ToUpper(v) == v {
		for i, w := range strings.Split(strings.ToLower(v), "_") {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
		}
	} else {
		rs := []rune(v)
		for i, r := range rs {
			if i > 0 && unicode.IsUpper(r) && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))) {
				b.WriteByte(' ')
			}
			if i > 0 {
				r = unicode.ToLower(r)
			}
			b.WriteRune(r)
		}
	}
	s := b.String()
	return strings.ToUpper(s[:1]) + s[1:]
}

// smBadge is the badge colour of a status of the Systems Manager and
// Audit Manager APIs.
func smBadge(v string) string {
	switch v {
	case "Successful", "Active", "Success", "APPROVED", "ACTIVE", "CompletedWithSuccess", "Resolved", "COMPLIANT", "REVIEWED":
		return "badge-green"
	case "InProgress", "Approved", "Scheduled", "RunbookInProgress", "Pending", "Waiting", "PENDING_ACTIVATION", "Open", "UNDER_REVIEW":
		return "badge-blue"
	case "PendingApproval", "PENDING", "PendingChangeCalendarOverride", "Exiting":
		return "badge-amber"
	case "Failed", "TrustedAccessDisabled", "OrganizationNotExists", "InvalidOrganizationalUnit", "Rejected", "REJECTED",
		"TimedOut", "CompletedWithFailure", "ChangeCalendarOverrideRejected", "NON_COMPLIANT":
		return "badge-red"
	}
	return "badge-grey"
}

// smPct is part's share of whole as a CSS percentage ("0" to "100").
func smPct(part, whole int) string {
	if whole <= 0 || part <= 0 {
		return "0"
	}
	return strconv.FormatFloat(float64(part)*100/float64(whole), 'f', 1, 64)
}

// smError is an API error as a section of a page shows it.
func (q *req) smError(err error) *orgstack.Error {
	if err == nil {
		return nil
	}
	return q.c.apiError(err)
}
