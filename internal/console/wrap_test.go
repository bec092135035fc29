package console

import "testing"

func TestBreakable(t *testing.T) {
	for in, want := range map[string]string{
		"AWSServiceRoleForAmazonSSM_AccountDiscovery":       "AWSService<wbr>Role<wbr>For<wbr>Amazon<wbr>SSM_<wbr>Account<wbr>Discovery",
		"member.org.stacksets.cloudformation.amazonaws.com": "member.<wbr>org.<wbr>stacksets.<wbr>cloudformation.<wbr>amazonaws.<wbr>com",
		"ops@example.com": "ops<wbr>@example.<wbr>com",
		"<b>&":            "&lt;b&gt;&amp;",
		"":                "",
	} {
		if got := string(breakable(in)); got != want {
			t.Errorf("breakable(%q) = %q, want %q", in, got, want)
		}
	}
}
