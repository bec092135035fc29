package server

import (
	"net/http"
	"strings"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/protocol"
	"github.com/orgstack/orgstack/internal/protocol/awsquery"
	"github.com/orgstack/orgstack/internal/sigv4"
	"github.com/orgstack/orgstack/internal/wire"
)

// route finds the service and operation of a request by the cheapest
// reliable signal: the signature's credential scope, then X-Amz-Target,
// then Action+Version, then the rest-json route tables. svc is nil when
// no service claims the request.
func (s *Server) route(r *http.Request, body []byte, auth *sigv4.Auth) (svc *Service, op *wire.Operation, labels map[string]string, err *orgstack.Error) {
	target := r.Header.Get(protocol.HeaderAmzTarget)
	if auth != nil {
		svc = s.bySigning[auth.Service]
	}
	if svc == nil && target != "" {
		if i := strings.LastIndexByte(target, '.'); i > 0 {
			svc = s.byTarget[target[:i]]
		}
	}
	var form map[string][]string
	var formErr error
	if svc == nil || svc.Model.Protocol == "query" {
		form, formErr = awsquery.Form(r, queryBody(r, body))
		if formErr == nil && svc == nil {
			if v := form["Version"]; len(v) > 0 {
				svc = s.byVersion[v[0]]
			}
		}
	}
	if svc == nil && target == "" {
		for _, rs := range s.rest {
			if o, lb, _ := rs.router.Match(r.Method, r.URL); o != nil {
				return rs, o, lb, nil
			}
		}
	}
	if svc == nil {
		return nil, nil, nil, orgstack.NewError("UnknownOperationException", http.StatusBadRequest,
			"The request does not name an operation of a service this endpoint serves.")
	}
	m := svc.Model
	switch m.Protocol {
	case "json":
		if e := jsonRequestError(r); e != nil {
			return svc, nil, nil, e
		}
		name, ok := strings.CutPrefix(target, m.TargetPrefix+".")
		if ok {
			op = m.Operation(name)
		}
		if op == nil {
			return svc, nil, nil, orgstack.NewError("UnknownOperationException", http.StatusBadRequest, "")
		}
	case "query":
		if formErr != nil {
			return svc, nil, nil, awsquery.MalformedQueryString()
		}
		var action string
		if v := form["Action"]; len(v) > 0 {
			action = v[0]
		}
		if action == "" {
			return svc, nil, nil, orgstack.NewError("MissingAction", http.StatusBadRequest,
				"The request is missing an action or a required parameter.")
		}
		op = m.Operation(action)
		if op == nil {
			return svc, nil, nil, orgstack.NewError("InvalidAction", http.StatusBadRequest,
				"Could not find operation "+action+" for version "+m.APIVersion)
		}
	case "rest-json":
		var pathMatched bool
		op, labels, pathMatched = svc.router.Match(r.Method, r.URL)
		if op == nil {
			if pathMatched {
				return svc, nil, nil, orgstack.NewError("UnknownOperationException", http.StatusMethodNotAllowed, "The requested method is not supported for this resource.")
			}
			return svc, nil, nil, orgstack.NewError("UnknownOperationException", http.StatusNotFound, "The requested resource does not exist.")
		}
	}
	return svc, op, labels, nil
}

// jsonRequestError refuses what the JSON protocols cannot carry: a method
// other than POST, or a body declared as something other than JSON. AWS
// dispatches JSON operations only for POST with a JSON content type.
func jsonRequestError(r *http.Request) *orgstack.Error {
	if r.Method != http.MethodPost {
		return orgstack.NewError("UnknownOperationException", http.StatusBadRequest,
			"The JSON protocol accepts only POST requests; this request used "+r.Method+".")
	}
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	switch strings.ToLower(strings.TrimSpace(ct)) {
	case protocol.ContentTypeJSON, protocol.ContentTypeJSON0, "application/json":
		return nil
	}
	return orgstack.NewError("UnknownOperationException", http.StatusBadRequest,
		"The request's Content-Type must be "+protocol.ContentTypeJSON+".")
}

// queryBody returns the body when it can be a query-protocol form.
func queryBody(r *http.Request, body []byte) []byte {
	ct := r.Header.Get("Content-Type")
	if r.Method != http.MethodPost || strings.Contains(ct, "json") {
		return nil
	}
	return body
}
