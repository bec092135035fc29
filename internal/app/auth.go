package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/auth"
	"github.com/orgstack/orgstack/internal/iam"
	"github.com/orgstack/orgstack/internal/store"
)

// identity builds who-is-calling for the configured mode: root keys, then
// keys issued by IAM and STS.
func (m *Main) identity() (*auth.Identity, error) {
	id := &auth.Identity{
		Mode:           auth.Mode(m.Config.Auth),
		DefaultAccount: m.Config.DefaultAccount,
		RootSecret:     m.Config.RootSecret,
		Sources:        []auth.KeySource{iamKeys{m.IAM}, m.STS},
		Clock:          m.Clock,
		Now:            time.Now,
	}
	if m.Config.RootKeysFile != "" {
		raw, err := os.ReadFile(m.Config.RootKeysFile)
		if err != nil {
			return nil, fmt.Errorf("root-keys: %w", err)
		}
		var keys []struct {
			AccessKeyID string `json:"accessKeyId"`
			Account     string `json:"accountId"`
			Secret      string `json:"secretAccessKey"`
		}
		if err := json.Unmarshal(raw, &keys); err != nil {
			return nil, fmt.Errorf("root-keys: %s: %w", m.Config.RootKeysFile, err)
		}
		id.RootKeys = map[string]auth.RootKey{}
		for i, k := range keys {
			if k.AccessKeyID == "" || k.Secret == "" || !orgstack.IsAccountID(k.Account) {
				return nil, fmt.Errorf("root-keys: %s: entry %d needs accessKeyId, a 12-digit accountId and secretAccessKey", m.Config.RootKeysFile, i)
			}
			id.RootKeys[k.AccessKeyID] = auth.RootKey{Account: k.Account, Secret: k.Secret}
		}
	}
	return id, nil
}

// iamKeys makes IAM's access keys a key source.
type iamKeys struct{ iam *iam.Service }

func (k iamKeys) Credential(ctx context.Context, key string) (auth.Credential, bool, error) {
	c, found, err := k.iam.AccessKey(ctx, key)
	if err != nil || !found {
		return auth.Credential{}, found, err
	}
	return auth.Credential{Caller: c.Caller, Secret: c.Secret, Active: c.Active}, true, nil
}

// iamPrincipals gives the authorizer the policies of IAM's principals.
type iamPrincipals struct{ iam *iam.Service }

func (p iamPrincipals) PrincipalPolicies(tx store.Tx, c orgstack.Caller) (auth.Principal, bool, error) {
	pr, found, err := p.iam.PrincipalOf(tx, c)
	if err != nil || !found {
		return auth.Principal{}, found, err
	}
	return auth.Principal{Identity: pr.Identity, Boundary: pr.Boundary, Tags: pr.Tags}, true, nil
}
