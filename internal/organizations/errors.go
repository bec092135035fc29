package organizations

import (
	"net/http"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/wire"
)

// Messages AWS is known to send (quoted in public bug reports); every
// other message is the first sentence of the exception's documentation
// in the model, or of its Reason's documentation.
var knownMessages = map[string]string{
	"AWSOrganizationsNotInUseException": "Your account is not a member of an organization.",
	"AccessDeniedException":             "You don't have permissions to access this resource.",
}

var knownReasonMessages = map[string]string{
	"InvalidInputException/INVALID_PATTERN":                               "You provided a value that does not match the required pattern.",
	"InvalidInputException/UNRECOGNIZED_SERVICE_PRINCIPAL":                "You specified an unrecognized service principal.",
	"HandshakeConstraintViolationException/ACCOUNT_NUMBER_LIMIT_EXCEEDED": "You have exceeded the allowed number of AWS accounts.",
	// The model documents no sentence for these reasons; orgstack's wording.
	"InvalidInputException/INVALID_RESOURCE_POLICY_JSON":               "You provided a resource policy that isn't a valid JSON policy document.",
	"InvalidInputException/UNSUPPORTED_ACTION_IN_RESOURCE_POLICY":      "You specified an action that isn't supported in a resource policy.",
	"InvalidInputException/UNSUPPORTED_RESOURCE_IN_RESOURCE_POLICY":    "You specified a resource that isn't supported in a resource policy.",
	"InvalidInputException/UNSUPPORTED_POLICY_TYPE_IN_RESOURCE_POLICY": "You specified a policy type that isn't supported in a resource policy.",
}

// newErr returns the exception code with its default message.
func newErr(code string) *orgstack.Error {
	msg, ok := knownMessages[code]
	if !ok {
		if sh := ServiceModel().Exception(code); sh != nil {
			msg = sh.Doc
		}
	}
	status := http.StatusBadRequest
	if sh := ServiceModel().Exception(code); sh != nil && sh.Error != nil {
		status = sh.Error.Status
	}
	return orgstack.NewError(code, status, msg)
}

// reasonErr returns an exception carrying a Reason, with the message the
// model documents for that reason.
func reasonErr(code, reason string) *orgstack.Error {
	msg, ok := knownReasonMessages[code+"/"+reason]
	if !ok {
		msg = firstSentence(ReasonMessage(code, reason))
	}
	if msg == "" {
		msg = newErr(code).Message
	}
	e := newErr(code).WithReason(reason)
	e.Message = msg
	return e
}

func firstSentence(s string) string {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' {
			return s[:i+1]
		}
	}
	return s
}

func errNotInUse() *orgstack.Error     { return newErr("AWSOrganizationsNotInUseException") }
func errAccessDenied() *orgstack.Error { return newErr("AccessDeniedException") }
func errInvalid(reason string) *orgstack.Error {
	return reasonErr("InvalidInputException", reason)
}
func errConstraint(reason string) *orgstack.Error {
	return reasonErr("ConstraintViolationException", reason)
}

// Validation turns model-constraint violations into Organizations'
// InvalidInputException, whose Reason names the first broken rule.
func Validation(_ *wire.Operation, vs []wire.Violation) *orgstack.Error {
	v := vs[0]
	reason := "INVALID_PATTERN"
	switch v.Rule {
	case wire.RuleRequired:
		reason = "INPUT_REQUIRED"
	case wire.RuleMinLength:
		reason = "MIN_LENGTH_EXCEEDED"
	case wire.RuleMaxLength:
		reason = "MAX_LENGTH_EXCEEDED"
	case wire.RuleMinValue:
		reason = "MIN_VALUE_EXCEEDED"
	case wire.RuleMaxValue:
		reason = "MAX_VALUE_EXCEEDED"
	case wire.RuleEnum:
		reason = "INVALID_ENUM"
		if v.Shape != nil && v.Shape.Name == "PolicyType" {
			reason = "INVALID_ENUM_POLICY_TYPE"
		}
	case wire.RulePattern:
		if v.Member != nil && v.Member.Name == "TargetId" {
			reason = "INVALID_PATTERN_TARGET_ID"
		}
	}
	return errInvalid(reason)
}
