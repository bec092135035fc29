package protocol

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

// TestBufferReuse checks that buffers come back from the pool empty, so
// that concurrent responses built in reused buffers each hold only their
// own bytes.
func TestBufferReuse(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				b := NewBuffer()
				if len(b.B) != 0 {
					t.Errorf("NewBuffer has %d bytes", len(b.B))
				}
				want := fmt.Sprintf(`{"g":%d,"i":%d,"pad":%q}`, g, i, bytes.Repeat([]byte{'x'}, i*13%5000))
				b.B = append(b.B, want...)
				if string(b.B) != want {
					t.Errorf("buffer holds %q, want %q", b.B, want)
				}
				b.Free()
			}
		})
	}
	wg.Wait()
}

// TestBufferHugeNotKept checks that a buffer grown past maxPooled is not
// kept for reuse.
func TestBufferHugeNotKept(t *testing.T) {
	b := NewBuffer()
	b.B = append(b.B, make([]byte, maxPooled+1)...)
	b.Free()
	var taken []*Buffer
	for range 100 {
		n := NewBuffer()
		if cap(n.B) > maxPooled {
			t.Fatalf("pool gave back a buffer of %d bytes", cap(n.B))
		}
		taken = append(taken, n)
	}
	for _, n := range taken {
		n.Free()
	}
}
