package console

import (
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"
)

// svgNode is an element of a chart, parsed back from its SVG text.
type svgNode struct {
	Name     string
	Attr     map[string]string
	Text     string
	Children []*svgNode
}

// parseSVG parses a chart's SVG as XML (failing on anything malformed)
// and returns its root element.
func parseSVG(t *testing.T, s string) *svgNode {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(s))
	var stack []*svgNode
	var root *svgNode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG isn't well-formed: %v\n%s", err, s)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			n := &svgNode{Name: x.Name.Local, Attr: map[string]string{}}
			for _, a := range x.Attr {
				n.Attr[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(x)
			}
		}
	}
	if root == nil || root.Name != "svg" {
		t.Fatalf("no <svg> root: %s", s)
	}
	return root
}

// all returns the elements under n (n included) that match.
func (n *svgNode) all(match func(*svgNode) bool) []*svgNode {
	var out []*svgNode
	if match(n) {
		out = append(out, n)
	}
	for _, c := range n.Children {
		out = append(out, c.all(match)...)
	}
	return out
}

func (n *svgNode) named(name string) []*svgNode {
	return n.all(func(x *svgNode) bool { return x.Name == name })
}

func (n *svgNode) hasClass(c string) bool {
	for _, f := range strings.Fields(n.Attr["class"]) {
		if f == c {
			return true
		}
	}
	return false
}

// texts are the contents of the chart's <text> elements, in order.
func (n *svgNode) texts() []string {
	var out []string
	for _, t := range n.named("text") {
		out = append(out, strings.TrimSpace(t.Text))
	}
	return out
}

func (n *svgNode) child(name string) *svgNode {
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func hasString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// accessible checks the chart's accessible name and description.
func checkAccessible(t *testing.T, root *svgNode, title, desc string) {
	t.Helper()
	if root.Attr["role"] != "img" || root.Attr["aria-labelledby"] != root.Attr["id"]+"-title "+root.Attr["id"]+"-desc" {
		t.Fatalf("not labelled: %v", root.Attr)
	}
	tt, dd := root.child("title"), root.child("desc")
	if tt == nil || tt.Text != title || tt.Attr["id"] != root.Attr["id"]+"-title" {
		t.Fatalf("title: %+v", tt)
	}
	if dd == nil || !strings.Contains(dd.Text, desc) {
		t.Fatalf("desc %+v, want %q", dd, desc)
	}
}

func TestLineChart(t *testing.T) {
	c := lineChart{ID: "trend", Title: "Patch compliance <over> time", Desc: "From a to b",
		Labels: []string{"Nov 1", "Nov 2", "Nov 3"}, Max: 100, Unit: "%",
		Series: []chartSeries{{Name: "Compliance", Color: colorGreen, Values: []float64{50, math.NaN(), 100}}}}
	root := parseSVG(t, string(c.SVG()))
	checkAccessible(t, root, "Patch compliance <over> time", "From a to b")
	texts := root.texts()
	for _, want := range []string{"0%", "25%", "50%", "75%", "100%", "Nov 1", "Nov 2", "Nov 3", "Compliance"} {
		if !hasString(texts, want) {
			t.Fatalf("no text %q in %q", want, texts)
		}
	}
	dots := root.all(func(n *svgNode) bool { return n.hasClass("dot") })
	if len(dots) != 2 || dots[0].Attr["data-value"] != "50" || dots[1].Attr["data-label"] != "Nov 3" || dots[1].child("title").Text != "Compliance, Nov 3: 100%" {
		t.Fatalf("dots: %+v", dots)
	}
	// The missing day breaks the line: no polyline joins two points.
	if l := root.named("polyline"); len(l) != 0 {
		t.Fatalf("a line across the gap: %+v", l[0].Attr)
	}
	// Higher values are drawn higher.
	if !(attrNum(dots[1], "cy") < attrNum(dots[0], "cy")) {
		t.Fatalf("100%% at y=%s, 50%% at y=%s", dots[1].Attr["cy"], dots[0].Attr["cy"])
	}
	// Colors come from the stylesheet's classes.
	if g := root.all(func(n *svgNode) bool { return n.Attr["data-series"] == "Compliance" }); len(g) != 1 || !g[0].hasClass("c-green") {
		t.Fatalf("series group: %+v", g)
	}

	c.Series[0].Values = []float64{50, 60, 100}
	root = parseSVG(t, string(c.SVG()))
	if l := root.named("polyline"); len(l) != 1 || len(strings.Fields(l[0].Attr["points"])) != 3 {
		t.Fatalf("line: %+v", l)
	}
}

func attrNum(n *svgNode, a string) float64 {
	f := toFloat(n.Attr[a])
	return f
}

func TestLineChartEmptyAndOneDay(t *testing.T) {
	empty := lineChart{ID: "e", Title: "Incidents", Desc: "No reports yet.", Integer: true, Empty: "No reports yet",
		Series: []chartSeries{{Name: "Opened", Color: colorBlue}}}
	root := parseSVG(t, string(empty.SVG()))
	checkAccessible(t, root, "Incidents", "No reports yet.")
	if texts := root.texts(); !hasString(texts, "No reports yet") || !hasString(texts, "0") || !hasString(texts, "1") {
		t.Fatalf("empty chart texts: %q", texts)
	}
	if n := len(root.all(func(n *svgNode) bool { return n.hasClass("dot") })); n != 0 {
		t.Fatalf("%d dots without data", n)
	}

	one := lineChart{ID: "o", Title: "Incidents", Labels: []string{"Nov 23"}, Integer: true,
		Series: []chartSeries{{Name: "Opened", Values: []float64{3}}, {Name: "Open", Values: []float64{math.NaN()}}}}
	root = parseSVG(t, string(one.SVG()))
	dots := root.all(func(n *svgNode) bool { return n.hasClass("dot") })
	if len(dots) != 1 || dots[0].Attr["data-value"] != "3" || len(root.named("polyline")) != 0 {
		t.Fatalf("one day: %+v", dots)
	}
	// A single day sits in the middle of the plot, with its label.
	if x := attrNum(dots[0], "cx"); math.Abs(x-(48+640-20)/2.0) > 1 {
		t.Fatalf("single dot at x=%v", x)
	}
	texts := root.texts()
	for _, want := range []string{"Nov 23", "0", "1", "2", "3"} {
		if !hasString(texts, want) {
			t.Fatalf("no %q in %q", want, texts)
		}
	}
	// Counts keep whole ticks.
	for _, s := range texts {
		if strings.Contains(s, ".") {
			t.Fatalf("fractional tick %q", s)
		}
	}
}

func TestStackedBars(t *testing.T) {
	c := stackedBars{ID: "acc", Title: "Instances", Desc: "d", KeyAttr: "account",
		Segments: []barSegment{{Name: "Compliant", Color: colorGreen}, {Name: "Non-compliant", Color: colorRed}},
		Rows: []barRow{
			{Label: "One (222222222222)", Key: "222222222222", Values: []float64{1, 1}, Note: "50%"},
			{Label: "An account whose name is rather long", Key: "333333333333", Values: []float64{0, 0}},
			{Label: "Three", Key: "444444444444", Values: []float64{4, 0}},
		}}
	root := parseSVG(t, string(c.SVG()))
	checkAccessible(t, root, "Instances", "d")
	rows := root.all(func(n *svgNode) bool { return n.hasClass("bar-row") })
	if len(rows) != 3 || rows[0].Attr["data-account"] != "222222222222" {
		t.Fatalf("rows: %+v", rows)
	}
	segs := rows[0].all(func(n *svgNode) bool { return n.hasClass("seg") })
	if len(segs) != 2 || segs[0].Attr["data-segment"] != "Compliant" || segs[1].Attr["data-value"] != "1" || !segs[1].hasClass("c-red") ||
		segs[0].child("title").Text != "One (222222222222): Compliant 1" {
		t.Fatalf("segments: %+v", segs)
	}
	// Bars share one scale: 4 is twice as wide as 1+1.
	w0 := attrNum(segs[0], "width") + attrNum(segs[1], "width")
	w2 := attrNum(rows[2].all(func(n *svgNode) bool { return n.hasClass("seg") })[0], "width")
	if math.Abs(w2-2*w0) > 0.1 {
		t.Fatalf("widths %v and %v", w0, w2)
	}
	if texts := rows[0].texts(); !hasString(texts, "50%") {
		t.Fatalf("note: %q", texts)
	}
	// A zero row has no segment and says 0; a long label is shortened
	// but kept whole in its title.
	if n := len(rows[1].all(func(n *svgNode) bool { return n.hasClass("seg") })); n != 0 {
		t.Fatalf("zero row has %d segments", n)
	}
	label := rows[1].all(func(n *svgNode) bool { return n.hasClass("bar-label") })[0]
	if label.child("title").Text != "An account whose name is rather long" || !strings.HasSuffix(label.Text, "…") || !hasString(rows[1].texts(), "0") {
		t.Fatalf("zero row: %+v %q", label, rows[1].texts())
	}
	// The legend names the segments.
	if texts := root.texts(); !hasString(texts, "Compliant") || !hasString(texts, "Non-compliant") {
		t.Fatalf("legend: %q", texts)
	}

	empty := stackedBars{ID: "none", Title: "Instances", Segments: c.Segments, Empty: "No reports yet"}
	root = parseSVG(t, string(empty.SVG()))
	if !hasString(root.texts(), "No reports yet") || len(root.all(func(n *svgNode) bool { return n.hasClass("seg") })) != 0 {
		t.Fatalf("empty bars: %q", root.texts())
	}
}

func TestGauge(t *testing.T) {
	v := 60.0
	root := parseSVG(t, string(gauge{ID: "g", Title: "Patch report: compliant", Value: &v, Label: "compliant", Color: levelColor(&v)}.SVG()))
	checkAccessible(t, root, "Patch report: compliant", "compliant: 60%")
	arcs := root.all(func(n *svgNode) bool { return n.hasClass("arc") })
	if len(arcs) != 1 || arcs[0].Attr["data-value"] != "60" || !arcs[0].hasClass("c-red") || !hasString(root.texts(), "60%") {
		t.Fatalf("gauge: %+v %q", arcs, root.texts())
	}
	// The arc's dash is 60% of the ring.
	dash := strings.Fields(arcs[0].Attr["stroke-dasharray"])
	if len(dash) != 2 || math.Abs(toFloat(dash[0])/toFloat(dash[1])-0.6) > 0.001 {
		t.Fatalf("dash %q", dash)
	}
	root = parseSVG(t, string(gauge{ID: "g", Title: "t", Label: "protected"}.SVG()))
	if len(root.all(func(n *svgNode) bool { return n.hasClass("arc") })) != 0 || !hasString(root.texts(), "—") {
		t.Fatalf("gauge without data: %q", root.texts())
	}
	for _, c := range []struct {
		v    float64
		want chartColor
	}{{95, colorGreen}, {90, colorGreen}, {75, colorAmber}, {10, colorRed}} {
		if got := levelColor(&c.v); got != c.want {
			t.Fatalf("levelColor(%v) = %s", c.v, got)
		}
	}
	if levelColor(nil) != colorGrey {
		t.Fatal("levelColor(nil)")
	}
}

func TestNiceTicks(t *testing.T) {
	for _, c := range []struct {
		hi      float64
		n       int
		integer bool
		want    string
	}{
		{100, 4, false, "0 25 50 75 100"},
		{3, 4, true, "0 1 2 3"},
		{0, 4, true, "0 1"},
		{math.NaN(), 4, false, "0 0.25 0.5 0.75 1"},
		{7, 5, true, "0 2 4 6 8"},
		{33.33, 4, false, "0 10 20 30 40"},
	} {
		var got []string
		for _, v := range niceTicks(c.hi, c.n, c.integer) {
			got = append(got, formatValue(v, ""))
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("niceTicks(%v, %d, %v) = %q, want %q", c.hi, c.n, c.integer, got, c.want)
		}
	}
}
