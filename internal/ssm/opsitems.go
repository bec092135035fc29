package ssm

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// OpsItem types that Systems Manager documents; CreateOpsItem accepts
// these and no others. // unconfirmed (AWS's answer to another type)
const (
	opsItemTypeIssue         = "/aws/issue"
	opsItemTypeInsight       = "/aws/insight"
	opsItemTypeChangeRequest = "/aws/changerequest"
)

// System OperationalData keys that callers may set even though they start
// with the reserved /aws prefix: the documented related-resources,
// automations and deduplication keys.
const (
	opsDataKeyResources   = "/aws/resources"
	opsDataKeyAutomations = "/aws/automations"
	opsDataKeyDedup       = "/aws/dedup"
)

// opsDataValueMax is the largest OperationalData value, "20 KB" in the
// model's documentation. // unconfirmed (KB of 1024 bytes)
const opsDataValueMax = 20 * 1024

// opsItemRecord is a stored OpsItem.
type opsItemRecord struct {
	ID               string                 `json:"id"`
	Arn              string                 `json:"arn"`
	Type             string                 `json:"type"`
	Title            string                 `json:"title"`
	Description      string                 `json:"description"`
	Source           string                 `json:"source"`
	Status           string                 `json:"status"`
	Priority         int32                  `json:"priority,omitempty"`
	Severity         string                 `json:"severity,omitempty"`
	Category         string                 `json:"category,omitempty"`
	OperationalData  map[string]opsItemData `json:"operationalData,omitempty"`
	Notifications    []string               `json:"notifications,omitempty"`
	RelatedOpsItems  []string               `json:"relatedOpsItems,omitempty"`
	Tags             []opsItemTag           `json:"tags,omitempty"`
	CreatedBy        string                 `json:"createdBy"`
	LastModifiedBy   string                 `json:"lastModifiedBy"`
	CreatedTime      time.Time              `json:"createdTime"`
	LastModifiedTime time.Time              `json:"lastModifiedTime"`
	PlannedStartTime time.Time              `json:"plannedStartTime,omitzero"`
	PlannedEndTime   time.Time              `json:"plannedEndTime,omitzero"`
	ActualStartTime  time.Time              `json:"actualStartTime,omitzero"`
	ActualEndTime    time.Time              `json:"actualEndTime,omitzero"`
	// ResolvedTime is when the OpsItem last became Resolved (zero while
	// it is not): incident reports measure time to resolve with it.
	ResolvedTime time.Time `json:"resolvedTime,omitzero"`
	Version      int       `json:"version"`
}

// setStatus changes the status, recording when the OpsItem is resolved.
func (r *opsItemRecord) setStatus(status string, now time.Time) {
	if status == string(OpsItemStatusResolved) && r.Status != status {
		r.ResolvedTime = now
	} else if status != string(OpsItemStatusResolved) {
		r.ResolvedTime = time.Time{}
	}
	r.Status = status
}

// opsItemData is one OperationalData value; Type is SearchableString,
// String or empty.
type opsItemData struct {
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
}

type opsItemTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func opsItemKey(account, region, id string) string {
	return opsDataPrefix(account, region) + kindOpsItem + id
}

// opsItemArn is arn:<partition>:ssm:<region>:<account>:opsitem/<id>.
func opsItemArn(account, region, id string) string {
	return "arn:" + orgstack.PartitionOf(region) + ":ssm:" + region + ":" + account + ":opsitem/" + id
}

// errOpsItemNotFound is OpsItemNotFoundException with the model's text.
func errOpsItemNotFound() error {
	return newErr("OpsItemNotFoundException", "")
}

// errOpsItemParam is OpsItemInvalidParameterException naming the
// offending parameters.
func errOpsItemParam(message string, names ...string) error {
	return newErr("OpsItemInvalidParameterException", message).With("ParameterNames", names)
}

func errOpsItemAccess() error {
	return newErr("OpsItemAccessDeniedException", "")
}

// getOpsItem loads an OpsItem, or OpsItemNotFoundException.
func getOpsItem(tx store.Tx, account, region, id string) (*opsItemRecord, error) {
	var r opsItemRecord
	err := store.GetJSON(tx, opsItemKey(account, region, id), &r)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errOpsItemNotFound()
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// loadOpsItems reads every OpsItem of an account and region, newest
// first, then by id.
func loadOpsItems(tx store.Tx, account, region string) ([]*opsItemRecord, error) {
	var out []*opsItemRecord
	err := tx.Scan(opsDataPrefix(account, region)+kindOpsItem, "", func(_ string, v []byte) (bool, error) {
		var r opsItemRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return false, err
		}
		out = append(out, &r)
		return true, nil
	})
	slices.SortFunc(out, func(a, b *opsItemRecord) int {
		if c := b.CreatedTime.Compare(a.CreatedTime); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, err
}

// createOpsItemTx creates an OpsItem in account and region inside tx and
// returns it; createdBy is the ARN recorded as CreatedBy and
// LastModifiedBy. It is how other parts of SSM (Change Manager) create
// OpsItems of type /aws/changerequest.
//
// It applies the rules that hold for every OpsItem: the type defaults to
// /aws/issue and must be a documented one, Priority is 1–5, Severity "1"
// to "4", AccountId (if set) must be account (OpsItemAccessDeniedException
// otherwise), and an Open or InProgress OpsItem with the same /aws/dedup
// string and /aws/resources makes it fail with
// OpsItemAlreadyExistsException carrying that OpsItem's id. It does not
// apply the rules for callers of the API (reserved OperationalData keys,
// reserved words in Source), so system-created OpsItems may use /aws keys.
// The new OpsItem is Open, at Version 1.
func createOpsItemTx(tx store.Tx, now time.Time, account, region string, in *CreateOpsItemRequest, createdBy string) (*opsItemRecord, error) {
	if in.AccountId != "" && in.AccountId != account {
		return nil, errOpsItemAccess()
	}
	typ := in.OpsItemType
	if typ == "" {
		typ = opsItemTypeIssue
	}
	if err := checkOpsItemFields(typ, in.Priority, in.Severity, in.RelatedOpsItems); err != nil {
		return nil, err
	}
	if err := checkOpsItemDedup(tx, account, region, in.OperationalData); err != nil {
		return nil, err
	}
	var id string
	for {
		id = "oi-" + orgstack.RandomString("0123456789abcdef", 12)
		taken, err := store.Exists(tx, opsItemKey(account, region, id))
		if err != nil {
			return nil, err
		}
		if !taken {
			break
		}
	}
	r := &opsItemRecord{
		ID: id, Arn: opsItemArn(account, region, id), Type: typ,
		Title: in.Title, Description: in.Description, Source: in.Source,
		Status: string(OpsItemStatusOpen), Severity: in.Severity, Category: in.Category,
		CreatedBy: createdBy, LastModifiedBy: createdBy, CreatedTime: now, LastModifiedTime: now,
		PlannedStartTime: in.PlannedStartTime, PlannedEndTime: in.PlannedEndTime,
		ActualStartTime: in.ActualStartTime, ActualEndTime: in.ActualEndTime, Version: 1,
	}
	if in.Priority != nil {
		r.Priority = *in.Priority
	}
	r.setOperationalData(in.OperationalData, nil)
	r.setNotifications(in.Notifications)
	r.setRelated(in.RelatedOpsItems)
	for _, t := range in.Tags {
		r.Tags = append(r.Tags, opsItemTag(t))
	}
	return r, store.PutJSON(tx, opsItemKey(account, region, id), r)
}

// updateOpsItemStatusTx sets the status of an OpsItem of account and
// region inside tx, as the service does on its own (a change request
// being approved, a runbook finishing). status must be a value of the
// OpsItemStatus enumeration (OpsItemInvalidParameterException otherwise);
// a missing OpsItem is OpsItemNotFoundException. LastModifiedTime becomes
// now and Version increases; LastModifiedBy is left as it was.
func updateOpsItemStatusTx(tx store.Tx, now time.Time, account, region, id, status string) error {
	if !slices.Contains(opsItemStatuses(), status) {
		return errOpsItemParam("The status "+status+" is not valid.", "Status") // unconfirmed
	}
	r, err := getOpsItem(tx, account, region, id)
	if err != nil {
		return err
	}
	r.setStatus(status, now)
	r.LastModifiedTime = now
	r.Version++
	return store.PutJSON(tx, opsItemKey(account, region, id), r)
}

// opsItemStatuses is the OpsItemStatus enumeration of the model.
func opsItemStatuses() []string {
	return ServiceModel().Operation("UpdateOpsItem").Input.MemberByName("Status").Shape.Enum
}

// checkOpsItemFields checks what the model leaves open for every OpsItem.
func checkOpsItemFields(typ string, priority *int32, severity string, related []RelatedOpsItem) error {
	switch typ {
	case opsItemTypeIssue, opsItemTypeInsight, opsItemTypeChangeRequest:
	default:
		return errOpsItemParam("The OpsItemType "+typ+" is not valid. Valid types are /aws/issue, /aws/insight and /aws/changerequest.", "OpsItemType") // unconfirmed
	}
	if priority != nil && (*priority < 1 || *priority > 5) {
		return errOpsItemParam("Priority must be between 1 and 5.", "Priority") // unconfirmed
	}
	switch severity {
	case "", "1", "2", "3", "4":
	default:
		return errOpsItemParam("Severity must be 1, 2, 3 or 4.", "Severity") // unconfirmed
	}
	for _, ri := range related {
		if !isOpsItemID(ri.OpsItemId) {
			return errOpsItemParam("The related OpsItem ID "+ri.OpsItemId+" is not valid.", "RelatedOpsItems") // unconfirmed
		}
	}
	return nil
}

// isOpsItemID reports whether s is oi- and 12 lower-case hex digits.
func isOpsItemID(s string) bool {
	if len(s) != 15 || !strings.HasPrefix(s, "oi-") {
		return false
	}
	for _, c := range s[3:] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// checkOpsDataKeys applies the rules for OperationalData that callers of
// the API send: no key may begin with a reserved prefix (case-insensitive)
// except the documented /aws keys, and values are at most 20 KB.
func checkOpsDataKeys(data map[string]OpsItemDataValue) error {
	for k, v := range data {
		if opsDataKeyReserved(k) {
			return errOpsItemParam("Operational data key "+k+" is not valid. Keys can't begin with amazon, aws, amzn, ssm, /amazon, /aws, /amzn or /ssm.", "OperationalData") // unconfirmed
		}
		if len(v.Value) > opsDataValueMax {
			return errOpsItemParam("The value of operational data key "+k+" exceeds 20 KB.", "OperationalData") // unconfirmed
		}
	}
	return nil
}

func opsDataKeyReserved(k string) bool {
	switch k {
	case opsDataKeyResources, opsDataKeyAutomations, opsDataKeyDedup:
		return false
	}
	lk := strings.ToLower(k)
	for _, p := range [...]string{"amazon", "aws", "amzn", "ssm", "/amazon", "/aws", "/amzn", "/ssm"} {
		if strings.HasPrefix(lk, p) {
			return true
		}
	}
	return false
}

// checkOpsItemSource applies the model's rule that a source names no AWS
// brand: it can't contain aws, amazon or amzn (case-insensitive).
func checkOpsItemSource(source string) error {
	ls := strings.ToLower(source)
	for _, w := range [...]string{"aws", "amazon", "amzn"} {
		if strings.Contains(ls, w) {
			return errOpsItemParam("The source "+source+" is not valid. The source name can't contain aws, amazon or amzn.", "Source") // unconfirmed
		}
	}
	return nil
}

// dedupString is the deduplication string of OperationalData: the
// dedupString member of the /aws/dedup JSON value (the whole value when it
// is not such JSON), lower-cased because matching ignores case.
func dedupString(data map[string]opsItemData) string {
	v, ok := data[opsDataKeyDedup]
	if !ok {
		return ""
	}
	var d struct {
		DedupString string `json:"dedupString"`
	}
	if json.Unmarshal([]byte(v.Value), &d) == nil && d.DedupString != "" {
		return strings.ToLower(d.DedupString)
	}
	return strings.ToLower(strings.TrimSpace(v.Value))
}

// checkOpsItemDedup refuses a new OpsItem whose deduplication string and
// related resources match an Open or InProgress OpsItem (the documented
// deduplication logic). // unconfirmed (that AWS answers with
// OpsItemAlreadyExistsException rather than the existing id)
func checkOpsItemDedup(tx store.Tx, account, region string, in map[string]OpsItemDataValue) error {
	data := make(map[string]opsItemData, len(in))
	for k, v := range in {
		data[k] = opsItemData{Value: v.Value, Type: string(v.Type)}
	}
	want := dedupString(data)
	if want == "" {
		return nil
	}
	items, err := loadOpsItems(tx, account, region)
	if err != nil {
		return err
	}
	for _, r := range items {
		if r.Status != string(OpsItemStatusOpen) && r.Status != string(OpsItemStatusInProgress) {
			continue
		}
		if dedupString(r.OperationalData) == want && r.OperationalData[opsDataKeyResources].Value == data[opsDataKeyResources].Value {
			return newErr("OpsItemAlreadyExistsException", "The OpsItem already exists.").With("OpsItemId", r.ID)
		}
	}
	return nil
}

// setOperationalData merges add into the record's OperationalData and then
// removes the keys in del.
func (r *opsItemRecord) setOperationalData(add map[string]OpsItemDataValue, del []string) {
	for k, v := range add {
		if r.OperationalData == nil {
			r.OperationalData = make(map[string]opsItemData)
		}
		r.OperationalData[k] = opsItemData{Value: v.Value, Type: string(v.Type)}
	}
	for _, k := range del {
		delete(r.OperationalData, k)
	}
	if len(r.OperationalData) == 0 {
		r.OperationalData = nil
	}
}

func (r *opsItemRecord) setNotifications(ns []OpsItemNotification) {
	r.Notifications = nil
	for _, n := range ns {
		r.Notifications = append(r.Notifications, n.Arn)
	}
}

func (r *opsItemRecord) setRelated(rs []RelatedOpsItem) {
	r.RelatedOpsItems = nil
	for _, ri := range rs {
		r.RelatedOpsItems = append(r.RelatedOpsItems, ri.OpsItemId)
	}
}

// operationalData is the OperationalData a caller sees; searchableOnly
// keeps the SearchableString entries only (what DescribeOpsItems shows).
func (r *opsItemRecord) operationalData(searchableOnly bool) map[string]OpsItemDataValue {
	var out map[string]OpsItemDataValue
	for k, v := range r.OperationalData {
		if searchableOnly && v.Type != string(OpsItemDataTypeSearchableString) {
			continue
		}
		if out == nil {
			out = make(map[string]OpsItemDataValue)
		}
		out[k] = OpsItemDataValue{Value: v.Value, Type: OpsItemDataType(v.Type)}
	}
	return out
}

func (r *opsItemRecord) priority() *int32 {
	if r.Priority == 0 {
		return nil
	}
	p := r.Priority
	return &p
}

// opsItem is the record as GetOpsItem returns it.
func (r *opsItemRecord) opsItem() *OpsItem {
	o := &OpsItem{
		CreatedBy: r.CreatedBy, OpsItemType: r.Type, CreatedTime: r.CreatedTime, Description: r.Description,
		LastModifiedBy: r.LastModifiedBy, LastModifiedTime: r.LastModifiedTime, Priority: r.priority(),
		Status: OpsItemStatus(r.Status), OpsItemId: r.ID, Version: strconv.Itoa(r.Version), Title: r.Title,
		Source: r.Source, OperationalData: r.operationalData(false), Category: r.Category, Severity: r.Severity,
		ActualStartTime: r.ActualStartTime, ActualEndTime: r.ActualEndTime, PlannedStartTime: r.PlannedStartTime,
		PlannedEndTime: r.PlannedEndTime, OpsItemArn: r.Arn,
		Notifications: []OpsItemNotification{}, RelatedOpsItems: []RelatedOpsItem{},
	}
	for _, n := range r.Notifications {
		o.Notifications = append(o.Notifications, OpsItemNotification{Arn: n})
	}
	for _, id := range r.RelatedOpsItems {
		o.RelatedOpsItems = append(o.RelatedOpsItems, RelatedOpsItem{OpsItemId: id})
	}
	return o
}

// summary is the record as DescribeOpsItems lists it.
func (r *opsItemRecord) summary() OpsItemSummary {
	return OpsItemSummary{
		CreatedBy: r.CreatedBy, CreatedTime: r.CreatedTime, LastModifiedBy: r.LastModifiedBy,
		LastModifiedTime: r.LastModifiedTime, Priority: r.priority(), Source: r.Source,
		Status: OpsItemStatus(r.Status), OpsItemId: r.ID, Title: r.Title,
		OperationalData: r.operationalData(true), Category: r.Category, Severity: r.Severity,
		OpsItemType: r.Type, ActualStartTime: r.ActualStartTime, ActualEndTime: r.ActualEndTime,
		PlannedStartTime: r.PlannedStartTime, PlannedEndTime: r.PlannedEndTime,
	}
}

// summaryData is the record as OpsData carries it.
func (r *opsItemRecord) summaryData() OpsItemSummaryData {
	return OpsItemSummaryData{
		Id: r.ID, Arn: r.Arn, Title: r.Title, Source: r.Source, Status: r.Status, Severity: r.Severity,
		Priority: r.Priority, Category: r.Category, OpsItemType: r.Type, CreatedBy: r.CreatedBy,
		LastModifiedBy: r.LastModifiedBy, CreatedTime: r.CreatedTime, LastModifiedTime: r.LastModifiedTime,
		PlannedStartTime: r.PlannedStartTime, PlannedEndTime: r.PlannedEndTime,
		ActualStartTime: r.ActualStartTime, ActualEndTime: r.ActualEndTime,
	}
}

// CreateOpsItem creates an OpsItem in the caller's account and region.
// Creating one in another account (AccountId) is not supported:
// OpsItemAccessDeniedException. See createOpsItemTx for the rules.
func (s *Service) CreateOpsItem(ctx context.Context, in *CreateOpsItemRequest) (*CreateOpsItemResponse, error) {
	if err := checkOpsDataKeys(in.OperationalData); err != nil {
		return nil, err
	}
	if err := checkOpsItemSource(in.Source); err != nil {
		return nil, err
	}
	var out *CreateOpsItemResponse
	err := s.write(ctx, func(sc *scope) error {
		r, err := createOpsItemTx(sc.tx, sc.now, sc.account, sc.region, in, sc.caller.ARN)
		if err != nil {
			return err
		}
		out = &CreateOpsItemResponse{OpsItemId: r.ID, OpsItemArn: r.Arn}
		return nil
	})
	return out, err
}
