// Package snapshot writes and reads orgstack's state snapshots: the whole
// store as JSON Lines, so that a test suite can save a state once and
// start from it again in milliseconds.
//
// The format (formatVersion 1):
//
//	{"format":"orgstack-snapshot","formatVersion":1,"stateVersion":1,"orgstackVersion":"…","created":"…","store":"bolt"}
//	{"k":"<key>","v":<the value, when it is compact JSON>}
//	{"k":"<key>","b":"<the value in base64, otherwise>"}
//	…
//	{"end":true,"records":<number of record lines>,"sha256":"<hex>"}
//
// The first line is the header; then one line per key of the store, in
// key order; the last line is the trailer, whose sha256 is the SHA-256 of
// every byte before it (header and record lines with their newlines). A
// key that is not valid UTF-8 is written as "kb", in base64. Read accepts
// the snapshot gzip-compressed too.
package snapshot

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"
	"unicode/utf8"

	"github.com/orgstack/orgstack/internal/store"
)

// Format is the header's format name.
const Format = "orgstack-snapshot"

// FormatVersion is the version of the line format this package writes
// and the only one it reads.
const FormatVersion = 1

// StateVersion is the version of the records themselves: the keys the
// services use and how they encode their values. It changes when a
// release changes them in a way an older release could not read, or
// that this one cannot read from an older release without converting
// them. A snapshot is imported only into an orgstack of the same state
// version.
const StateVersion = 1

// Header is a snapshot's first line.
type Header struct {
	Format          string    `json:"format"`
	FormatVersion   int       `json:"formatVersion"`
	StateVersion    int       `json:"stateVersion"`
	OrgstackVersion string    `json:"orgstackVersion"`
	Created         time.Time `json:"created"`
	// Store names the kind of store the snapshot was taken from
	// (memory, bolt, postgres); informational.
	Store string `json:"store,omitempty"`
}

// ErrIncompatible is wrapped by Read's error when the snapshot is of a
// format or state version this orgstack does not read.
var ErrIncompatible = errors.New("incompatible snapshot")

// ErrCorrupt is wrapped by Read's error when the snapshot is not a
// well-formed, complete snapshot: not JSON Lines, truncated, or failing
// its checksum.
var ErrCorrupt = errors.New("corrupt snapshot")

// line is any line of a snapshot, decoded.
type line struct {
	Key      *string         `json:"k"`
	KeyB64   *string         `json:"kb"`
	Value    json.RawMessage `json:"v"`
	ValueB64 *string         `json:"b"`

	End     bool   `json:"end"`
	Records *int   `json:"records"`
	SHA256  string `json:"sha256"`
}

// Write writes a snapshot of everything tx sees to w, with header h
// (Format, FormatVersion and StateVersion are filled in). It returns the
// number of records written.
func Write(w io.Writer, tx store.Tx, h Header) (int, error) {
	h.Format, h.FormatVersion, h.StateVersion = Format, FormatVersion, StateVersion
	h.Created = h.Created.UTC()
	sum := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(w, sum), 64<<10)
	head, err := json.Marshal(h)
	if err != nil {
		return 0, err
	}
	bw.Write(head)
	bw.WriteByte('\n')
	n := 0
	err = tx.Scan("", "", func(k string, v []byte) (bool, error) {
		n++
		switch {
		case plainKey(k):
			bw.WriteString(`{"k":"`)
			bw.WriteString(k)
			bw.WriteByte('"')
		case utf8.ValidString(k):
			bw.WriteString(`{"k":`)
			writeString(bw, k)
		default:
			bw.WriteString(`{"kb":"`)
			bw.WriteString(base64.StdEncoding.EncodeToString([]byte(k)))
			bw.WriteByte('"')
		}
		if compactJSON(v) {
			bw.WriteString(`,"v":`)
			bw.Write(v)
		} else {
			bw.WriteString(`,"b":"`)
			bw.WriteString(base64.StdEncoding.EncodeToString(v))
			bw.WriteByte('"')
		}
		_, err := bw.WriteString("}\n")
		return true, err
	})
	if err != nil {
		return n, err
	}
	if err := bw.Flush(); err != nil {
		return n, err
	}
	trailer, err := json.Marshal(map[string]any{"end": true, "records": n, "sha256": hex.EncodeToString(sum.Sum(nil))})
	if err != nil {
		return n, err
	}
	_, err = w.Write(append(trailer, '\n'))
	return n, err
}

// plainKey reports whether k is written as a JSON string as it is.
func plainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// compactJSON reports whether v is one JSON value without insignificant
// white space, which a snapshot embeds as it is.
func compactJSON(v []byte) bool {
	if !json.Valid(v) {
		return false
	}
	inString, escaped := false, false
	for _, c := range v {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return false
		}
	}
	return true
}

func writeString(w *bufio.Writer, s string) {
	b, _ := json.Marshal(s)
	w.Write(b)
}

// Export writes a snapshot of st, taken in one View, to w. The snapshot is
// built in memory first so that w receives a complete snapshot or, on
// error, nothing.
func Export(ctx context.Context, st store.Store, w io.Writer, h Header) (int, error) {
	var buf bytes.Buffer
	var n int
	err := st.View(ctx, func(tx store.Tx) error {
		buf.Reset()
		var err error
		n, err = Write(&buf, tx, h)
		return err
	})
	if err != nil {
		return 0, err
	}
	_, err = buf.WriteTo(w)
	return n, err
}

// Read reads a whole snapshot from r, plain or gzip-compressed, and
// checks it: the header's format and versions (an error wrapping
// ErrIncompatible) and its shape, completeness and checksum (an error
// wrapping ErrCorrupt). Its messages are meant for the person importing.
func Read(r io.Reader) (Header, []store.Record, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return Header{}, nil, fmt.Errorf("%w: gzip: %v", ErrCorrupt, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	sum := sha256.New()
	first, err := readLine(br, sum)
	if len(first) == 0 && (err == io.EOF || err == nil) {
		return Header{}, nil, fmt.Errorf("%w: the snapshot is empty", ErrCorrupt)
	}
	if err != nil && err != io.EOF {
		return Header{}, nil, readErr(err)
	}
	var h Header
	if json.Unmarshal(first, &h) != nil || h.Format != Format {
		return Header{}, nil, fmt.Errorf("%w: not an orgstack snapshot (its first line is not a header naming the format %q)", ErrCorrupt, Format)
	}
	if err := Compatible(h); err != nil {
		return h, nil, err
	}
	var recs []store.Record
	for i := 2; ; i++ {
		before := sum.Sum(nil)
		raw, err := readLine(br, sum)
		if err == io.EOF && len(raw) == 0 {
			return h, nil, fmt.Errorf("%w: the snapshot is truncated: it ends after %d records without its trailer line", ErrCorrupt, len(recs))
		}
		if err != nil && err != io.EOF {
			return h, nil, readErr(err)
		}
		if rec, ok := fastRecord(raw); ok {
			recs = append(recs, rec)
			continue
		}
		var l line
		if err := json.Unmarshal(raw, &l); err != nil {
			if !bytes.HasSuffix(raw, []byte("\n")) {
				return h, nil, fmt.Errorf("%w: the snapshot is truncated: line %d is incomplete", ErrCorrupt, i)
			}
			return h, nil, fmt.Errorf("%w: line %d is not JSON: %v", ErrCorrupt, i, err)
		}
		if l.End {
			if l.Records == nil || *l.Records != len(recs) {
				return h, nil, fmt.Errorf("%w: the trailer counts %s records but the snapshot holds %d", ErrCorrupt, count(l.Records), len(recs))
			}
			if got := hex.EncodeToString(before); l.SHA256 != got {
				return h, nil, fmt.Errorf("%w: checksum mismatch: the trailer says sha256 %s, the content is %s", ErrCorrupt, l.SHA256, got)
			}
			if rest, _ := br.Peek(1); len(rest) > 0 {
				return h, nil, fmt.Errorf("%w: data after the trailer line", ErrCorrupt)
			}
			if _, err := br.ReadByte(); err != nil && err != io.EOF {
				return h, nil, readErr(err)
			}
			return h, recs, nil
		}
		rec, err := l.record()
		if err != nil {
			return h, nil, fmt.Errorf("%w: line %d: %v", ErrCorrupt, i, err)
		}
		recs = append(recs, rec)
	}
}

// Compatible reports whether this orgstack can import a snapshot with
// header h, with a message saying why not.
func Compatible(h Header) error {
	from := ""
	if h.OrgstackVersion != "" {
		from = ", and the snapshot was written by orgstack " + h.OrgstackVersion
	}
	if h.FormatVersion != FormatVersion {
		return fmt.Errorf("%w: snapshot format version %d is not supported: this orgstack reads format version %d%s", ErrIncompatible, h.FormatVersion, FormatVersion, from)
	}
	if h.StateVersion != StateVersion {
		return fmt.Errorf("%w: snapshot state version %d is not supported: this orgstack reads state version %d%s", ErrIncompatible, h.StateVersion, StateVersion, from)
	}
	return nil
}

// fastRecord decodes the common record line, {"k":"<plain key>","v":<JSON>},
// without a general JSON decoder. ok is false for any other line.
func fastRecord(raw []byte) (r store.Record, ok bool) {
	const open, mid = `{"k":"`, `","v":`
	if !bytes.HasPrefix(raw, []byte(open)) || !bytes.HasSuffix(raw, []byte("}\n")) {
		return r, false
	}
	rest := raw[len(open) : len(raw)-2]
	i := bytes.Index(rest, []byte(mid))
	if i <= 0 {
		return r, false
	}
	key, value := rest[:i], rest[i+len(mid):]
	if !plainKey(string(key)) || len(value) == 0 || !json.Valid(value) {
		return r, false
	}
	return store.Record{Key: string(key), Value: bytes.Clone(value)}, true
}

func (l *line) record() (store.Record, error) {
	var r store.Record
	switch {
	case l.Key != nil && l.KeyB64 == nil:
		r.Key = *l.Key
	case l.KeyB64 != nil && l.Key == nil:
		k, err := base64.StdEncoding.DecodeString(*l.KeyB64)
		if err != nil {
			return r, fmt.Errorf("kb is not base64: %v", err)
		}
		r.Key = string(k)
	default:
		return r, errors.New(`a record needs one of "k" and "kb"`)
	}
	if r.Key == "" {
		return r, errors.New("empty key")
	}
	switch {
	case len(l.Value) > 0 && l.ValueB64 == nil:
		r.Value = []byte(l.Value)
	case l.ValueB64 != nil && len(l.Value) == 0:
		v, err := base64.StdEncoding.DecodeString(*l.ValueB64)
		if err != nil {
			return r, fmt.Errorf("b is not base64: %v", err)
		}
		r.Value = v
	default:
		return r, errors.New(`a record needs one of "v" and "b"`)
	}
	return r, nil
}

func count(n *int) string {
	if n == nil {
		return "no"
	}
	return fmt.Sprint(*n)
}

// readLine reads one line, newline included, and adds it to sum.
func readLine(br *bufio.Reader, sum hash.Hash) ([]byte, error) {
	raw, err := br.ReadBytes('\n')
	sum.Write(raw)
	return raw, err
}

func readErr(err error) error {
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return err
}
