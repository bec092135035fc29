package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
)

// StringToSign returns the string to sign for a's algorithm, time and
// scope over canonicalRequest.
func StringToSign(a *Auth, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	var b strings.Builder
	b.Grow(len(Algorithm) + len(timeFormat) + 64 + 64 + 3)
	b.WriteString(Algorithm)
	b.WriteByte('\n')
	b.WriteString(a.Time.UTC().Format(timeFormat))
	b.WriteByte('\n')
	b.WriteString(a.Scope.String())
	b.WriteByte('\n')
	b.WriteString(hex.EncodeToString(sum[:]))
	return b.String()
}

// SigningKey derives the key that signs requests of one day, region and
// service: HMAC-SHA256 chained over date, region, service and
// "aws4_request", starting from "AWS4" + secret.
func SigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, terminator)
}

// signingKeys remembers derived signing keys, as the AWS SDKs do: a key
// changes only with the secret, the day, the region and the service, and
// deriving it costs four HMACs per request. It holds at most
// maxSigningKeys keys and forgets them all when full.
var signingKeys = struct {
	sync.RWMutex
	m map[string][]byte
}{m: map[string][]byte{}}

const maxSigningKeys = 4096

// cachedSigningKey is SigningKey through signingKeys. Callers must not
// modify the key it returns.
func cachedSigningKey(secret, date, region, service string) []byte {
	id := secret + "\x00" + date + "\x00" + region + "\x00" + service
	signingKeys.RLock()
	k, ok := signingKeys.m[id]
	signingKeys.RUnlock()
	if ok {
		return k
	}
	k = SigningKey(secret, date, region, service)
	signingKeys.Lock()
	if len(signingKeys.m) >= maxSigningKeys {
		clear(signingKeys.m)
	}
	signingKeys.m[id] = k
	signingKeys.Unlock()
	return k
}

// Signature returns the hex HMAC-SHA256 of stringToSign under signingKey.
func Signature(signingKey []byte, stringToSign string) string {
	return hex.EncodeToString(hmacSHA256(signingKey, stringToSign))
}

// FormatAuthorization returns the Authorization header value for a
// signature: "AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=a;b,
// Signature=hex", with the separators botocore and the AWS SDKs use.
func FormatAuthorization(s Scope, signedHeaders []string, signature string) string {
	return Algorithm + " Credential=" + s.AccessKeyID + "/" + s.String() +
		", SignedHeaders=" + strings.Join(signedHeaders, ";") +
		", Signature=" + signature
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// Verify checks that a, parsed from r by Parse, is a valid signature of r
// with body under secret at time now. It returns nil or a *Error:
//
//   - SignatureDoesNotMatch when the scope date is not the date of the
//     request time, when X-Amz-Content-Sha256 holds a hash that body does
//     not have, or when no accepted canonicalization of r yields the
//     signature (comparisons are constant-time). Besides the standard
//     canonicalization, Verify accepts the unnormalized path (as
//     aws-sdk-go-v2 signs it) and, for presigned requests, UNSIGNED-PAYLOAD
//     (as S3-style presigners sign it); neither lets a request be altered
//     without the secret. The error's Detail holds the canonical request
//     and string to sign of the standard canonicalization, as AWS reports
//     them.
//   - IncompleteSignature when X-Amz-Content-Sha256 is neither a SHA-256
//     nor UNSIGNED-PAYLOAD (chunk-signed streaming payloads are not
//     supported).
//   - RequestExpired when a header-signed request's time is more than
//     MaxSkew away from now, or now is past a presigned request's time plus
//     its expiry (or before its time minus MaxSkew).
//
// Verify does not look at the access key, the region, the service or the
// session token: the caller checks those against its own state. When the
// payload hash is UNSIGNED-PAYLOAD, body is not covered by the signature.
func Verify(r *http.Request, body []byte, a *Auth, secret string, now time.Time) error {
	if a == nil {
		return &Error{Kind: MissingAuthentication}
	}
	if d := a.Time.UTC().Format(dateFormat); a.Date != d {
		// Unconfirmed wording.
		return mismatch("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			a.Date, d, a.Time.UTC().Format(timeFormat))
	}
	if err := checkTime(a, now); err != nil {
		return err
	}

	primary := payloadHash(r, body, a.Presigned)
	switch {
	case primary == UnsignedPayload:
	case !isHexHash(primary):
		// Streaming (chunk-signed) payloads are not supported. S3's
		// wording, shortened; unconfirmed for these services.
		return incomplete("x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value.")
	case !strings.EqualFold(primary, hashHex(body)):
		// S3's wording (XAmzContentSHA256Mismatch); unconfirmed elsewhere.
		return mismatch("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	payloads := []string{primary}
	if a.Presigned && primary != UnsignedPayload {
		payloads = append(payloads, UnsignedPayload)
	}
	paths := []bool{false}
	if p := requestPath(r); normalizePath(p) != p {
		paths = append(paths, true)
	}

	key := cachedSigningKey(secret, a.Date, a.Region, a.Service)
	want := []byte(strings.ToLower(a.Signature))
	var first, firstSTS string
	for _, ph := range payloads {
		for _, keep := range paths {
			creq := canonicalRequest(r, a.SignedHeaders, a.Presigned, canonOptions{keepPath: keep, payloadHash: ph})
			sts := StringToSign(a, creq)
			if first == "" {
				first, firstSTS = creq, sts
			}
			if hmac.Equal([]byte(Signature(key, sts)), want) {
				return nil
			}
		}
	}
	// The detail format is AWS's (boto/boto3#756, aws/aws-sdk-js#168).
	return &Error{Kind: SignatureDoesNotMatch, Message: msgSignature,
		Detail: "\n\nThe Canonical String for this request should have been\n'" + first +
			"'\n\nThe String-to-Sign should have been\n'" + firstSTS + "'\n"}
}

// checkTime applies the clock-skew and presigned-expiry rules.
func checkTime(a *Auth, now time.Time) error {
	if a.Time.After(now.Add(MaxSkew)) {
		return notYetCurrent(a.Time, now, MaxSkew)
	}
	if a.Presigned {
		if now.After(a.Time.Add(a.Expires)) {
			return expired(a.Time, now, a.Expires) // unconfirmed wording for presigned URLs
		}
		return nil
	}
	if a.Time.Before(now.Add(-MaxSkew)) {
		return expired(a.Time, now, MaxSkew)
	}
	return nil
}

func isHexHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// AsError reports whether err is (or wraps) a *Error and returns it.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}
