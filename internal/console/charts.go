package console

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Charts are drawn on the server as inline SVG: no script, readable
// without one, printable. Each chart has a <title> and a <desc>, each
// point and bar segment its own <title> (a tooltip and what a screen
// reader says), and its colors come from the console's palette through
// classes (c-green, c-red, …; see static/reports.css), so that the
// charts follow the stylesheet. Each chart renders sensibly with no data
// (an axis and a message) and with one point (a single dot).

// chartColor is a color of the console's palette.
type chartColor string

const (
	colorBlue  chartColor = "blue"
	colorGreen chartColor = "green"
	colorRed   chartColor = "red"
	colorAmber chartColor = "amber"
	colorGrey  chartColor = "grey"
)

func (c chartColor) class() string {
	if c == "" {
		c = colorBlue
	}
	return "c-" + string(c)
}

// chartSeries is one line of a line chart: a value per label, NaN where
// there is none (the line then has a gap).
type chartSeries struct {
	Name   string
	Color  chartColor
	Values []float64
}

// lineChart is a line chart over labelled points (dates, in order).
type lineChart struct {
	ID, Title, Desc string
	Labels          []string
	Series          []chartSeries
	// Max fixes the top of the y axis (100 for percentages); 0 scales to
	// the data.
	Max float64
	// Unit follows every value ("%"); Integer keeps the axis to whole
	// numbers (counts).
	Unit    string
	Integer bool
	// Empty is what an empty chart says.
	Empty string
}

// barSegment is one kind of part of a stacked bar.
type barSegment struct {
	Name  string
	Color chartColor
}

// barRow is one stacked bar: a value per segment.
type barRow struct {
	Label string
	// Detail is the row's full name, its label's tooltip (the label when
	// empty).
	Detail string
	// Key identifies the row for tests and scripts: data-<KeyAttr>="Key".
	Key    string
	Values []float64
	// Note is written after the bar (a percentage, a total); by default
	// the total.
	Note string
}

// stackedBars is a horizontal stacked bar chart.
type stackedBars struct {
	ID, Title, Desc string
	Segments        []barSegment
	Rows            []barRow
	KeyAttr         string
	Unit            string
	Empty           string
}

// gauge is a donut showing one percentage.
type gauge struct {
	ID, Title string
	// Value is nil when there is nothing to measure.
	Value *float64
	Label string
	Color chartColor
}

// svgWriter builds SVG text; every piece of text it is given is escaped.
type svgWriter struct{ b strings.Builder }

func (w *svgWriter) raw(format string, args ...any) { fmt.Fprintf(&w.b, format, args...) }

func esc(s string) string { return template.HTMLEscapeString(s) }

// open starts the <svg> element with its accessible name.
func (w *svgWriter) open(id, class string, width, height float64, title, desc string) {
	w.raw(`<svg xmlns="http://www.w3.org/2000/svg" class="%s" id="%s" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-title %s-desc">`,
		esc(class), esc(id), num(width), num(height), esc(id), esc(id))
	w.raw(`<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(id), esc(title), esc(id), esc(desc))
}

func (w *svgWriter) text(x, y float64, anchor, class, s string) {
	w.raw(`<text x="%s" y="%s" text-anchor="%s"`, num(x), num(y), anchor)
	if class != "" {
		w.raw(` class="%s"`, esc(class))
	}
	w.raw(`>%s</text>`, esc(s))
}

func (w *svgWriter) line(x1, y1, x2, y2 float64, class string) {
	w.raw(`<line class="%s" x1="%s" y1="%s" x2="%s" y2="%s"/>`, class, num(x1), num(y1), num(x2), num(y2))
}

func (w *svgWriter) html() template.HTML {
	w.raw(`</svg>`)
	return template.HTML(w.b.String()) // every text in it was escaped
}

// num writes a coordinate: at most two decimals, no trailing zeros.
func num(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "0"
	}
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
}

// formatValue writes a value for people: whole numbers as such, others
// with up to two decimals, then the unit.
func formatValue(v float64, unit string) string {
	if math.IsNaN(v) {
		return "no data"
	}
	s := strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
	return s + unit
}

// textWidth estimates the width of a label in the charts' 11px font.
func textWidth(s string) float64 { return float64(len([]rune(s)))*6.2 + 4 }

// niceTicks divides [0, hi] into about n steps of 1, 2, 2.5 or 5 times a
// power of ten, and returns the ticks from 0 to the first one at or
// above hi. Integer keeps the steps whole. Zero or no data gives the
// ticks of [0, 1] (or [0, 1] in whole steps).
func niceTicks(hi float64, n int, integer bool) []float64 {
	if n < 1 {
		n = 1
	}
	if math.IsNaN(hi) || hi <= 0 {
		hi = 1
	}
	raw := hi / float64(n)
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	step := pow * 10
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*pow >= raw {
			step = m * pow
			break
		}
	}
	if integer && step < 1 {
		step = 1
	}
	if integer && step != math.Trunc(step) {
		step = math.Ceil(step)
	}
	var ticks []float64
	for i := 0; ; i++ {
		t := float64(i) * step
		ticks = append(ticks, math.Round(t*1e9)/1e9)
		if t >= hi-step*1e-9 {
			break
		}
	}
	return ticks
}

// linear maps the domain [d0, d1] onto the range [r0, r1]; an empty
// domain maps everything to the middle of the range.
type linear struct{ d0, d1, r0, r1 float64 }

func (s linear) at(v float64) float64 {
	if s.d1 == s.d0 {
		return (s.r0 + s.r1) / 2
	}
	return s.r0 + (v-s.d0)*(s.r1-s.r0)/(s.d1-s.d0)
}

// legend draws the series' swatches and names from (x, y), left to right.
func (w *svgWriter) legend(x, y float64, names []string, colors []chartColor) {
	w.raw(`<g class="chart-legend">`)
	for i, name := range names {
		w.raw(`<g class="%s"><rect class="swatch" x="%s" y="%s" width="10" height="10" rx="2"/>`, colors[i].class(), num(x), num(y-9))
		w.text(x+14, y, "start", "legend-text", name)
		w.raw(`</g>`)
		x += 14 + textWidth(name) + 12
	}
	w.raw(`</g>`)
}

// hasData reports whether any value is a number.
func hasData(values ...[]float64) bool {
	for _, vs := range values {
		for _, v := range vs {
			if !math.IsNaN(v) {
				return true
			}
		}
	}
	return false
}

// SVG draws the line chart.
func (c lineChart) SVG() template.HTML {
	const width, height = 640.0, 260.0
	const left, right, top, bottom = 48.0, 20.0, 40.0, 34.0
	var w svgWriter
	w.open(c.ID, "chart chart-line", width, height, c.Title, c.Desc)
	names, colors := make([]string, len(c.Series)), make([]chartColor, len(c.Series))
	var all [][]float64
	hi := 0.0
	for i, s := range c.Series {
		names[i], colors[i] = s.Name, s.Color
		all = append(all, s.Values)
		for _, v := range s.Values {
			if !math.IsNaN(v) && v > hi {
				hi = v
			}
		}
	}
	w.legend(left, 16, names, colors)
	ticks := niceTicks(hi, 4, c.Integer)
	if c.Max > 0 {
		ticks = niceTicks(c.Max, 4, c.Integer)
	}
	y := linear{0, ticks[len(ticks)-1], height - bottom, top}
	for _, t := range ticks {
		w.line(left, y.at(t), width-right, y.at(t), "grid")
		w.text(left-8, y.at(t)+4, "end", "tick", formatValue(t, c.Unit))
	}
	w.line(left, top-6, left, height-bottom, "axis")
	w.line(left, height-bottom, width-right, height-bottom, "axis")
	n := len(c.Labels)
	if n == 0 || !hasData(all...) {
		msg := c.Empty
		if msg == "" {
			msg = "No data yet"
		}
		w.text((left+width-right)/2, (top+height-bottom)/2, "middle", "empty-text", msg)
		return w.html()
	}
	x := linear{0, float64(n - 1), left + 16, width - right - 16}
	every := int(math.Ceil(float64(n) / 8))
	for i, l := range c.Labels {
		if i%every == 0 || i == n-1 && (n-1)%every >= every/2 {
			w.line(x.at(float64(i)), height-bottom, x.at(float64(i)), height-bottom+4, "axis")
			w.text(x.at(float64(i)), height-bottom+18, "middle", "tick", l)
		}
	}
	for _, s := range c.Series {
		w.raw(`<g class="series %s" data-series="%s">`, s.Color.class(), esc(s.Name))
		// The line, broken where a value is missing.
		var pts []string
		flush := func() {
			if len(pts) > 1 {
				w.raw(`<polyline class="line" points="%s"/>`, strings.Join(pts, " "))
			}
			pts = nil
		}
		for i := 0; i < n; i++ {
			if i >= len(s.Values) || math.IsNaN(s.Values[i]) {
				flush()
				continue
			}
			pts = append(pts, num(x.at(float64(i)))+","+num(y.at(s.Values[i])))
		}
		flush()
		for i := 0; i < n && i < len(s.Values); i++ {
			v := s.Values[i]
			if math.IsNaN(v) {
				continue
			}
			w.raw(`<circle class="dot" cx="%s" cy="%s" r="3.5" data-label="%s" data-value="%s"><title>%s, %s: %s</title></circle>`,
				num(x.at(float64(i))), num(y.at(v)), esc(c.Labels[i]), num(v), esc(s.Name), esc(c.Labels[i]), esc(formatValue(v, c.Unit)))
		}
		w.raw(`</g>`)
	}
	return w.html()
}

// SVG draws the stacked bars, one row per bar, with the scale below.
func (c stackedBars) SVG() template.HTML {
	const width = 640.0
	const labelW, noteW, top, rowH, barH, bottom = 150.0, 64.0, 34.0, 28.0, 16.0, 28.0
	rows := max(len(c.Rows), 1)
	height := top + float64(rows)*rowH + bottom
	var w svgWriter
	w.open(c.ID, "chart chart-bars", width, height, c.Title, c.Desc)
	names, colors := make([]string, len(c.Segments)), make([]chartColor, len(c.Segments))
	for i, s := range c.Segments {
		names[i], colors[i] = s.Name, s.Color
	}
	w.legend(labelW, 14, names, colors)
	total := 0.0
	for _, r := range c.Rows {
		t := 0.0
		for _, v := range r.Values {
			if !math.IsNaN(v) && v > 0 {
				t += v
			}
		}
		total = math.Max(total, t)
	}
	ticks := niceTicks(total, 5, c.Unit == "")
	x := linear{0, ticks[len(ticks)-1], labelW, width - noteW}
	axisY := top + float64(rows)*rowH
	for _, t := range ticks {
		w.line(x.at(t), top-4, x.at(t), axisY, "grid")
		w.text(x.at(t), axisY+16, "middle", "tick", formatValue(t, c.Unit))
	}
	w.line(labelW, axisY, width-noteW, axisY, "axis")
	if len(c.Rows) == 0 {
		msg := c.Empty
		if msg == "" {
			msg = "No data yet"
		}
		w.text((labelW+width-noteW)/2, top+rowH/2+4, "middle", "empty-text", msg)
		return w.html()
	}
	for i, r := range c.Rows {
		y := top + float64(i)*rowH + (rowH-barH)/2
		w.raw(`<g class="bar-row"`)
		if c.KeyAttr != "" {
			w.raw(` data-%s="%s"`, esc(c.KeyAttr), esc(r.Key))
		}
		w.raw(`>`)
		label := r.Label
		if len([]rune(label)) > 22 {
			label = string([]rune(label)[:21]) + "…"
		}
		detail := r.Detail
		if detail == "" {
			detail = r.Label
		}
		w.raw(`<text x="%s" y="%s" text-anchor="end" class="bar-label"><title>%s</title>%s</text>`, num(labelW-8), num(y+barH-4), esc(detail), esc(label))
		at, sum := 0.0, 0.0
		for j, v := range r.Values {
			if math.IsNaN(v) || v <= 0 || j >= len(c.Segments) {
				continue
			}
			x0, x1 := x.at(at), x.at(at+v)
			w.raw(`<rect class="seg %s" x="%s" y="%s" width="%s" height="%s" data-segment="%s" data-value="%s"><title>%s: %s %s</title></rect>`,
				c.Segments[j].Color.class(), num(x0), num(y), num(math.Max(x1-x0, 0)), num(barH), esc(c.Segments[j].Name), num(v),
				esc(detail), esc(c.Segments[j].Name), esc(formatValue(v, c.Unit)))
			at += v
			sum += v
		}
		note := r.Note
		if note == "" {
			note = formatValue(sum, c.Unit)
		}
		w.text(x.at(at)+6, y+barH-4, "start", "bar-note", note)
		w.raw(`</g>`)
	}
	return w.html()
}

// SVG draws the gauge: a ring filled to the percentage, the value in its
// middle and the label below it.
func (g gauge) SVG() template.HTML {
	const size, r, stroke = 140.0, 52.0, 14.0
	var w svgWriter
	desc := g.Label + ": no data"
	if g.Value != nil {
		desc = g.Label + ": " + formatValue(*g.Value, "%")
	}
	w.open(g.ID, "chart gauge", size, size, g.Title, desc)
	c := size / 2
	w.raw(`<circle class="track" cx="%s" cy="%s" r="%s" stroke-width="%s"/>`, num(c), num(c), num(r), num(stroke))
	value := "—"
	if g.Value != nil {
		v := math.Min(math.Max(*g.Value, 0), 100)
		circ := 2 * math.Pi * r
		w.raw(`<circle class="arc %s" cx="%s" cy="%s" r="%s" stroke-width="%s" stroke-dasharray="%s %s" transform="rotate(-90 %s %s)" data-value="%s"><title>%s</title></circle>`,
			g.Color.class(), num(c), num(c), num(r), num(stroke), num(circ*v/100), num(circ), num(c), num(c), num(*g.Value), esc(desc))
		value = formatValue(*g.Value, "%")
	}
	w.text(c, c+6, "middle", "gauge-value", value)
	w.text(c, c+24, "middle", "gauge-label", g.Label)
	return w.html()
}

// levelColor colors a percentage: green from 90, amber from 70, red
// below, grey without data.
func levelColor(p *float64) chartColor {
	switch {
	case p == nil:
		return colorGrey
	case *p >= 90:
		return colorGreen
	case *p >= 70:
		return colorAmber
	}
	return colorRed
}
