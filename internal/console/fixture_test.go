package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/app"
)

// fixture is orgstack in memory, on a loopback port, with a browser-like
// client (cookies kept, redirects followed).
type fixture struct {
	t        *testing.T
	m        *app.Main
	base     string
	client   *http.Client
	lastCSRF string
}

const (
	mgmt       = "111111111111"
	standalone = "999999999999"
)

func newFixture(t *testing.T, mods ...func(*app.Config)) *fixture {
	t.Helper()
	cfg := app.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.Memory = true
	cfg.LogLevel = "error"
	for _, m := range mods {
		m(&cfg)
	}
	m := app.NewMain()
	m.Config = cfg
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	jar, _ := cookiejar.New(nil)
	return &fixture{t: t, m: m, base: m.Endpoint(), client: &http.Client{Jar: jar}}
}

// api calls an operation as account's root user, failing the test on an
// error; input uses the model's member names.
func (f *fixture) api(account, service, op string, input map[string]any) any {
	f.t.Helper()
	out, err := f.apiErr(account, service, op, input)
	if err != nil {
		f.t.Fatalf("%s %s as %s: %v", service, op, account, err)
	}
	return out
}

func (f *fixture) apiErr(account, service, op string, input map[string]any) (any, error) {
	_, out, err := f.m.Server.Invoke(context.Background(), orgstack.RootCaller(account, "us-east-1"), service, op, input, "127.0.0.1:1")
	return out, err
}

// settle waits until no job is due (accounts created, roles made).
func (f *fixture) settle() {
	f.t.Helper()
	if err := f.m.Jobs.Settle(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

// signIn signs the browser in as account (open mode).
func (f *fixture) signIn(account string) {
	f.t.Helper()
	status, body := f.postForm("/signin", url.Values{"account": {account}, "region": {"us-east-1"}, "next": {"/"}})
	if status != http.StatusOK || strings.Contains(body, "Sign-in failed") {
		f.t.Fatalf("sign-in as %s: %d\n%s", account, status, body)
	}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// get fetches a page and remembers its CSRF token.
func (f *fixture) get(path string) (int, string) {
	f.t.Helper()
	resp, err := f.client.Get(f.base + path)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRE.FindSubmatch(b); m != nil {
		f.lastCSRF = string(m[1])
	}
	return resp.StatusCode, pageText(b)
}

// post submits a form of the console, with the CSRF token of the last
// page fetched, and returns the page it leads to.
func (f *fixture) post(path string, form url.Values) (int, string) {
	f.t.Helper()
	if f.lastCSRF == "" {
		f.get("/organizations/services")
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", f.lastCSRF)
	return f.postForm(path, form)
}

func (f *fixture) postForm(path string, form url.Values) (int, string) {
	f.t.Helper()
	resp, err := f.client.PostForm(f.base+path, form)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRE.FindSubmatch(b); m != nil {
		f.lastCSRF = string(m[1])
	}
	return resp.StatusCode, pageText(b)
}

// organization creates an all-features organization managed by mgmt with
// n created member accounts, and returns the members' ids.
func (f *fixture) organization(n int) []string {
	f.t.Helper()
	f.api(mgmt, "organizations", "CreateOrganization", map[string]any{"FeatureSet": "ALL"})
	var ids []string
	for i := 0; i < n; i++ {
		f.api(mgmt, "organizations", "CreateAccount", map[string]any{"Email": "member" + string(rune('a'+i)) + "@example.com", "AccountName": "Member " + string(rune('A'+i))})
		f.settle()
	}
	out := f.api(mgmt, "organizations", "ListAccounts", nil)
	for _, a := range fieldSlice(out, "Accounts") {
		if id := fieldString(a, "Id"); id != mgmt {
			ids = append(ids, id)
		}
	}
	return ids
}

// fieldSlice returns a slice field of a typed API output, its elements as any.
func fieldSlice(v any, name string) []any {
	rv := reflect.Indirect(reflect.ValueOf(v)).FieldByName(name)
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out
}

// fieldString returns a string field of a typed API value (or of what a
// pointer field points to, following dotted names: "Account.Id").
func fieldString(v any, name string) string {
	rv := reflect.ValueOf(v)
	for _, n := range strings.Split(name, ".") {
		rv = reflect.Indirect(rv).FieldByName(n)
	}
	return fmt.Sprint(rv.Interface())
}

// pageText is a page's HTML without the <wbr> break opportunities the
// wbr template function puts into long identifiers: they don't show, and
// tests look for the identifiers whole.
func pageText(b []byte) string {
	return strings.ReplaceAll(string(b), "<wbr>", "")
}
