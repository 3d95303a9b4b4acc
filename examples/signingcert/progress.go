package main

import (
	"fmt"
	"io"
	"time"
)

// progressEvery is how often the progress line is redrawn at most.
const progressEvery = 100 * time.Millisecond

// progress draws "checking 12/100 files" on one terminal line, redrawn in
// place. The zero value and a nil *progress draw nothing: the program makes
// one only when stderr is a terminal, so pipes and tests get clean output.
type progress struct {
	w     io.Writer // the terminal; nil draws nothing
	verb  string    // "checked", "listed"
	noun  string    // "files", "users"
	total int       // 0 when unknown (names read from a stream)
	now   func() time.Time

	n     int
	last  time.Time
	shown bool
}

func newProgress(w io.Writer, now func() time.Time, verb, noun string, total int) *progress {
	if w == nil {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	return &progress{w: w, verb: verb, noun: noun, total: total, now: now}
}

// step counts one item done and redraws the line if it is due.
func (p *progress) step() {
	if p == nil {
		return
	}
	p.n++
	if t := p.now(); p.n == 1 || t.Sub(p.last) >= progressEvery || p.n == p.total {
		p.last = t
		p.draw()
	}
}

func (p *progress) draw() {
	if p.total > 0 {
		fmt.Fprintf(p.w, "\r\x1b[K%s %d/%d %s", p.verb, p.n, p.total, p.noun)
	} else {
		fmt.Fprintf(p.w, "\r\x1b[K%s %d %s", p.verb, p.n, p.noun)
	}
	p.shown = true
}

// clear erases the line, before other output reaches the terminal; the next
// step draws it again.
func (p *progress) clear() {
	if p == nil || !p.shown {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K")
	p.shown = false
	p.last = time.Time{}
}
