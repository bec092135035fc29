package seed

import (
	"fmt"
	"io"
	"sync"
)

// Change is what applying one entry of a file did.
type Change int

const (
	Unchanged Change = iota // it was already as the file says
	Created                 // it did not exist
	Updated                 // it existed and was changed to match
)

func (c Change) String() string {
	switch c {
	case Created:
		return "created"
	case Updated:
		return "updated"
	}
	return "unchanged"
}

// Progress hears of each entry applied. Implementations must be safe for
// concurrent use: accounts are applied several at a time.
type Progress interface {
	// Start is called once, with the number of steps to come.
	Start(total int)
	// Step reports one entry done.
	Step(c Change, what string)
	// Done is called once at the end, successful or not.
	Done()
}

// Counts adds up the changes of a run.
type Counts struct {
	Created, Updated, Unchanged int
}

func (c Counts) String() string {
	return fmt.Sprintf("%d created, %d updated, %d unchanged", c.Created, c.Updated, c.Unchanged)
}

func (c *Counts) add(ch Change) {
	switch ch {
	case Created:
		c.Created++
	case Updated:
		c.Updated++
	default:
		c.Unchanged++
	}
}

// NewProgress writes progress to w: on a terminal, one line rewritten in
// place ("[ 12/140] created account Dev"); otherwise a plain line per
// entry that changed, and none when quiet.
func NewProgress(w io.Writer, terminal, quiet bool) Progress {
	if quiet {
		return nopProgress{}
	}
	return &lineProgress{w: w, terminal: terminal}
}

type nopProgress struct{}

func (nopProgress) Start(int)           {}
func (nopProgress) Step(Change, string) {}
func (nopProgress) Done()               {}

type lineProgress struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	total    int
	n        int
	width    int
}

func (p *lineProgress) Start(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total = total
}

func (p *lineProgress) Step(c Change, what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	digits := len(fmt.Sprint(p.total))
	line := fmt.Sprintf("[%*d/%d] %s %s", digits, p.n, p.total, c, what)
	if !p.terminal {
		if c != Unchanged {
			fmt.Fprintln(p.w, line)
		}
		return
	}
	if len(line) > 100 {
		line = line[:99] + "…"
	}
	pad := ""
	if n := p.width - len(line); n > 0 {
		pad = fmt.Sprintf("%*s", n, "")
	}
	fmt.Fprint(p.w, "\r"+line+pad)
	p.width = len(line)
}

func (p *lineProgress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal && p.width > 0 {
		fmt.Fprintf(p.w, "\r%*s\r", p.width, "")
	}
}
