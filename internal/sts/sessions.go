package sts

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/auth"
	"github.com/orgstack/orgstack/internal/policy"
	"github.com/orgstack/orgstack/internal/store"
)

// Store layout:
//
//	sts/session/<access key id>   sessionRecord
func kSession(key string) string { return "sts/session/" + key }

type sessionRecord struct {
	AccessKeyID     string    `json:"accessKeyId"`
	Secret          string    `json:"secret"`
	Token           string    `json:"token"`
	Expiration      time.Time `json:"expiration"`
	Account         string    `json:"account"`
	Partition       string    `json:"partition"`
	RoleName        string    `json:"roleName"`
	RoleARN         string    `json:"roleArn"`
	RoleID          string    `json:"roleId"`
	SessionName     string    `json:"sessionName"`
	SessionPolicy   string    `json:"sessionPolicy,omitempty"`
	SessionPolicies []string  `json:"sessionPolicyArns,omitempty"`
	SourceIdentity  string    `json:"sourceIdentity,omitempty"`
	// IssuedAt is when the credentials were issued (aws:TokenIssueTime);
	// zero in sessions stored before it was recorded.
	IssuedAt time.Time `json:"issuedAt,omitempty"`
}

func (r *sessionRecord) caller() orgstack.Caller {
	return orgstack.Caller{
		AccountID:      r.Account,
		ARN:            "arn:" + r.Partition + ":sts::" + r.Account + ":assumed-role/" + r.RoleName + "/" + r.SessionName,
		UserID:         r.RoleID + ":" + r.SessionName,
		Type:           orgstack.PrincipalAssumedRole,
		RoleName:       r.RoleName,
		RoleARN:        r.RoleARN,
		SessionName:    r.SessionName,
		TokenIssueTime: r.IssuedAt,
		SourceIdentity: r.SourceIdentity,
	}
}

// defaultDuration is a session's length when DurationSeconds is left out.
const defaultDuration = 3600

// chainedLimit is the longest session a role session may start.
const chainedLimit = 3600

func errValidation(msg string) *orgstack.Error {
	return orgstack.NewError("ValidationError", 400, msg)
}

// AssumeRole starts a session of a role whose trust policy allows the
// caller, and returns its temporary credentials.
func (s *Service) AssumeRole(ctx context.Context, in *AssumeRoleRequest) (*AssumeRoleResponse, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	roleARN, err := orgstack.ParseARN(in.RoleArn)
	if err != nil || roleARN.Service != "iam" || !strings.HasPrefix(roleARN.Resource, "role/") || !orgstack.IsAccountID(roleARN.AccountID) {
		return nil, errValidation(in.RoleArn + " is invalid")
	}
	name := roleARN.Resource[strings.LastIndexByte(roleARN.Resource, '/')+1:]
	denied := AccessDenied("User: " + c.ARN + " is not authorized to perform: sts:AssumeRole on resource: " + in.RoleArn)
	var out *AssumeRoleResponse
	err = s.opt.Store.Update(ctx, func(tx store.Tx) error {
		role, found, err := s.opt.Roles.AssumableRole(tx, roleARN.AccountID, name)
		if err != nil {
			return err
		}
		if !found || role.ARN != in.RoleArn {
			return denied
		}
		trust, err := policy.Parse(role.TrustPolicy)
		if err != nil {
			return denied
		}
		keys := map[string][]string{}
		if s.opt.Keys != nil {
			if keys, err = s.opt.Keys.ConditionKeys(tx, c); err != nil {
				return err
			}
		}
		keys["sts:RoleSessionName"] = []string{in.RoleSessionName}
		if in.ExternalId != "" {
			keys["sts:ExternalId"] = []string{in.ExternalId}
		}
		if in.SourceIdentity != "" {
			keys["sts:SourceIdentity"] = []string{in.SourceIdentity}
		}
		p := policy.Principal{AccountID: c.AccountID, ARN: c.ARN, IsRoot: c.IsRoot(), RoleARN: c.RoleARN}
		if trust.Evaluate(policy.Request{Principal: p, Action: "sts:AssumeRole", Resource: role.ARN, Context: keys}) != policy.Allow {
			return denied
		}
		duration := int32(defaultDuration)
		if in.DurationSeconds != nil {
			duration = *in.DurationSeconds
		}
		if c.Type == orgstack.PrincipalAssumedRole && duration > chainedLimit {
			return errValidation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
		}
		if duration > role.MaxSessionDuration {
			return errValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
		}
		if in.Policy != "" {
			if _, err := policy.ParseFor(in.Policy, policy.KindIdentity); err != nil {
				return orgstack.NewError("MalformedPolicyDocument", 400, err.Error())
			}
		}
		var arns []string
		for _, pa := range in.PolicyArns {
			if _, ok, err := s.opt.Roles.ManagedPolicyDocument(tx, pa.Arn); err != nil {
				return err
			} else if !ok {
				return errValidation("Policy " + pa.Arn + " does not exist or is not attachable.")
			}
			arns = append(arns, pa.Arn)
		}
		now := s.now()
		key, err := newAccessKeyID(tx)
		if err != nil {
			return err
		}
		r := &sessionRecord{
			AccessKeyID: key, Secret: orgstack.RandomString(secretAlphabet, 40), Token: newSessionToken(),
			Expiration: now.Add(time.Duration(duration) * time.Second), Account: roleARN.AccountID, Partition: roleARN.Partition,
			RoleName: role.Name, RoleARN: role.ARN, RoleID: role.ID, SessionName: in.RoleSessionName,
			SessionPolicy: in.Policy, SessionPolicies: arns, SourceIdentity: in.SourceIdentity, IssuedAt: now,
		}
		if err := store.PutJSON(tx, kSession(key), r); err != nil {
			return err
		}
		caller := r.caller()
		out = &AssumeRoleResponse{
			Credentials:     &Credentials{AccessKeyId: key, SecretAccessKey: r.Secret, SessionToken: r.Token, Expiration: r.Expiration},
			AssumedRoleUser: &AssumedRoleUser{AssumedRoleId: caller.UserID, Arn: caller.ARN},
			SourceIdentity:  in.SourceIdentity,
		}
		if in.Policy != "" || len(arns) > 0 {
			size := int32(len(in.Policy) * 100 / 2048)
			out.PackedPolicySize = &size
		}
		return nil
	})
	return out, err
}

const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func newAccessKeyID(tx store.Tx) (string, error) {
	for {
		id := "ASIA" + orgstack.RandomString(orgstack.UpperAlnum, 16)
		ok, err := store.Exists(tx, kSession(id))
		if err != nil {
			return "", err
		}
		if !ok {
			return id, nil
		}
	}
}

func newSessionToken() string {
	raw := orgstack.RandomString(secretAlphabet, 240)
	return "IQoJb3JpZ2luX2VjE" + base64.RawStdEncoding.EncodeToString([]byte(raw))[:300]
}

// Credential implements auth.KeySource for session keys.
func (s *Service) Credential(ctx context.Context, key string) (auth.Credential, bool, error) {
	if !strings.HasPrefix(key, "ASIA") {
		return auth.Credential{}, false, nil
	}
	var r sessionRecord
	err := s.opt.Store.View(ctx, func(tx store.Tx) error { return store.GetJSON(tx, kSession(key), &r) })
	if errors.Is(err, store.ErrNotFound) {
		return auth.Credential{}, false, nil
	}
	if err != nil {
		return auth.Credential{}, false, err
	}
	return auth.Credential{Caller: r.caller(), Secret: r.Secret, SessionToken: r.Token, Expiration: r.Expiration, Active: true}, true, nil
}

// SessionPolicies implements auth.Sessions: the session policies a
// session was started with (nil when none).
func (s *Service) SessionPolicies(tx store.Tx, key string) ([]*policy.Policy, error) {
	var r sessionRecord
	if err := store.GetJSON(tx, kSession(key), &r); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	var docs []string
	if r.SessionPolicy != "" {
		docs = append(docs, r.SessionPolicy)
	}
	for _, arn := range r.SessionPolicies {
		doc, ok, err := s.opt.Roles.ManagedPolicyDocument(tx, arn)
		if err != nil {
			return nil, err
		}
		if ok {
			docs = append(docs, doc)
		}
	}
	var out []*policy.Policy
	for _, d := range docs {
		p, err := policy.ParseShared(d)
		if err != nil {
			return nil, fmt.Errorf("session policy: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}
