package organizations

import (
	"slices"

	"github.com/orgstack/orgstack/internal/store"
)

// Nearly every request decodes the caller's account and organization
// records, several times in enforce mode; a ListAccounts page decodes one
// record per account; authorizing a member's call decodes the policies
// attached at every level above it. These caches keep the last decoding
// of each such key with the bytes it came from (see store.DecodeCache).
// ListAWSServiceAccessForOrganization decodes one record per enabled
// service.
var (
	orgCache     = store.NewDecodeCache(256, func(o *orgRecord) { o.RootPolicyTypes = slices.Clone(o.RootPolicyTypes) })
	accountCache = store.NewDecodeCache[accountRecord](8192, nil)
	policyCache  = store.NewDecodeCache[policyRecord](1024, nil)
	accessCache  = store.NewDecodeCache[serviceAccessRecord](1024, nil)
)
