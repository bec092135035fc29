// Package auth decides who makes a request and whether they may: the
// identity behind a signature (open mode: taken on trust from the access
// key; enforce mode: the signature verified with a secret orgstack knows),
// and the authorization of every operation against identity policies,
// permissions boundaries, session policies and service control policies.
package auth

import (
	"context"
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/sigv4"
)

// Mode is how strictly requests are checked.
type Mode string

// Modes.
const (
	// Open takes the caller from the access key alone and allows every call.
	Open Mode = "open"
	// Enforce verifies every signature and authorizes every call.
	Enforce Mode = "enforce"
)

// Credential is what orgstack knows about an access key.
type Credential struct {
	Caller orgstack.Caller
	Secret string
	// SessionToken is set for temporary credentials: requests must carry it.
	SessionToken string
	// Expiration is set for temporary credentials.
	Expiration time.Time
	Active     bool
}

// KeySource finds the credential behind an access key (IAM for user and
// root keys, STS for session keys). found is false for keys it never
// issued.
type KeySource interface {
	Credential(ctx context.Context, accessKeyID string) (cred Credential, found bool, err error)
}

// Identity decides who made a request. It implements server.Identity.
type Identity struct {
	Mode Mode
	// DefaultAccount is the account unrecognized keys act as (open mode).
	DefaultAccount string
	// RootSecret, in enforce mode, is the secret of every account's root
	// key whose id is the 12-digit account id.
	RootSecret string
	// RootKeys are more root keys: access key id → account and secret.
	RootKeys map[string]RootKey
	Sources  []KeySource
	// Clock tells the time that session expiry is measured against
	// (orgstack's clock, which tests may move).
	Clock orgstack.Clock
	// Now tells the wall-clock time signatures are checked against.
	Now func() time.Time
}

// RootKey is a root user's access key given in configuration.
type RootKey struct {
	Account string `json:"accountId"`
	Secret  string `json:"secretAccessKey"`
}

// Caller implements server.Identity.
func (id *Identity) Caller(ctx context.Context, r *http.Request, body []byte, a *sigv4.Auth) (orgstack.Caller, error) {
	cred, found, err := id.lookup(ctx, a.AccessKeyID)
	if err != nil {
		return orgstack.Caller{}, err
	}
	if id.Mode != Enforce {
		if !found {
			cred.Caller = orgstack.RootCaller(id.DefaultAccount, "")
		}
		return withRequest(cred.Caller, a), nil
	}
	if !found || !cred.Active {
		return orgstack.Caller{}, sigv4.ErrInvalidClientTokenID()
	}
	if cred.SessionToken != "" {
		if subtle.ConstantTimeCompare([]byte(a.SecurityToken), []byte(cred.SessionToken)) != 1 {
			return orgstack.Caller{}, sigv4.ErrInvalidClientTokenID()
		}
		if id.Clock != nil && !id.Clock.Now().Before(cred.Expiration) {
			return orgstack.Caller{}, sigv4.ErrExpiredToken()
		}
	}
	now := time.Now
	if id.Now != nil {
		now = id.Now
	}
	if err := sigv4.Verify(r, body, a, cred.Secret, now()); err != nil {
		return orgstack.Caller{}, err
	}
	return withRequest(cred.Caller, a), nil
}

// withRequest completes a caller with the request's key and region; a
// root user's ARN follows the region's partition.
func withRequest(c orgstack.Caller, a *sigv4.Auth) orgstack.Caller {
	if c.Type == orgstack.PrincipalRoot {
		c = orgstack.RootCaller(c.AccountID, a.Region)
	}
	c.AccessKeyID, c.Region = a.AccessKeyID, a.Region
	return c
}

// lookup finds the credential of an access key: a configured root key,
// an account's root key (id = account id), or one IAM or STS issued.
func (id *Identity) lookup(ctx context.Context, key string) (Credential, bool, error) {
	if rk, ok := id.RootKeys[key]; ok {
		return Credential{Caller: orgstack.RootCaller(rk.Account, ""), Secret: rk.Secret, Active: true}, true, nil
	}
	if orgstack.IsAccountID(key) {
		if id.Mode == Enforce && id.RootSecret == "" {
			return Credential{}, false, nil
		}
		return Credential{Caller: orgstack.RootCaller(key, ""), Secret: id.RootSecret, Active: true}, true, nil
	}
	for _, src := range id.Sources {
		cred, found, err := src.Credential(ctx, key)
		if err != nil || found {
			return cred, found, err
		}
	}
	return Credential{}, false, nil
}
