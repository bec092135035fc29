package auditmanager

// orgPosition is where the caller stands in its organization, for
// Audit Manager in the caller's region.
type orgPosition struct {
	// inOrg is false for a standalone account; the other fields are then
	// empty.
	inOrg      bool
	org        string
	management string
	// admin is the organization's delegated administrator for Audit
	// Manager in the region, "" when there is none.
	admin string
}

// multiAccount reports whether the caller may put accounts other than its
// own in an assessment's scope: it is the organization's delegated
// administrator for Audit Manager in the region or, while there is none,
// the management account.
func (p orgPosition) multiAccount(account string) bool {
	if !p.inOrg {
		return false
	}
	return p.admin == account || (p.admin == "" && p.management == account)
}

// orgView finds the caller's position in its organization.
func (s *Service) orgView(sc *scope) (orgPosition, error) {
	org, mgmt, ok, err := s.opt.Org.OrganizationOf(sc.tx, sc.account)
	if err != nil || !ok {
		return orgPosition{}, err
	}
	admin, err := adminOf(sc.tx, org, sc.region)
	if err != nil {
		return orgPosition{}, err
	}
	return orgPosition{inOrg: true, org: org, management: mgmt, admin: admin}, nil
}

// checkScope validates scope.awsAccounts of CreateAssessment or
// UpdateAssessment and returns the accounts without duplicates, in the
// order given. There must be at least one. The caller's own account is
// always allowed; any other account must be a member of the caller's
// organization, and only a caller for which pos.multiAccount holds may
// name one. Each refusal is a ValidationException naming the account
// (wording unconfirmed). scope.awsServices is ignored.
func (s *Service) checkScope(sc *scope, pos orgPosition, in *Scope) ([]scopeAccount, error) {
	if in == nil || len(in.AwsAccounts) == 0 {
		return nil, errField("scope.awsAccounts", "The scope of an assessment must include at least one AWS account.") // unconfirmed
	}
	seen := map[string]bool{}
	var out []scopeAccount
	for _, acct := range in.AwsAccounts {
		if seen[acct.Id] {
			continue
		}
		seen[acct.Id] = true
		if acct.Id != sc.account {
			if !pos.inOrg {
				return nil, errField("scope.awsAccounts", "The account "+acct.Id+" can't be in the scope of your assessment: "+
					"your account isn't a member of an organization in AWS Organizations, so an assessment can only cover your own account.")
			}
			org, _, ok, err := s.opt.Org.OrganizationOf(sc.tx, acct.Id)
			if err != nil {
				return nil, err
			}
			if !ok || org != pos.org {
				return nil, errField("scope.awsAccounts", "The account "+acct.Id+" isn't a member of your organization ("+pos.org+
					") in AWS Organizations, so it can't be in the scope of your assessment.")
			}
			if !pos.multiAccount(sc.account) {
				return nil, errField("scope.awsAccounts", "The account "+acct.Id+" can't be in the scope of your assessment: "+
					"only the delegated administrator for Audit Manager (or, while there is none, the management account) "+
					"can assess accounts other than its own.")
			}
		}
		out = append(out, scopeAccount{ID: acct.Id, Email: acct.EmailAddress, Name: acct.Name})
	}
	return out, nil
}

// checkRoles validates an assessment's roles and returns them without
// duplicates: at least one PROCESS_OWNER and, at creation, nothing but
// PROCESS_OWNERs (the model says CreateAssessment takes no other role
// type). Wording unconfirmed.
func checkRoles(in []Role, creating bool) ([]roleRecord, error) {
	var out []roleRecord
	owner := false
	for _, r := range in {
		if r.RoleType == RoleTypeProcessOwner {
			owner = true
		} else if creating {
			return nil, errField("roles.roleType", "An assessment can only be created with roles of type PROCESS_OWNER.")
		}
		out = addRole(out, roleRecord{Type: string(r.RoleType), ARN: r.RoleArn})
	}
	if !owner {
		return nil, errField("roles", "An assessment needs at least one role of type PROCESS_OWNER.")
	}
	return out, nil
}

// addRole appends r to roles unless it is already there.
func addRole(roles []roleRecord, r roleRecord) []roleRecord {
	for _, x := range roles {
		if x == r {
			return roles
		}
	}
	return append(roles, r)
}
