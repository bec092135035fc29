package policy

import (
	"encoding/json"
	"io"
	"sort"
	"strings"
)

// Messages of IAM's MalformedPolicyDocument error used by Parse.
const (
	// msgInvalidJSON is IAM's answer to a document that is not JSON at
	// all, e.g. CreateRole with a file name instead of the file's content
	// (github.com/AWSCookbook/Security issue 2).
	msgInvalidJSON = "This policy contains invalid Json"
	// msgSyntax is IAM's answer to JSON that is not of the policy grammar:
	// a document of "null" (github.com/99designs/iamy issue 74), unknown
	// elements, elements of the wrong type. The peer emulator moto raises it
	// for every grammar fault (moto/iam/policy_validation.py).
	msgSyntax = "Syntax errors in policy."
)

// Parse parses a policy document. It checks the grammar only: JSON, the
// known elements and the types of their values, Effect, the condition
// operators. What a document must or must not hold for its use (Principal,
// Resource, Version, action and resource formats) is Validate's job.
//
// Errors are *ParseError. A document that is not JSON gets "This policy
// contains invalid Json"; JSON that does not follow the grammar gets
// "Syntax errors in policy.", or "Invalid principal in policy: ..." for an
// unknown key in a Principal element (unconfirmed).
func Parse(doc string) (*Policy, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, perr(msgInvalidJSON)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, perr(msgInvalidJSON)
	}
	top, ok := raw.(map[string]any)
	if !ok {
		return nil, perr(msgSyntax)
	}
	p := &Policy{}
	var stmts []any
	for _, k := range sortedKeys(top) {
		v := top[k]
		switch k {
		case "Version":
			s, ok := v.(string)
			if !ok || (s != Version2012 && s != Version2008) {
				return nil, perr(msgSyntax)
			}
			p.Version = s
		case "Id":
			s, ok := v.(string)
			if !ok {
				return nil, perr(msgSyntax)
			}
			p.ID = s
		case "Statement":
			switch t := v.(type) {
			case map[string]any:
				stmts = []any{t}
			case []any:
				if len(t) == 0 {
					return nil, perr(msgSyntax)
				}
				stmts = t
			default:
				return nil, perr(msgSyntax)
			}
		default:
			return nil, perr(msgSyntax)
		}
	}
	if stmts == nil {
		return nil, perr(msgSyntax)
	}
	p.Statements = make([]Statement, 0, len(stmts))
	for _, raw := range stmts {
		m, ok := raw.(map[string]any)
		if !ok {
			return nil, perr(msgSyntax)
		}
		st, err := parseStatement(m)
		if err != nil {
			return nil, err
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

// ParseFor parses doc and validates it as a policy of the given kind, with
// the messages IAM uses for that kind. It differs from Parse followed by
// Validate in one message: IAM's policy-document APIs (CreatePolicy,
// PutRolePolicy) answer broken JSON with "Syntax errors in policy."
// (github.com/aws-samples/amazon-ecs-firelens-examples pull 50: a stray
// comma), while CreateRole answers "This policy contains invalid Json".
func ParseFor(doc string, kind Kind) (*Policy, error) {
	p, err := Parse(doc)
	if err != nil {
		if pe, ok := err.(*ParseError); ok && pe.Msg == msgInvalidJSON && kind != KindTrust && kind != KindResource {
			return nil, perr(msgSyntax)
		}
		return nil, err
	}
	if err := Validate(p, kind); err != nil {
		return nil, err
	}
	return p, nil
}

func parseStatement(m map[string]any) (Statement, error) {
	var st Statement
	var err error
	haveEffect := false
	for _, k := range sortedKeys(m) {
		v := m[k]
		switch k {
		case "Sid":
			s, ok := v.(string)
			if !ok {
				return st, perr(msgSyntax)
			}
			st.Sid = s
		case "Effect":
			s, ok := v.(string)
			if !ok || (!strings.EqualFold(s, string(EffectAllow)) && !strings.EqualFold(s, string(EffectDeny))) {
				return st, perr(msgSyntax)
			}
			st.Effect = Effect(s)
			haveEffect = true
		case "Action":
			st.Action, err = stringOrList(v)
		case "NotAction":
			st.NotAction, err = stringOrList(v)
		case "Resource":
			st.Resource, err = stringOrList(v)
		case "NotResource":
			st.NotResource, err = stringOrList(v)
		case "Principal":
			st.Principal, err = parsePrincipals(v)
		case "NotPrincipal":
			st.NotPrincipal, err = parsePrincipals(v)
		case "Condition":
			st.Conditions, err = parseConditions(v)
		default:
			return st, perr(msgSyntax)
		}
		if err != nil {
			return st, err
		}
	}
	if !haveEffect ||
		(st.Action != nil && st.NotAction != nil) ||
		(st.Resource != nil && st.NotResource != nil) ||
		(st.Principal != nil && st.NotPrincipal != nil) {
		return st, perr(msgSyntax)
	}
	return st, nil
}

// stringOrList reads an element written as a string or a list of strings.
// The result is never nil, so that [] stays distinguishable from absence.
func stringOrList(v any) ([]string, error) {
	switch t := v.(type) {
	case string:
		return []string{t}, nil
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, perr(msgSyntax)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, perr(msgSyntax)
}

func parsePrincipals(v any) (*Principals, error) {
	switch t := v.(type) {
	case string:
		if t != "*" {
			// A bare ARN is not the grammar: the ARN belongs under "AWS"
			// (github.com/awsdocs/aws-cloudformation-user-guide pull 1013).
			return nil, perr(msgSyntax)
		}
		return &Principals{Any: true}, nil
	case map[string]any:
		p := &Principals{}
		for _, k := range sortedKeys(t) {
			raw := t[k]
			vals, err := stringOrList(raw)
			if err != nil {
				return nil, err
			}
			switch k {
			case "AWS":
				p.AWS = vals
			case "Service":
				p.Service = vals
			case "Federated":
				p.Federated = vals
			case "CanonicalUser":
				p.CanonicalUser = vals
			default:
				first := ""
				if len(vals) > 0 {
					first = vals[0]
				}
				return nil, perrf("Invalid principal in policy: %q:%q", k, first) // unconfirmed
			}
		}
		return p, nil
	}
	return nil, perr(msgSyntax)
}

func parseConditions(v any) ([]Condition, error) {
	block, ok := v.(map[string]any)
	if !ok {
		return nil, perr(msgSyntax)
	}
	var out []Condition
	for _, opName := range sortedKeys(block) {
		raw := block[opName]
		keys, ok := raw.(map[string]any)
		if !ok {
			return nil, perr(msgSyntax)
		}
		op, set, ifExists, known := parseOperator(opName)
		if !known {
			// An unknown operator with an empty block passes the grammar
			// (moto/iam/policy_validation.py, _validate_condition_syntax).
			if len(keys) == 0 {
				continue
			}
			return nil, perr(msgSyntax)
		}
		for _, key := range sortedKeys(keys) {
			rv := keys[key]
			vals, err := conditionValues(rv)
			if err != nil {
				return nil, err
			}
			c := Condition{Operator: opName, Key: key, Values: vals, op: op, set: set, ifExists: ifExists}
			for _, s := range vals {
				if strings.Contains(s, "${") {
					c.vars = true
				}
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// sortedKeys returns m's keys in order, so that a document with several
// faults always reports the same one.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// conditionValues reads a condition value: a string, number or boolean,
// or a list of them.
func conditionValues(v any) ([]string, error) {
	one := func(e any) (string, bool) {
		switch t := e.(type) {
		case string:
			return t, true
		case json.Number:
			return t.String(), true
		case bool:
			if t {
				return "true", true
			}
			return "false", true
		}
		return "", false
	}
	if list, ok := v.([]any); ok {
		out := make([]string, 0, len(list))
		for _, e := range list {
			s, ok := one(e)
			if !ok {
				return nil, perr(msgSyntax)
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, ok := one(v)
	if !ok {
		return nil, perr(msgSyntax)
	}
	return []string{s}, nil
}
