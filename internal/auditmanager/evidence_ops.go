package auditmanager

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/orgstack/orgstack/internal/paging"
	"github.com/orgstack/orgstack/internal/store"
)

// evidencePageSize is the page size of the evidence listings when
// maxResults is not given (their maximum). // unconfirmed
const evidencePageSize = 1000

// evidencePage pages a key range of the evidence of an assessment. Its
// token is the last key of the page, relative to the listing's prefix.
func evidencePage(tx store.Tx, prefix, token string, max *int32, collect func(value []byte) error) (string, error) {
	after := ""
	if token != "" {
		raw, err := base64.StdEncoding.DecodeString(token)
		if err != nil || len(raw) == 0 {
			return "", errValidation("The nextToken that you provided isn't valid.") // unconfirmed
		}
		after = prefix + string(raw)
	}
	limit := evidencePageSize
	if max != nil {
		limit = int(*max)
	}
	last, more, err := paging.Range{Prefix: prefix, After: after, Limit: limit}.Page(tx, nil, func(_ string, v []byte) error {
		return collect(v)
	})
	if err != nil || !more {
		return "", err
	}
	return base64.StdEncoding.EncodeToString([]byte(strings.TrimPrefix(last, prefix))), nil
}

// ownAssessment returns an assessment of the caller's account in its
// region, or ResourceNotFoundException.
func ownAssessment(sc *scope, id string) (*assessmentRecord, error) {
	a, err := getAssessment(sc.tx, sc.account, sc.region, id)
	if isNotFound(err) {
		return nil, errAssessmentNotFound(id)
	}
	return a, err
}

func (f *folderRecord) api(assessment string) AssessmentEvidenceFolder {
	n := func(v int) *int32 { x := int32(v); return &x }
	return AssessmentEvidenceFolder{
		Name: f.Name, Date: f.Date, AssessmentId: assessment, ControlSetId: f.ControlSetID, ControlId: f.ControlID,
		Id: f.ID, DataSource: f.DataSource, ControlName: f.ControlName,
		TotalEvidence:                            n(f.Total),
		AssessmentReportSelectionCount:           n(0),
		EvidenceResourcesIncludedCount:           n(f.Resources),
		EvidenceByTypeConfigurationDataCount:     n(f.ConfigData),
		EvidenceByTypeManualCount:                n(0),
		EvidenceByTypeComplianceCheckCount:       n(0),
		EvidenceByTypeComplianceCheckIssuesCount: n(0),
		EvidenceByTypeUserActivityCount:          n(0),
		EvidenceAwsServiceSourceCount:            n(len(f.Services)),
	}
}

func decodeFolder(v []byte) (*folderRecord, error) {
	var f folderRecord
	if err := json.Unmarshal(v, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// folderOf returns an evidence folder of an assessment's control set.
func folderOf(sc *scope, a *assessmentRecord, controlSet, folder string) (*folderRecord, error) {
	notFound := errNoSuch("EVIDENCE_FOLDER", folder) // unconfirmed resourceType
	key, err := sc.tx.Get(kFolderID(a.Owner, a.Region, a.ID, folder))
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	v, err := sc.tx.Get(string(key))
	if err != nil {
		return nil, err
	}
	f, err := decodeFolder(v)
	if err != nil {
		return nil, err
	}
	if f.ControlSetID != controlSet {
		return nil, notFound
	}
	return f, nil
}

// GetEvidenceFoldersByAssessment lists the evidence folders of an
// assessment: one per control per day evidence was collected.
func (s *Service) GetEvidenceFoldersByAssessment(ctx context.Context, in *GetEvidenceFoldersByAssessmentRequest) (*GetEvidenceFoldersByAssessmentResponse, error) {
	out := &GetEvidenceFoldersByAssessmentResponse{EvidenceFolders: []AssessmentEvidenceFolder{}}
	err := s.readRegistered(ctx, func(sc *scope) error {
		a, err := ownAssessment(sc, in.AssessmentId)
		if err != nil {
			return err
		}
		out.NextToken, err = evidencePage(sc.tx, kFolderPrefix(a.Owner, a.Region, a.ID), in.NextToken, in.MaxResults, func(v []byte) error {
			f, err := decodeFolder(v)
			if err == nil {
				out.EvidenceFolders = append(out.EvidenceFolders, f.api(a.ID))
			}
			return err
		})
		return err
	})
	return out, err
}

// GetEvidenceFoldersByAssessmentControl lists the evidence folders of one
// control of an assessment, oldest first.
func (s *Service) GetEvidenceFoldersByAssessmentControl(ctx context.Context, in *GetEvidenceFoldersByAssessmentControlRequest) (*GetEvidenceFoldersByAssessmentControlResponse, error) {
	out := &GetEvidenceFoldersByAssessmentControlResponse{EvidenceFolders: []AssessmentEvidenceFolder{}}
	err := s.readRegistered(ctx, func(sc *scope) error {
		a, err := ownAssessment(sc, in.AssessmentId)
		if err != nil {
			return err
		}
		if !a.hasControl(in.ControlSetId, in.ControlId) {
			return errNoSuch(resourceControl, in.ControlId)
		}
		p := kControlFolderPrefix(a.Owner, a.Region, a.ID, in.ControlSetId, in.ControlId)
		out.NextToken, err = evidencePage(sc.tx, p, in.NextToken, in.MaxResults, func(v []byte) error {
			f, err := decodeFolder(v)
			if err == nil {
				out.EvidenceFolders = append(out.EvidenceFolders, f.api(a.ID))
			}
			return err
		})
		return err
	})
	return out, err
}

// GetEvidenceFolder returns one evidence folder.
func (s *Service) GetEvidenceFolder(ctx context.Context, in *GetEvidenceFolderRequest) (*GetEvidenceFolderResponse, error) {
	var out *GetEvidenceFolderResponse
	err := s.readRegistered(ctx, func(sc *scope) error {
		a, err := ownAssessment(sc, in.AssessmentId)
		if err != nil {
			return err
		}
		f, err := folderOf(sc, a, in.ControlSetId, in.EvidenceFolderId)
		if err != nil {
			return err
		}
		api := f.api(a.ID)
		out = &GetEvidenceFolderResponse{EvidenceFolder: &api}
		return nil
	})
	return out, err
}

// GetEvidenceByEvidenceFolder lists the evidence of a folder in the order
// it was collected.
func (s *Service) GetEvidenceByEvidenceFolder(ctx context.Context, in *GetEvidenceByEvidenceFolderRequest) (*GetEvidenceByEvidenceFolderResponse, error) {
	out := &GetEvidenceByEvidenceFolderResponse{Evidence: []Evidence{}}
	err := s.readRegistered(ctx, func(sc *scope) error {
		a, err := ownAssessment(sc, in.AssessmentId)
		if err != nil {
			return err
		}
		f, err := folderOf(sc, a, in.ControlSetId, in.EvidenceFolderId)
		if err != nil {
			return err
		}
		out.NextToken, err = evidencePage(sc.tx, kItemPrefix(a.Owner, a.Region, a.ID, f.ID), in.NextToken, in.MaxResults, func(v []byte) error {
			var e evidenceRecord
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			out.Evidence = append(out.Evidence, e.Evidence)
			return nil
		})
		return err
	})
	return out, err
}

// GetEvidence returns one piece of evidence.
func (s *Service) GetEvidence(ctx context.Context, in *GetEvidenceRequest) (*GetEvidenceResponse, error) {
	var out *GetEvidenceResponse
	err := s.readRegistered(ctx, func(sc *scope) error {
		a, err := ownAssessment(sc, in.AssessmentId)
		if err != nil {
			return err
		}
		if _, err := folderOf(sc, a, in.ControlSetId, in.EvidenceFolderId); err != nil {
			return err
		}
		notFound := errNoSuch("EVIDENCE", in.EvidenceId) // unconfirmed resourceType
		key, err := sc.tx.Get(kEvidenceID(a.Owner, a.Region, a.ID, in.EvidenceId))
		if errors.Is(err, store.ErrNotFound) {
			return notFound
		}
		if err != nil {
			return err
		}
		var e evidenceRecord
		if err := store.GetJSON(sc.tx, string(key), &e); err != nil {
			return err
		}
		if e.EvidenceFolderId != in.EvidenceFolderId {
			return notFound
		}
		out = &GetEvidenceResponse{Evidence: &e.Evidence}
		return nil
	})
	return out, err
}
