package orgstack

// ServiceLinkedRole describes a service-linked role: an IAM role that an
// AWS service owns in an account. Its path is
// /aws-service-role/<ServicePrincipal>/ and it trusts ServicePrincipal.
type ServiceLinkedRole struct {
	RoleName         string
	ServicePrincipal string
	Description      string
	// PolicyARNs are the AWS-managed policies attached to the role.
	PolicyARNs []string
}
