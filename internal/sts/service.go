// Package sts implements the AWS Security Token Service: who the caller
// is now, and (with the authorization work) role sessions.
package sts

import (
	"context"
	"errors"
	"net/http"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/wire"
)

// Service implements the STS API.
type Service struct{}

// New returns a Service.
func New() *Service { return &Service{} }

// Validation turns model-constraint violations into STS's ValidationError.
func Validation(_ *wire.Operation, vs []wire.Violation) *orgstack.Error {
	return orgstack.NewError("ValidationError", http.StatusBadRequest, wire.Message(vs))
}

// GetCallerIdentity tells the caller who it is. It needs no permission.
func (s *Service) GetCallerIdentity(ctx context.Context, _ *GetCallerIdentityRequest) (*GetCallerIdentityResponse, error) {
	c, ok := orgstack.CallerFrom(ctx)
	if !ok {
		return nil, errors.New("sts: no caller in context")
	}
	return &GetCallerIdentityResponse{UserId: c.UserID, Account: c.AccountID, Arn: c.ARN}, nil
}
