package seed

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseExample(t *testing.T) {
	f, err := Parse("../../examples/org.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(f.res.allAccounts); got != 48 {
		t.Errorf("accounts = %d, want 48", got)
	}
	maxDepth := 0
	for _, o := range f.res.allOUs {
		maxDepth = max(maxDepth, depth(o))
	}
	if maxDepth != 3 {
		t.Errorf("OU depth = %d, want 3", maxDepth)
	}
	// Parents come before children.
	seen := map[*OU]bool{}
	for _, o := range f.res.allOUs {
		if o.parent != nil && !seen[o.parent] {
			t.Errorf("%s listed before its parent", o.Path)
		}
		seen[o] = true
	}
	a := f.res.accounts["sandbox-alice"]
	if a == nil || a.Parent == nil || a.Parent.Path != "Sandbox" {
		t.Errorf("sandbox-alice parent = %+v", a)
	}
	if p := f.res.accounts["payments-api-prod"].Parent; p == nil || p.Path != "Workloads/Prod/Payments" {
		t.Errorf("payments-api-prod parent = %+v", p)
	}
	deny := f.res.policies["DenyLeaveOrganization"]
	if !strings.Contains(deny.PolicyJSON(), "organizations:LeaveOrganization") {
		t.Errorf("policy from file: %q", deny.PolicyJSON())
	}
	// A policy written in YAML is sent as JSON.
	if root := f.res.policies["DenyRootUser"].PolicyJSON(); !strings.HasPrefix(root, `{"Statement":[`) {
		t.Errorf("YAML policy as JSON: %q", root)
	}
	if f.FeatureSet.Value != "ALL" || f.ManagementAccount.Value != "111111111111" {
		t.Errorf("feature set %q, management account %q", f.FeatureSet.Value, f.ManagementAccount.Value)
	}
}

func TestParseErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, yaml string
		line       int
		want       string
	}{
		{"unknown top-level key", "feature_set: ALL\nacounts: []\n", 2, `unknown key "acounts" in the file`},
		{"unknown account key", `
accounts:
  - name: Dev
    emial: dev@example.com
`, 4, `unknown key "emial" in an account`},
		{"missing email", `
accounts:
  - name: Dev
    tags: {a: b}
`, 3, `account "Dev" needs an email`},
		{"missing name", `
organizational_units:
  - accounts: []
`, 3, "an organizational unit needs a name"},
		{"bad email", `
accounts:
  - name: Dev
    email: dev.example.com
`, 4, `email "dev.example.com" is not an e-mail address`},
		{"duplicate account name", `
accounts:
  - name: Dev
    email: dev@example.com
  - name: Dev
    email: dev2@example.com
`, 5, `duplicate account name "Dev" (first on line 2)`},
		{"duplicate email", `
accounts:
  - name: Dev
    email: dev@example.com
  - name: Dev2
    email: DEV@example.com
`, 6, `email "DEV@example.com" is already used by account "Dev"`},
		{"duplicate OU among siblings", `
organizational_units:
  - name: Prod
  - name: Prod
`, 4, `duplicate organizational unit name "Prod"`},
		{"undefined OU", `
organizational_units:
  - name: Prod
accounts:
  - name: Dev
    email: dev@example.com
    ou: Staging
`, 7, `ou "Staging" is not defined`},
		{"ambiguous OU", `
organizational_units:
  - name: A
    organizational_units: [{name: Prod}]
  - name: B
    organizational_units: [{name: Prod}]
accounts:
  - name: Dev
    email: dev@example.com
    ou: Prod
`, 10, `ou "Prod" is ambiguous`},
		{"undefined policy", `
organizational_units:
  - name: Prod
    policies: [Guardrails]
`, 4, `policy "Guardrails" is not defined in policies`},
		{"undefined delegated admin account", `
trusted_services: [ssm.amazonaws.com]
delegated_administrators:
  - account: Tools
    service: ssm.amazonaws.com
`, 4, `account "Tools" is not defined in this file`},
		{"delegated admin without trusted access", `
accounts:
  - name: Tools
    email: tools@example.com
delegated_administrators:
  - account: Tools
    service: ssm.amazonaws.com
`, 7, `service "ssm.amazonaws.com" is not in trusted_services`},
		{"bad policy JSON", `
policies:
  - name: P
    content: '{"Statement": ['
`, 4, `policy "P": content is not a JSON object`},
		{"policy file not JSON", `
policies:
  - name: P
    file: bad.json
`, 4, `bad.json is not a JSON object`},
		{"policy file missing", `
policies:
  - name: P
    file: nowhere.json
`, 4, `nowhere.json`},
		{"bad policy type", `
policies:
  - name: P
    type: SCP
    content: {Statement: []}
`, 4, `type "SCP" is not one of`},
		{"duplicate policy", `
policies:
  - name: P
    content: {Statement: []}
  - name: P
    content: {Statement: []}
`, 5, `duplicate policy name "P" (first defined on line 2)`},
		{"policies need all features", `
feature_set: CONSOLIDATED_BILLING
policies:
  - name: P
    content: {Statement: []}
`, 4, `policies need feature_set ALL`},
		{"bad feature set", "feature_set: SOME\n", 1, `feature_set "SOME" must be ALL or CONSOLIDATED_BILLING`},
		{"too deep", `
organizational_units:
  - name: L1
    organizational_units:
      - name: L2
        organizational_units:
          - name: L3
            organizational_units:
              - name: L4
                organizational_units:
                  - name: L5
                    organizational_units:
                      - name: L6
`, 13, `nested 6 levels deep`},
		{"bad IAM user name", `
iam:
  users:
    - name: "no spaces allowed"
`, 4, `is not a valid IAM name`},
		{"unknown IAM role key", `
accounts:
  - name: Dev
    email: dev@example.com
    iam:
      roles:
        - name: R
          trust: {}
`, 8, `unknown key "trust" in an IAM role`},
		{"bad managed policy", `
iam:
  roles:
    - name: R
      managed_policies: [ReadOnlyAccess]
`, 5, `managed policy "ReadOnlyAccess" must be a policy ARN`},
		{"wrong shape", `
accounts:
  name: Dev
`, 3, "cannot unmarshal"},
		{"a list where a value belongs", `
accounts:
  - name: [Dev]
    email: dev@example.com
`, 3, "expected a single value"},
		{"yaml syntax", "accounts:\n  - name: Dev\n    email: a: b\n", 3, "mapping values are not allowed"},
		{"management account", "management_account: 1234\n", 1, `management_account "1234" must be a 12-digit account id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "org.yaml")
			_, err := ParseBytes(path, []byte(strings.TrimPrefix(tt.yaml, "\n")))
			if err == nil {
				t.Fatal("no error")
			}
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %T %v is not Errors", err, err)
			}
			e := errs[0]
			// The test YAML has its first newline trimmed: lines count from there.
			wantLine := tt.line
			if strings.HasPrefix(tt.yaml, "\n") {
				wantLine--
			}
			if e.File != path || e.Line != wantLine {
				t.Errorf("error at %s:%d, want line %d: %v", e.File, e.Line, wantLine, err)
			}
			if !strings.Contains(e.Msg, tt.want) {
				t.Errorf("message %q does not contain %q", e.Msg, tt.want)
			}
			if !strings.HasPrefix(err.Error(), path+":") {
				t.Errorf("error %q does not start with the file name", err)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := ParseBytes("org.yaml", []byte(`accounts:
  - name: A
    email: bad
  - name: B
`))
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 2 {
		t.Fatalf("want 2 errors, got %v", err)
	}
	if errs[0].Line != 3 || errs[1].Line != 4 {
		t.Errorf("lines %d, %d; want 3, 4", errs[0].Line, errs[1].Line)
	}
	if want := "org.yaml:3: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q does not start with %q", err, want)
	}
}
