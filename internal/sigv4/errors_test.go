package sigv4

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestKindCode(t *testing.T) {
	type wireCode struct {
		code   string
		status int
	}
	cases := []struct {
		kind                  Kind
		json, restJSON, query wireCode
	}{
		{MissingAuthentication, wireCode{"MissingAuthenticationTokenException", 400}, wireCode{"MissingAuthenticationTokenException", 403}, wireCode{"MissingAuthenticationToken", 403}},
		{IncompleteSignature, wireCode{"IncompleteSignatureException", 400}, wireCode{"IncompleteSignatureException", 403}, wireCode{"IncompleteSignature", 400}},
		{SignatureDoesNotMatch, wireCode{"InvalidSignatureException", 400}, wireCode{"InvalidSignatureException", 403}, wireCode{"SignatureDoesNotMatch", 403}},
		{RequestExpired, wireCode{"InvalidSignatureException", 400}, wireCode{"InvalidSignatureException", 403}, wireCode{"SignatureDoesNotMatch", 403}},
		{InvalidClientTokenID, wireCode{"UnrecognizedClientException", 400}, wireCode{"UnrecognizedClientException", 403}, wireCode{"InvalidClientTokenId", 403}},
		{ExpiredToken, wireCode{"ExpiredTokenException", 400}, wireCode{"ExpiredTokenException", 403}, wireCode{"ExpiredToken", 403}},
	}
	for _, c := range cases {
		for _, p := range []struct {
			protocol string
			want     wireCode
		}{{ProtocolJSON, c.json}, {ProtocolRESTJSON, c.restJSON}, {ProtocolQuery, c.query}, {"", c.json}} {
			code, status := c.kind.Code(p.protocol)
			if code != p.want.code || status != p.want.status {
				t.Errorf("%v.Code(%q) = %s %d, want %s %d", c.kind, p.protocol, code, status, p.want.code, p.want.status)
			}
		}
	}
	if code, _ := Kind(99).Code(ProtocolQuery); code != "IncompleteSignature" {
		t.Errorf("unknown kind maps to %s", code)
	}
	if s := Kind(99).String(); s != "Kind(99)" {
		t.Errorf("String = %s", s)
	}
}

func TestErrorAPI(t *testing.T) {
	missing := &Error{Kind: MissingAuthentication}
	if e := missing.API(ProtocolQuery); e.Code != "MissingAuthenticationToken" || e.Message != "Request is missing Authentication Token" || e.HTTPStatus() != 403 {
		t.Errorf("query: %+v", e)
	}
	if e := missing.API(ProtocolJSON); e.Code != "MissingAuthenticationTokenException" || e.Message != "Missing Authentication Token" || e.HTTPStatus() != 400 {
		t.Errorf("json: %+v", e)
	}

	sig := &Error{Kind: SignatureDoesNotMatch, Message: msgSignature, Detail: "\n\nThe Canonical String for this request should have been\n'x'\n"}
	if e := sig.API(ProtocolJSON); e.Message != msgSignature {
		t.Errorf("json message carries the detail: %q", e.Message)
	}
	for _, p := range []string{ProtocolQuery, ProtocolRESTJSON} {
		if e := sig.API(p); !strings.HasPrefix(e.Message, msgSignature+"\n\nThe Canonical String") {
			t.Errorf("%s message lacks the detail: %q", p, e.Message)
		}
	}

	for _, c := range []struct {
		err      *Error
		protocol string
		code     string
		msg      string
	}{
		{ErrInvalidClientTokenID(), ProtocolQuery, "InvalidClientTokenId", "The security token included in the request is invalid."},
		{ErrInvalidClientTokenID(), ProtocolJSON, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{ErrExpiredToken(), ProtocolQuery, "ExpiredToken", "The security token included in the request is expired"},
		{ErrExpiredToken(), ProtocolRESTJSON, "ExpiredTokenException", "The security token included in the request is expired"},
		{ErrScopeRegion("mars-1"), ProtocolQuery, "SignatureDoesNotMatch", "Credential should be scoped to a valid region, not 'mars-1'. "},
		{ErrScopeService("organizations"), ProtocolJSON, "InvalidSignatureException", "Credential should be scoped to correct service: 'organizations'. "},
	} {
		if e := c.err.API(c.protocol); e.Code != c.code || e.Message != c.msg {
			t.Errorf("%v in %s = %s %q, want %s %q", c.err.Kind, c.protocol, e.Code, e.Message, c.code, c.msg)
		}
	}
}

func TestErrorString(t *testing.T) {
	var err error = fmt.Errorf("wrapped: %w", &Error{Kind: MissingAuthentication})
	e, ok := AsError(err)
	if !ok || e.Kind != MissingAuthentication {
		t.Fatalf("AsError = %v, %v", e, ok)
	}
	if got := err.Error(); got != "wrapped: sigv4: MissingAuthentication: Missing Authentication Token" {
		t.Errorf("Error() = %q", got)
	}
	if _, ok := AsError(errors.New("other")); ok {
		t.Error("AsError accepted a foreign error")
	}
}
