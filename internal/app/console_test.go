package app

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/orgstack/orgstack/internal/protocol/restjson"
	"github.com/orgstack/orgstack/internal/trusted"
)

// TestConsoleRoutesAreNotAPIRoutes: the console gets only requests no API
// claims, so none of its routes may be a rest-json operation's.
func TestConsoleRoutesAreNotAPIRoutes(t *testing.T) {
	m := NewMain()
	m.Catalogue = trusted.Default()
	c, err := m.newConsole()
	if err != nil {
		t.Fatal(err)
	}
	label := regexp.MustCompile(`\{[^}]+\}`)
	for _, p := range c.Patterns() {
		method, path, _ := strings.Cut(p, " ")
		path = strings.TrimSuffix(label.ReplaceAllString(path, "x"), "{$}")
		if strings.HasSuffix(path, "/") && path != "/" {
			path += "x"
		}
		u, _ := url.Parse(path)
		for _, svc := range m.services() {
			if svc.Model.Protocol != "rest-json" {
				continue
			}
			if op, _, _ := restjson.NewRouter(svc.Model).Match(method, u); op != nil {
				t.Errorf("console route %s is %s's %s", p, svc.Model.ServiceID, op.Name)
			}
		}
	}
}
