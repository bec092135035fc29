package server

import (
	"context"
	"net/http"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/sigv4"
)

// DefaultAccountID is the account that keys orgstack does not recognize
// act as in open mode.
const DefaultAccountID = "123456789012"

// KeyLookup finds the principal behind an access key issued by IAM or STS.
type KeyLookup interface {
	// LookupAccessKey returns the principal for key; found is false for keys
	// that were never issued.
	LookupAccessKey(ctx context.Context, key string) (c orgstack.Caller, found bool, err error)
}

// OpenIdentity is identity in open mode: signatures are not verified and
// the caller follows from the access key alone. A 12-digit key is that
// account's root user; a key issued by IAM or STS is its principal; any
// other key is the root user of DefaultAccount.
type OpenIdentity struct {
	DefaultAccount string
	Keys           KeyLookup // may be nil
}

// Caller implements Identity.
func (o OpenIdentity) Caller(ctx context.Context, _ *http.Request, _ []byte, auth *sigv4.Auth) (orgstack.Caller, error) {
	key := auth.AccessKeyID
	if orgstack.IsAccountID(key) {
		c := orgstack.RootCaller(key, auth.Region)
		c.AccessKeyID = key
		return c, nil
	}
	if o.Keys != nil {
		c, found, err := o.Keys.LookupAccessKey(ctx, key)
		if err != nil {
			return orgstack.Caller{}, err
		}
		if found {
			c.AccessKeyID = key
			c.Region = auth.Region
			return c, nil
		}
	}
	acct := o.DefaultAccount
	if acct == "" {
		acct = DefaultAccountID
	}
	c := orgstack.RootCaller(acct, auth.Region)
	c.AccessKeyID = key
	return c, nil
}
