package auditmanager

import (
	"context"
	"slices"
)

// errInactive refuses a change to an INACTIVE assessment, which AWS
// documents as read-only. // unconfirmed wording
func errInactive(id string) error {
	return errValidation("The assessment " + id + " is inactive. An inactive assessment is read-only and can't be changed.")
}

// UpdateAssessment edits one of the caller's ACTIVE assessments: its
// scope (required, checked again as at creation, see checkScope), and
// when given its name, description, roles (at least one PROCESS_OWNER)
// and report destination. Parts left out stay as they were. A change of
// the accounts in scope is passed on to evidence collection.
func (s *Service) UpdateAssessment(ctx context.Context, in *UpdateAssessmentRequest) (*UpdateAssessmentResponse, error) {
	var out *UpdateAssessmentResponse
	err := s.writeRegistered(ctx, func(sc *scope) error {
		a, err := callerAssessment(sc, in.AssessmentId)
		if err != nil {
			return err
		}
		if a.Status != string(AssessmentStatusActive) {
			return errInactive(a.ID)
		}
		pos, err := s.orgView(sc)
		if err != nil {
			return err
		}
		accounts, err := s.checkScope(sc, pos, in.Scope)
		if err != nil {
			return err
		}
		if in.Roles != nil {
			roles, err := checkRoles(in.Roles, false)
			if err != nil {
				return err
			}
			a.Roles = roles
		}
		if in.AssessmentName != "" {
			a.Name = in.AssessmentName
		}
		if in.AssessmentDescription != "" {
			a.Description = in.AssessmentDescription
		}
		if d := in.AssessmentReportsDestination; d != nil {
			a.Destination = destinationRecord{Type: string(d.DestinationType), Destination: d.Destination}
		}
		before := a.ScopeAccounts
		a.setScope(accounts)
		a.Updated = sc.now
		if err := putAssessment(sc.tx, a); err != nil {
			return err
		}
		if !slices.Equal(before, a.ScopeAccounts) {
			if err := s.assessmentChanged(sc.tx, sc.now, a.Owner, a.Region, a.ID); err != nil {
				return err
			}
		}
		out = &UpdateAssessmentResponse{Assessment: a.assessment()}
		return nil
	})
	return out, err
}

// UpdateAssessmentStatus makes one of the caller's assessments INACTIVE,
// which AWS documents as irreversible: evidence collection stops, every
// control set becomes REVIEWED and so does every control UNDER_REVIEW.
// Asking for the status the assessment has changes nothing; asking an
// INACTIVE assessment to be ACTIVE again is a ValidationException.
func (s *Service) UpdateAssessmentStatus(ctx context.Context, in *UpdateAssessmentStatusRequest) (*UpdateAssessmentStatusResponse, error) {
	var out *UpdateAssessmentStatusResponse
	err := s.writeRegistered(ctx, func(sc *scope) error {
		a, err := callerAssessment(sc, in.AssessmentId)
		if err != nil {
			return err
		}
		switch {
		case a.Status == string(in.Status):
		case in.Status == AssessmentStatusActive:
			return errValidation("The assessment " + a.ID + " is inactive. You can't make an inactive assessment active again.") // unconfirmed
		default:
			a.Status, a.Updated = string(AssessmentStatusInactive), sc.now
			for i := range a.ControlSets {
				a.ControlSets[i].Status = string(ControlSetStatusReviewed)
				for j := range a.ControlSets[i].Controls {
					if c := &a.ControlSets[i].Controls[j]; c.Status == string(ControlStatusUnderReview) {
						c.Status = string(ControlStatusReviewed)
					}
				}
			}
			if err := putAssessment(sc.tx, a); err != nil {
				return err
			}
			if err := s.assessmentChanged(sc.tx, sc.now, a.Owner, a.Region, a.ID); err != nil {
				return err
			}
		}
		out = &UpdateAssessmentStatusResponse{Assessment: a.assessment()}
		return nil
	})
	return out, err
}

// DeleteAssessment deletes one of the caller's assessments; its evidence
// goes with it.
func (s *Service) DeleteAssessment(ctx context.Context, in *DeleteAssessmentRequest) (*DeleteAssessmentResponse, error) {
	err := s.writeRegistered(ctx, func(sc *scope) error {
		a, err := callerAssessment(sc, in.AssessmentId)
		if err != nil {
			return err
		}
		if err := deleteAssessment(sc.tx, a); err != nil {
			return err
		}
		return s.assessmentDeleted(sc.tx, a.Owner, a.Region, a.ID)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteAssessmentResponse{}, nil
}
