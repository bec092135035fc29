package console_test

import (
	"regexp"
	"strings"
	"testing"
)

// row returns the table row of a page carrying the attribute attr="value"
// (data-node="r-abcd"), or "" when the page has none.
func row(body, attr, value string) string {
	i := strings.Index(body, attr+`="`+value+`"`)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(body[:i], "<tr")
	end := strings.Index(body[i:], "</tr>")
	if start < 0 || end < 0 {
		return ""
	}
	return body[start : i+end+len("</tr>")]
}

// flashOf returns the titles and messages of the page's alerts.
func flashOf(body string) string {
	var out []string
	for _, m := range alertRE.FindAllStringSubmatch(body, -1) {
		out = append(out, strings.TrimSpace(m[1]))
	}
	return strings.Join(out, " | ")
}

var alertRE = regexp.MustCompile(`(?s)<div class="alert-title">(.*?)</div>`)

// mustContain fails the test unless body contains every string.
func mustContain(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Fatalf("%s: missing %q\n%s", what, w, body)
		}
	}
}

// mustNotContain fails the test if body contains any of the strings.
func mustNotContain(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Fatalf("%s: unexpected %q\n%s", what, w, body)
		}
	}
}

// main is the page's main content, without the layout.
func mainOf(body string) string {
	i, j := strings.Index(body, `<main`), strings.LastIndex(body, `</main>`)
	if i < 0 || j < i {
		return body
	}
	return body[i:j]
}
