package protocol

import "sync"

// Buffer is a response body buffer taken from a pool, so that encoding a
// response does not allocate and grow a new slice for every request.
// Codecs fill B, write it to the http.ResponseWriter (which copies it) and
// then Free the buffer.
type Buffer struct{ B []byte }

// maxPooled is the largest buffer kept for reuse: a rare huge response
// should not pin its memory for the life of the process.
const maxPooled = 64 << 10

var buffers = sync.Pool{New: func() any { return &Buffer{B: make([]byte, 0, 4096)} }}

// NewBuffer returns an empty buffer from the pool.
func NewBuffer() *Buffer { return buffers.Get().(*Buffer) }

// Free returns b to the pool. Nothing may use b or its bytes afterwards.
func (b *Buffer) Free() {
	if cap(b.B) > maxPooled {
		return
	}
	b.B = b.B[:0]
	buffers.Put(b)
}
