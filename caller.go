package orgstack

import (
	"context"
	"time"
)

// PrincipalType says what kind of identity made a request.
type PrincipalType string

// Principal types.
const (
	// PrincipalRoot is an account's root user.
	PrincipalRoot PrincipalType = "Root"
	// PrincipalUser is an IAM user.
	PrincipalUser PrincipalType = "IAMUser"
	// PrincipalAssumedRole is an STS role session.
	PrincipalAssumedRole PrincipalType = "AssumedRole"
	// PrincipalService is an AWS service acting through a service-linked
	// role (a trusted service working inside an account).
	PrincipalService PrincipalType = "AWSService"
)

// Caller is the identity behind a request: which account, which principal,
// from which region. It is derived from the request's credentials and
// carried in the context; handlers read it with CallerFrom.
//
// How the account relates to an organization (management account,
// delegated administrator, member, standalone) is not part of Caller: it
// depends on Organizations' state at the time of the call and is decided
// inside the transaction that serves it.
type Caller struct {
	// AccountID is the 12-digit account the principal belongs to.
	AccountID string
	// ARN is the principal's ARN, e.g. arn:aws:iam::111122223333:root.
	ARN string
	// UserID is what STS GetCallerIdentity reports as UserId.
	UserID string
	// Type is the kind of principal.
	Type PrincipalType
	// AccessKeyID is the key the request was signed with ("" for internal calls).
	AccessKeyID string
	// Region is the region from the credential scope.
	Region string
	// RoleName, RoleARN and SessionName are set for assumed-role sessions.
	RoleName, RoleARN, SessionName string
	// ServicePrincipal is set when a trusted service acts through its
	// service-linked role (Type == PrincipalService).
	ServicePrincipal string
	// TokenIssueTime is when the temporary credentials of a role session
	// were issued (aws:TokenIssueTime); zero for long-term credentials.
	TokenIssueTime time.Time
	// SourceIdentity is the source identity a role session was started
	// with (aws:SourceIdentity), if any.
	SourceIdentity string
}

// Partition returns the AWS partition of the caller's region.
func (c Caller) Partition() string { return PartitionOf(c.Region) }

// IsRoot reports whether the caller is an account's root user.
func (c Caller) IsRoot() bool { return c.Type == PrincipalRoot }

type callerKey struct{}

// WithCaller returns a context carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller carried by ctx; ok is false when there is none.
func CallerFrom(ctx context.Context) (c Caller, ok bool) {
	c, ok = ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// RootCaller returns the root-user caller of an account in a region.
func RootCaller(accountID, region string) Caller {
	return Caller{
		AccountID: accountID,
		ARN:       "arn:" + PartitionOf(region) + ":iam::" + accountID + ":root",
		UserID:    accountID,
		Type:      PrincipalRoot,
		Region:    region,
	}
}

type requestIDKey struct{}

// WithRequestID returns a context carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request id carried by ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}
