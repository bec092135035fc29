// Package ssm holds AWS Systems Manager's generated model. No operation
// is implemented yet: the server answers each with NotImplemented.
package ssm

import (
	"net/http"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/wire"
)

// Validation turns model-constraint violations into SSM's ValidationException.
func Validation(_ *wire.Operation, vs []wire.Violation) *orgstack.Error {
	return orgstack.NewError("ValidationException", http.StatusBadRequest, wire.Message(vs))
}
