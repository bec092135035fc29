// Package sts implements the AWS Security Token Service: who the caller
// is, and role sessions — AssumeRole with the role's trust policy
// evaluated, temporary credentials with a session token and an expiry,
// honoured in both modes.
package sts

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/wire"
)

// RoleInfo is what AssumeRole needs to know of a role.
type RoleInfo struct {
	ARN                string
	ID                 string
	Name               string
	TrustPolicy        string
	MaxSessionDuration int32
}

// Roles is what STS needs from IAM.
type Roles interface {
	// AssumableRole returns a role of an account by name.
	AssumableRole(tx store.Tx, account, name string) (RoleInfo, bool, error)
	// ManagedPolicyDocument returns the default version of a managed
	// policy by ARN (session policies given as PolicyArns).
	ManagedPolicyDocument(tx store.Tx, arn string) (string, bool, error)
}

// CallerKeys gives the global condition keys of a caller as a resource
// policy sees them (aws:PrincipalOrgID, aws:PrincipalAccount,
// aws:PrincipalTag/…, aws:TokenIssueTime, …).
type CallerKeys interface {
	ConditionKeys(tx store.Tx, c orgstack.Caller) (map[string][]string, error)
}

// Options configures a Service.
type Options struct {
	Store store.Store
	Clock orgstack.Clock
	Roles Roles
	// Keys, when set, supplies the caller's global condition keys to
	// trust policies; without it trust policies see only sts: keys.
	Keys CallerKeys
}

// Service implements the STS API. It is safe for concurrent use.
type Service struct {
	opt Options
}

// New returns a Service.
func New(opt Options) *Service { return &Service{opt: opt} }

// Validation turns model-constraint violations into STS's ValidationError.
func Validation(_ *wire.Operation, vs []wire.Violation) *orgstack.Error {
	return orgstack.NewError("ValidationError", http.StatusBadRequest, wire.Message(vs))
}

// AccessDenied is STS's refusal.
func AccessDenied(message string) *orgstack.Error {
	return orgstack.NewError("AccessDenied", http.StatusForbidden, message)
}

func callerOf(ctx context.Context) (orgstack.Caller, error) {
	c, ok := orgstack.CallerFrom(ctx)
	if !ok {
		return c, errors.New("sts: no caller in context")
	}
	return c, nil
}

// GetCallerIdentity tells the caller who it is. It needs no permission.
func (s *Service) GetCallerIdentity(ctx context.Context, _ *GetCallerIdentityRequest) (*GetCallerIdentityResponse, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	return &GetCallerIdentityResponse{UserId: c.UserID, Account: c.AccountID, Arn: c.ARN}, nil
}

// now is the service clock's time, to the millisecond.
func (s *Service) now() time.Time { return s.opt.Clock.Now().Truncate(time.Millisecond) }

// Describe gives the resource an STS operation is authorized against:
// the role for AssumeRole.
func Describe(_ context.Context, _ string, in any, _ orgstack.Caller) ([]string, map[string][]string, error) {
	if x, ok := in.(*AssumeRoleRequest); ok {
		return []string{x.RoleArn}, nil, nil
	}
	return nil, nil, nil
}
