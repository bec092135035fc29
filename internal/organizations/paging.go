package organizations

import (
	"encoding/base64"
	"strings"

	"github.com/orgstack/orgstack/internal/paging"
	"github.com/orgstack/orgstack/internal/store"
)

// defaultPageSize is the page size when MaxResults is left out. AWS does
// not document it; every Organizations list allows at most 20.
const defaultPageSize = 20

// pager walks one listing: the keys under prefix, a page at a time.
// NextToken is an opaque encoding of the listing's scope and the last key
// returned; a token from another listing or organization, or altered by
// hand, is refused with INVALID_NEXT_TOKEN.
type pager struct {
	scope  string
	prefix string
	after  string
	limit  int
}

func newPager(scope, prefix, token string, max *int32) (*pager, error) {
	p := &pager{scope: scope, prefix: prefix, limit: defaultPageSize}
	if max != nil {
		p.limit = int(*max)
	}
	if token == "" {
		return p, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, errInvalid("INVALID_NEXT_TOKEN")
	}
	parts := strings.SplitN(string(raw), "\x00", 3)
	if len(parts) != 3 || parts[0] != "v1" || parts[1] != scope || !strings.HasPrefix(parts[2], prefix) {
		return nil, errInvalid("INVALID_NEXT_TOKEN")
	}
	p.after = parts[2]
	return p, nil
}

// capacity is the number of entries a page can hold, for sizing the
// slice that collects them.
func (p *pager) capacity() int { return min(max(p.limit, 0), 100) }

// page collects the next page. filter (nil for none) says whether an
// entry belongs to the listing; collect receives the entries of the page.
// It returns the NextToken, "" when the listing is exhausted.
func (p *pager) page(tx store.Tx, filter func(key string, value []byte) (bool, error), collect func(key string, value []byte) error) (string, error) {
	last, more, err := paging.Range{Prefix: p.prefix, After: p.after, Limit: p.limit}.Page(tx, filter, collect)
	if err != nil || !more {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString([]byte("v1\x00" + p.scope + "\x00" + last)), nil
}
