package seed

import (
	"bytes"
	"strings"
	"testing"
)

func TestProgress(t *testing.T) {
	var plain bytes.Buffer
	p := NewProgress(&plain, false, false)
	p.Start(3)
	p.Step(Created, "account \"Dev\"")
	p.Step(Unchanged, "organizational unit \"Prod\"")
	p.Step(Updated, "policy \"P\"")
	p.Done()
	if want := "[1/3] created account \"Dev\"\n[3/3] updated policy \"P\"\n"; plain.String() != want {
		t.Errorf("plain progress:\n%q\nwant\n%q", plain.String(), want)
	}

	var term bytes.Buffer
	p = NewProgress(&term, true, false)
	p.Start(12)
	p.Step(Created, "a long entry name")
	p.Step(Unchanged, "short")
	p.Done()
	out := term.String()
	if strings.Contains(out, "\n") || !strings.HasPrefix(out, "\r[ 1/12] created a long entry name") ||
		!strings.Contains(out, "\r[ 2/12] unchanged short    ") || !strings.HasSuffix(out, "\r") {
		t.Errorf("terminal progress: %q", out)
	}

	var quiet bytes.Buffer
	p = NewProgress(&quiet, true, true)
	p.Start(1)
	p.Step(Created, "x")
	p.Done()
	if quiet.Len() != 0 {
		t.Errorf("quiet progress wrote %q", quiet.String())
	}
}
