package main

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/smithy-go"
)

// Operations of the load run, in the order they run.
const (
	opDescribeOrganization = "DescribeOrganization"
	opListAccounts         = "ListAccounts (all pages)"
	opTrustedAccess        = "Enable+DisableAWSServiceAccess"
	opDelegatedAdmin       = "Register+DeregisterDelegatedAdministrator"
	opListServiceAccess    = "ListAWSServiceAccessForOrganization"
)

var allOps = []string{opDescribeOrganization, opListAccounts, opTrustedAccess, opDelegatedAdmin, opListServiceAccess}

// trustedAccessPrincipals are the services whose trusted access the
// Enable/Disable cycles switch on and off: integrated services both
// orgstack's catalogue and moto know, that can be enabled from
// Organizations, and that none of the other operations touches. Each
// cycle holds one principal, so no two concurrent cycles race on one.
var trustedAccessPrincipals = []string{
	"config.amazonaws.com",
	"cloudtrail.amazonaws.com",
	"health.amazonaws.com",
	"ram.amazonaws.com",
	"securityhub.amazonaws.com",
	"fms.amazonaws.com",
	"detective.amazonaws.com",
	"compute-optimizer.amazonaws.com",
	"wellarchitected.amazonaws.com",
	"tagpolicies.tag.amazonaws.com",
}

// delegatedAdminSlots are the (service, how many administrators it
// allows) pairs the Register/Deregister cycles use: services that moto
// and orgstack both accept a delegated administrator for. Each slot is
// one member account registered for one service, held by one cycle at a
// time.
var delegatedAdminServices = []struct {
	principal string
	max       int
}{
	{"config-multiaccountsetup.amazonaws.com", 3},
	{"guardduty.amazonaws.com", 1},
	{"access-analyzer.amazonaws.com", 1},
	{"macie.amazonaws.com", 1},
	{"servicecatalog.amazonaws.com", 1},
	{"ssm.amazonaws.com", 1},
}

type daSlot struct{ principal, account string }

// OpResult is one operation at one concurrency.
type OpResult struct {
	Op          string         `json:"op"`
	Concurrency int            `json:"concurrency"`
	Unsupported string         `json:"unsupported,omitempty"` // the server's answer when it lacks the operation
	Seconds     float64        `json:"seconds"`
	Ops         int            `json:"ops"`   // operations: a call, a full listing, or a cycle of two calls
	Calls       int            `json:"calls"` // requests sent
	Errors      int            `json:"errors"`
	ErrorCodes  map[string]int `json:"errorCodes,omitempty"`
	ErrorSample string         `json:"errorSample,omitempty"` // the first error's message
	OpsPerSec   float64        `json:"opsPerSecond"`
	CallsPerSec float64        `json:"requestsPerSecond"`
	P50Ms       float64        `json:"p50Ms"` // per request
	P99Ms       float64        `json:"p99Ms"` // per request
	MaxMs       float64        `json:"maxMs"`
}

// workload is the state the operations share during a load run.
type workload struct {
	client   *organizations.Client
	org      *organization
	accounts int // accounts ListAccounts must return: members and management
	trusted  chan string
	admins   chan daSlot

	lastToken string // the NextToken of ListAccounts' last page of 20, for scale runs
}

// newWorkload prepares the pools of the write cycles and enables trusted
// access for the delegated administrators' services (AWS requires it
// before an administrator can be registered; moto ignores it).
func newWorkload(ctx context.Context, c *organizations.Client, org *organization) *workload {
	w := &workload{client: c, org: org, accounts: len(org.Members) + 1}
	w.trusted = make(chan string, len(trustedAccessPrincipals))
	for _, p := range trustedAccessPrincipals {
		w.trusted <- p
	}
	var slots []daSlot
	n := 0
	for _, s := range delegatedAdminServices {
		for range s.max {
			if n < len(org.Members) {
				slots = append(slots, daSlot{s.principal, org.Members[n]})
				n++
			}
		}
		_, _ = c.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(s.principal)})
	}
	w.admins = make(chan daSlot, len(slots))
	for _, s := range slots {
		w.admins <- s
	}
	return w
}

// call is one request's outcome.
type call struct {
	took time.Duration
	err  error
}

// run performs one operation and reports its requests.
func (w *workload) run(ctx context.Context, op string, record func(call)) {
	timed := func(f func() error) error {
		start := time.Now()
		err := f()
		record(call{time.Since(start), err})
		return err
	}
	c := w.client
	switch op {
	case opDescribeOrganization:
		_ = timed(func() error {
			_, err := c.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
			return err
		})
	case opListServiceAccess:
		_ = timed(func() error {
			_, err := c.ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{})
			return err
		})
	case opListAccounts:
		var token *string
		seen := 0
		for {
			var out *organizations.ListAccountsOutput
			err := timed(func() error {
				var err error
				out, err = c.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: token, MaxResults: aws.Int32(20)})
				return err
			})
			if err != nil {
				return
			}
			seen += len(out.Accounts)
			token = out.NextToken
			if aws.ToString(token) == "" {
				break
			}
			if seen > 2*w.accounts+100 {
				break // a server whose tokens never end
			}
		}
		if seen != w.accounts {
			// A listing that misses or repeats accounts is a wrong
			// answer: count it as a failed request of its own.
			record(call{err: &smithy.GenericAPIError{Code: "WrongListing", Message: fmt.Sprintf("listed %d of %d accounts", seen, w.accounts)}, took: -1})
		}
	case opTrustedAccess:
		var p string
		select {
		case p = <-w.trusted:
		case <-ctx.Done():
			return
		}
		defer func() { w.trusted <- p }()
		if timed(func() error {
			_, err := c.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(p)})
			return err
		}) != nil {
			return
		}
		_ = timed(func() error {
			_, err := c.DisableAWSServiceAccess(undo(ctx), &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String(p)})
			return err
		})
	case opDelegatedAdmin:
		var s daSlot
		select {
		case s = <-w.admins:
		case <-ctx.Done():
			return
		}
		defer func() { w.admins <- s }()
		deregister := func() error {
			_, err := c.DeregisterDelegatedAdministrator(undo(ctx), &organizations.DeregisterDelegatedAdministratorInput{AccountId: aws.String(s.account), ServicePrincipal: aws.String(s.principal)})
			return err
		}
		if timed(func() error {
			_, err := c.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(s.account), ServicePrincipal: aws.String(s.principal)})
			return err
		}) != nil {
			// The server may have registered it before the client gave
			// up (the deadline): undo it, uncounted.
			_ = deregister()
			return
		}
		_ = timed(deregister)
	case opPageFirst, opPageLast:
		in := &organizations.ListAccountsInput{MaxResults: aws.Int32(20)}
		if op == opPageLast {
			in.NextToken = aws.String(w.lastToken)
		}
		_ = timed(func() error {
			_, err := c.ListAccounts(ctx, in)
			return err
		})
	case opTrustedManagement, opTrustedEvery:
		p := "cloudtrail.amazonaws.com"
		if op == opTrustedEvery {
			p = "config.amazonaws.com"
		}
		if timed(func() error {
			_, err := c.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(p)})
			return err
		}) != nil {
			return
		}
		_ = timed(func() error {
			_, err := c.DisableAWSServiceAccess(undo(ctx), &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String(p)})
			return err
		})
	default:
		panic("unknown operation " + op)
	}
}

// undo is the context of a cycle's second half: it completes even when
// the measurement's deadline passes between the two calls (and is then
// not counted), so a cycle never leaves a service enabled or an
// administrator registered behind it.
func undo(ctx context.Context) context.Context {
	return context.WithoutCancel(ctx)
}

// probe runs op once and says whether the server implements it: the
// server's error when it does not.
func (w *workload) probe(ctx context.Context, op string) string {
	var first error
	w.run(ctx, op, func(c call) {
		if first == nil && c.err != nil {
			first = c.err
		}
	})
	if first != nil && unsupported(first) {
		return errorCode(first)
	}
	return ""
}

// measure runs op with conc workers for d (after warmup unrecorded) and
// returns its statistics. Operations started before the deadline finish;
// the requests they send after it are not counted.
func (w *workload) measure(ctx context.Context, op string, conc int, warmup, d time.Duration) OpResult {
	res := OpResult{Op: op, Concurrency: conc}
	if why := w.probe(ctx, op); why != "" {
		res.Unsupported = why
		return res
	}
	type tally struct {
		lat   []time.Duration
		ops   int
		calls int
		codes map[string]int
		first error
	}
	tallies := make([]tally, conc)
	var (
		begin    = time.Now().Add(warmup)
		deadline = begin.Add(d)
		wg       sync.WaitGroup
	)
	// Requests still running at the deadline are abandoned (and not
	// counted): a slow server's full listing must not stretch the run.
	parent := ctx
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	for i := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := &tallies[i]
			t.codes = map[string]int{}
			for ctx.Err() == nil {
				now := time.Now()
				if !now.Before(deadline) {
					return
				}
				counting := !now.Before(begin)
				w.run(ctx, op, func(c call) {
					// A request counts when it ran within the window.
					end := time.Now()
					if end.After(deadline) || end.Add(-max(c.took, 0)).Before(begin) {
						return
					}
					if c.took >= 0 {
						t.calls++
						t.lat = append(t.lat, c.took)
					}
					if c.err != nil {
						t.codes[errorCode(c.err)]++
						if t.first == nil {
							t.first = c.err
						}
					}
				})
				if counting && !time.Now().After(deadline) {
					t.ops++
				}
			}
		}()
	}
	wg.Wait()
	if parent.Err() != nil {
		return res
	}
	elapsed := time.Since(begin)
	if elapsed > d {
		elapsed = d
	}
	var lat []time.Duration
	res.ErrorCodes = map[string]int{}
	for _, t := range tallies {
		lat = append(lat, t.lat...)
		res.Ops += t.ops
		res.Calls += t.calls
		if t.first != nil && res.ErrorSample == "" {
			res.ErrorSample = t.first.Error()
		}
		for k, v := range t.codes {
			res.ErrorCodes[k] += v
			res.Errors += v
		}
	}
	if len(res.ErrorCodes) == 0 {
		res.ErrorCodes = nil
	}
	res.Seconds = elapsed.Seconds()
	res.OpsPerSec = float64(res.Ops) / res.Seconds
	res.CallsPerSec = float64(res.Calls) / res.Seconds
	res.P50Ms, res.P99Ms, res.MaxMs = percentiles(lat)
	return res
}

// percentiles returns the median, the 99th percentile and the maximum,
// in milliseconds (nearest rank).
func percentiles(lat []time.Duration) (p50, p99, maxMs float64) {
	if len(lat) == 0 {
		return 0, 0, 0
	}
	lat = slices.Clone(lat)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	rank := func(p float64) float64 {
		i := int(p*float64(len(lat))+0.999999) - 1
		i = max(0, min(i, len(lat)-1))
		return float64(lat[i]) / float64(time.Millisecond)
	}
	return rank(0.50), rank(0.99), float64(lat[len(lat)-1]) / float64(time.Millisecond)
}
