// Package iam implements AWS Identity and Access Management for every
// account orgstack knows: users and their access keys, roles
// (service-linked ones included), inline policies, customer-managed
// policies with their versions, and the AWS-managed policies orgstack
// knows.
//
// Each account's IAM lives under iam/<account>/ in the store; access keys
// are also indexed globally under iamkey/<AccessKeyId>, so that the server
// finds the principal behind any key in one read (see AccessKey). Other
// services create roles through the exported methods that take a store
// transaction, so a role appears in the same commit as the change that
// made it, and policy evaluation reads a principal's policies through
// PrincipalOf in the transaction that serves the request.
package iam

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/wire"
)

// Options configures a Service.
type Options struct {
	Store store.Store
	Clock orgstack.Clock
	Jobs  *jobs.Queue
	// ServiceRoles knows the service-linked roles AWS services define and
	// whether a service still uses one.
	ServiceRoles ServiceRoles
}

// ServiceRoleDefinition is what CreateServiceLinkedRole needs to know of a
// service's role.
type ServiceRoleDefinition struct {
	RoleName            string
	PolicyARN           string
	Description         string
	CustomSuffixAllowed bool
}

// RoleUsage is one region's resources that still use a service-linked role.
type RoleUsage struct {
	Region    string
	Resources []string
}

// ServiceRoles is what IAM needs from the catalogue of AWS services and
// from Organizations.
type ServiceRoles interface {
	// ServiceRole returns the definition of the role the service with the
	// given principal (CreateServiceLinkedRole's AWSServiceName) uses.
	ServiceRole(servicePrincipal string) (ServiceRoleDefinition, bool)
	// InUse reports whether a service still needs its service-linked role
	// in account, and if so why and where.
	InUse(tx store.Tx, account, servicePrincipal, roleName string) (inUse bool, reason string, usage []RoleUsage, err error)
}

// Service implements the IAM API; its exported methods named after
// operations are the operations (see BindHandlers). It is safe for
// concurrent use.
type Service struct {
	opt       Options
	simulator Simulator
}

// Job kinds.
const jobDeleteSLR = "iam.delete-service-linked-role"

// New returns a Service and registers its job handlers on opt.Jobs.
func New(opt Options) *Service {
	s := &Service{opt: opt}
	if opt.Jobs != nil {
		opt.Jobs.Handle(jobDeleteSLR, s.runDeleteSLR)
	}
	return s
}

// Validation turns model-constraint violations into IAM's ValidationError.
func Validation(_ *wire.Operation, vs []wire.Violation) *orgstack.Error {
	return orgstack.NewError("ValidationError", http.StatusBadRequest, wire.Message(vs))
}

func callerOf(ctx context.Context) (orgstack.Caller, error) {
	c, ok := orgstack.CallerFrom(ctx)
	if !ok {
		return c, errors.New("iam: no caller in context")
	}
	return c, nil
}

// write runs fn in a read-write transaction for the caller's account.
func (s *Service) write(ctx context.Context, fn func(tx store.Tx, c orgstack.Caller, now time.Time) error) error {
	c, err := callerOf(ctx)
	if err != nil {
		return err
	}
	return s.opt.Store.Update(ctx, func(tx store.Tx) error { return fn(tx, c, s.opt.Clock.Now().Truncate(time.Second)) })
}

// read runs fn in a read-only transaction for the caller's account.
func (s *Service) read(ctx context.Context, fn func(tx store.Tx, c orgstack.Caller) error) error {
	c, err := callerOf(ctx)
	if err != nil {
		return err
	}
	return s.opt.Store.View(ctx, func(tx store.Tx) error { return fn(tx, c) })
}

func errNoSuchEntity(msg string) *orgstack.Error {
	return orgstack.NewError("NoSuchEntity", http.StatusNotFound, msg)
}

func errInvalidInput(msg string) *orgstack.Error {
	return orgstack.NewError("InvalidInput", http.StatusBadRequest, msg)
}

func errEntityAlreadyExists(msg string) *orgstack.Error {
	return orgstack.NewError("EntityAlreadyExists", http.StatusConflict, msg)
}

func errDeleteConflict(msg string) *orgstack.Error {
	return orgstack.NewError("DeleteConflict", http.StatusConflict, msg)
}

func errLimitExceeded(msg string) *orgstack.Error {
	return orgstack.NewError("LimitExceeded", http.StatusConflict, msg)
}

func errValidation(msg string) *orgstack.Error {
	return orgstack.NewError("ValidationError", http.StatusBadRequest, msg)
}

func errMalformedPolicy(msg string) *orgstack.Error {
	return orgstack.NewError("MalformedPolicyDocument", http.StatusBadRequest, msg)
}

func errUnmodifiable(msg string) *orgstack.Error {
	return orgstack.NewError("UnmodifiableEntity", http.StatusBadRequest, msg)
}

// errProtected is IAM's answer to changing a service-linked role.
func errProtected(role string) *orgstack.Error {
	return errUnmodifiable("Cannot perform the operation on the protected role '" + role + "' - this role is only modifiable by AWS")
}
