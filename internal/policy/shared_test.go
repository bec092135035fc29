package policy

import "testing"

func TestParseShared(t *testing.T) {
	a, err := ParseShared(denySSM)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseShared(denySSM)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("the same document parsed twice gave two policies")
	}
	fresh, err := Parse(denySSM)
	if err != nil {
		t.Fatal(err)
	}
	r := Request{Principal: Principal{AccountID: "111122223333"}, Action: "ssm:GetOpsSummary", Resource: "*"}
	if got, want := a.Evaluate(r), fresh.Evaluate(r); got != want {
		t.Errorf("shared policy decides %v, Parse's %v", got, want)
	}
	if _, err := ParseShared(`{"Statement":`); err == nil {
		t.Error("a broken document parsed")
	}
	if _, err := ParseShared(`{"Statement":`); err == nil {
		t.Error("a broken document parsed the second time")
	}
}
