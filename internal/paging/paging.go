// Package paging walks a key range of the store one page at a time. Each
// service wraps it in its own token format (Organizations' NextToken,
// IAM's Marker) and its own errors for bad tokens.
package paging

import "github.com/orgstack/orgstack/internal/store"

// Range is one listing: the keys under Prefix that sort after After.
type Range struct {
	Prefix string
	After  string
	Limit  int
}

// Page collects up to r.Limit entries. filter (nil for none) says whether
// an entry belongs to the listing; collect receives the entries of the
// page. It returns the last key collected and whether more entries that
// pass the filter follow.
func (r Range) Page(tx store.Tx, filter func(key string, value []byte) (bool, error), collect func(key string, value []byte) error) (last string, more bool, err error) {
	n := 0
	err = tx.Scan(r.Prefix, r.After, func(k string, v []byte) (bool, error) {
		if filter != nil {
			ok, err := filter(k, v)
			if err != nil || !ok {
				return err == nil, err
			}
		}
		if n == r.Limit {
			more = true
			return false, nil
		}
		if err := collect(k, v); err != nil {
			return false, err
		}
		n++
		last = k
		return true, nil
	})
	return last, more && err == nil, err
}
