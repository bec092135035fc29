package iam_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/iam"
)

func must2(t *testing.T) func(iam.Credential, bool, error) (iam.Credential, bool) {
	return func(c iam.Credential, found bool, err error) (iam.Credential, bool) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return c, found
	}
}

var (
	keyIDRE  = regexp.MustCompile(`^AKIA[A-Z0-9]{16}$`)
	secretRE = regexp.MustCompile(`^[A-Za-z0-9/+]{40}$`)
)

func TestAccessKeysOfAUser(t *testing.T) {
	f := newFixture(t)
	u := must[*iam.CreateUserResponse](t)(f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: "hal", Path: "/svc/"})).User
	create := func() (*iam.CreateAccessKeyResponse, error) {
		return f.iam.CreateAccessKey(f.root, &iam.CreateAccessKeyRequest{UserName: "hal"})
	}
	k1 := must[*iam.CreateAccessKeyResponse](t)(create()).AccessKey
	k2 := must[*iam.CreateAccessKeyResponse](t)(create()).AccessKey
	for _, k := range []*iam.AccessKey{k1, k2} {
		if !keyIDRE.MatchString(k.AccessKeyId) || !secretRE.MatchString(k.SecretAccessKey) || k.Status != iam.StatusTypeActive || k.UserName != "hal" {
			t.Errorf("key %+v", k)
		}
	}
	if k1.AccessKeyId == k2.AccessKeyId || k1.SecretAccessKey == k2.SecretAccessKey {
		t.Error("two keys alike")
	}
	_, err := create()
	wantErr(t, err, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")

	// The server finds the user behind each key.
	cred, found := must2(t)(f.iam.AccessKey(context.Background(), k1.AccessKeyId))
	want := orgstack.Caller{AccountID: acct, ARN: u.Arn, UserID: u.UserId, Type: orgstack.PrincipalUser, AccessKeyID: k1.AccessKeyId}
	if !found || cred.Caller != want || cred.Secret != k1.SecretAccessKey || !cred.Active {
		t.Errorf("AccessKey: %+v %v", cred, found)
	}

	// Inactive keys are still found, as inactive; they still count.
	ok(t, f.iam.UpdateAccessKey(f.root, &iam.UpdateAccessKeyRequest{UserName: "hal", AccessKeyId: k1.AccessKeyId, Status: iam.StatusTypeInactive}))
	if cred, _ := must2(t)(f.iam.AccessKey(context.Background(), k1.AccessKeyId)); cred.Active {
		t.Error("inactive key reported active")
	}
	_, err = create()
	wantErr(t, err, "LimitExceeded")
	list := must[*iam.ListAccessKeysResponse](t)(f.iam.ListAccessKeys(f.root, &iam.ListAccessKeysRequest{UserName: "hal"})).AccessKeyMetadata
	statuses := map[string]iam.StatusType{}
	for _, m := range list {
		statuses[m.AccessKeyId] = m.Status
	}
	if len(list) != 2 || statuses[k1.AccessKeyId] != iam.StatusTypeInactive || statuses[k2.AccessKeyId] != iam.StatusTypeActive {
		t.Errorf("list %+v", list)
	}

	// Deleting frees a place and forgets the key.
	ok(t, f.iam.DeleteAccessKey(f.root, &iam.DeleteAccessKeyRequest{UserName: "hal", AccessKeyId: k1.AccessKeyId}))
	if _, found := must2(t)(f.iam.AccessKey(context.Background(), k1.AccessKeyId)); found {
		t.Error("deleted key still found")
	}
	wantErr(t, f.iam.DeleteAccessKey(f.root, &iam.DeleteAccessKeyRequest{UserName: "hal", AccessKeyId: k1.AccessKeyId}),
		"NoSuchEntity", "The Access Key with id "+k1.AccessKeyId+" cannot be found.")
	must[*iam.CreateAccessKeyResponse](t)(create())

	if _, found := must2(t)(f.iam.AccessKey(context.Background(), "AKIANOTAKEY000000000")); found {
		t.Error("unknown key found")
	}
}

func TestAccessKeysOfTheCaller(t *testing.T) {
	f := newFixture(t)
	// The root user's own keys.
	rk := must[*iam.CreateAccessKeyResponse](t)(f.iam.CreateAccessKey(as(orgstack.RootCaller(acct, "us-gov-west-1")), &iam.CreateAccessKeyRequest{})).AccessKey
	if rk.UserName != "" || !keyIDRE.MatchString(rk.AccessKeyId) {
		t.Errorf("root key %+v", rk)
	}
	cred, found := must2(t)(f.iam.AccessKey(context.Background(), rk.AccessKeyId))
	if !found || cred.Caller.Type != orgstack.PrincipalRoot || cred.Caller.ARN != "arn:aws-us-gov:iam::"+acct+":root" || cred.Caller.UserID != acct {
		t.Errorf("root credential %+v", cred)
	}
	if n := len(must[*iam.ListAccessKeysResponse](t)(f.iam.ListAccessKeys(f.root, &iam.ListAccessKeysRequest{})).AccessKeyMetadata); n != 1 {
		t.Errorf("root has %d keys", n)
	}

	// A user's own keys.
	must[*iam.CreateUserResponse](t)(f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: "ivy"}))
	me := f.asUser(t, "ivy")
	k := must[*iam.CreateAccessKeyResponse](t)(f.iam.CreateAccessKey(me, &iam.CreateAccessKeyRequest{})).AccessKey
	if k.UserName != "ivy" {
		t.Errorf("own key %+v", k)
	}
	ok(t, f.iam.UpdateAccessKey(me, &iam.UpdateAccessKeyRequest{AccessKeyId: k.AccessKeyId, Status: iam.StatusTypeInactive}))
	// Another holder's key is not found, though it exists.
	wantErr(t, f.iam.DeleteAccessKey(me, &iam.DeleteAccessKeyRequest{AccessKeyId: rk.AccessKeyId}), "NoSuchEntity")
	ok(t, f.iam.DeleteAccessKey(me, &iam.DeleteAccessKeyRequest{AccessKeyId: k.AccessKeyId}))

	// A role session must name the user.
	role := as(orgstack.Caller{AccountID: acct, Type: orgstack.PrincipalAssumedRole, RoleName: "r"})
	_, err := f.iam.CreateAccessKey(role, &iam.CreateAccessKeyRequest{})
	wantErr(t, err, "ValidationError")
	_, err = f.iam.CreateAccessKey(f.root, &iam.CreateAccessKeyRequest{UserName: "nobody"})
	wantErr(t, err, "NoSuchEntity", "The user with name nobody cannot be found.")
}

func TestAccessKeyLastUsed(t *testing.T) {
	f := newFixture(t)
	must[*iam.CreateUserResponse](t)(f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: "jay"}))
	k := must[*iam.CreateAccessKeyResponse](t)(f.iam.CreateAccessKey(f.root, &iam.CreateAccessKeyRequest{UserName: "jay"})).AccessKey
	out := must[*iam.GetAccessKeyLastUsedResponse](t)(f.iam.GetAccessKeyLastUsed(f.root, &iam.GetAccessKeyLastUsedRequest{AccessKeyId: k.AccessKeyId}))
	if out.UserName != "jay" || out.AccessKeyLastUsed.Region != "N/A" || out.AccessKeyLastUsed.ServiceName != "N/A" || !out.AccessKeyLastUsed.LastUsedDate.IsZero() {
		t.Errorf("last used %+v %+v", out, out.AccessKeyLastUsed)
	}
	_, err := f.iam.GetAccessKeyLastUsed(as(orgstack.RootCaller(other, "us-east-1")), &iam.GetAccessKeyLastUsedRequest{AccessKeyId: k.AccessKeyId})
	wantErr(t, err, "NoSuchEntity")
}
