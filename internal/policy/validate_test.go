package policy

import (
	"testing"
)

func TestValidate(t *testing.T) {
	const (
		allowAll   = `{"Effect":"Allow","Action":"*","Resource":"*"}`
		assumeRole = `{"Effect":"Allow","Principal":{"Service":"ssm.amazonaws.com"},"Action":"sts:AssumeRole"}`
	)
	doc := func(stmts string) string { return `{"Version":"2012-10-17","Statement":[` + stmts + `]}` }
	cases := []struct {
		name string
		kind Kind
		doc  string
		msg  string
	}{
		// Identity policies.
		{"identity ok", KindIdentity, doc(allowAll), ""},
		{"identity without version", KindIdentity, `{"Statement":` + allowAll + `}`, ""},
		{"identity 2008", KindIdentity, `{"Version":"2008-10-17","Statement":` + allowAll + `}`, ""},
		{"identity principal", KindIdentity, doc(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"*","Resource":"*"}`), msgNoPrincipal},
		{"identity notprincipal", KindIdentity, doc(`{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"*","Resource":"*"}`), msgNoPrincipal},
		{"identity no resource", KindIdentity, doc(`{"Effect":"Allow","Action":"s3:*"}`), msgNoResources},
		{"identity empty resource", KindIdentity, doc(`{"Effect":"Allow","Action":"s3:*","Resource":[]}`), msgNoResources},
		{"identity notresource ok", KindIdentity, doc(`{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::b/*"}`), ""},
		{"identity no action", KindIdentity, doc(`{"Effect":"Allow","Resource":"*"}`), msgNoActions},
		{"identity empty action", KindIdentity, doc(`{"Effect":"Allow","Action":[],"Resource":"*"}`), msgNoActions},
		{"actions before resources", KindIdentity, doc(`{"Effect":"Allow"}`), msgNoActions},
		{"effect case", KindIdentity, doc(`{"Effect":"allow","Action":"*","Resource":"*"}`), msgLegacy},
		{"bad date", KindIdentity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"tomorrow"}}}`), msgLegacy},
		{"good dates", KindIdentity, doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":["2026-01-02T03:04:05Z","2026-01-02","1767225600"]}}}`), ""},
		{"duplicate sid", KindIdentity, doc(`{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"s3:*","Resource":"*"}`), msgSidUnique},
		{"sid format", KindIdentity, doc(`{"Sid":"Allow all","Effect":"Allow","Action":"*","Resource":"*"}`), msgSidFormat},
		{"sid format resource policy", KindResource, doc(`{"Sid":"Allow all","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}`), ""},
		{"action without vendor", KindIdentity, doc(`{"Effect":"Allow","Action":"ListBuckets","Resource":"*"}`), msgActionVendor},
		{"action two colons", KindIdentity, doc(`{"Effect":"Allow","Action":"s3:Get:Object","Resource":"*"}`), msgActionColons},
		{"vendor wildcard", KindIdentity, doc(`{"Effect":"Allow","Action":"*:Untag*","Resource":"*"}`), msgVendorWildcard},
		{"vendor chars", KindIdentity, doc(`{"Effect":"Allow","Action":"s_3:Get","Resource":"*"}`), "Vendor s_3 is not valid"},
		{"notaction checked", KindIdentity, doc(`{"Effect":"Deny","NotAction":"iam","Resource":"*"}`), msgActionVendor},
		{"action wildcards ok", KindIdentity, doc(`{"Effect":"Allow","Action":["s3:Get*","ec2:Describe?nstances","organizations:*"],"Resource":"*"}`), ""},
		{"resource not arn", KindIdentity, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}`), `Resource bucket must be in ARN format or "*".`},
		{"resource bad partition", KindIdentity, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:foo:s3:::b"}`), `Partition "foo" is not valid for resource "arn:foo:s3:::b".`},
		{"resource short bad partition", KindIdentity, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:foo:s3"}`), `Partition "foo" is not valid for resource "arn:foo:s3:*:*:*".`},
		{"resource no vendor", KindIdentity, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws::::b"}`), msgResourceVendor},
		{"resource vendor wildcard", KindIdentity, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:*:::b"}`), msgResourceVendor},
		{"iam region", KindIdentity, doc(`{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam:us-east-1:111122223333:role/x"}`), "IAM resource arn:aws:iam:us-east-1:111122223333:role/x cannot contain region information."},
		{"resource wildcards ok", KindIdentity, doc(`{"Effect":"Allow","Action":"organizations:*","Resource":["arn:aws:organizations::*:account/o-*/*","arn:aws:iam::*:role/aws-service-role/*","arn:*:logs:*:*:*"]}`), ""},
		{"resource variable ok", KindIdentity, doc(`{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}"}`), ""},
		{"resource variables", KindIdentity, doc(`{"Effect":"Allow","Action":"s3:*","Resource":["${aws:SourceArn}","arn:${aws:Partition}:s3:::b/${aws:username}"]}`), ""},
		{"resource variable in vendor", KindIdentity, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:${x:y}:::b"}`), msgResourceVendor},

		// Managed policies.
		{"managed ok", KindManaged, doc(allowAll), ""},
		{"managed without version", KindManaged, `{"Statement":` + allowAll + `}`, msgVersion},
		{"managed 2008", KindManaged, `{"Version":"2008-10-17","Statement":` + allowAll + `}`, msgVersion},
		{"boundary like identity", KindBoundary, doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`), msgNoPrincipal},

		// Trust policies.
		{"trust ok", KindTrust, doc(assumeRole), ""},
		{"trust tags and identity", KindTrust, doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}`), ""},
		{"trust web identity", KindTrust, doc(`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity"}`), ""},
		{"trust sts wildcard", KindTrust, doc(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole*"}`), ""},
		{"trust no principal", KindTrust, doc(`{"Effect":"Allow","Action":"sts:AssumeRole"}`), msgTrustNoPrincipal},
		{"trust resource", KindTrust, doc(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Resource":"*"}`), msgTrustResource},
		{"trust other action", KindTrust, doc(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject"}`), msgTrustActions},
		{"trust bare star", KindTrust, doc(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}`), `Invalid principal in policy: "*"`},
		{"trust aws star", KindTrust, doc(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}`), ""},
		{"trust bad aws principal", KindTrust, doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:group/admins"},"Action":"sts:AssumeRole"}`), `Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:group/admins"`},
		{"trust wildcard arn", KindTrust, doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/*"},"Action":"sts:AssumeRole"}`), `Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:role/*"`},
		{"trust short account", KindTrust, doc(`{"Effect":"Allow","Principal":{"AWS":"1111"},"Action":"sts:AssumeRole"}`), `Invalid principal in policy: "AWS":"1111"`},
		{"trust bad service", KindTrust, doc(`{"Effect":"Allow","Principal":{"Service":"*.amazonaws.com"},"Action":"sts:AssumeRole"}`), `Invalid principal in policy: "SERVICE":"*.amazonaws.com"`},
		{"trust session principal", KindTrust, doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/r/s"},"Action":"sts:AssumeRole"}`), ""},

		// Resource-based policies (the Organizations delegation policy).
		{"resource ok", KindResource, delegationPolicy, ""},
		{"resource no principal", KindResource, doc(`{"Effect":"Allow","Action":"organizations:Describe*","Resource":"*"}`), msgResourceNoPrincipal},
		{"resource no resource", KindResource, doc(`{"Effect":"Allow","Principal":{"AWS":"222233334444"},"Action":"organizations:Describe*"}`), msgNoResources},

		// SCPs.
		{"scp full access", KindSCP, fullAWSAccess, ""},
		{"scp deny with condition", KindSCP, denySSMOutsideRegions, ""},
		{"scp principal", KindSCP, doc(`{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}`), msgNoPrincipal},
		{"scp no resource", KindSCP, doc(`{"Effect":"Deny","Action":"ssm:*"}`), msgNoResources},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustParse(t, c.doc)
			got := ""
			if err := Validate(p, c.kind); err != nil {
				if _, ok := err.(*ParseError); !ok {
					t.Fatalf("error %T, want *ParseError", err)
				}
				got = err.Error()
			}
			if got != c.msg {
				t.Errorf("Validate(%v) = %q, want %q", c.kind, got, c.msg)
			}
		})
	}
}

func TestValidateNil(t *testing.T) {
	if err := Validate(nil, KindIdentity); err == nil {
		t.Error("Validate(nil) = nil")
	}
}

func TestInvalidPrincipal(t *testing.T) {
	got := InvalidPrincipal("AWS", "arn:aws:iam::959325414060:role/bk-1588-092-a-eks-nodes").Error()
	want := `Invalid principal in policy: "AWS":"arn:aws:iam::959325414060:role/bk-1588-092-a-eks-nodes"`
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindIdentity: "identity", KindManaged: "managed", KindTrust: "trust",
		KindResource: "resource", KindSCP: "scp", KindBoundary: "boundary", Kind(42): "Kind(42)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}
