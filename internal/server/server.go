// Package server is orgstack's HTTP pipeline: request id → which service →
// signature → decode → validate → invoke → encode, with exactly one error
// writer per protocol. It knows services only through their generated
// models, handler tables and codecs.
package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/auth"
	"github.com/orgstack/orgstack/internal/protocol"
	"github.com/orgstack/orgstack/internal/protocol/restjson"
	"github.com/orgstack/orgstack/internal/sigv4"
	"github.com/orgstack/orgstack/internal/wire"
)

// Service is one API served on the endpoint.
type Service struct {
	// Model is the service's generated model.
	Model *wire.Service
	// Handlers are the implemented operations (see the generated
	// BindHandlers). Operations of the model without a handler answer
	// orgstack.NotImplemented.
	Handlers map[string]wire.Handler
	// Codec speaks the service's protocol.
	Codec protocol.Codec
	// Validation turns model-constraint violations into the service's own
	// error (Organizations: InvalidInputException with a Reason; IAM:
	// ValidationError; ...). It is never called with an empty list.
	Validation func(op *wire.Operation, vs []wire.Violation) *orgstack.Error

	// ActionPrefix is the service's IAM action prefix ("organizations").
	ActionPrefix string
	// Describe gives the resources (default "*") and the service's
	// condition keys of a call, for authorization. May be nil.
	Describe func(ctx context.Context, op string, in any, c orgstack.Caller) (resources []string, keys map[string][]string, err error)
	// AccessDenied is the service's refusal with a message.
	AccessDenied func(message string) *orgstack.Error

	router *restjson.Router
}

// Authorizer decides whether a caller may make a request (enforce mode).
type Authorizer interface {
	Authorize(ctx context.Context, c orgstack.Caller, req auth.Request, remoteAddr string) error
}

// Identity decides who made a signed request.
type Identity interface {
	// Caller returns the identity behind auth, or an error the client
	// should see (an *orgstack.Error or a *sigv4.Error).
	Caller(ctx context.Context, r *http.Request, body []byte, auth *sigv4.Auth) (orgstack.Caller, error)
}

// Config configures a Server.
type Config struct {
	Services []*Service
	Identity Identity
	// Authorizer authorizes every operation; nil allows every call (open mode).
	Authorizer Authorizer
	// Admin serves /_orgstack/ and /moto-api/ (may be nil).
	Admin http.Handler
	// Fallback serves requests that are not AWS API calls (the console;
	// may be nil).
	Fallback http.Handler
	Logger   *slog.Logger
	// MaxBodyBytes caps request bodies (default DefaultMaxBodyBytes): a
	// longer one is answered 413 RequestEntityTooLarge, and no more than
	// MaxBodyBytes+1 bytes of it are ever read.
	MaxBodyBytes int64

	// Metrics serves GET /metrics (may be nil).
	Metrics http.Handler
	// Observe, when set, is told of every request once it is answered
	// (for metrics). It must be safe for concurrent use and quick.
	Observe func(*Outcome)
	// RateLimit is how many requests per second each calling account may
	// make on average (0: no limit); RateBurst how many at once. Over it
	// a caller gets its service's throttling error.
	RateLimit float64
	RateBurst int
}

// DefaultMaxBodyBytes is the default cap of request bodies: 10 MiB.
const DefaultMaxBodyBytes = 10 << 20

// Server is an http.Handler serving every configured service on one
// endpoint. It is safe for concurrent use.
type Server struct {
	cfg       Config
	log       *slog.Logger
	bySigning map[string]*Service
	byTarget  map[string]*Service
	byVersion map[string]*Service
	rest      []*Service
	limiter   *limiter
	inFlight  atomic.Int64 // AWS API requests being served
}

// New returns a Server.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, log: cfg.Logger, bySigning: map[string]*Service{}, byTarget: map[string]*Service{}, byVersion: map[string]*Service{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.cfg.MaxBodyBytes <= 0 {
		s.cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	s.limiter = newLimiter(cfg.RateLimit, cfg.RateBurst, nil)
	for _, svc := range cfg.Services {
		m := svc.Model
		s.bySigning[m.SigningName] = svc
		switch m.Protocol {
		case "json":
			s.byTarget[m.TargetPrefix] = svc
		case "query":
			s.byVersion[m.APIVersion] = svc
		case "rest-json":
			svc.router = restjson.NewRouter(m)
			s.rest = append(s.rest, svc)
		}
	}
	return s
}

// Services returns the configured services.
func (s *Server) Services() []*Service { return s.cfg.Services }

// Kinds of request, as logged and counted.
const (
	KindAPI     = "api"     // an AWS API call (or a request that tried to be one)
	KindAdmin   = "admin"   // orgstack's own endpoints: /_orgstack/, /moto-api/
	KindMetrics = "metrics" // GET /metrics
	KindConsole = "console" // the web console, and any other path it answers
)

// Outcome is what the server tells of one answered request: it is logged
// as one line and handed to Config.Observe.
type Outcome struct {
	Kind      string
	RequestID string // the x-amzn-RequestId header of the response
	Method    string
	Path      string
	// Service is the model's service ID ("Organizations") and Operation
	// the operation's name, for API calls that got that far.
	Service   string
	Operation string
	// AccountID and Principal identify the caller once known (for the
	// console, the identity of the signed-in session).
	AccountID string
	Principal string
	Status    int
	ErrorCode string // the AWS error code of an API error; "" on success
	Latency   time.Duration
}

// ServeHTTP implements http.Handler. Every request, of every kind, passes
// here: it gets a request id (the x-amzn-RequestId header), is answered by
// the API pipeline, the admin endpoints, the metrics endpoint or the
// console, and is then logged and observed once, with whatever the
// pipeline learned about it (service, operation, caller, error code).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	c := &call{requestID: orgstack.NewUUID(), kind: KindAPI}
	rec.Header().Set(protocol.HeaderRequestID, c.requestID)
	r = r.WithContext(context.WithValue(r.Context(), callKey{}, c))
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic serving request", "request_id", c.requestID, "panic", p, "stack", string(debug.Stack()))
			if !rec.wrote {
				s.writeError(rec, c, orgstack.InternalError())
			}
		}
		s.finish(r, c, rec, time.Since(start))
	}()
	switch {
	case s.cfg.Admin != nil && (strings.HasPrefix(r.URL.Path, "/_orgstack/") || strings.HasPrefix(r.URL.Path, "/moto-api/")):
		c.kind = KindAdmin
		s.cfg.Admin.ServeHTTP(rec, r)
	case s.cfg.Metrics != nil && r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		c.kind = KindMetrics
		s.cfg.Metrics.ServeHTTP(rec, r)
	default:
		s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		s.serve(rec, r, c)
	}
}

// Busy reports whether an AWS API request is being served. The job queue
// defers to such requests (jobs.Queue.SetBusy).
func (s *Server) Busy() bool { return s.inFlight.Load() > 0 }

// call is what the pipeline learns about one request as it goes.
type call struct {
	requestID string
	kind      string
	svc       *Service
	op        *wire.Operation
	errCode   string

	mu     sync.Mutex // guards caller: the console may learn it from Invoke
	caller orgstack.Caller
}

func (c *call) setCaller(caller orgstack.Caller) {
	c.mu.Lock()
	c.caller = caller
	c.mu.Unlock()
}

func (c *call) getCaller() orgstack.Caller {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.caller
}

type callKey struct{}

// requestCall is the call of the HTTP request ctx belongs to, or nil.
func requestCall(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

func (s *Server) serve(w *recorder, r *http.Request, c *call) {
	var body []byte
	tooLarge := r.ContentLength > s.cfg.MaxBodyBytes
	if !tooLarge {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, s.cfg.MaxBodyBytes+1))
		if err != nil {
			s.writeError(w, c, orgstack.NewError("RequestTimeout", http.StatusBadRequest, "Your request body could not be read."))
			return
		}
		if int64(len(body)) > s.cfg.MaxBodyBytes {
			tooLarge, body = true, nil
		}
	}
	auth, authErr := sigv4.Parse(r)
	svc, op, labels, rerr := s.route(r, body, auth)
	c.svc, c.op = svc, op
	if tooLarge {
		s.writeError(w, c, orgstack.NewError("RequestEntityTooLarge", http.StatusRequestEntityTooLarge,
			fmt.Sprintf("The request body is larger than the %d bytes this endpoint accepts.", s.cfg.MaxBodyBytes)))
		return
	}
	if svc == nil {
		if s.cfg.Fallback != nil && authErr != nil && r.Header.Get(protocol.HeaderAmzTarget) == "" {
			c.kind = KindConsole
			r.Body = io.NopCloser(bytes.NewReader(body))
			s.cfg.Fallback.ServeHTTP(w, r)
			return
		}
		s.writeError(w, c, rerr)
		return
	}
	if authErr != nil {
		s.writeError(w, c, apiError(authErr, svc.Model.Protocol))
		return
	}
	if rerr != nil {
		s.writeError(w, c, rerr)
		return
	}
	ctx := orgstack.WithRequestID(r.Context(), c.requestID)
	caller, err := s.cfg.Identity.Caller(ctx, r, body, auth)
	if err != nil {
		s.writeError(w, c, apiError(err, svc.Model.Protocol))
		return
	}
	c.setCaller(caller)
	ctx = orgstack.WithCaller(ctx, caller)
	// From here on the caller is known.
	if e := s.throttle(c); e != nil {
		s.writeError(w, c, e)
		return
	}

	h := svc.Handlers[op.Name]
	if h == nil {
		s.writeError(w, c, orgstack.NotImplemented(svc.Model.ServiceID, op.Name))
		return
	}
	raw, err := svc.Codec.Decode(r, body, op, labels)
	if err != nil {
		s.writeError(w, c, apiError(err, svc.Model.Protocol))
		return
	}
	in := op.NewInput()
	if in != nil {
		if vs := wire.Bind(op.Input, raw, in); len(vs) > 0 {
			s.writeError(w, c, svc.Validation(op, vs))
			return
		}
	}
	if err := s.authorize(ctx, r, svc, op, in, caller); err != nil {
		s.writeError(w, c, s.clientError(c, err))
		return
	}
	out, err := h(ctx, in)
	if err != nil {
		s.writeError(w, c, s.clientError(c, err))
		return
	}
	svc.Codec.WriteResult(w, svc.Model, op, out, c.requestID)
}

// authorize asks the authorizer whether caller may call op with in.
func (s *Server) authorize(ctx context.Context, r *http.Request, svc *Service, op *wire.Operation, in any, caller orgstack.Caller) error {
	if s.cfg.Authorizer == nil || svc.ActionPrefix == "" {
		return nil
	}
	action := svc.ActionPrefix + ":" + op.Name
	if auth.Unauthenticated(action) {
		return nil
	}
	req := auth.Request{Action: action}
	if svc.Describe != nil {
		res, keys, err := svc.Describe(ctx, op.Name, in, caller)
		if err != nil {
			return err
		}
		req.Resources, req.Context = res, keys
	}
	err := s.cfg.Authorizer.Authorize(ctx, caller, req, r.RemoteAddr)
	var d *auth.Denied
	if errors.As(err, &d) && svc.AccessDenied != nil {
		return svc.AccessDenied(d.Message)
	}
	return err
}

// clientError turns a handler's error into what the client sees; anything
// that is not an *orgstack.Error is logged and hidden behind a generic
// internal error.
func (s *Server) clientError(c *call, err error) *orgstack.Error {
	if e, ok := orgstack.AsError(err); ok {
		return e
	}
	if errors.Is(err, context.Canceled) {
		return orgstack.NewError("RequestCanceled", 499, "The request was canceled.")
	}
	s.log.Error("internal error", "request_id", c.requestID, "error", err)
	e := orgstack.InternalError()
	if c.svc != nil {
		// Services name their catch-all fault differently.
		for _, ex := range c.svc.Model.Exceptions {
			if ex.Error != nil && !ex.Error.Sender && ex.Error.Status >= 500 {
				e.Code = ex.Error.Code
				break
			}
		}
	}
	return e
}

func apiError(err error, proto string) *orgstack.Error {
	if e, ok := sigv4.AsError(err); ok {
		return e.API(proto)
	}
	if e, ok := orgstack.AsError(err); ok {
		return e
	}
	return orgstack.InternalError()
}

func (s *Server) writeError(w *recorder, c *call, e *orgstack.Error) {
	c.errCode = e.Code
	for k, v := range e.Header {
		w.Header().Set(k, v)
	}
	if c.svc == nil {
		// Unroutable: answer in JSON, the most common protocol.
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set(protocol.HeaderRequestID, c.requestID)
		w.Header().Set(protocol.HeaderErrorType, e.Code)
		w.WriteHeader(e.HTTPStatus())
		var b bytes.Buffer
		b.Write(protocol.AppendJSONString([]byte(`{"__type":`), e.Code))
		b.WriteString(`,"message":`)
		b.Write(protocol.AppendJSONString(nil, e.Message))
		b.WriteString("}")
		_, _ = w.Write(b.Bytes())
		return
	}
	c.svc.Codec.WriteError(w, c.svc.Model, e, c.requestID)
}

// finish logs the request as one line and hands its outcome to the
// observer. Nothing from the request's headers, query or body is logged
// but its method and path: no credentials, signatures or secrets.
func (s *Server) finish(r *http.Request, c *call, w *recorder, d time.Duration) {
	caller := c.getCaller()
	o := Outcome{
		Kind: c.kind, RequestID: c.requestID, Method: r.Method, Path: r.URL.Path,
		AccountID: caller.AccountID, Principal: caller.ARN,
		Status: w.status, ErrorCode: c.errCode, Latency: d,
	}
	if c.svc != nil {
		o.Service = c.svc.Model.ServiceID
	}
	if c.op != nil {
		o.Operation = c.op.Name
	}
	level := slog.LevelInfo
	if o.Status >= 500 {
		level = slog.LevelError
	}
	if s.log.Enabled(r.Context(), level) {
		attrs := []slog.Attr{
			slog.String("request_id", o.RequestID),
			slog.String("kind", o.Kind),
			slog.String("method", o.Method),
			slog.String("path", o.Path),
			slog.Int("status", o.Status),
			slog.Float64("latency_ms", float64(d.Microseconds())/1000),
		}
		if o.Service != "" {
			attrs = append(attrs, slog.String("service", o.Service))
		}
		if o.Operation != "" {
			attrs = append(attrs, slog.String("operation", o.Operation))
		}
		if o.AccountID != "" {
			attrs = append(attrs, slog.String("account", o.AccountID), slog.String("principal", o.Principal))
		}
		if o.ErrorCode != "" {
			attrs = append(attrs, slog.String("error_code", o.ErrorCode))
		}
		s.log.LogAttrs(context.Background(), level, "request", attrs...)
	}
	if s.cfg.Observe != nil {
		s.cfg.Observe(&o)
	}
}

type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if r.wrote {
		return
	}
	r.status, r.wrote = code, true
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.WriteHeader(http.StatusOK)
	}
	return r.ResponseWriter.Write(b)
}
