package policy

import (
	"bytes"
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// baseOp is a condition operator without its set qualifier (ForAnyValue:,
// ForAllValues:) and IfExists suffix.
type baseOp uint8

const (
	opInvalid baseOp = iota
	opStringEquals
	opStringNotEquals
	opStringEqualsIgnoreCase
	opStringNotEqualsIgnoreCase
	opStringLike
	opStringNotLike
	opNumericEquals
	opNumericNotEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateNotEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opBinaryEquals
	opIPAddress
	opNotIPAddress
	opArnEquals
	opArnNotEquals
	opArnLike
	opArnNotLike
	opNull
)

type setQualifier uint8

const (
	setNone setQualifier = iota
	setAnyValue
	setAllValues
)

// family is how an operator compares a policy value with a request value.
type family uint8

const (
	famString family = iota
	famStringFold
	famStringLike
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famARN
	famNull
)

type comparison uint8

const (
	cmpEq comparison = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

// opInfo describes a base operator. A negated operator (StringNotEquals,
// NotIpAddress, ...) holds exactly when its positive form does not.
type opInfo struct {
	fam     family
	cmp     comparison
	negated bool
}

// lookupOp maps an operator name, as written (operator names are matched
// exactly), to its base operator; opInvalid when unknown. The list is the
// IAM User Guide's "IAM JSON policy elements: Condition operators".
func lookupOp(name string) baseOp {
	switch name {
	case "StringEquals":
		return opStringEquals
	case "StringNotEquals":
		return opStringNotEquals
	case "StringEqualsIgnoreCase":
		return opStringEqualsIgnoreCase
	case "StringNotEqualsIgnoreCase":
		return opStringNotEqualsIgnoreCase
	case "StringLike":
		return opStringLike
	case "StringNotLike":
		return opStringNotLike
	case "NumericEquals":
		return opNumericEquals
	case "NumericNotEquals":
		return opNumericNotEquals
	case "NumericLessThan":
		return opNumericLessThan
	case "NumericLessThanEquals":
		return opNumericLessThanEquals
	case "NumericGreaterThan":
		return opNumericGreaterThan
	case "NumericGreaterThanEquals":
		return opNumericGreaterThanEquals
	case "DateEquals":
		return opDateEquals
	case "DateNotEquals":
		return opDateNotEquals
	case "DateLessThan":
		return opDateLessThan
	case "DateLessThanEquals":
		return opDateLessThanEquals
	case "DateGreaterThan":
		return opDateGreaterThan
	case "DateGreaterThanEquals":
		return opDateGreaterThanEquals
	case "Bool":
		return opBool
	case "BinaryEquals":
		return opBinaryEquals
	case "IpAddress":
		return opIPAddress
	case "NotIpAddress":
		return opNotIPAddress
	case "ArnEquals":
		return opArnEquals
	case "ArnNotEquals":
		return opArnNotEquals
	case "ArnLike":
		return opArnLike
	case "ArnNotLike":
		return opArnNotLike
	case "Null":
		return opNull
	}
	return opInvalid
}

func (o baseOp) info() opInfo {
	switch o {
	case opStringEquals:
		return opInfo{fam: famString}
	case opStringNotEquals:
		return opInfo{fam: famString, negated: true}
	case opStringEqualsIgnoreCase:
		return opInfo{fam: famStringFold}
	case opStringNotEqualsIgnoreCase:
		return opInfo{fam: famStringFold, negated: true}
	case opStringLike:
		return opInfo{fam: famStringLike}
	case opStringNotLike:
		return opInfo{fam: famStringLike, negated: true}
	case opNumericEquals:
		return opInfo{fam: famNumeric}
	case opNumericNotEquals:
		return opInfo{fam: famNumeric, negated: true}
	case opNumericLessThan:
		return opInfo{fam: famNumeric, cmp: cmpLt}
	case opNumericLessThanEquals:
		return opInfo{fam: famNumeric, cmp: cmpLe}
	case opNumericGreaterThan:
		return opInfo{fam: famNumeric, cmp: cmpGt}
	case opNumericGreaterThanEquals:
		return opInfo{fam: famNumeric, cmp: cmpGe}
	case opDateEquals:
		return opInfo{fam: famDate}
	case opDateNotEquals:
		return opInfo{fam: famDate, negated: true}
	case opDateLessThan:
		return opInfo{fam: famDate, cmp: cmpLt}
	case opDateLessThanEquals:
		return opInfo{fam: famDate, cmp: cmpLe}
	case opDateGreaterThan:
		return opInfo{fam: famDate, cmp: cmpGt}
	case opDateGreaterThanEquals:
		return opInfo{fam: famDate, cmp: cmpGe}
	case opBool:
		return opInfo{fam: famBool}
	case opBinaryEquals:
		return opInfo{fam: famBinary}
	case opIPAddress:
		return opInfo{fam: famIP}
	case opNotIPAddress:
		return opInfo{fam: famIP, negated: true}
	case opArnEquals, opArnLike:
		return opInfo{fam: famARN}
	case opArnNotEquals, opArnNotLike:
		return opInfo{fam: famARN, negated: true}
	}
	return opInfo{fam: famNull}
}

// parseOperator splits an operator such as "ForAllValues:StringLikeIfExists"
// into its parts; known is false for an operator IAM does not define.
func parseOperator(name string) (op baseOp, set setQualifier, ifExists, known bool) {
	switch {
	case strings.HasPrefix(name, "ForAnyValue:"):
		set, name = setAnyValue, name[len("ForAnyValue:"):]
	case strings.HasPrefix(name, "ForAllValues:"):
		set, name = setAllValues, name[len("ForAllValues:"):]
	}
	if base, ok := strings.CutSuffix(name, "IfExists"); ok {
		ifExists, name = true, base
	}
	op = lookupOp(name)
	return op, set, ifExists, op != opInvalid
}

// variablesAllowed reports whether policy variables are substituted in an
// operator's values: for the string, Boolean and ARN operators only (IAM
// User Guide, "Condition operators", "Policy variables – Supported"/"Not
// supported" under each category).
func (f family) variablesAllowed() bool {
	switch f {
	case famString, famStringFold, famStringLike, famBool, famARN:
		return true
	}
	return false
}

// operator returns the parts of the condition's operator, from what Parse
// recorded or, for a Condition built by hand, from Operator.
func (c *Condition) operator() (op baseOp, set setQualifier, ifExists, hasVars, known bool) {
	if c.op != opInvalid {
		return c.op, c.set, c.ifExists, c.vars, true
	}
	op, set, ifExists, known = parseOperator(c.Operator)
	return op, set, ifExists, true, known
}

// eval reports whether the condition holds for the request.
//
// A missing key (IAM User Guide, "Condition operators", the note on
// missing keys): the condition is false, except that a negated operator
// (StringNotEquals, ArnNotLike, NotIpAddress, ...) is then true; ...IfExists
// is true; ForAllValues is true ("If there are no context keys in the
// request, it also returns true"); ForAnyValue is false; Null checks
// presence itself.
//
// With the key present: several values written for one key are ORed, so a
// positive operator holds when some request value matches some policy
// value and a negated one when none does (StringNotEquals with several
// values means "equals none of them"). ForAnyValue holds when some request
// value passes that test, ForAllValues when every one does.
//
// A value holding a policy variable the request cannot resolve makes the
// condition false whatever the operator.
func (c *Condition) eval(r *Request, vars bool) bool {
	op, set, ifExists, hasVars, known := c.operator()
	if !known {
		return false
	}
	info := op.info()
	v := lookup(r, c.Key)
	if op == opNull {
		present := v.n > 0
		for _, pv := range c.Values {
			if (strings.EqualFold(pv, "true") && !present) || (strings.EqualFold(pv, "false") && present) {
				return true
			}
		}
		return false
	}
	if v.n == 0 {
		switch {
		case ifExists, set == setAllValues:
			return true
		case set == setAnyValue:
			return false
		}
		return info.negated
	}
	values := c.Values
	if vars && hasVars && info.fam.variablesAllowed() {
		resolved := make([]string, len(values))
		for i, pv := range values {
			s, ok := substitute(pv, r)
			if !ok {
				return false
			}
			resolved[i] = s
		}
		values = resolved
	}
	switch set {
	case setAnyValue:
		for i := 0; i < v.n; i++ {
			if matchAny(info, values, v.at(i)) != info.negated {
				return true
			}
		}
		return false
	case setAllValues:
		for i := 0; i < v.n; i++ {
			if matchAny(info, values, v.at(i)) == info.negated {
				return false
			}
		}
		return true
	}
	for i := 0; i < v.n; i++ {
		if matchAny(info, values, v.at(i)) {
			return !info.negated
		}
	}
	return info.negated
}

// matchAny reports whether the request value cv matches one of the policy
// values in the operator's positive sense.
func matchAny(info opInfo, values []string, cv string) bool {
	for _, pv := range values {
		if matchOne(info, pv, cv) {
			return true
		}
	}
	return false
}

func matchOne(info opInfo, pv, cv string) bool {
	switch info.fam {
	case famString:
		return pv == cv
	case famStringFold:
		return strings.EqualFold(pv, cv)
	case famStringLike:
		return glob(pv, cv, false)
	case famBool:
		return strings.EqualFold(pv, cv)
	case famARN:
		return MatchARN(pv, cv)
	case famNumeric:
		a, err1 := strconv.ParseFloat(cv, 64)
		b, err2 := strconv.ParseFloat(pv, 64)
		return err1 == nil && err2 == nil && compare(info.cmp, a, b)
	case famDate:
		a, ok1 := parseDate(cv)
		b, ok2 := parseDate(pv)
		return ok1 && ok2 && compare(info.cmp, a.UnixNano(), b.UnixNano())
	case famIP:
		return ipMatch(pv, cv)
	case famBinary:
		a, err1 := base64.StdEncoding.DecodeString(cv)
		b, err2 := base64.StdEncoding.DecodeString(pv)
		if err1 != nil || err2 != nil {
			return pv == cv
		}
		return bytes.Equal(a, b)
	}
	return false
}

// compare applies cmp to request value a and policy value b.
func compare[T int64 | float64](cmp comparison, a, b T) bool {
	switch cmp {
	case cmpLt:
		return a < b
	case cmpLe:
		return a <= b
	case cmpGt:
		return a > b
	case cmpGe:
		return a >= b
	}
	return a == b
}

// ipMatch reports whether address cv lies in pv, a CIDR block or a single
// address (IAM User Guide, "IP address condition operators": the value is
// in the standard CIDR format).
func ipMatch(pv, cv string) bool {
	addr, err := netip.ParseAddr(strings.TrimSpace(cv))
	if err != nil {
		return false
	}
	pv = strings.TrimSpace(pv)
	if strings.Contains(pv, "/") {
		pfx, err := netip.ParsePrefix(pv)
		return err == nil && pfx.Contains(addr.Unmap())
	}
	a, err := netip.ParseAddr(pv)
	return err == nil && a.Unmap() == addr.Unmap()
}

// parseDate parses a date condition value: an ISO 8601 date or epoch
// seconds, integer or fractional (IAM User Guide, "Date condition
// operators": "You must specify a date in one of the W3C implementations
// of the ISO 8601 date formats, or in epoch (UNIX) time"). A value without
// a zone is UTC.
func parseDate(s string) (time.Time, bool) {
	layouts := [...]string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05Z0700",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04:05",
		"2006-01-02T15:04",
		"2006-01-02",
		"2006-01",
		"20060102T150405Z",
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if isEpoch(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, false
		}
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), true
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// isEpoch reports whether s is written as epoch seconds: digits with at
// most one decimal point. A bare year such as "2026" therefore reads as
// epoch seconds, as in the peer emulator moto, which treats a date without
// "T" or "-" as a timestamp (moto/iam/policy_validation.py).
func isEpoch(s string) bool {
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.' && !dot:
			dot = true
		case c < '0' || c > '9':
			return false
		}
	}
	return true
}
