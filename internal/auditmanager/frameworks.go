package auditmanager

import (
	"context"
	"encoding/json"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// frameworkRecord is a custom framework as stored under kFramework.
type frameworkRecord struct {
	ID             string               `json:"id"`
	Name           string               `json:"name"`
	Description    string               `json:"description,omitempty"`
	ComplianceType string               `json:"complianceType,omitempty"`
	ControlSets    []frameworkSetRecord `json:"controlSets"`
	Tags           map[string]string    `json:"tags,omitempty"`
	Created        time.Time            `json:"created"`
	Updated        time.Time            `json:"updated"`
	CreatedBy      string               `json:"createdBy"`
	UpdatedBy      string               `json:"updatedBy"`
}

// frameworkSetRecord is a control set of a framework: its name (which is
// also its id, as AWS's responses show) and the ids of its controls.
type frameworkSetRecord struct {
	Name     string   `json:"name"`
	Controls []string `json:"controls"`
}

// getFramework reads one of the caller's custom frameworks
// (ResourceNotFoundException when it has none of that id).
func getFramework(sc *scope, id string) (*frameworkRecord, error) {
	var f frameworkRecord
	if err := getRecord(sc.tx, kFramework(sc.account, sc.region, id), resourceFramework, id, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// controlSetInput is a control set of CreateAssessmentFramework or
// UpdateAssessmentFramework.
type controlSetInput struct {
	id, name string
	controls []CreateAssessmentFrameworkControl
}

// buildControlSets checks a framework's control sets: names are unique
// (unconfirmed: AWS's rule and wording), every control is one of the
// caller's custom controls (ResourceNotFoundException otherwise), and a
// control appears once per set. When current is given (an update), a set
// with an id must name one of its sets.
func buildControlSets(sc *scope, sets []controlSetInput, current []frameworkSetRecord) ([]frameworkSetRecord, error) {
	existing := map[string]bool{}
	for _, cs := range current {
		existing[cs.Name] = true
	}
	names := map[string]bool{}
	out := make([]frameworkSetRecord, 0, len(sets))
	for _, in := range sets {
		if in.id != "" && !existing[in.id] {
			return nil, errField("controlSets.id", "The control set "+in.id+" isn't part of the framework.") // unconfirmed
		}
		if names[in.name] {
			return nil, errField("controlSets.name", "The framework already has a control set named "+in.name+".") // unconfirmed
		}
		names[in.name] = true
		cs := frameworkSetRecord{Name: in.name, Controls: []string{}}
		seen := map[string]bool{}
		for _, c := range in.controls {
			if seen[c.Id] {
				continue
			}
			seen[c.Id] = true
			if _, err := getControl(sc, c.Id); err != nil {
				return nil, err
			}
			cs.Controls = append(cs.Controls, c.Id)
		}
		out = append(out, cs)
	}
	return out, nil
}

// framework renders the record as the API's Framework. Its control sets
// carry the controls' current definitions (AWS calls them partial; these
// are complete); controlSources sums up the data source types of all its
// controls.
func (f *frameworkRecord) framework(sc *scope) (*Framework, error) {
	out := &Framework{
		Arn: libraryARN(sc, "assessmentFramework", f.ID), Id: f.ID, Name: f.Name, Type: FrameworkTypeCustom,
		ComplianceType: f.ComplianceType, Description: f.Description, ControlSets: []ControlSet{},
		CreatedAt: f.Created, LastUpdatedAt: f.Updated, CreatedBy: f.CreatedBy, LastUpdatedBy: f.UpdatedBy,
		Tags: tagsCopy(f.Tags),
	}
	var types []string
	for _, cs := range f.ControlSets {
		set := ControlSet{Id: cs.Name, Name: cs.Name, Controls: []Control{}}
		for _, id := range cs.Controls {
			c, err := getControl(sc, id)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			set.Controls = append(set.Controls, *c.control(sc))
			types = append(types, c.types()...)
		}
		out.ControlSets = append(out.ControlSets, set)
	}
	out.ControlSources = sourcesSummary(types)
	return out, nil
}

// metadata renders the record as the API's AssessmentFrameworkMetadata.
func (f *frameworkRecord) metadata(sc *scope) AssessmentFrameworkMetadata {
	controls := int32(0)
	for _, cs := range f.ControlSets {
		controls += int32(len(cs.Controls))
	}
	sets := int32(len(f.ControlSets))
	return AssessmentFrameworkMetadata{
		Arn: libraryARN(sc, "assessmentFramework", f.ID), Id: f.ID, Type: FrameworkTypeCustom, Name: f.Name,
		Description: f.Description, ComplianceType: f.ComplianceType, ControlsCount: &controls,
		ControlSetsCount: &sets, CreatedAt: f.Created, LastUpdatedAt: f.Updated,
	}
}

// CreateAssessmentFramework creates a custom framework from control sets
// of the caller's custom controls.
func (s *Service) CreateAssessmentFramework(ctx context.Context, in *CreateAssessmentFrameworkRequest) (*CreateAssessmentFrameworkResponse, error) {
	var out *CreateAssessmentFrameworkResponse
	err := s.writeRegistered(ctx, func(sc *scope) error {
		sets := make([]controlSetInput, len(in.ControlSets))
		for i, cs := range in.ControlSets {
			sets[i] = controlSetInput{name: cs.Name, controls: cs.Controls}
		}
		built, err := buildControlSets(sc, sets, nil)
		if err != nil {
			return err
		}
		f := &frameworkRecord{
			ID: orgstack.NewUUID(), Name: in.Name, Description: in.Description, ComplianceType: in.ComplianceType,
			ControlSets: built, Tags: tagsCopy(in.Tags), Created: sc.now, Updated: sc.now,
			CreatedBy: actorName(sc.caller), UpdatedBy: actorName(sc.caller),
		}
		if err := store.PutJSON(sc.tx, kFramework(sc.account, sc.region, f.ID), f); err != nil {
			return err
		}
		fw, err := f.framework(sc)
		out = &CreateAssessmentFrameworkResponse{Framework: fw}
		return err
	})
	return out, err
}

// GetAssessmentFramework returns one of the caller's custom frameworks.
func (s *Service) GetAssessmentFramework(ctx context.Context, in *GetAssessmentFrameworkRequest) (*GetAssessmentFrameworkResponse, error) {
	var out *GetAssessmentFrameworkResponse
	err := s.readRegistered(ctx, func(sc *scope) error {
		f, err := getFramework(sc, in.FrameworkId)
		if err != nil {
			return err
		}
		fw, err := f.framework(sc)
		out = &GetAssessmentFrameworkResponse{Framework: fw}
		return err
	})
	return out, err
}

// ListAssessmentFrameworks lists frameworks of one type: Custom lists the
// caller's custom frameworks in its region; orgstack ships no standard
// frameworks, so Standard lists nothing.
func (s *Service) ListAssessmentFrameworks(ctx context.Context, in *ListAssessmentFrameworksRequest) (*ListAssessmentFrameworksResponse, error) {
	var out *ListAssessmentFrameworksResponse
	err := s.readRegistered(ctx, func(sc *scope) error {
		l, err := newListing(sc, "frameworks:"+string(in.FrameworkType), kFrameworkPrefix(sc.account, sc.region), in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		out = &ListAssessmentFrameworksResponse{FrameworkMetadataList: []AssessmentFrameworkMetadata{}}
		if in.FrameworkType != FrameworkTypeCustom {
			return nil
		}
		out.NextToken, err = l.page(sc.tx, nil, func(_ string, v []byte) error {
			var f frameworkRecord
			if err := json.Unmarshal(v, &f); err != nil {
				return err
			}
			out.FrameworkMetadataList = append(out.FrameworkMetadataList, f.metadata(sc))
			return nil
		})
		return err
	})
	return out, err
}

// UpdateAssessmentFramework replaces a custom framework's name,
// description, compliance type and control sets (an optional text left
// out is cleared — unconfirmed). A control set's id, when given, must be
// the id (name) of one of the framework's sets; the set then takes the
// new name. Assessments created from the framework keep their copy.
func (s *Service) UpdateAssessmentFramework(ctx context.Context, in *UpdateAssessmentFrameworkRequest) (*UpdateAssessmentFrameworkResponse, error) {
	var out *UpdateAssessmentFrameworkResponse
	err := s.writeRegistered(ctx, func(sc *scope) error {
		f, err := getFramework(sc, in.FrameworkId)
		if err != nil {
			return err
		}
		sets := make([]controlSetInput, len(in.ControlSets))
		for i, cs := range in.ControlSets {
			sets[i] = controlSetInput{id: cs.Id, name: cs.Name, controls: cs.Controls}
		}
		built, err := buildControlSets(sc, sets, f.ControlSets)
		if err != nil {
			return err
		}
		f.Name, f.Description, f.ComplianceType, f.ControlSets = in.Name, in.Description, in.ComplianceType, built
		f.Updated, f.UpdatedBy = sc.now, actorName(sc.caller)
		if err := store.PutJSON(sc.tx, kFramework(sc.account, sc.region, f.ID), f); err != nil {
			return err
		}
		fw, err := f.framework(sc)
		out = &UpdateAssessmentFrameworkResponse{Framework: fw}
		return err
	})
	return out, err
}

// DeleteAssessmentFramework deletes a custom framework. Assessments
// created from it keep their copy of its control sets (unconfirmed: AWS
// may refuse while assessments use it).
func (s *Service) DeleteAssessmentFramework(ctx context.Context, in *DeleteAssessmentFrameworkRequest) (*DeleteAssessmentFrameworkResponse, error) {
	err := s.writeRegistered(ctx, func(sc *scope) error {
		if _, err := getFramework(sc, in.FrameworkId); err != nil {
			return err
		}
		return sc.tx.Delete(kFramework(sc.account, sc.region, in.FrameworkId))
	})
	if err != nil {
		return nil, err
	}
	return &DeleteAssessmentFrameworkResponse{}, nil
}
