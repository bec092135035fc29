package iam

import (
	"maps"
	"slices"

	"github.com/orgstack/orgstack/internal/store"
)

// In enforce mode every request reads the calling user's or role's record
// to gather its policies. These caches keep the last decoding of each
// record with the bytes it came from (see store.DecodeCache); callers own
// what they get.
var (
	roleCache = store.NewDecodeCache(8192, func(r *roleRecord) {
		r.Tags = slices.Clone(r.Tags)
		r.ManagedPolicies = slices.Clone(r.ManagedPolicies)
		r.InlinePolicies = maps.Clone(r.InlinePolicies)
	})
	userCache = store.NewDecodeCache(4096, func(u *userRecord) {
		u.Tags = slices.Clone(u.Tags)
		u.ManagedPolicies = slices.Clone(u.ManagedPolicies)
		u.InlinePolicies = maps.Clone(u.InlinePolicies)
		u.AccessKeys = slices.Clone(u.AccessKeys)
	})
)
