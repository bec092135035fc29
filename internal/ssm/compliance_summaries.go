package ssm

import (
	"context"
	"slices"
	"strings"

	"github.com/orgstack/orgstack/internal/store"
)

// complianceSeverities lists the severities from the most to the least
// severe.
func complianceSeverities() []string {
	return []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNSPECIFIED"}
}

// add counts one item (or resource) of severity sev; an unknown severity
// counts as UNSPECIFIED.
func (c *SeverityCounts) add(sev string) {
	switch sev {
	case "CRITICAL":
		c.Critical++
	case "HIGH":
		c.High++
	case "MEDIUM":
		c.Medium++
	case "LOW":
		c.Low++
	case "INFORMATIONAL":
		c.Informational++
	default:
		c.Unspecified++
	}
}

// summary is the counts as a SeveritySummary, every count present.
func (c SeverityCounts) summary() *SeveritySummary {
	n := func(v int) *int32 { x := int32(v); return &x }
	return &SeveritySummary{CriticalCount: n(c.Critical), HighCount: n(c.High), MediumCount: n(c.Medium),
		LowCount: n(c.Low), InformationalCount: n(c.Informational), UnspecifiedCount: n(c.Unspecified)}
}

// resourceCompliance summarizes the record: the resource is NON_COMPLIANT
// when any item is, and its OverallSeverity is the highest severity of its
// non-compliant items (of its compliant items when it is compliant,
// UNSPECIFIED when it has no items). // unconfirmed (OverallSeverity of
// a compliant resource)
func (r *complianceRecord) resourceCompliance() ResourceCompliance {
	rc := ResourceCompliance{ResourceType: r.ResourceType, ResourceId: r.ResourceId, ComplianceType: r.ComplianceType,
		Status: string(ComplianceStatusCompliant), ExecutionId: r.ExecutionId, ExecutionType: r.ExecutionType,
		ExecutionTime: r.ExecutionTime}
	sevs := complianceSeverities()
	worstC, worstN := len(sevs)-1, len(sevs)-1
	rank := func(s string) int {
		if i := slices.Index(sevs, s); i >= 0 {
			return i
		}
		return len(sevs) - 1
	}
	for _, it := range r.Items {
		if it.Status == string(ComplianceStatusNonCompliant) {
			rc.NonCompliantCount++
			rc.NonCompliantBySeverity.add(it.Severity)
			worstN = min(worstN, rank(it.Severity))
		} else {
			rc.CompliantCount++
			rc.CompliantBySeverity.add(it.Severity)
			worstC = min(worstC, rank(it.Severity))
		}
	}
	rc.OverallSeverity = sevs[worstC]
	if rc.NonCompliantCount > 0 {
		rc.Status = string(ComplianceStatusNonCompliant)
		rc.OverallSeverity = sevs[worstN]
	}
	return rc
}

// summaryFilterKeys are the filter keys of the summary listings, besides
// inventory attributes (TypeName.Attribute, e.g.
// AWS:InstanceInformation.PlatformType).
func summaryFilterKeys() []string {
	return []string{"ComplianceType", "ResourceId", "InstanceId", "ResourceType", "Status", "OverallSeverity",
		"ExecutionId", "ExecutionType", "ExecutionTime"}
}

func knownSummaryFilterKey(key string) bool {
	if _, _, ok := inventoryAttributeKey(key); ok {
		return true
	}
	return slices.Contains(summaryFilterKeys(), key)
}

// filteredResourceCompliance is the compliance of every resource and type
// of the scope that passes the filters of a summary listing. A filter on
// an inventory attribute compares the attribute's value in the first
// inventory entry of the resource that has it.
func filteredResourceCompliance(sc *scope, in []ComplianceStringFilter) ([]ResourceCompliance, error) {
	filters, err := compileComplianceFilters(in, knownSummaryFilterKey)
	if err != nil {
		return nil, err
	}
	recs, err := loadComplianceRecords(sc.tx, sc.account, sc.region)
	if err != nil {
		return nil, err
	}
	var out []ResourceCompliance
	var ferr error
	for _, r := range recs {
		rc := r.resourceCompliance()
		field := func(key string) string {
			switch key {
			case "ComplianceType":
				return rc.ComplianceType
			case "ResourceId", "InstanceId":
				return rc.ResourceId
			case "ResourceType":
				return rc.ResourceType
			case "Status":
				return rc.Status
			case "OverallSeverity":
				return rc.OverallSeverity
			case "ExecutionId":
				return rc.ExecutionId
			case "ExecutionType":
				return rc.ExecutionType
			case "ExecutionTime":
				return r.executionSummary().ExecutionTime.UTC().Format("2006-01-02T15:04:05Z")
			}
			typ, attr, _ := inventoryAttributeKey(key)
			v, err := inventoryAttribute(sc.tx, sc.account, sc.region, rc.ResourceId, typ, attr)
			if err != nil && ferr == nil {
				ferr = err
			}
			return v
		}
		if complianceFiltersPass(filters, field) {
			out = append(out, rc)
		}
		if ferr != nil {
			return nil, ferr
		}
	}
	return out, nil
}

// ListResourceComplianceSummaries lists, per resource and compliance type,
// the status, overall severity, last execution and item counts by
// severity. Filters take the keys ComplianceType, ResourceId (or
// InstanceId), ResourceType, Status, OverallSeverity, ExecutionId,
// ExecutionType, ExecutionTime and inventory attributes; others are
// InvalidFilter.
func (s *Service) ListResourceComplianceSummaries(ctx context.Context, in *ListResourceComplianceSummariesRequest) (*ListResourceComplianceSummariesResult, error) {
	out := &ListResourceComplianceSummariesResult{ResourceComplianceSummaryItems: []ResourceComplianceSummaryItem{}}
	err := s.read(ctx, func(sc *scope) error {
		rcs, err := filteredResourceCompliance(sc, in.Filters)
		if err != nil {
			return err
		}
		keys := make([]string, len(rcs))
		for i, rc := range rcs {
			keys[i] = opsDataSeg(rc.ResourceType) + "/" + opsDataSeg(rc.ResourceId) + "/" + opsDataSeg(rc.ComplianceType)
		}
		lo, hi, next, err := opsDataPage(sc, "ListResourceComplianceSummaries", keys, in.NextToken, in.MaxResults, opsDataPageSize, newErr("InvalidNextToken", ""))
		if err != nil {
			return err
		}
		for _, rc := range rcs[lo:hi] {
			cc, nc := int32(rc.CompliantCount), int32(rc.NonCompliantCount)
			out.ResourceComplianceSummaryItems = append(out.ResourceComplianceSummaryItems, ResourceComplianceSummaryItem{
				ComplianceType: rc.ComplianceType, ResourceType: rc.ResourceType, ResourceId: rc.ResourceId,
				Status: ComplianceStatus(rc.Status), OverallSeverity: ComplianceSeverity(rc.OverallSeverity),
				ExecutionSummary:    &ComplianceExecutionSummary{ExecutionTime: rc.ExecutionTime, ExecutionId: rc.ExecutionId, ExecutionType: rc.ExecutionType},
				CompliantSummary:    &CompliantSummary{CompliantCount: &cc, SeveritySummary: rc.CompliantBySeverity.summary()},
				NonCompliantSummary: &NonCompliantSummary{NonCompliantCount: &nc, SeveritySummary: rc.NonCompliantBySeverity.summary()},
			})
		}
		out.NextToken = next
		return nil
	})
	return out, err
}

// complianceSummaryItems summarizes the scope's compliance per compliance
// type, in the order ListComplianceSummaries lists them.
func complianceSummaryItems(sc *scope, filters []ComplianceStringFilter) ([]ComplianceSummaryItem, error) {
	rcs, err := filteredResourceCompliance(sc, filters)
	if err != nil {
		return nil, err
	}
	type counts struct {
		compliant, nonCompliant int
		cSev, nSev              SeverityCounts
	}
	byType := make(map[string]*counts)
	var types []string
	for _, rc := range rcs {
		c := byType[rc.ComplianceType]
		if c == nil {
			c = &counts{}
			byType[rc.ComplianceType] = c
			types = append(types, rc.ComplianceType)
		}
		if rc.Status == string(ComplianceStatusNonCompliant) {
			c.nonCompliant++
			c.nSev.add(rc.OverallSeverity)
		} else {
			c.compliant++
			c.cSev.add(rc.OverallSeverity)
		}
	}
	slices.SortFunc(types, func(a, b string) int { return strings.Compare(opsDataSeg(a), opsDataSeg(b)) })
	items := make([]ComplianceSummaryItem, 0, len(types))
	for _, t := range types {
		c := byType[t]
		cc, nc := int32(c.compliant), int32(c.nonCompliant)
		items = append(items, ComplianceSummaryItem{ComplianceType: t,
			CompliantSummary:    &CompliantSummary{CompliantCount: &cc, SeveritySummary: c.cSev.summary()},
			NonCompliantSummary: &NonCompliantSummary{NonCompliantCount: &nc, SeveritySummary: c.nSev.summary()},
		})
	}
	return items, nil
}

// ListComplianceSummaries counts, per compliance type, the compliant and
// the non-compliant resources, each by its overall severity (see
// resourceCompliance). Filters are those of
// ListResourceComplianceSummaries and select the resources counted.
// Types are listed in alphabetical order.
func (s *Service) ListComplianceSummaries(ctx context.Context, in *ListComplianceSummariesRequest) (*ListComplianceSummariesResult, error) {
	out := &ListComplianceSummariesResult{ComplianceSummaryItems: []ComplianceSummaryItem{}}
	err := s.read(ctx, func(sc *scope) error {
		items, err := complianceSummaryItems(sc, in.Filters)
		if err != nil {
			return err
		}
		keys := make([]string, len(items))
		for i, it := range items {
			keys[i] = opsDataSeg(it.ComplianceType)
		}
		lo, hi, next, err := opsDataPage(sc, "ListComplianceSummaries", keys, in.NextToken, in.MaxResults, opsDataPageSize, newErr("InvalidNextToken", ""))
		if err != nil {
			return err
		}
		out.ComplianceSummaryItems = append(out.ComplianceSummaryItems, items[lo:hi]...)
		out.NextToken = next
		return nil
	})
	return out, err
}

// ComplianceSummaries is what ListComplianceSummaries answers in an
// account and region (every page): what services reading Systems Manager
// on the account's behalf, such as Audit Manager collecting evidence, see.
func (s *Service) ComplianceSummaries(tx store.Tx, account, region string) ([]ComplianceSummaryItem, error) {
	return complianceSummaryItems(&scope{tx: tx, now: s.opt.Clock.Now(), account: account, region: region}, nil)
}
