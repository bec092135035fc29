package seed

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/sync/errgroup"
)

// IAM users and roles, in the management account (with the credentials
// given) and in member accounts (through their access role).

func (a *applier) iamAll(ctx context.Context) error {
	if a.f.IAM != nil {
		if err := a.iamAccount(ctx, iam.NewFromConfig(a.opt.Config), a.f.IAM, "the management account"); err != nil {
			return err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(a.opt.Concurrency)
	for _, acc := range a.f.res.allAccounts {
		if acc.IAM == nil || len(acc.IAM.Users)+len(acc.IAM.Roles) == 0 {
			continue
		}
		g.Go(func() error {
			client, err := a.memberIAM(gctx, acc)
			if err != nil {
				return err
			}
			return a.iamAccount(gctx, client, acc.IAM, "account "+quote(acc.Name.Value))
		})
	}
	return g.Wait()
}

// memberIAM is an IAM client acting in a member account, through the
// role CreateAccount made there (OrganizationAccountAccessRole).
func (a *applier) memberIAM(ctx context.Context, acc *Account) (*iam.Client, error) {
	role := DefaultAccessRole
	if acc.RoleName.Value != "" {
		role = acc.RoleName.Value
	}
	arn := fmt.Sprintf("arn:%s:iam::%s:role/%s", a.partition, a.accIDs[acc], role)
	out, err := a.sts.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("orgstack-seed")})
	if err != nil {
		return nil, a.fail(acc.IAM.Line, "acting in account "+quote(acc.Name.Value)+" (sts AssumeRole "+arn+")", err)
	}
	c := out.Credentials
	cfg := a.opt.Config.Copy()
	cfg.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
	return iam.NewFromConfig(cfg), nil
}

func iamTags(m map[string]string) []iamtypes.Tag {
	var out []iamtypes.Tag
	for _, k := range sortedNames(m) {
		out = append(out, iamtypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func isNoSuchEntity(err error) bool {
	var ne *iamtypes.NoSuchEntityException
	return errors.As(err, &ne) || code(err) == "NoSuchEntity"
}

func (a *applier) iamAccount(ctx context.Context, c *iam.Client, spec *IAM, owner string) error {
	for _, u := range spec.Users {
		ch, err := a.iamUser(ctx, c, u)
		what := owner + ": IAM user " + quote(u.Name.Value)
		if err != nil {
			return a.fail(u.Line, what, err)
		}
		a.step(ch, what)
	}
	for _, r := range spec.Roles {
		ch, err := a.iamRole(ctx, c, r)
		what := owner + ": IAM role " + quote(r.Name.Value)
		if err != nil {
			return a.fail(r.Line, what, err)
		}
		a.step(ch, what)
	}
	return nil
}

func (a *applier) iamUser(ctx context.Context, c *iam.Client, u *User) (Change, error) {
	name := aws.String(u.Name.Value)
	change := Unchanged
	_, err := c.GetUser(ctx, &iam.GetUserInput{UserName: name})
	switch {
	case isNoSuchEntity(err):
		in := &iam.CreateUserInput{UserName: name, Tags: iamTags(u.Tags)}
		if u.Path.Value != "" {
			in.Path = aws.String(u.Path.Value)
		}
		if _, err := c.CreateUser(ctx, in); err != nil {
			return 0, err
		}
		change = Created
	case err != nil:
		return 0, err
	default:
		out, err := c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: name})
		if err != nil {
			return 0, err
		}
		if missing := missingIAMTags(out.Tags, u.Tags); len(missing) > 0 {
			if _, err := c.TagUser(ctx, &iam.TagUserInput{UserName: name, Tags: missing}); err != nil {
				return 0, err
			}
			change = Updated
		}
	}
	return identityPolicies{
		getInline: func(ctx context.Context, pname string) (*string, error) {
			out, err := c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: name, PolicyName: aws.String(pname)})
			if err != nil {
				return nil, err
			}
			return out.PolicyDocument, nil
		},
		putInline: func(ctx context.Context, pname, doc string) error {
			_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: name, PolicyName: aws.String(pname), PolicyDocument: aws.String(doc)})
			return err
		},
		attached: func(ctx context.Context, have map[string]bool) error {
			pg := iam.NewListAttachedUserPoliciesPaginator(c, &iam.ListAttachedUserPoliciesInput{UserName: name})
			for pg.HasMorePages() {
				out, err := pg.NextPage(ctx)
				if err != nil {
					return err
				}
				for _, p := range out.AttachedPolicies {
					have[aws.ToString(p.PolicyArn)] = true
				}
			}
			return nil
		},
		attach: func(ctx context.Context, arn string) error {
			_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: name, PolicyArn: aws.String(arn)})
			return err
		},
	}.apply(ctx, change, u.InlinePolicies, u.ManagedPolicies)
}

func (a *applier) defaultTrust() string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:%s:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, a.partition, a.mgmt)
}

func (a *applier) iamRole(ctx context.Context, c *iam.Client, r *Role) (Change, error) {
	name := aws.String(r.Name.Value)
	change := Unchanged
	trust := a.defaultTrust()
	if r.TrustPolicy != nil {
		trust = r.TrustPolicy.JSON
	}
	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: name})
	switch {
	case isNoSuchEntity(err):
		in := &iam.CreateRoleInput{RoleName: name, AssumeRolePolicyDocument: aws.String(trust), Tags: iamTags(r.Tags)}
		if r.Path.Value != "" {
			in.Path = aws.String(r.Path.Value)
		}
		if r.Description.Value != "" {
			in.Description = aws.String(r.Description.Value)
		}
		if _, err := c.CreateRole(ctx, in); err != nil {
			return 0, err
		}
		change = Created
	case err != nil:
		return 0, err
	default:
		role := got.Role
		if r.TrustPolicy != nil && !sameJSON(unescape(aws.ToString(role.AssumeRolePolicyDocument)), trust) {
			if _, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: name, PolicyDocument: aws.String(trust)}); err != nil {
				return 0, err
			}
			change = Updated
		}
		if r.Description.Value != "" && r.Description.Value != aws.ToString(role.Description) {
			if _, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: name, Description: aws.String(r.Description.Value)}); err != nil {
				return 0, err
			}
			change = Updated
		}
		out, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: name})
		if err != nil {
			return 0, err
		}
		if missing := missingIAMTags(out.Tags, r.Tags); len(missing) > 0 {
			if _, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: name, Tags: missing}); err != nil {
				return 0, err
			}
			change = Updated
		}
	}
	return identityPolicies{
		getInline: func(ctx context.Context, pname string) (*string, error) {
			out, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: name, PolicyName: aws.String(pname)})
			if err != nil {
				return nil, err
			}
			return out.PolicyDocument, nil
		},
		putInline: func(ctx context.Context, pname, doc string) error {
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: name, PolicyName: aws.String(pname), PolicyDocument: aws.String(doc)})
			return err
		},
		attached: func(ctx context.Context, have map[string]bool) error {
			pg := iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: name})
			for pg.HasMorePages() {
				out, err := pg.NextPage(ctx)
				if err != nil {
					return err
				}
				for _, p := range out.AttachedPolicies {
					have[aws.ToString(p.PolicyArn)] = true
				}
			}
			return nil
		},
		attach: func(ctx context.Context, arn string) error {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: name, PolicyArn: aws.String(arn)})
			return err
		},
	}.apply(ctx, change, r.InlinePolicies, r.ManagedPolicies)
}

// identityPolicies reads and writes the policies of one IAM user or role.
type identityPolicies struct {
	getInline func(ctx context.Context, name string) (*string, error)
	putInline func(ctx context.Context, name, doc string) error
	attached  func(ctx context.Context, have map[string]bool) error
	attach    func(ctx context.Context, arn string) error
}

// apply puts the inline policies whose document differs or is missing and
// attaches the managed policies not attached yet; change is what was done
// to the user or role itself (Created: nothing to read back).
func (p identityPolicies) apply(ctx context.Context, change Change, inline map[string]*Doc, managed []Str) (Change, error) {
	for _, pname := range sortedNames(inline) {
		doc := inline[pname].JSON
		if change != Created {
			got, err := p.getInline(ctx, pname)
			if err != nil && !isNoSuchEntity(err) {
				return 0, err
			}
			if err == nil && sameJSON(unescape(aws.ToString(got)), doc) {
				continue
			}
			change = Updated
		}
		if err := p.putInline(ctx, pname, doc); err != nil {
			return 0, err
		}
	}
	if len(managed) == 0 {
		return change, nil
	}
	have := map[string]bool{}
	if change != Created {
		if err := p.attached(ctx, have); err != nil {
			return 0, err
		}
	}
	for _, arn := range managed {
		if have[arn.Value] {
			continue
		}
		if err := p.attach(ctx, arn.Value); err != nil {
			return 0, err
		}
		if change == Unchanged {
			change = Updated
		}
	}
	return change, nil
}

func missingIAMTags(have []iamtypes.Tag, want map[string]string) []iamtypes.Tag {
	h := map[string]string{}
	for _, t := range have {
		h[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	var out []iamtypes.Tag
	for _, k := range sortedNames(want) {
		if v, ok := h[k]; !ok || v != want[k] {
			out = append(out, iamtypes.Tag{Key: aws.String(k), Value: aws.String(want[k])})
		}
	}
	return out
}
