package logstore

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/orgstack/orgstack/internal/store/cow"
)

// File formats. Integers are little-endian; lengths are uvarints.
//
// A log record is a header, payload length (uint32, never 0) and CRC-32C
// of the payload (uint32), then the payload: one entry per write, in
// order, each a kind byte (opPut or opDelete), the key's length and the
// key, and for opPut the value's length and the value.
//
// The snapshot is snapshotMagic, the first log segment it does not cover
// (uint64), the number of records, the records in key order (key length,
// key, value length, value), and last the CRC-32C of everything before it
// (uint32).
const (
	opPut    = 1
	opDelete = 2

	recordHeader  = 8
	snapshotMagic = "orgstack-snapshot-v1\n"
	snapshotName  = "snapshot"
	snapshotTemp  = "snapshot.tmp"
	segmentPrefix = "log."
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// encodeRecord appends the log record of ops to buf.
func encodeRecord(buf []byte, ops []cow.Op) []byte {
	start := len(buf)
	buf = append(buf, make([]byte, recordHeader)...)
	for _, op := range ops {
		if op.Delete {
			buf = append(buf, opDelete)
			buf = binary.AppendUvarint(buf, uint64(len(op.Key)))
			buf = append(buf, op.Key...)
			continue
		}
		buf = append(buf, opPut)
		buf = binary.AppendUvarint(buf, uint64(len(op.Key)))
		buf = append(buf, op.Key...)
		buf = binary.AppendUvarint(buf, uint64(len(op.Value)))
		buf = append(buf, op.Value...)
	}
	payload := buf[start+recordHeader:]
	binary.LittleEndian.PutUint32(buf[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(buf[start+4:], crc32.Checksum(payload, castagnoli))
	return buf
}

// errTorn marks a record cut short or damaged: the end of a log a crash
// interrupted.
var errTorn = errors.New("torn record")

// applyRecords applies the records of one log segment to tree, which it
// owns, and returns the total length of keys and values afterwards and the
// length of the segment's intact prefix. A torn record ends the segment:
// replay returns errTorn with the intact length. A record whose checksum
// holds but whose payload does not decode, or that fails its checksum
// with an intact record after it, is ErrCorrupt.
func applyRecords(data []byte, tree *cow.Tree, bytes int64) (int64, int64, error) {
	var off int64
	for off < int64(len(data)) {
		rest := data[off:]
		if len(rest) < recordHeader {
			return bytes, off, errTorn
		}
		n := int64(binary.LittleEndian.Uint32(rest))
		sum := binary.LittleEndian.Uint32(rest[4:])
		if n == 0 || n > int64(len(rest)-recordHeader) {
			return bytes, off, errTorn
		}
		payload := rest[recordHeader : recordHeader+n]
		if crc32.Checksum(payload, castagnoli) != sum {
			if intactAt(rest[recordHeader+n:]) {
				// An intact record follows: not a crash's torn append.
				return bytes, off, fmt.Errorf("%w: record at offset %d fails its checksum", ErrCorrupt, off)
			}
			return bytes, off, errTorn
		}
		var err error
		if bytes, err = applyPayload(payload, tree, bytes); err != nil {
			return bytes, off, fmt.Errorf("%w: record at offset %d: %v", ErrCorrupt, off, err)
		}
		off += recordHeader + n
	}
	return bytes, off, nil
}

// allZero reports whether b holds only zeros.
func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// intactAt reports whether data starts with a whole record whose checksum
// holds.
func intactAt(data []byte) bool {
	if len(data) < recordHeader {
		return false
	}
	n := int64(binary.LittleEndian.Uint32(data))
	if n == 0 || n > int64(len(data)-recordHeader) {
		return false
	}
	return crc32.Checksum(data[recordHeader:recordHeader+n], castagnoli) == binary.LittleEndian.Uint32(data[4:])
}

// applyPayload applies one record's writes to tree.
func applyPayload(p []byte, tree *cow.Tree, bytes int64) (int64, error) {
	for len(p) > 0 {
		kind := p[0]
		p = p[1:]
		key, rest, err := readBytes(p)
		if err != nil {
			return bytes, err
		}
		p = rest
		switch kind {
		case opPut:
			var value []byte
			if value, p, err = readBytes(p); err != nil {
				return bytes, err
			}
			// Values are copied: the segment's buffer is not kept.
			it := cow.Item{Key: string(key), Value: append([]byte{}, value...)}
			if prev, ok := tree.Set(it); ok {
				bytes -= int64(len(prev.Key) + len(prev.Value))
			}
			bytes += int64(len(it.Key) + len(it.Value))
		case opDelete:
			if prev, ok := tree.Delete(cow.Item{Key: string(key)}); ok {
				bytes -= int64(len(prev.Key) + len(prev.Value))
			}
		default:
			return bytes, fmt.Errorf("unknown entry kind %d", kind)
		}
	}
	return bytes, nil
}

// readBytes reads a length-prefixed byte string from p.
func readBytes(p []byte) (b, rest []byte, err error) {
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)-k) {
		return nil, nil, errors.New("bad length")
	}
	return p[k : k+int(n)], p[k+int(n):], nil
}

// recover loads the snapshot, replays the log segments after it, and opens
// the last segment for appending. It runs from Open, before the Store is
// shared.
func (s *Store) recover() error {
	_ = os.Remove(filepath.Join(s.dir, snapshotTemp))
	tree, bytes, base, err := readSnapshot(filepath.Join(s.dir, snapshotName))
	if err != nil {
		return err
	}
	segments, err := listSegments(s.dir)
	if err != nil {
		return err
	}
	var replay []uint64
	for _, seq := range segments {
		if seq < base {
			// Covered by the snapshot; a crash kept it from being deleted.
			_ = os.Remove(s.segmentPath(seq))
			continue
		}
		replay = append(replay, seq)
	}
	for i, seq := range replay {
		if seq != base+uint64(i) {
			return fmt.Errorf("%w: log segment %d is missing", ErrCorrupt, base+uint64(i))
		}
		data, err := os.ReadFile(s.segmentPath(seq))
		if err != nil {
			return err
		}
		var intact int64
		bytes, intact, err = applyRecords(data, tree, bytes)
		last := i == len(replay)-1
		switch {
		case errors.Is(err, errTorn) && last:
			// The zeros the segment was grown with, after a crash or a
			// clean stop, or the commit a crash interrupted, which was
			// never acknowledged.
			if err := truncateFile(s.segmentPath(seq), intact); err != nil {
				return err
			}
		case errors.Is(err, errTorn) && allZero(data[intact:]):
			// A segment that was grown, then left for the next one.
		case errors.Is(err, errTorn):
			return fmt.Errorf("%w: log segment %d is damaged at offset %d", ErrCorrupt, seq, intact)
		case err != nil:
			return fmt.Errorf("log segment %d: %w", seq, err)
		}
		s.sinceSnapshot += intact
		if last {
			s.logSize, s.allocated = intact, intact
		}
	}
	if len(replay) == 0 {
		f, err := s.createSegment(base)
		if err != nil {
			return err
		}
		s.log, s.seq = f, base
	} else {
		s.seq = replay[len(replay)-1]
		if s.log, err = os.OpenFile(s.segmentPath(s.seq), os.O_RDWR, 0o600); err != nil {
			return err
		}
	}
	s.tip = &cow.State{Tree: tree, Bytes: bytes}
	s.current.Store(s.tip)
	return nil
}

// truncateFile cuts path to size and syncs it.
func truncateFile(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	err = f.Truncate(size)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// listSegments returns the sequence numbers of dir's log segments, in
// order.
func listSegments(dir string) ([]uint64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var seqs []uint64
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, segmentPrefix) {
			continue
		}
		seq, err := strconv.ParseUint(strings.TrimPrefix(name, segmentPrefix), 10, 64)
		if err != nil || seq == 0 {
			continue
		}
		seqs = append(seqs, seq)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	return seqs, nil
}

// createSegment creates log segment seq, empty, and makes its name
// durable.
func (s *Store) createSegment(seq uint64) (*os.File, error) {
	f, err := os.OpenFile(s.segmentPath(seq), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := s.syncDir(); err != nil {
		_ = f.Close()
		_ = os.Remove(s.segmentPath(seq))
		return nil, err
	}
	return f, nil
}

// removeSegmentsBefore deletes the log segments a snapshot covers. A
// failure leaves files that the next Open deletes.
func (s *Store) removeSegmentsBefore(seq uint64) {
	seqs, err := listSegments(s.dir)
	if err != nil {
		return
	}
	for _, old := range seqs {
		if old < seq {
			_ = os.Remove(s.segmentPath(old))
		}
	}
}

// syncDir makes the directory's entries durable.
func (s *Store) syncDir() error {
	if s.opts.NoSync {
		return nil
	}
	d, err := os.Open(s.dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeSnapshot writes tree as the snapshot covering the log segments
// before base: to a temporary file, synced, then renamed over the old one.
func (s *Store) writeSnapshot(tree *cow.Tree, base uint64) (err error) {
	tmp := filepath.Join(s.dir, snapshotTemp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	crc := crc32.New(castagnoli)
	w := bufio.NewWriterSize(io.MultiWriter(f, crc), 256<<10)
	var scratch []byte
	scratch = append(scratch, snapshotMagic...)
	scratch = binary.LittleEndian.AppendUint64(scratch, base)
	scratch = binary.AppendUvarint(scratch, uint64(tree.Len()))
	if _, err := w.Write(scratch); err != nil {
		return err
	}
	var werr error
	tree.Scan(func(it cow.Item) bool {
		scratch = binary.AppendUvarint(scratch[:0], uint64(len(it.Key)))
		scratch = append(scratch, it.Key...)
		scratch = binary.AppendUvarint(scratch, uint64(len(it.Value)))
		if _, werr = w.Write(scratch); werr != nil {
			return false
		}
		_, werr = w.Write(it.Value)
		return werr == nil
	})
	if werr != nil {
		return werr
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if _, err := f.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32())); err != nil {
		return err
	}
	if !s.opts.NoSync {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, snapshotName)); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return s.syncDir()
}

// readSnapshot loads the snapshot at path: its tree, the total length of
// its keys and values, and the first log segment it does not cover. No
// snapshot is an empty state that covers nothing (segments start at 1).
func readSnapshot(path string) (*cow.Tree, int64, uint64, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return cow.NewTree(), 0, 1, nil
	}
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, 0, err
	}
	if fi.Size() < int64(len(snapshotMagic)+8+1+4) {
		return nil, 0, 0, fmt.Errorf("%w: snapshot is too short", ErrCorrupt)
	}
	crc := crc32.New(castagnoli)
	r := &snapshotReader{r: bufio.NewReaderSize(io.TeeReader(io.LimitReader(f, fi.Size()-4), crc), 256<<10), size: fi.Size()}
	tree, bytes, base, err := r.read()
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%w: snapshot: %v", ErrCorrupt, err)
	}
	var trailer [4]byte
	if _, err := io.ReadFull(f, trailer[:]); err != nil {
		return nil, 0, 0, fmt.Errorf("%w: snapshot: %v", ErrCorrupt, err)
	}
	if binary.LittleEndian.Uint32(trailer[:]) != crc.Sum32() {
		return nil, 0, 0, fmt.Errorf("%w: snapshot checksum mismatch", ErrCorrupt)
	}
	return tree, bytes, base, nil
}

// snapshotReader decodes a snapshot's body.
type snapshotReader struct {
	r    *bufio.Reader
	size int64 // the file's size: no string is longer
}

func (r *snapshotReader) read() (*cow.Tree, int64, uint64, error) {
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(r.r, magic); err != nil {
		return nil, 0, 0, err
	}
	if string(magic) != snapshotMagic {
		return nil, 0, 0, errors.New("not an orgstack snapshot")
	}
	var b8 [8]byte
	if _, err := io.ReadFull(r.r, b8[:]); err != nil {
		return nil, 0, 0, err
	}
	base := binary.LittleEndian.Uint64(b8[:])
	count, err := binary.ReadUvarint(r.r)
	if err != nil {
		return nil, 0, 0, err
	}
	tree := cow.NewTree()
	var bytes int64
	prev := ""
	for i := uint64(0); i < count; i++ {
		key, err := r.bytes()
		if err != nil {
			return nil, 0, 0, err
		}
		value, err := r.bytes()
		if err != nil {
			return nil, 0, 0, err
		}
		k := string(key)
		if k == "" || (i > 0 && k <= prev) {
			return nil, 0, 0, errors.New("keys out of order")
		}
		tree.Load(cow.Item{Key: k, Value: value})
		bytes += int64(len(k) + len(value))
		prev = k
	}
	if _, err := r.r.ReadByte(); err != io.EOF {
		return nil, 0, 0, errors.New("data after the last record")
	}
	return tree, bytes, base, nil
}

// bytes reads one length-prefixed byte string into a new slice.
func (r *snapshotReader) bytes() ([]byte, error) {
	n, err := binary.ReadUvarint(r.r)
	if err != nil {
		return nil, err
	}
	if n > uint64(r.size) {
		return nil, errors.New("bad length")
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r.r, b); err != nil {
		return nil, err
	}
	return b, nil
}
