package prototest

import (
	"strconv"
	"testing"

	"github.com/orgstack/orgstack/internal/wire"
)

// CaseFunc checks one fixture case against a codec.
type CaseFunc func(t *testing.T, s *Suite, c *Case, svc *wire.Service, op *wire.Operation)

// Run runs fn for every case of a fixture file as subtest
// "<suite description>/<case index>". skip maps case keys (Case.Key) to the reason a
// case does not apply to a server; every key must name a case, so the
// list stays exact.
func Run(t *testing.T, file string, skip map[string]string, fn CaseFunc) {
	t.Helper()
	suites, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, s := range suites {
		for _, c := range s.Cases {
			known[c.Key] = true
		}
	}
	for k := range skip {
		if !known[k] {
			t.Errorf("skip list names %q, which is not a case of %s", k, file)
		}
	}
	for si := range suites {
		s := &suites[si]
		t.Run(s.Description, func(t *testing.T) {
			for ci := range s.Cases {
				c := &s.Cases[ci]
				t.Run(strconv.Itoa(ci), func(t *testing.T) {
					if reason, ok := skip[c.Key]; ok {
						t.Skip(reason)
					}
					svc, op, err := s.Build(c)
					if err != nil {
						t.Fatalf("building the model: %v", err)
					}
					fn(t, s, c, svc, op)
				})
			}
		})
	}
}
