// Package seed builds an organization from a readable YAML file through
// the public AWS APIs: Parse reads and validates a file without calling
// anything; Apply makes a running server (orgstack, through any AWS
// endpoint) match it, creating only what is missing, so applying a file
// twice changes nothing the second time.
package seed

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// File is a parsed seed file. Every entry remembers its line for errors.
type File struct {
	// Path is the file's name as given; Dir is where relative policy
	// files are looked up.
	Path string `yaml:"-"`
	Dir  string `yaml:"-"`

	FeatureSet        Str             `yaml:"feature_set"`
	ManagementAccount Str             `yaml:"management_account"`
	RootPolicies      []Str           `yaml:"root_policies"`
	Policies          []*Policy       `yaml:"policies"`
	OUs               []*OU           `yaml:"organizational_units"`
	Accounts          []*Account      `yaml:"accounts"`
	TrustedServices   []Str           `yaml:"trusted_services"`
	DelegatedAdmins   []*DelegatedAdm `yaml:"delegated_administrators"`
	IAM               *IAM            `yaml:"iam"`

	res resolved
}

// Str is a scalar with the line it was written on (0 when absent).
type Str struct {
	Value string
	Line  int
}

// Policy is an organization policy (SCP, tag policy, backup policy...).
type Policy struct {
	Name        Str               `yaml:"name"`
	Type        Str               `yaml:"type"`
	Description Str               `yaml:"description"`
	Content     *Doc              `yaml:"content"`
	File        Str               `yaml:"file"`
	Tags        map[string]string `yaml:"tags"`
	Line        int               `yaml:"-"`

	content string
	id      string // once applied
}

// OU is an organizational unit with what it contains.
type OU struct {
	Name     Str               `yaml:"name"`
	Tags     map[string]string `yaml:"tags"`
	Policies []Str             `yaml:"policies"`
	Accounts []*Account        `yaml:"accounts"`
	OUs      []*OU             `yaml:"organizational_units"`
	Line     int               `yaml:"-"`

	// Path is the OU's names from the root, joined by "/".
	Path   string `yaml:"-"`
	parent *OU
}

// Account is a member account, matched with existing accounts by e-mail.
type Account struct {
	Name     Str               `yaml:"name"`
	Email    Str               `yaml:"email"`
	OU       Str               `yaml:"ou"`
	RoleName Str               `yaml:"role_name"`
	Tags     map[string]string `yaml:"tags"`
	Policies []Str             `yaml:"policies"`
	IAM      *IAM              `yaml:"iam"`
	Line     int               `yaml:"-"`

	// Parent is the OU the account belongs in (nil: the root).
	Parent *OU `yaml:"-"`
}

// DelegatedAdm registers an account as a service's delegated administrator.
type DelegatedAdm struct {
	Account Str `yaml:"account"`
	Service Str `yaml:"service"`
	Line    int `yaml:"-"`
}

// IAM lists the users and roles of one account.
type IAM struct {
	Users []*User `yaml:"users"`
	Roles []*Role `yaml:"roles"`
	Line  int     `yaml:"-"`
}

// User is an IAM user.
type User struct {
	Name            Str               `yaml:"name"`
	Path            Str               `yaml:"path"`
	Tags            map[string]string `yaml:"tags"`
	InlinePolicies  map[string]*Doc   `yaml:"inline_policies"`
	ManagedPolicies []Str             `yaml:"managed_policies"`
	Line            int               `yaml:"-"`
}

// Role is an IAM role.
type Role struct {
	Name            Str               `yaml:"name"`
	Path            Str               `yaml:"path"`
	Description     Str               `yaml:"description"`
	TrustPolicy     *Doc              `yaml:"trust_policy"`
	Tags            map[string]string `yaml:"tags"`
	InlinePolicies  map[string]*Doc   `yaml:"inline_policies"`
	ManagedPolicies []Str             `yaml:"managed_policies"`
	Line            int               `yaml:"-"`
}

// Doc is a JSON policy document, written as a JSON string or as YAML.
type Doc struct {
	JSON string
	Line int
	err  string
}

// Error is one problem with a seed file, at a line.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Errors is every problem found in a file, in line order.
type Errors []*Error

func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// lineError is what the decoding hooks return; Parse adds the file name.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// Parse reads and validates a seed file. A problem is reported as
// Errors, each naming the file and line.
func Parse(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseBytes(path, data)
}

// ParseBytes is Parse of data read from path.
func ParseBytes(path string, data []byte) (*File, error) {
	f := &File{Path: path, Dir: filepath.Dir(path)}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlErrors(path, err)
	}
	if len(root.Content) == 0 {
		return nil, Errors{{File: path, Msg: "the file is empty"}}
	}
	if err := root.Content[0].Decode(f); err != nil {
		return nil, yamlErrors(path, err)
	}
	if errs := f.validate(); len(errs) > 0 {
		return nil, errs
	}
	return f, nil
}

// yamlErrors turns yaml's errors ("yaml: line 3: ...", type errors with
// "line N: ..." each) and the hooks' errors into Errors.
func yamlErrors(path string, err error) error {
	var le *lineError
	if errors.As(err, &le) {
		return Errors{{File: path, Line: le.line, Msg: le.msg}}
	}
	var te *yaml.TypeError
	var msgs []string
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var out Errors
	for _, m := range msgs {
		e := &Error{File: path, Msg: m}
		var n int
		if _, scanErr := fmt.Sscanf(m, "line %d:", &n); scanErr == nil {
			e.Line = n
			e.Msg = strings.TrimSpace(m[strings.Index(m, ":")+1:])
		}
		out = append(out, e)
	}
	return out
}

// keys checks that n is a mapping whose keys are all known.
func keys(n *yaml.Node, what string, known ...string) error {
	if n.Kind != yaml.MappingNode {
		return &lineError{n.Line, fmt.Sprintf("%s must be a mapping of keys to values", what)}
	}
	for i := 0; i < len(n.Content); i += 2 {
		k := n.Content[i]
		found := false
		for _, name := range known {
			if k.Value == name {
				found = true
				break
			}
		}
		if !found {
			return &lineError{k.Line, fmt.Sprintf("unknown key %q in %s (known keys: %s)", k.Value, what, strings.Join(known, ", "))}
		}
	}
	return nil
}

func (s *Str) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &lineError{n.Line, "expected a single value, not a list or mapping"}
	}
	s.Value, s.Line = n.Value, n.Line
	return nil
}

func (d *Doc) UnmarshalYAML(n *yaml.Node) error {
	d.Line = n.Line
	switch n.Kind {
	case yaml.ScalarNode:
		d.JSON = n.Value
		var v map[string]any
		if err := json.Unmarshal([]byte(n.Value), &v); err != nil {
			d.err = "is not a JSON object: " + err.Error()
		}
	case yaml.MappingNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return &lineError{n.Line, "cannot be written as JSON: " + err.Error()}
		}
		d.JSON = string(b)
	default:
		return &lineError{n.Line, "a policy document must be a JSON string or a mapping"}
	}
	return nil
}

func (f *File) UnmarshalYAML(n *yaml.Node) error {
	if err := keys(n, "the file", "feature_set", "management_account", "root_policies", "policies",
		"organizational_units", "accounts", "trusted_services", "delegated_administrators", "iam"); err != nil {
		return err
	}
	type plain File
	return n.Decode((*plain)(f))
}

func (p *Policy) UnmarshalYAML(n *yaml.Node) error {
	if err := keys(n, "a policy", "name", "type", "description", "content", "file", "tags"); err != nil {
		return err
	}
	type plain Policy
	p.Line = n.Line
	return n.Decode((*plain)(p))
}

func (o *OU) UnmarshalYAML(n *yaml.Node) error {
	if err := keys(n, "an organizational unit", "name", "tags", "policies", "accounts", "organizational_units"); err != nil {
		return err
	}
	type plain OU
	o.Line = n.Line
	return n.Decode((*plain)(o))
}

func (a *Account) UnmarshalYAML(n *yaml.Node) error {
	if err := keys(n, "an account", "name", "email", "ou", "role_name", "tags", "policies", "iam"); err != nil {
		return err
	}
	type plain Account
	a.Line = n.Line
	return n.Decode((*plain)(a))
}

func (d *DelegatedAdm) UnmarshalYAML(n *yaml.Node) error {
	if err := keys(n, "a delegated administrator", "account", "service"); err != nil {
		return err
	}
	type plain DelegatedAdm
	d.Line = n.Line
	return n.Decode((*plain)(d))
}

func (i *IAM) UnmarshalYAML(n *yaml.Node) error {
	if err := keys(n, "iam", "users", "roles"); err != nil {
		return err
	}
	type plain IAM
	i.Line = n.Line
	return n.Decode((*plain)(i))
}

func (u *User) UnmarshalYAML(n *yaml.Node) error {
	if err := keys(n, "an IAM user", "name", "path", "tags", "inline_policies", "managed_policies"); err != nil {
		return err
	}
	type plain User
	u.Line = n.Line
	return n.Decode((*plain)(u))
}

func (r *Role) UnmarshalYAML(n *yaml.Node) error {
	if err := keys(n, "an IAM role", "name", "path", "description", "trust_policy", "tags", "inline_policies", "managed_policies"); err != nil {
		return err
	}
	type plain Role
	r.Line = n.Line
	return n.Decode((*plain)(r))
}

// sortedNames returns a map's keys in order.
func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
