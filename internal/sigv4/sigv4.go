// Package sigv4 parses and verifies AWS Signature Version 4 on the server
// side, and signs requests for orgstack's own Go tools and tests.
//
// A server calls Parse to find out who claims to have signed a request,
// looks up the secret of Auth.AccessKeyID (answering
// ErrInvalidClientTokenID when there is none), and calls Verify. Failures
// are *Error values whose Kind maps to each protocol's wire code with
// Kind.Code or Error.API.
//
// Canonicalization follows what AWS services other than S3 compute, which
// is also what botocore, aws-sdk-go-v2 and the JavaScript SDK sign:
//
//   - the path is taken as it appeared on the wire (still percent-encoded),
//     dot segments and empty segments are removed, and every byte outside
//     the unreserved set is percent-encoded again, so "%3A" in a REST path
//     becomes "%253A" in the canonical request;
//   - query parameters are decoded, re-encoded with RFC 3986 rules and
//     sorted by name, then by value;
//   - header names are lower-cased; values are trimmed, runs of spaces are
//     collapsed, repeated headers and obsolete folded lines are joined
//     with commas;
//   - the payload hash is X-Amz-Content-Sha256 when the request has it, and
//     the SHA-256 of the body otherwise.
//
// Verify is tolerant where real clients differ (aws-sdk-go-v2 does not
// normalize the path; S3-style presigners sign UNSIGNED-PAYLOAD), but it
// only accepts signatures made with the secret over what the handler will
// see.
package sigv4

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	// Algorithm is the only signing algorithm accepted.
	Algorithm = "AWS4-HMAC-SHA256"
	// UnsignedPayload is the payload hash of requests whose body is not signed.
	UnsignedPayload = "UNSIGNED-PAYLOAD"

	terminator = "aws4_request"
	timeFormat = "20060102T150405Z"
	dateFormat = "20060102"

	// MaxSkew is how far a header-signed request's time may be from the
	// server's clock, in either direction.
	MaxSkew = 15 * time.Minute
	// MaxPresignExpiry is the longest X-Amz-Expires accepted (seven days).
	MaxPresignExpiry = 7 * 24 * time.Hour
	// DefaultPresignExpiry applies to presigned requests without X-Amz-Expires.
	DefaultPresignExpiry = 15 * time.Minute
)

// Scope is the credential scope of a request: the access key id and the
// date (yyyymmdd), region and service it was signed for.
type Scope struct {
	AccessKeyID, Date, Region, Service string
}

// String returns the scope without the access key:
// "20150830/us-east-1/iam/aws4_request".
func (s Scope) String() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/" + terminator
}

// Auth is the signature information of a request, from the Authorization
// header or from a presigned query string. Parse fills it in; nothing in
// it is trusted until Verify accepts it.
type Auth struct {
	Scope
	// SignedHeaders are the lower-case names of the signed headers, in the
	// order the client listed them.
	SignedHeaders []string
	// Signature is the hex signature the client sent.
	Signature string
	// Time is the request time: X-Amz-Date, or the Date header when
	// X-Amz-Date is absent.
	Time time.Time
	// Presigned reports that the signature came from the query string.
	Presigned bool
	// Expires is the validity of a presigned request (X-Amz-Expires, or
	// DefaultPresignExpiry when absent). Zero for header-signed requests.
	Expires time.Duration
	// SecurityToken is the session token of temporary credentials
	// (X-Amz-Security-Token header or query parameter), or "". Verify does
	// not check it; the caller that resolves the access key must.
	SecurityToken string
}

// Parse extracts the signature information of r without verifying it. It
// reads headers and the query string only, never the body.
//
// It returns a *Error of kind MissingAuthentication when r has neither an
// Authorization header nor presigned query parameters, and of kind
// IncompleteSignature when what is there is malformed: a parameter lacking
// among Credential, SignedHeaders and Signature, an algorithm other than
// AWS4-HMAC-SHA256, a credential that is not five slash-separated parts,
// no date, or host not among the signed headers. A scope terminator other
// than aws4_request is a SignatureDoesNotMatch failure, as at AWS.
func Parse(r *http.Request) (*Auth, error) {
	header := r.Header.Get("Authorization")
	query := parseQuery(requestQuery(r))
	presigned := query.has("X-Amz-Algorithm") || query.has("X-Amz-Credential") || query.has("X-Amz-Signature")
	switch {
	case header != "" && presigned:
		// Wording from S3; unconfirmed for the services emulated here.
		return nil, incomplete("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, " +
			"Signature query string parameter or the Authorization header should be specified")
	case header != "":
		return parseHeader(r, header, query)
	case presigned:
		return parsePresigned(query)
	}
	return nil, &Error{Kind: MissingAuthentication}
}

// parseHeader parses "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=...". Like AWS, it splits parameters on commas and white
// space, so a stray space inside a value is reported as a bad pair.
func parseHeader(r *http.Request, header string, q query) (*Auth, error) {
	h := strings.TrimSpace(header)
	scheme, rest, _ := strings.Cut(h, " ")
	strict := scheme == Algorithm
	var cred, signed, sig string
	var haveCred, haveSigned, haveSig bool
	for _, tok := range strings.FieldsFunc(rest, isParamSep) {
		k, v, ok := strings.Cut(tok, "=")
		if !ok {
			if strict {
				// Message from awslabs/fhir-works-on-aws-deployment#379 and
				// jenkinsci/aws-credentials-plugin#72.
				return nil, incomplete("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", tok, header)
			}
			continue
		}
		switch {
		case k == "Credential" && !haveCred:
			cred, haveCred = v, true
		case k == "SignedHeaders" && !haveSigned:
			signed, haveSigned = v, true
		case k == "Signature" && !haveSig:
			sig, haveSig = v, true
		}
	}
	t, haveDate, dateErr := requestTime(r)
	var missing []string
	if !haveCred {
		missing = append(missing, "Credential")
	}
	if !haveSig {
		missing = append(missing, "Signature")
	}
	if !haveSigned {
		missing = append(missing, "SignedHeaders")
	}
	if len(missing) > 0 || !haveDate {
		return nil, missingHeaderParams(missing, !haveDate, header)
	}
	if !strict {
		// Unconfirmed wording.
		return nil, incomplete("Unsupported AWS 'algorithm': '%s'.", scheme)
	}
	if dateErr != nil {
		return nil, dateErr
	}
	a := &Auth{Signature: sig, Time: t, SecurityToken: r.Header.Get("X-Amz-Security-Token")}
	if a.SecurityToken == "" {
		a.SecurityToken = q.get("X-Amz-Security-Token")
	}
	if err := a.setScope(cred); err != nil {
		return nil, err
	}
	if err := a.setSignedHeaders(signed); err != nil {
		return nil, err
	}
	return a, nil
}

func isParamSep(c rune) bool { return c == ',' || c == ' ' || c == '\t' }

// parsePresigned parses the X-Amz-* query parameters of a presigned URL.
func parsePresigned(q query) (*Auth, error) {
	var missing []string
	for _, name := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"} {
		if !q.has(name) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, missingQueryParams(missing)
	}
	if alg := q.get("X-Amz-Algorithm"); alg != Algorithm {
		return nil, incomplete("Unsupported AWS 'algorithm': '%s'.", alg) // unconfirmed wording
	}
	t, err := parseAmzDate(q.get("X-Amz-Date"))
	if err != nil {
		return nil, err
	}
	a := &Auth{
		Signature:     q.get("X-Amz-Signature"),
		Time:          t,
		Presigned:     true,
		Expires:       DefaultPresignExpiry,
		SecurityToken: q.get("X-Amz-Security-Token"),
	}
	if q.has("X-Amz-Expires") {
		// S3's wording for these two checks; unconfirmed elsewhere.
		n, err := strconv.ParseInt(q.get("X-Amz-Expires"), 10, 64)
		if err != nil || n < 0 {
			return nil, incomplete("X-Amz-Expires must be non-negative")
		}
		if n > int64(MaxPresignExpiry/time.Second) {
			return nil, incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800")
		}
		a.Expires = time.Duration(n) * time.Second
	}
	if err := a.setScope(q.get("X-Amz-Credential")); err != nil {
		return nil, err
	}
	if err := a.setSignedHeaders(q.get("X-Amz-SignedHeaders")); err != nil {
		return nil, err
	}
	return a, nil
}

// setScope parses "AKID/20150830/us-east-1/service/aws4_request".
func (a *Auth) setScope(cred string) error {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		// Message from kubernetes-sigs/aws-iam-authenticator#374 and
		// boto/boto3#1752 (no final period in AWS's text).
		return incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", cred)
	}
	if parts[4] != terminator {
		// Unconfirmed wording, modeled on the region and service messages.
		return mismatch("Credential should be scoped with a valid terminator: '%s', not '%s'. ", terminator, parts[4])
	}
	a.Scope = Scope{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}
	return nil
}

// setSignedHeaders parses "host;x-amz-date" and requires host to be signed
// (message from aws/aws-sdk-php#2469, opensearch-project/opensearch-php#248).
func (a *Auth) setSignedHeaders(list string) error {
	names := strings.Split(list, ";")
	host := false
	for i, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		names[i] = n
		host = host || n == "host" || n == ":authority"
	}
	if !host {
		return incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	a.SignedHeaders = names
	return nil
}

// requestTime returns the time of a header-signed request: X-Amz-Date, or
// the Date header. ok is false when neither is present; err is set when
// the one present does not parse.
func requestTime(r *http.Request) (t time.Time, ok bool, err error) {
	if v := r.Header.Get("X-Amz-Date"); v != "" {
		t, err = parseAmzDate(v)
		return t, true, err
	}
	v := r.Header.Get("Date")
	if v == "" {
		return time.Time{}, false, nil
	}
	if t, err := time.Parse(timeFormat, v); err == nil {
		return t, true, nil
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.UTC(), true, nil
	}
	return time.Time{}, true, badDate(v)
}

func parseAmzDate(v string) (time.Time, error) {
	t, err := time.Parse(timeFormat, v)
	if err != nil {
		return time.Time{}, badDate(v)
	}
	return t, nil
}

// badDate is the failure for an unparsable request date. Unconfirmed wording.
func badDate(v string) *Error {
	return incomplete("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", v)
}
