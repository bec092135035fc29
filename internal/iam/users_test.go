package iam_test

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"testing"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/iam"
	"github.com/orgstack/orgstack/internal/jobs"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/memory"
)

const (
	acct  = "111111111111"
	other = "222222222222"
)

// fixture is IAM over a memory store with a fixed clock and a running
// job queue; root acts as the root user of acct.
type fixture struct {
	st    store.Store
	clock *orgstack.FixedClock
	iam   *iam.Service
	root  context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := memory.New()
	clock := orgstack.NewFixedClock(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	q := jobs.New(st, clock, slog.New(slog.DiscardHandler))
	im := iam.New(iam.Options{Store: st, Clock: clock, Jobs: q})
	ctx, cancel := context.WithCancel(context.Background())
	q.Start(ctx)
	t.Cleanup(func() { cancel(); q.Wait() })
	return &fixture{st: st, clock: clock, iam: im, root: as(orgstack.RootCaller(acct, "us-east-1"))}
}

func as(c orgstack.Caller) context.Context { return orgstack.WithCaller(context.Background(), c) }

// asUser is the caller an IAM user of acct would be.
func (f *fixture) asUser(t *testing.T, name string) context.Context {
	t.Helper()
	u, err := f.iam.GetUser(f.root, &iam.GetUserRequest{UserName: name})
	if err != nil {
		t.Fatal(err)
	}
	return as(orgstack.Caller{AccountID: acct, ARN: u.User.Arn, UserID: u.User.UserId, Type: orgstack.PrincipalUser, Region: "us-east-1"})
}

// wantErr asserts err is IAM's error with the code (and message, when
// given) and returns it.
func wantErr(t *testing.T, err error, code string, message ...string) *orgstack.Error {
	t.Helper()
	var e *orgstack.Error
	if !errors.As(err, &e) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if e.Code != code {
		t.Fatalf("want %s, got %s: %s", code, e.Code, e.Message)
	}
	if len(message) > 0 && e.Message != message[0] {
		t.Fatalf("%s message:\n got %q\nwant %q", code, e.Message, message[0])
	}
	return e
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

const allowS3 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`

func TestCreateAndGetUser(t *testing.T) {
	f := newFixture(t)
	out := must[*iam.CreateUserResponse](t)(f.iam.CreateUser(f.root, &iam.CreateUserRequest{
		UserName: "Alice", Path: "/eng/", Tags: []iam.Tag{{Key: "team", Value: "platform"}},
	}))
	u := out.User
	if !regexp.MustCompile(`^AIDA[A-Z0-9]{17}$`).MatchString(u.UserId) {
		t.Errorf("user id %q", u.UserId)
	}
	if u.Arn != "arn:aws:iam::"+acct+":user/eng/Alice" || u.Path != "/eng/" || !u.CreateDate.Equal(f.clock.Now()) {
		t.Errorf("user %+v", u)
	}
	got := must[*iam.GetUserResponse](t)(f.iam.GetUser(f.root, &iam.GetUserRequest{UserName: "alice"})).User
	if got.UserName != "Alice" || got.UserId != u.UserId || len(got.Tags) != 1 || got.Tags[0].Value != "platform" {
		t.Errorf("GetUser %+v", got)
	}
	_, err := f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: "ALICE"})
	wantErr(t, err, "EntityAlreadyExists", "User with name ALICE already exists.")
	_, err = f.iam.GetUser(f.root, &iam.GetUserRequest{UserName: "bob"})
	wantErr(t, err, "NoSuchEntity", "The user with name bob cannot be found.")

	// Another account has its own users.
	_, err = f.iam.GetUser(as(orgstack.RootCaller(other, "us-east-1")), &iam.GetUserRequest{UserName: "Alice"})
	wantErr(t, err, "NoSuchEntity")
}

func TestGetUserWithoutNameIsTheCaller(t *testing.T) {
	f := newFixture(t)
	root := must[*iam.GetUserResponse](t)(f.iam.GetUser(as(orgstack.RootCaller(acct, "cn-north-1")), &iam.GetUserRequest{})).User
	if root.UserId != acct || root.Arn != "arn:aws-cn:iam::"+acct+":root" {
		t.Errorf("root user %+v", root)
	}
	must[*iam.CreateUserResponse](t)(f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: "carol"}))
	me := must[*iam.GetUserResponse](t)(f.iam.GetUser(f.asUser(t, "carol"), &iam.GetUserRequest{})).User
	if me.UserName != "carol" {
		t.Errorf("own user %+v", me)
	}
	role := as(orgstack.Caller{AccountID: acct, Type: orgstack.PrincipalAssumedRole, RoleName: "r", ARN: "arn:aws:sts::" + acct + ":assumed-role/r/s"})
	_, err := f.iam.GetUser(role, &iam.GetUserRequest{})
	wantErr(t, err, "ValidationError")
}

func TestListUsersPagesAndFilters(t *testing.T) {
	f := newFixture(t)
	for _, u := range []struct{ name, path string }{{"u1", "/"}, {"u2", "/ops/"}, {"u3", "/ops/"}, {"u4", "/"}, {"u5", "/ops/sub/"}} {
		must[*iam.CreateUserResponse](t)(f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: u.name, Path: u.path, Tags: []iam.Tag{{Key: "k", Value: "v"}}}))
	}
	var names []string
	marker := ""
	pages := 0
	for {
		out := must[*iam.ListUsersResponse](t)(f.iam.ListUsers(f.root, &iam.ListUsersRequest{MaxItems: ptr(int32(2)), Marker: marker}))
		pages++
		for _, u := range out.Users {
			names = append(names, u.UserName)
			if u.Tags != nil {
				t.Errorf("ListUsers returned tags for %s", u.UserName)
			}
		}
		if !*out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if pages != 3 || len(names) != 5 || names[0] != "u1" || names[4] != "u5" {
		t.Errorf("pages %d, names %v", pages, names)
	}
	ops := must[*iam.ListUsersResponse](t)(f.iam.ListUsers(f.root, &iam.ListUsersRequest{PathPrefix: "/ops/"}))
	if len(ops.Users) != 3 {
		t.Errorf("path prefix /ops/: %d users", len(ops.Users))
	}
	_, err := f.iam.ListUsers(f.root, &iam.ListUsersRequest{Marker: "bogus"})
	wantErr(t, err, "ValidationError")
}

func TestUpdateUserRenamesAndMoves(t *testing.T) {
	f := newFixture(t)
	id := must[*iam.CreateUserResponse](t)(f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: "dave"})).User.UserId
	must[*iam.CreateUserResponse](t)(f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: "erin"}))
	key := must[*iam.CreateAccessKeyResponse](t)(f.iam.CreateAccessKey(f.root, &iam.CreateAccessKeyRequest{UserName: "dave"})).AccessKey

	wantErr(t, f.iam.UpdateUser(f.root, &iam.UpdateUserRequest{UserName: "dave", NewUserName: "ERIN"}), "EntityAlreadyExists")
	ok(t, f.iam.UpdateUser(f.root, &iam.UpdateUserRequest{UserName: "dave", NewUserName: "david", NewPath: "/staff/"}))
	u := must[*iam.GetUserResponse](t)(f.iam.GetUser(f.root, &iam.GetUserRequest{UserName: "david"})).User
	if u.UserId != id || u.Arn != "arn:aws:iam::"+acct+":user/staff/david" {
		t.Errorf("renamed user %+v", u)
	}
	_, err := f.iam.GetUser(f.root, &iam.GetUserRequest{UserName: "dave"})
	wantErr(t, err, "NoSuchEntity")
	keys := must[*iam.ListAccessKeysResponse](t)(f.iam.ListAccessKeys(f.root, &iam.ListAccessKeysRequest{UserName: "david"}))
	if len(keys.AccessKeyMetadata) != 1 || keys.AccessKeyMetadata[0].UserName != "david" {
		t.Errorf("keys after rename %+v", keys.AccessKeyMetadata)
	}
	cred, found := must2(t)(f.iam.AccessKey(context.Background(), key.AccessKeyId))
	if !found || cred.Caller.ARN != u.Arn {
		t.Errorf("key after rename: %+v %v", cred, found)
	}
	// A change of letter case only is a rename too.
	ok(t, f.iam.UpdateUser(f.root, &iam.UpdateUserRequest{UserName: "david", NewUserName: "David"}))
	if n := must[*iam.GetUserResponse](t)(f.iam.GetUser(f.root, &iam.GetUserRequest{UserName: "david"})).User.UserName; n != "David" {
		t.Errorf("name %q", n)
	}
}

func TestDeleteUserConflicts(t *testing.T) {
	f := newFixture(t)
	must[*iam.CreateUserResponse](t)(f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: "frank"}))
	key := must[*iam.CreateAccessKeyResponse](t)(f.iam.CreateAccessKey(f.root, &iam.CreateAccessKeyRequest{UserName: "frank"})).AccessKey.AccessKeyId
	ok(t, f.iam.PutUserPolicy(f.root, &iam.PutUserPolicyRequest{UserName: "frank", PolicyName: "s3", PolicyDocument: allowS3}))
	ok(t, f.iam.AttachUserPolicy(f.root, &iam.AttachUserPolicyRequest{UserName: "frank", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}))

	del := func() error { return f.iam.DeleteUser(f.root, &iam.DeleteUserRequest{UserName: "frank"}) }
	wantErr(t, del(), "DeleteConflict", "Cannot delete entity, must delete access keys first.")
	ok(t, f.iam.DeleteAccessKey(f.root, &iam.DeleteAccessKeyRequest{UserName: "frank", AccessKeyId: key}))
	wantErr(t, del(), "DeleteConflict", "Cannot delete entity, must delete policies first.")
	ok(t, f.iam.DeleteUserPolicy(f.root, &iam.DeleteUserPolicyRequest{UserName: "frank", PolicyName: "s3"}))
	wantErr(t, del(), "DeleteConflict", "Cannot delete entity, must detach all policies first.")
	ok(t, f.iam.DetachUserPolicy(f.root, &iam.DetachUserPolicyRequest{UserName: "frank", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}))
	ok(t, del())
	wantErr(t, del(), "NoSuchEntity")
}

func TestUserTagsAndBoundary(t *testing.T) {
	f := newFixture(t)
	_, err := f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: "gina", PermissionsBoundary: "arn:aws:iam::aws:policy/Nope"})
	wantErr(t, err, "NoSuchEntity", "Scope ARN: arn:aws:iam::aws:policy/Nope does not exist or is not attachable.")
	u := must[*iam.CreateUserResponse](t)(f.iam.CreateUser(f.root, &iam.CreateUserRequest{UserName: "gina", PermissionsBoundary: "arn:aws:iam::aws:policy/ReadOnlyAccess"})).User
	if u.PermissionsBoundary == nil || u.PermissionsBoundary.PermissionsBoundaryArn != "arn:aws:iam::aws:policy/ReadOnlyAccess" {
		t.Errorf("boundary %+v", u.PermissionsBoundary)
	}
	ok(t, f.iam.TagUser(f.root, &iam.TagUserRequest{UserName: "gina", Tags: []iam.Tag{{Key: "Env", Value: "dev"}, {Key: "team", Value: "a"}}}))
	ok(t, f.iam.TagUser(f.root, &iam.TagUserRequest{UserName: "gina", Tags: []iam.Tag{{Key: "env", Value: "prod"}}}))
	ok(t, f.iam.UntagUser(f.root, &iam.UntagUserRequest{UserName: "gina", TagKeys: []string{"TEAM", "missing"}}))
	tags := must[*iam.ListUserTagsResponse](t)(f.iam.ListUserTags(f.root, &iam.ListUserTagsRequest{UserName: "gina"})).Tags
	if len(tags) != 1 || tags[0].Key != "env" || tags[0].Value != "prod" {
		t.Errorf("tags %+v", tags)
	}
	wantErr(t, f.iam.TagUser(f.root, &iam.TagUserRequest{UserName: "gina", Tags: []iam.Tag{{Key: "a", Value: "1"}, {Key: "A", Value: "2"}}}), "InvalidInput")

	ok(t, f.iam.DeleteUserPermissionsBoundary(f.root, &iam.DeleteUserPermissionsBoundaryRequest{UserName: "gina"}))
	if b := must[*iam.GetUserResponse](t)(f.iam.GetUser(f.root, &iam.GetUserRequest{UserName: "gina"})).User.PermissionsBoundary; b != nil {
		t.Errorf("boundary after delete %+v", b)
	}
	p := must[*iam.CreatePolicyResponse](t)(f.iam.CreatePolicy(f.root, &iam.CreatePolicyRequest{PolicyName: "Bound", PolicyDocument: allowS3})).Policy
	ok(t, f.iam.PutUserPermissionsBoundary(f.root, &iam.PutUserPermissionsBoundaryRequest{UserName: "gina", PermissionsBoundary: p.Arn}))
	got := must[*iam.GetPolicyResponse](t)(f.iam.GetPolicy(f.root, &iam.GetPolicyRequest{PolicyArn: p.Arn})).Policy
	if *got.PermissionsBoundaryUsageCount != 1 || *got.AttachmentCount != 0 {
		t.Errorf("boundary usage %d, attachments %d", *got.PermissionsBoundaryUsageCount, *got.AttachmentCount)
	}
}
