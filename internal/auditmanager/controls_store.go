package auditmanager

import (
	"encoding/base64"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/paging"
	"github.com/orgstack/orgstack/internal/store"
)

// Store layout of the assessment library of an account in a region:
//
//	am/<account>/<region>/control/<id>       controlRecord
//	am/<account>/<region>/framework/<id>     frameworkRecord
//	am/<account>/<region>/assessment/<id>    assessmentRecord
//
// Controls, frameworks and assessments belong to the account that created
// them, in the region where it did: another account (even the
// organization's management account) never sees them.
func kControlPrefix(account, region string) string { return prefix(account, region) + "control/" }
func kControl(account, region, id string) string   { return kControlPrefix(account, region) + id }
func kFrameworkPrefix(account, region string) string {
	return prefix(account, region) + "framework/"
}
func kFramework(account, region, id string) string { return kFrameworkPrefix(account, region) + id }
func kAssessmentPrefix(account, region string) string {
	return prefix(account, region) + "assessment/"
}
func kAssessment(account, region, id string) string { return kAssessmentPrefix(account, region) + id }

// Resource types named by ResourceNotFoundException. // unconfirmed
const (
	resourceControl    = "CONTROL"
	resourceFramework  = "ASSESSMENT_FRAMEWORK"
	resourceAssessment = "ASSESSMENT"
)

// msgNoSuchResource is AWS's message when an id names nothing the caller
// owns (quoted from a CreateAssessment failure in the Terraform AWS
// provider's sources).
const msgNoSuchResource = "The operation tried to access a nonexistent resource. The resource might not be specified correctly, or its status might not be active. Check and try again."

// errNoSuch is the ResourceNotFoundException for id of resourceType.
func errNoSuch(resourceType, id string) error {
	return errNotFound(msgNoSuchResource, id, resourceType)
}

// errField is a ValidationException about one input field, with reason
// fieldValidationFailed and the field in fields. // unconfirmed wording
func errField(field, msg string) error {
	return orgstack.NewError("ValidationException", http.StatusBadRequest, msg).
		With("reason", "fieldValidationFailed").
		With("fields", []ValidationExceptionField{{Name: field, Message: msg}})
}

// libraryARN is the ARN of a control, framework or assessment of the
// caller: arn:<partition>:auditmanager:<region>:<account>:<kind>/<id>.
func libraryARN(sc *scope, kind, id string) string {
	return orgstack.ARN{Partition: sc.caller.Partition(), Service: "auditmanager", Region: sc.region,
		AccountID: sc.account, Resource: kind + "/" + id}.String()
}

// actorName is what createdBy and lastUpdatedBy say about the caller: the
// last segment of its ARN (a user name, a role session name, or "root"),
// reduced to the characters those members allow. // unconfirmed
func actorName(c orgstack.Caller) string {
	name := c.ARN
	if i := strings.LastIndexAny(name, ":/"); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			r == ' ', r == '-', r == '_', r == '(', r == ')', r == '[', r == ']':
			return r
		}
		return '-'
	}, name)
	if len(name) > 100 {
		name = name[:100]
	}
	if name == "" {
		return "root"
	}
	return name
}

// tagsCopy returns a copy of tags, never nil: AWS answers "tags": {} for a
// resource without tags.
func tagsCopy(tags map[string]string) map[string]string {
	out := make(map[string]string, len(tags))
	for k, v := range tags {
		out[k] = v
	}
	return out
}

// sourceDisplayName is the name AWS shows in controlSources and
// evidenceSources for a data source type ("AWS API calls", "Manual", ... as
// in the API reference's examples; the last two are unconfirmed).
func sourceDisplayName(t string) string {
	switch SourceType(t) {
	case SourceTypeAWSAPICall:
		return "AWS API calls"
	case SourceTypeAWSCloudtrail:
		return "AWS CloudTrail"
	case SourceTypeAWSConfig:
		return "AWS Config"
	case SourceTypeAWSSecurityHub:
		return "AWS Security Hub"
	case SourceTypeManual:
		return "Manual"
	case SourceTypeCommonControl:
		return "Common control" // unconfirmed
	case SourceTypeCoreControl:
		return "Core control" // unconfirmed
	}
	return t
}

// sourcesSummary is the controlSources text for a set of source types:
// their display names, distinct, sorted and joined with ", ", as AWS
// writes "AWS API calls, AWS Config, Manual". It is "" for no sources.
func sourcesSummary(types []string) string {
	return strings.Join(displayNames(types), ", ")
}

// displayNames returns the distinct display names of source types,
// sorted.
func displayNames(types []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, t := range types {
		name := sourceDisplayName(t)
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// libraryPageSize is the page size when maxResults is left out; AWS does
// not document it. // unconfirmed
const libraryPageSize = 100

// listing walks one listing of the caller's library (its controls,
// frameworks or assessments), a page at a time. nextToken is opaque: it
// binds the listing's name (which includes its filters), the account and
// region, and the last key returned; any other token, or one altered by
// hand, is refused with a ValidationException. Tokens use the standard
// base64 alphabet, as the model's Token pattern ^[A-Za-z0-9+/=]*$ asks.
type listing struct {
	bound  string
	prefix string
	after  string
	limit  int
}

// newListing starts listing name over the keys under prefix, resuming
// after token when one is given.
func newListing(sc *scope, name, prefix, token string, max *int32) (*listing, error) {
	l := &listing{bound: "v1\x00" + name + "\x00" + sc.account + "/" + sc.region + "\x00", prefix: prefix, limit: libraryPageSize}
	if max != nil && *max > 0 {
		l.limit = int(*max)
	}
	if token == "" {
		return l, nil
	}
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil || !strings.HasPrefix(string(raw), l.bound) || !strings.HasPrefix(string(raw[len(l.bound):]), prefix) {
		return nil, errField("nextToken", "The nextToken isn't valid for this request.") // unconfirmed
	}
	l.after = string(raw[len(l.bound):])
	return l, nil
}

// page collects the next page: filter (nil for none) says whether an entry
// belongs to the listing, collect receives the page's entries. It returns
// the nextToken, "" when the listing is exhausted.
func (l *listing) page(tx store.Tx, filter func(key string, value []byte) (bool, error), collect func(key string, value []byte) error) (string, error) {
	last, more, err := paging.Range{Prefix: l.prefix, After: l.after, Limit: l.limit}.Page(tx, filter, collect)
	if err != nil || !more {
		return "", err
	}
	return base64.StdEncoding.EncodeToString([]byte(l.bound + last)), nil
}

// getRecord reads a JSON record, turning a missing key into the
// ResourceNotFoundException for id of resourceType.
func getRecord(tx store.Tx, key, resourceType, id string, v any) error {
	err := store.GetJSON(tx, key, v)
	if errors.Is(err, store.ErrNotFound) {
		return errNoSuch(resourceType, id)
	}
	return err
}
