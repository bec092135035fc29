// Package iam implements AWS Identity and Access Management for every
// account orgstack knows: roles (service-linked ones included) now; users,
// keys and policies as the authorization work adds them.
//
// Each account's IAM lives under iam/<account>/ in the store. Other
// services create roles through the exported methods that take a store
// transaction, so a role appears in the same commit as the change that
// made it.
package iam

import (
	"context"
	"errors"
	"net/http"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/wire"
)

// Options configures a Service.
type Options struct {
	Store store.Store
	Clock orgstack.Clock
}

// Service implements the IAM API; its exported methods named after
// operations are the operations (see BindHandlers). It is safe for
// concurrent use.
type Service struct {
	opt Options
}

// New returns a Service.
func New(opt Options) *Service { return &Service{opt: opt} }

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
