package console

import "testing"

// Every page's template parses with the layout (they are parsed at the
// console's first use, not at start).
func TestPagesParse(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"error", "signin"} {
		if pages[name] == nil {
			t.Errorf("no %s page", name)
		}
	}
}
