package seed

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// Limits and patterns, from the botocore models of Organizations and IAM.
var (
	emailRE       = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)
	accountIDRE   = regexp.MustCompile(`^\d{12}$`)
	principalRE   = regexp.MustCompile(`^[\w+=,.@-]+$`)
	iamNameRE     = regexp.MustCompile(`^[\w+=,.@-]+$`)
	iamPathRE     = regexp.MustCompile(`^(/|/[\x21-\x7E]+/)$`)
	tagRE         = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	roleNameRE    = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	policyTypes   = []string{"SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY", "TAG_POLICY", "BACKUP_POLICY", "AISERVICES_OPT_OUT_POLICY", "CHATBOT_POLICY", "DECLARATIVE_POLICY_EC2", "SECURITYHUB_POLICY", "INSPECTOR_POLICY", "UPGRADE_ROLLOUT_POLICY", "BEDROCK_POLICY", "S3_POLICY", "NETWORK_SECURITY_DIRECTOR_POLICY"}
	maxOUDepth    = 5
	maxTagsPerRes = 50
)

// Resolved views, filled by validate.
type resolved struct {
	allOUs      []*OU               // parents before children
	allAccounts []*Account          // in file order
	policies    map[string]*Policy  // by name
	accounts    map[string]*Account // by name
}

// PolicyJSON is a policy's content, inline or read from its file.
func (p *Policy) PolicyJSON() string { return p.content }

type checker struct {
	f    *File
	errs Errors
}

func (c *checker) add(line int, format string, args ...any) {
	c.errs = append(c.errs, &Error{File: c.f.Path, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// lineOr is s's line when it was written, else the owner's.
func lineOr(s Str, owner int) int {
	if s.Line > 0 {
		return s.Line
	}
	return owner
}

func (f *File) validate() Errors {
	c := &checker{f: f}
	f.res = resolved{policies: map[string]*Policy{}, accounts: map[string]*Account{}}

	switch f.FeatureSet.Value {
	case "":
		f.FeatureSet.Value = "ALL"
	case "ALL", "CONSOLIDATED_BILLING":
	default:
		c.add(f.FeatureSet.Line, "feature_set %q must be ALL or CONSOLIDATED_BILLING", f.FeatureSet.Value)
	}
	allFeatures := f.FeatureSet.Value != "CONSOLIDATED_BILLING"
	if v := f.ManagementAccount; v.Value != "" && !accountIDRE.MatchString(v.Value) {
		c.add(v.Line, "management_account %q must be a 12-digit account id (quote it in YAML)", v.Value)
	}

	// Policies.
	for _, p := range f.Policies {
		name := p.Name.Value
		switch {
		case name == "":
			c.add(p.Line, "a policy needs a name")
		case utf8.RuneCountInString(name) > 128:
			c.add(p.Name.Line, "policy name %q is longer than 128 characters", name)
		case f.res.policies[name] != nil:
			c.add(p.Name.Line, "duplicate policy name %q (first defined on line %d)", name, f.res.policies[name].Line)
		default:
			f.res.policies[name] = p
		}
		if p.Type.Value == "" {
			p.Type.Value = "SERVICE_CONTROL_POLICY"
		} else if !contains(policyTypes, p.Type.Value) {
			c.add(p.Type.Line, "policy %q: type %q is not one of %s", name, p.Type.Value, strings.Join(policyTypes, ", "))
		}
		if !allFeatures {
			c.add(p.Line, "policy %q: policies need feature_set ALL", name)
		}
		if utf8.RuneCountInString(p.Description.Value) > 512 {
			c.add(p.Description.Line, "policy %q: description is longer than 512 characters", name)
		}
		switch {
		case p.Content != nil && p.File.Value != "":
			c.add(p.Line, "policy %q: give content or file, not both", name)
		case p.Content != nil:
			if p.Content.err != "" {
				c.add(p.Content.Line, "policy %q: content %s", name, p.Content.err)
			}
			p.content = p.Content.JSON
		case p.File.Value != "":
			path := p.File.Value
			if !filepath.IsAbs(path) {
				path = filepath.Join(f.Dir, path)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				c.add(p.File.Line, "policy %q: %v", name, err)
				break
			}
			var v map[string]any
			if err := json.Unmarshal(b, &v); err != nil {
				c.add(p.File.Line, "policy %q: %s is not a JSON object: %v", name, p.File.Value, err)
			}
			p.content = string(b)
		default:
			c.add(p.Line, "policy %q needs content or file", name)
		}
		c.tags(p.Tags, p.Line, "policy "+quote(name))
	}

	// OUs, depth first, then accounts.
	c.ous(f.OUs, nil, 1)
	for _, a := range f.Accounts {
		c.account(a, nil)
	}
	byPath := map[string]*OU{}
	byName := map[string][]*OU{}
	for _, o := range f.res.allOUs {
		byPath[o.Path] = o
		byName[o.Name.Value] = append(byName[o.Name.Value], o)
	}
	for _, a := range f.Accounts {
		ref := a.OU.Value
		if ref == "" {
			continue
		}
		if o := byPath[strings.Trim(ref, "/")]; o != nil {
			a.Parent = o
		} else if cands := byName[ref]; len(cands) == 1 {
			a.Parent = cands[0]
		} else if len(cands) > 1 {
			c.add(a.OU.Line, "account %q: ou %q is ambiguous (%d organizational units have that name); give its path, such as %q", a.Name.Value, ref, len(cands), cands[0].Path)
		} else {
			c.add(a.OU.Line, "account %q: ou %q is not defined in organizational_units", a.Name.Value, ref)
		}
	}
	// Keep the parents-first order for OUs (breadth first).
	sort.SliceStable(f.res.allOUs, func(i, j int) bool { return depth(f.res.allOUs[i]) < depth(f.res.allOUs[j]) })

	// Policy references.
	c.refs(f.RootPolicies, "the root")
	for _, o := range f.res.allOUs {
		c.refs(o.Policies, "organizational unit "+quote(o.Path))
	}
	for _, a := range f.res.allAccounts {
		c.refs(a.Policies, "account "+quote(a.Name.Value))
	}

	// Trusted services and delegated administrators.
	services := map[string]int{}
	for _, s := range f.TrustedServices {
		switch {
		case !allFeatures:
			c.add(s.Line, "trusted service %q: trusted access needs feature_set ALL", s.Value)
		case s.Value == "" || len(s.Value) > 128 || !principalRE.MatchString(s.Value):
			c.add(s.Line, "trusted service %q is not a service principal such as ssm.amazonaws.com", s.Value)
		case services[s.Value] > 0:
			c.add(s.Line, "duplicate trusted service %q (first listed on line %d)", s.Value, services[s.Value])
		default:
			services[s.Value] = s.Line
		}
	}
	seenDA := map[[2]string]int{}
	for _, d := range f.DelegatedAdmins {
		if d.Account.Value == "" {
			c.add(d.Line, "a delegated administrator needs an account (an account name from this file)")
		} else if f.res.accounts[d.Account.Value] == nil {
			c.add(d.Account.Line, "delegated administrator: account %q is not defined in this file", d.Account.Value)
		}
		switch {
		case d.Service.Value == "":
			c.add(d.Line, "a delegated administrator needs a service (a service principal)")
		case services[d.Service.Value] == 0:
			c.add(d.Service.Line, "delegated administrator: service %q is not in trusted_services (registering a delegated administrator needs trusted access)", d.Service.Value)
		}
		k := [2]string{d.Account.Value, d.Service.Value}
		if l := seenDA[k]; l > 0 {
			c.add(d.Line, "duplicate delegated administrator %q for %q (first on line %d)", d.Account.Value, d.Service.Value, l)
		}
		seenDA[k] = d.Line
	}

	c.iam(f.IAM, "the management account")
	for _, a := range f.res.allAccounts {
		c.iam(a.IAM, "account "+quote(a.Name.Value))
	}

	sort.SliceStable(c.errs, func(i, j int) bool { return c.errs[i].Line < c.errs[j].Line })
	return c.errs
}

func (c *checker) ous(list []*OU, parent *OU, level int) {
	seen := map[string]int{}
	for _, o := range list {
		o.parent = parent
		name := o.Name.Value
		switch {
		case name == "":
			c.add(o.Line, "an organizational unit needs a name")
		case utf8.RuneCountInString(name) > 128:
			c.add(o.Name.Line, "organizational unit name %q is longer than 128 characters", name)
		case strings.Contains(name, "/"):
			c.add(o.Name.Line, "organizational unit name %q may not contain \"/\" here (it separates the names of a path)", name)
		case seen[name] > 0:
			c.add(o.Name.Line, "duplicate organizational unit name %q under the same parent (first on line %d)", name, seen[name])
		default:
			seen[name] = o.Line
		}
		if parent != nil {
			o.Path = parent.Path + "/" + name
		} else {
			o.Path = name
		}
		if level > maxOUDepth {
			c.add(o.Line, "organizational unit %q is nested %d levels deep; AWS allows %d below the root", o.Path, level, maxOUDepth)
		}
		c.tags(o.Tags, o.Line, "organizational unit "+quote(o.Path))
		c.f.res.allOUs = append(c.f.res.allOUs, o)
		for _, a := range o.Accounts {
			if a.OU.Value != "" {
				c.add(a.OU.Line, "account %q: ou is only for accounts of the top-level accounts list (this one is inside %q already)", a.Name.Value, o.Path)
			}
			c.account(a, o)
		}
		c.ous(o.OUs, o, level+1)
	}
}

func (c *checker) account(a *Account, parent *OU) {
	a.Parent = parent
	name := a.Name.Value
	switch {
	case name == "":
		c.add(a.Line, "an account needs a name")
	case utf8.RuneCountInString(name) > 128:
		c.add(a.Name.Line, "account name %q is longer than 128 characters", name)
	case c.f.res.accounts[name] != nil:
		c.add(a.Name.Line, "duplicate account name %q (first on line %d)", name, c.f.res.accounts[name].Line)
	default:
		c.f.res.accounts[name] = a
	}
	email := a.Email.Value
	switch {
	case email == "":
		c.add(a.Line, "account %q needs an email", name)
	case len(email) < 6 || len(email) > 64 || !emailRE.MatchString(email):
		c.add(a.Email.Line, "account %q: email %q is not an e-mail address (6 to 64 characters, like name@example.com)", name, email)
	default:
		for _, other := range c.f.res.allAccounts {
			if strings.EqualFold(other.Email.Value, email) {
				c.add(a.Email.Line, "account %q: email %q is already used by account %q (line %d)", name, email, other.Name.Value, other.Line)
				break
			}
		}
	}
	if r := a.RoleName.Value; r != "" && !roleNameRE.MatchString(r) {
		c.add(a.RoleName.Line, "account %q: role_name %q is not a valid IAM role name", name, r)
	}
	c.tags(a.Tags, a.Line, "account "+quote(name))
	c.f.res.allAccounts = append(c.f.res.allAccounts, a)
}

func (c *checker) refs(list []Str, target string) {
	seen := map[string]bool{}
	for _, r := range list {
		p := c.f.res.policies[r.Value]
		switch {
		case p == nil:
			c.add(r.Line, "%s: policy %q is not defined in policies", target, r.Value)
		case seen[r.Value]:
			c.add(r.Line, "%s: policy %q is listed twice", target, r.Value)
		}
		seen[r.Value] = true
	}
}

func (c *checker) tags(tags map[string]string, line int, owner string) {
	if len(tags) > maxTagsPerRes {
		c.add(line, "%s has %d tags; at most %d are allowed", owner, len(tags), maxTagsPerRes)
	}
	for _, k := range sortedNames(tags) {
		v := tags[k]
		if k == "" || utf8.RuneCountInString(k) > 128 || !tagRE.MatchString(k) || strings.HasPrefix(k, "aws:") {
			c.add(line, "%s: tag key %q is not allowed (1 to 128 letters, digits, spaces and _.:/=+-@, not starting with aws:)", owner, k)
		}
		if utf8.RuneCountInString(v) > 256 || !tagRE.MatchString(v) {
			c.add(line, "%s: tag %q has a value %q that is not allowed (up to 256 letters, digits, spaces and _.:/=+-@)", owner, k, v)
		}
	}
}

func (c *checker) iam(i *IAM, owner string) {
	if i == nil {
		return
	}
	users := map[string]int{}
	for _, u := range i.Users {
		what := owner + ": IAM user " + quote(u.Name.Value)
		c.iamName(u.Name, u.Line, owner+": an IAM user", users)
		c.iamPath(u.Path, what)
		c.tags(u.Tags, u.Line, what)
		c.inline(u.InlinePolicies, u.Line, what)
		c.managed(u.ManagedPolicies, what)
	}
	roles := map[string]int{}
	for _, r := range i.Roles {
		what := owner + ": IAM role " + quote(r.Name.Value)
		c.iamName(r.Name, r.Line, owner+": an IAM role", roles)
		c.iamPath(r.Path, what)
		if r.TrustPolicy != nil && r.TrustPolicy.err != "" {
			c.add(r.TrustPolicy.Line, "%s: trust_policy %s", what, r.TrustPolicy.err)
		}
		if utf8.RuneCountInString(r.Description.Value) > 1000 {
			c.add(r.Description.Line, "%s: description is longer than 1000 characters", what)
		}
		c.tags(r.Tags, r.Line, what)
		c.inline(r.InlinePolicies, r.Line, what)
		c.managed(r.ManagedPolicies, what)
	}
}

func (c *checker) iamName(n Str, line int, what string, seen map[string]int) {
	switch {
	case n.Value == "":
		c.add(line, "%s needs a name", what)
	case len(n.Value) > 64 || !iamNameRE.MatchString(n.Value):
		c.add(n.Line, "%s: name %q is not a valid IAM name (up to 64 letters, digits and _+=,.@-)", what, n.Value)
	case seen[n.Value] > 0:
		c.add(n.Line, "%s: duplicate name %q (first on line %d)", what, n.Value, seen[n.Value])
	default:
		seen[n.Value] = line
	}
}

func (c *checker) iamPath(p Str, what string) {
	if p.Value != "" && (len(p.Value) > 512 || !iamPathRE.MatchString(p.Value)) {
		c.add(p.Line, "%s: path %q must begin and end with / (like /teams/)", what, p.Value)
	}
}

func (c *checker) inline(m map[string]*Doc, line int, what string) {
	for _, name := range sortedNames(m) {
		d := m[name]
		if len(name) > 128 || !iamNameRE.MatchString(name) {
			c.add(line, "%s: inline policy name %q is not a valid IAM name", what, name)
		}
		if d == nil {
			c.add(line, "%s: inline policy %q has no document", what, name)
			continue
		}
		if d.err != "" {
			c.add(d.Line, "%s: inline policy %q %s", what, name, d.err)
		}
	}
}

func (c *checker) managed(list []Str, what string) {
	for _, a := range list {
		if !strings.HasPrefix(a.Value, "arn:") || len(a.Value) < 20 {
			c.add(a.Line, "%s: managed policy %q must be a policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess", what, a.Value)
		}
	}
}

func depth(o *OU) int {
	n := 0
	for ; o != nil; o = o.parent {
		n++
	}
	return n
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
