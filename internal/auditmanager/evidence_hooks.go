package auditmanager

import (
	"time"

	"github.com/orgstack/orgstack/internal/store"
)

// assessmentChanged is called, inside the transaction, whenever an
// assessment is created or its status or scope changes: evidence
// collection starts, resumes or stops accordingly.
func (s *Service) assessmentChanged(tx store.Tx, now time.Time, owner, region, assessmentID string) error {
	return s.scheduleEvidence(tx, now, owner, region, assessmentID, 0)
}

// assessmentDeleted is called, inside the transaction, when an assessment
// is deleted: its evidence goes with it.
func (s *Service) assessmentDeleted(tx store.Tx, owner, region, assessmentID string) error {
	return store.DeletePrefix(tx, kEvidencePrefix(owner, region, assessmentID))
}
