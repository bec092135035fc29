package orgstack

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an error that AWS clients can see: a wire code, a message, an
// HTTP status and the modeled extra members of the exception (Reason on
// Organizations' InvalidInputException, Type on TooManyRequestsException,
// resourceId on Audit Manager's ResourceNotFoundException, ...).
//
// Handlers return *Error values; exactly one writer per protocol turns them
// into bytes. Any other error reaching a protocol writer is reported as an
// internal failure with a generic message and logged once.
type Error struct {
	// Code is the wire code: the json `__type`, the query `<Code>`, the
	// rest-json `x-amzn-ErrorType`.
	Code string
	// Message is the human-readable text.
	Message string
	// Status is the HTTP status code. Zero means 400.
	Status int
	// Fields holds modeled members of the exception other than the message,
	// keyed by their model member name (for example "Reason").
	Fields map[string]any
	// Header holds extra response headers the error carries (for example
	// Retry-After on throttling errors).
	Header map[string]string
}

// NewError returns an Error with the given code, status and message.
func NewError(code string, status int, message string) *Error {
	return &Error{Code: code, Status: status, Message: message}
}

// Errorf returns a 400 Error with a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// Error implements error.
func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// ErrorCode returns the wire code (smithy-style accessor).
func (e *Error) ErrorCode() string { return e.Code }

// ErrorMessage returns the message (smithy-style accessor).
func (e *Error) ErrorMessage() string { return e.Message }

// HTTPStatus returns the HTTP status code, 400 when unset.
func (e *Error) HTTPStatus() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// ErrorFault reports "server" for 5xx errors and "client" otherwise.
func (e *Error) ErrorFault() string {
	if e.HTTPStatus() >= 500 {
		return "server"
	}
	return "client"
}

// With returns a copy of e with the modeled member name set to value.
func (e *Error) With(name string, value any) *Error {
	c := *e
	c.Fields = make(map[string]any, len(e.Fields)+1)
	for k, v := range e.Fields {
		c.Fields[k] = v
	}
	c.Fields[name] = value
	return &c
}

// WithReason is With("Reason", reason), the common case for Organizations.
func (e *Error) WithReason(reason string) *Error { return e.With("Reason", reason) }

// Reason returns the Reason field, or "".
func (e *Error) Reason() string {
	s, _ := e.Fields["Reason"].(string)
	return s
}

// AsError reports whether err is (or wraps) an *Error and returns it.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// InternalError is what a client sees when something unexpected fails. The
// code and message are generic on purpose; the cause is logged, never sent.
func InternalError() *Error {
	return &Error{Code: "InternalFailure", Status: http.StatusInternalServerError,
		Message: "The request processing has failed because of an unknown error, exception or failure."}
}

// NotImplemented is returned for operations of a modeled service that
// orgstack does not implement yet. It is never a success.
func NotImplemented(service, operation string) *Error {
	return &Error{Code: "NotImplemented", Status: http.StatusNotImplemented,
		Message: fmt.Sprintf("orgstack does not implement %s %s yet.", service, operation)}
}
