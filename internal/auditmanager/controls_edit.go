package auditmanager

import (
	"context"
	"encoding/json"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// UpdateControl replaces a custom control's name, texts and mapping
// sources (the request describes the whole control; an optional text left
// out is cleared — unconfirmed). A source whose sourceId names one of the
// control's sources keeps that id; any other source gets a new UUID.
// Assessments created earlier keep the copy of the control they took.
func (s *Service) UpdateControl(ctx context.Context, in *UpdateControlRequest) (*UpdateControlResponse, error) {
	var out *UpdateControlResponse
	err := s.writeRegistered(ctx, func(sc *scope) error {
		c, err := getControl(sc, in.ControlId)
		if err != nil {
			return err
		}
		known := map[string]bool{}
		for _, src := range c.Sources {
			known[src.ID] = true
		}
		sources := make([]sourceRecord, 0, len(in.ControlMappingSources))
		for _, m := range in.ControlMappingSources {
			id := m.SourceId
			if !known[id] {
				id = orgstack.NewUUID()
			}
			delete(known, id) // a source id is kept at most once
			src, err := newSource("controlMappingSources", id, m.SourceName, m.SourceDescription,
				m.SourceSetUpOption, m.SourceType, m.SourceKeyword, m.SourceFrequency, m.TroubleshootingText)
			if err != nil {
				return err
			}
			sources = append(sources, src)
		}
		c.Name, c.Description, c.TestingInformation = in.Name, in.Description, in.TestingInformation
		c.ActionPlanTitle, c.ActionPlanInstructions = in.ActionPlanTitle, in.ActionPlanInstructions
		c.Sources, c.Updated, c.UpdatedBy = sources, sc.now, actorName(sc.caller)
		if err := store.PutJSON(sc.tx, kControl(sc.account, sc.region, c.ID), c); err != nil {
			return err
		}
		out = &UpdateControlResponse{Control: c.control(sc)}
		return nil
	})
	return out, err
}

// DeleteControl deletes a custom control. As the model documents, the
// control also leaves every framework and assessment of the caller that
// contains it, and evidence collection for it stops.
func (s *Service) DeleteControl(ctx context.Context, in *DeleteControlRequest) (*DeleteControlResponse, error) {
	err := s.writeRegistered(ctx, func(sc *scope) error {
		if _, err := getControl(sc, in.ControlId); err != nil {
			return err
		}
		if err := sc.tx.Delete(kControl(sc.account, sc.region, in.ControlId)); err != nil {
			return err
		}
		if err := dropControlFromFrameworks(sc, in.ControlId); err != nil {
			return err
		}
		return s.dropControlFromAssessments(sc, in.ControlId)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteControlResponse{}, nil
}

// dropControlFromFrameworks removes a control from the caller's
// frameworks. A control set left empty stays, empty.
func dropControlFromFrameworks(sc *scope, controlID string) error {
	var changed []*frameworkRecord
	err := sc.tx.Scan(kFrameworkPrefix(sc.account, sc.region), "", func(_ string, v []byte) (bool, error) {
		var f frameworkRecord
		if err := json.Unmarshal(v, &f); err != nil {
			return false, err
		}
		hit := false
		for i := range f.ControlSets {
			kept := f.ControlSets[i].Controls[:0]
			for _, id := range f.ControlSets[i].Controls {
				if id == controlID {
					hit = true
					continue
				}
				kept = append(kept, id)
			}
			f.ControlSets[i].Controls = kept
		}
		if hit {
			changed = append(changed, &f)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, f := range changed {
		f.Updated = sc.now
		if err := store.PutJSON(sc.tx, kFramework(sc.account, sc.region, f.ID), f); err != nil {
			return err
		}
	}
	return nil
}

// dropControlFromAssessments removes a control from the caller's
// assessments and tells evidence collection about each one that changed.
func (s *Service) dropControlFromAssessments(sc *scope, controlID string) error {
	var changed []*assessmentRecord
	err := sc.tx.Scan(kAssessmentPrefix(sc.account, sc.region), "", func(_ string, v []byte) (bool, error) {
		var a assessmentRecord
		if err := json.Unmarshal(v, &a); err != nil {
			return false, err
		}
		hit := false
		for i := range a.ControlSets {
			kept := a.ControlSets[i].Controls[:0]
			for _, c := range a.ControlSets[i].Controls {
				if c.ID == controlID {
					hit = true
					continue
				}
				kept = append(kept, c)
			}
			a.ControlSets[i].Controls = kept
		}
		if hit {
			changed = append(changed, &a)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, a := range changed {
		a.Updated = sc.now
		if err := putAssessment(sc.tx, a); err != nil {
			return err
		}
		if err := s.assessmentChanged(sc.tx, sc.now, a.Owner, a.Region, a.ID); err != nil {
			return err
		}
	}
	return nil
}
