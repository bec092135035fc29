// Package auditmanager holds AWS Audit Manager's generated model. No
// operation is implemented yet: the server answers each with
// NotImplemented.
package auditmanager

import (
	"net/http"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/wire"
)

// Validation turns model-constraint violations into Audit Manager's
// ValidationException, with reason fieldValidationFailed and one entry in
// fields per violation.
func Validation(_ *wire.Operation, vs []wire.Violation) *orgstack.Error {
	fields := make([]ValidationExceptionField, len(vs))
	for i, v := range vs {
		fields[i] = ValidationExceptionField{Name: v.Path, Message: v.Constraint()}
	}
	return orgstack.NewError("ValidationException", http.StatusBadRequest, wire.Message(vs)).
		With("reason", "fieldValidationFailed").
		With("fields", fields)
}
