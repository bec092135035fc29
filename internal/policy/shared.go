package policy

import "sync"

// Authorization parses the same few documents (identity policies, SCPs,
// session policies) at every request. ParseShared remembers what it
// parsed, by document text, so that each document is parsed once.
var shared = struct {
	sync.RWMutex
	m     map[string]*Policy
	bytes int
}{m: map[string]*Policy{}}

// sharedMaxBytes bounds the text of the documents ParseShared remembers;
// past it, it forgets them all and starts again.
const sharedMaxBytes = 4 << 20

// ParseShared is Parse for documents read at every request. It returns
// the same *Policy for the same document, so the policy is shared: the
// caller must not modify it (evaluating it is fine, from any goroutine).
// Documents that do not parse are not remembered.
func ParseShared(doc string) (*Policy, error) {
	shared.RLock()
	p, ok := shared.m[doc]
	shared.RUnlock()
	if ok {
		return p, nil
	}
	p, err := Parse(doc)
	if err != nil {
		return nil, err
	}
	shared.Lock()
	if shared.bytes+len(doc) > sharedMaxBytes {
		clear(shared.m)
		shared.bytes = 0
	}
	if _, ok := shared.m[doc]; !ok {
		shared.m[doc] = p
		shared.bytes += len(doc)
	}
	shared.Unlock()
	return p, nil
}
