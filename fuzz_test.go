package orgstack

import (
	"strings"
	"testing"
)

// FuzzParseARN: ParseARN never panics, fails only with ErrMalformedARN,
// and what it parses formats back to the same text, with a partition and
// a service and the resource holding any further colons.
func FuzzParseARN(f *testing.F) {
	for _, seed := range []string{
		"arn:aws:organizations::111111111111:account/o-abcdefghij/222222222222",
		"arn:aws:iam::111111111111:role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM",
		"arn:aws-cn:ssm:cn-north-1:111111111111:document/x:1",
		"arn:aws:s3:::bucket/key:with:colons",
		"arn:::::", "arn:aws:iam", "arn:aws::r:a:", "ARN:aws:iam::1:x", "arn:aws:iam::1:\xff", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseARN(s)
		if err != nil {
			if err != ErrMalformedARN {
				t.Fatalf("ParseARN(%q) error %v", s, err)
			}
			return
		}
		if a.String() != s {
			t.Fatalf("ParseARN(%q).String() = %q", s, a.String())
		}
		if a.Partition == "" || a.Service == "" || strings.Contains(a.Partition+a.Service+a.Region+a.AccountID, ":") {
			t.Fatalf("ParseARN(%q) = %+v", s, a)
		}
		if again, err := ParseARN(a.String()); err != nil || again != a {
			t.Fatalf("reparsing %q: %+v, %v", a.String(), again, err)
		}
	})
}
