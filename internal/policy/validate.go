package policy

import (
	"strings"
)

// Messages of IAM's MalformedPolicyDocument error used by Validate, with
// where each was seen.
const (
	// github.com/hashicorp/terraform issue 13449 (PutRolePolicy),
	// terraform-provider-aws issue 10419 (PutGroupPolicy).
	msgNoPrincipal = "Policy document should not specify a principal."
	// github.com/Meteor-Community-Packages/Meteor-CollectionFS issue 630:
	// CreatePolicy without Version.
	msgVersion = "Policy document must be version 2012-10-17 or greater."
	// moto/iam/policy_validation.py: Effect in the wrong case, an
	// unreadable date; the text itself in github.com/aws-samples/torchserve-eks issue 3.
	msgLegacy = "The policy failed legacy parsing"
	// moto/iam/policy_validation.py (unconfirmed against AWS).
	msgSidUnique = "Statement IDs (SID) in a single policy must be unique."
	// moto/iam/policy_validation.py (unconfirmed against AWS; its sibling
	// about resources below is confirmed).
	msgNoActions = "Policy statement must contain actions."
	// github.com/aws-samples/aws-health-aware issue 1.
	msgNoResources = "Policy statement must contain resources."
	// github.com/kubernetes-sigs/external-dns issue 3085: CreateRole with
	// a Resource in the trust policy.
	msgTrustResource = "Has prohibited field Resource"
	// github.com/terraform-aws-modules/terraform-aws-iam issue 47:
	// CreateRole with a statement without Principal.
	msgTrustNoPrincipal = "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!"
	// Amazon S3's answer for a bucket policy without Principal
	// (github.com/humanmade/S3-Uploads issue 191); used for every
	// resource-based policy (unconfirmed for other services).
	msgResourceNoPrincipal = "Missing required field Principal"
	// unconfirmed: remembered IAM text for a trust policy granting other
	// actions than the STS role-assumption ones.
	msgTrustActions = "AssumeRole policy may only specify STS AssumeRole actions."
	// moto/iam/policy_validation.py; the "only one colon" text is also
	// quoted from IAM in github.com/garnaat/kappa issue 111.
	msgActionVendor = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	msgActionColons = "Actions/Condition can contain only one colon."
	// github.com/boogy/iam-policy-validator pull 172, quoting IAM.
	msgVendorWildcard = "Action vendors (e.g., aws, ec2, etc.) must not contain wildcards"
	// moto/iam/policy_validation.py (unconfirmed against AWS).
	msgResourceVendor = "Resource vendor must be fully qualified and cannot contain regexes."
	// unconfirmed: IAM's rule for Sids, as remembered.
	msgSidFormat = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
)

// trustActions are the actions a role trust policy may grant (IAM User
// Guide, "Role trust policies"; sts:SetContext serves trusted identity
// propagation).
func trustActions() [6]string {
	return [6]string{
		"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity",
		"sts:tagsession", "sts:setsourceidentity", "sts:setcontext",
	}
}

// Validate checks that a parsed policy is fit for use as the given kind.
// It returns nil or a *ParseError with IAM's message for the first fault,
// looking in this order: Principal present or absent as the kind requires,
// Version (KindManaged), letter case of Effect and readable dates, Sid
// format and uniqueness, Action present, Resource present or absent,
// resource ARN formats, action formats, principal values, and the actions
// of a trust policy. The order is modelled on the peer emulator moto's
// validator (moto/iam/policy_validation.py); where the principal checks
// fall in IAM's order is unconfirmed.
//
// What Validate cannot know it leaves to the caller: whether the users and
// roles a Principal names exist (IAM then answers "Invalid principal in
// policy: "AWS":"ARN""; see InvalidPrincipal) and document size limits.
func Validate(p *Policy, kind Kind) error {
	if p == nil {
		return perr(msgSyntax)
	}
	needsPrincipal := kind == KindTrust || kind == KindResource
	for i := range p.Statements {
		st := &p.Statements[i]
		hasPrincipal := st.Principal != nil || st.NotPrincipal != nil
		switch {
		case needsPrincipal && !hasPrincipal && kind == KindTrust:
			return perr(msgTrustNoPrincipal)
		case needsPrincipal && !hasPrincipal:
			return perr(msgResourceNoPrincipal)
		case !needsPrincipal && hasPrincipal:
			return perr(msgNoPrincipal)
		}
	}
	if kind == KindManaged && p.Version != Version2012 {
		return perr(msgVersion)
	}
	for i := range p.Statements {
		st := &p.Statements[i]
		if st.Effect != EffectAllow && st.Effect != EffectDeny {
			return perr(msgLegacy)
		}
		for i := range st.Conditions {
			c := &st.Conditions[i]
			op, _, _, _, known := c.operator()
			if !known {
				return perr(msgSyntax)
			}
			if op.info().fam != famDate {
				continue
			}
			for _, v := range c.Values {
				if _, ok := parseDate(v); !ok {
					return perr(msgLegacy)
				}
			}
		}
	}
	seen := map[string]bool{}
	for i := range p.Statements {
		sid := p.Statements[i].Sid
		if sid == "" {
			continue
		}
		if kind != KindResource && kind != KindSCP && !alphanumeric(sid) {
			return perr(msgSidFormat)
		}
		if seen[sid] {
			return perr(msgSidUnique)
		}
		seen[sid] = true
	}
	for i := range p.Statements {
		st := &p.Statements[i]
		if len(st.Action) == 0 && len(st.NotAction) == 0 {
			return perr(msgNoActions)
		}
	}
	for i := range p.Statements {
		st := &p.Statements[i]
		hasResource := st.Resource != nil || st.NotResource != nil
		switch {
		case kind == KindTrust && st.Resource != nil:
			return perr(msgTrustResource)
		case kind == KindTrust && st.NotResource != nil:
			return perr("Has prohibited field NotResource") // unconfirmed
		case kind != KindTrust && (!hasResource || len(st.Resource)+len(st.NotResource) == 0):
			return perr(msgNoResources)
		}
	}
	for i := range p.Statements {
		st := &p.Statements[i]
		for _, list := range [2][]string{st.Resource, st.NotResource} {
			for _, r := range list {
				if msg := checkResource(r); msg != "" {
					return perr(msg)
				}
			}
		}
	}
	for i := range p.Statements {
		st := &p.Statements[i]
		for _, list := range [2][]string{st.Action, st.NotAction} {
			for _, a := range list {
				if msg := checkAction(a); msg != "" {
					return perr(msg)
				}
			}
		}
	}
	if needsPrincipal {
		for i := range p.Statements {
			st := &p.Statements[i]
			for _, ps := range [2]*Principals{st.Principal, st.NotPrincipal} {
				if err := checkPrincipals(ps, kind); err != nil {
					return err
				}
			}
		}
	}
	if kind == KindTrust {
		for i := range p.Statements {
			for _, a := range p.Statements[i].Action {
				if !grantsTrustAction(a) {
					return perr(msgTrustActions)
				}
			}
		}
	}
	return nil
}

// InvalidPrincipal is IAM's error for a Principal value it does not
// accept, e.g. a role that does not exist: Invalid principal in policy:
// "AWS":"arn:aws:iam::111122223333:role/name" (github.com/opstrace/opstrace
// issue 88, github.com/aws-actions/configure-aws-credentials issue 332).
// key is the principal type as written in the document ("AWS", "Service",
// ...).
func InvalidPrincipal(key, value string) *ParseError {
	if key == "Service" {
		// IAM writes the type of a service principal in capitals
		// (unconfirmed: remembered text).
		key = "SERVICE"
	}
	return perrf("Invalid principal in policy: %q:%q", key, value)
}

func checkPrincipals(ps *Principals, kind Kind) error {
	if ps == nil {
		return nil
	}
	if ps.Any && kind == KindTrust {
		// IAM refuses a bare "*" in a trust policy, though it takes
		// {"AWS":"*"} (github.com/aws/aws-cdk pull 5746; the message is
		// unconfirmed).
		return perr(`Invalid principal in policy: "*"`)
	}
	for _, v := range ps.AWS {
		if v != "*" && !isAccountID(v) && !validPrincipalARN(v) {
			return InvalidPrincipal("AWS", v)
		}
	}
	for _, v := range ps.Service {
		if v == "" || hasWildcard(v) || strings.ContainsAny(v, " :/") {
			return InvalidPrincipal("Service", v)
		}
	}
	for _, v := range ps.Federated {
		if v == "" || hasWildcard(v) {
			return InvalidPrincipal("Federated", v)
		}
	}
	return nil
}

// grantsTrustAction reports whether an Action pattern of a trust policy
// names at least one of the role-assumption actions.
func grantsTrustAction(pattern string) bool {
	for _, a := range trustActions() {
		if glob(pattern, a, true) {
			return true
		}
	}
	return false
}

// checkAction returns IAM's message for a malformed action, "" for a good
// one: "*" or "vendor:action" where action may hold wildcards.
func checkAction(a string) string {
	if a == "*" {
		return ""
	}
	vendor, name, ok := strings.Cut(a, ":")
	switch {
	case !ok:
		return msgActionVendor
	case strings.Contains(name, ":"):
		return msgActionColons
	case hasWildcard(vendor):
		return msgVendorWildcard
	}
	for i := 0; i < len(vendor); i++ {
		c := vendor[i]
		if !(c == '-' || c == '.' || ('0' <= c && c <= '9') || ('a' <= lowerASCII(c) && lowerASCII(c) <= 'z')) {
			return "Vendor " + vendor + " is not valid" // moto/iam/policy_validation.py
		}
	}
	return ""
}

// checkResource returns IAM's message for a malformed Resource value, ""
// for a good one: "*" or an ARN with a known partition and a service. The
// texts are those of moto/iam/policy_validation.py; the region rule for
// IAM ARNs is seen in github.com/cloud-gov/terraform-provision pull 1838.
func checkResource(orig string) string {
	r := maskVariables(orig)
	if r == "*" {
		return ""
	}
	if !strings.Contains(r, ":") {
		return `Resource ` + orig + ` must be in ARN format or "*".`
	}
	parts := strings.SplitN(r, ":", 6)
	if parts[0] != "arn" {
		return `Resource ` + orig + ` must be in ARN format or "*".` // unconfirmed
	}
	if !knownPartition(parts[1]) {
		// Missing components are shown as "*", as moto does.
		rest := []string{"*", "*", "*", "*"}
		for i := range rest {
			if i+2 < len(parts) && (i > 0 || parts[2] != "" || len(parts) > 3) {
				rest[i] = parts[i+2]
			}
		}
		return `Partition "` + parts[1] + `" is not valid for resource "arn:` + parts[1] + ":" + strings.Join(rest, ":") + `".`
	}
	if len(parts) < 3 || parts[2] == "" || hasWildcard(parts[2]) {
		return msgResourceVendor
	}
	if len(parts) >= 4 && parts[3] != "" {
		switch parts[2] {
		case "iam":
			return "IAM resource " + orig + " cannot contain region information."
		case "s3":
			return "Resource " + orig + " can not contain region information."
		}
	}
	return ""
}

// maskVariables replaces each policy variable ${...} in r by "*", so that
// the colons inside names such as ${aws:username} do not split the ARN and
// a variable passes wherever a wildcard would.
func maskVariables(r string) string {
	for {
		i := strings.Index(r, "${")
		if i < 0 {
			return r
		}
		j := strings.IndexByte(r[i:], '}')
		if j < 0 {
			return r
		}
		r = r[:i] + "*" + r[i+j+1:]
	}
}

// knownPartition reports whether p is an AWS partition or a wildcard for
// one.
func knownPartition(p string) bool {
	switch p {
	case "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc", "*":
		return true
	}
	return false
}

func alphanumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(('0' <= c && c <= '9') || ('a' <= lowerASCII(c) && lowerASCII(c) <= 'z')) {
			return false
		}
	}
	return true
}
