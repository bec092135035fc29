package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/sigv4"
	"github.com/orgstack/orgstack/internal/wire"
)

// Service returns the configured service whose model ID (endpoint prefix,
// e.g. "organizations") or service ID ("Organizations") is name.
func (s *Server) Service(name string) *Service {
	for _, svc := range s.cfg.Services {
		if svc.Model.ID == name || svc.Model.ServiceID == name {
			return svc
		}
	}
	return nil
}

// Invoke runs one operation for caller the way an API request runs once
// it is decoded: the input is bound and validated against the model,
// authorized (enforce mode) and handed to the operation's handler. input
// is in the canonical value form wire.Bind takes (member names of the
// model; nil for none). It returns the operation and the handler's typed
// output. Errors are what a client of the API would get: an
// *orgstack.Error (internal failures are logged and hidden).
//
// orgstack's own front ends (the console) call it, so they go exactly
// the API's way and never around it.
func (s *Server) Invoke(ctx context.Context, caller orgstack.Caller, service, operation string, input map[string]any, remoteAddr string) (*wire.Operation, any, error) {
	c := &call{requestID: orgstack.NewUUID(), caller: caller}
	if rc := requestCall(ctx); rc != nil && rc.kind == KindConsole {
		// The console's page request is made by this identity.
		rc.setCaller(caller)
	}
	svc := s.Service(service)
	if svc == nil {
		return nil, nil, orgstack.NewError("UnknownOperationException", http.StatusBadRequest, "No service "+service+" is served here.")
	}
	c.svc = svc
	op := svc.Model.Operation(operation)
	if op == nil {
		return nil, nil, orgstack.NewError("UnknownOperationException", http.StatusBadRequest, "The service "+service+" has no operation "+operation+".")
	}
	c.op = op
	h := svc.Handlers[op.Name]
	if h == nil {
		return op, nil, orgstack.NotImplemented(svc.Model.ServiceID, op.Name)
	}
	ctx = orgstack.WithCaller(orgstack.WithRequestID(ctx, c.requestID), caller)
	in := op.NewInput()
	if in != nil {
		if input == nil {
			input = map[string]any{}
		}
		if vs := wire.Bind(op.Input, input, in); len(vs) > 0 {
			return op, nil, svc.Validation(op, vs)
		}
	}
	r := &http.Request{RemoteAddr: remoteAddr}
	if err := s.authorize(ctx, r, svc, op, in, caller); err != nil {
		return op, nil, s.clientError(c, err)
	}
	start := time.Now()
	out, err := h(ctx, in)
	if err != nil {
		err = s.clientError(c, err)
	}
	s.log.Debug("console call", "request_id", c.requestID, "service", svc.Model.ServiceID, "operation", op.Name,
		"account", caller.AccountID, "duration", time.Since(start), "error", err)
	return op, out, err
}

// Authenticate returns the caller behind a set of credentials, as a
// request signed with them would be identified: it signs a request with
// the key and runs the server's identity on it. In enforce mode a wrong
// secret, an unknown key or an expired session is an error the client
// would get.
func (s *Server) Authenticate(ctx context.Context, accessKey, secret, sessionToken, region string) (orgstack.Caller, error) {
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://orgstack/", bytes.NewReader(body))
	if err != nil {
		return orgstack.Caller{}, err
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sigv4.Sign(r, body, accessKey, secret, sessionToken, region, "sts", time.Now())
	a, err := sigv4.Parse(r)
	if err != nil {
		return orgstack.Caller{}, apiError(err, "query")
	}
	caller, err := s.cfg.Identity.Caller(ctx, r, body, a)
	if err != nil {
		var e *orgstack.Error
		if errors.As(err, &e) {
			return orgstack.Caller{}, e
		}
		return orgstack.Caller{}, apiError(err, "query")
	}
	return caller, nil
}
