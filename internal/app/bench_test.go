package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/sigv4"
)

// The benchmarks of this file boot the whole server on loopback, on the
// default store (embedded, fsync on every commit) in a temporary directory,
// and send it signed Organizations requests over HTTP as the management
// account's root user, in open mode and in enforce mode (signature
// verified, every call authorized).

const (
	benchAccount = "123456789012"
	benchSecret  = "bench-secret"
	orgTarget    = "AWSOrganizationsV20161128."
)

type benchServer struct {
	main     *Main
	endpoint string
	client   *http.Client
}

func startBench(b *testing.B, enforce bool, maxAccounts int) *benchServer {
	b.Helper()
	m := NewMain()
	m.Config.Addr = "127.0.0.1:0"
	m.Config.DataDir = b.TempDir()
	m.Config.LogLevel = "warn"
	m.Config.MaxAccounts = maxAccounts
	m.Config.RootSecret = benchSecret
	if enforce {
		m.Config.Auth = "enforce"
	}
	if err := m.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = m.Close() })
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	b.Cleanup(tr.CloseIdleConnections)
	return &benchServer{main: m, endpoint: m.Endpoint(), client: &http.Client{Transport: tr}}
}

// call sends one signed Organizations request and decodes the answer into
// out (when not nil). A non-200 answer is an error.
func (s *benchServer) call(op, body string, out any) error {
	r, err := http.NewRequest("POST", s.endpoint+"/", strings.NewReader(body))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", orgTarget+op)
	sigv4.Sign(r, []byte(body), benchAccount, benchSecret, "", "us-east-1", "organizations", time.Now())
	resp, err := s.client.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %d %s", op, resp.StatusCode, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// organization creates the organization and n member accounts, eight
// CreateAccount requests at a time, each polled until it succeeds.
func (s *benchServer) organization(b *testing.B, n int) {
	b.Helper()
	if err := s.call("CreateOrganization", `{"FeatureSet":"ALL"}`, nil); err != nil {
		b.Fatal(err)
	}
	work := make(chan int)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range work {
				if err := s.createAccount(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	go func() {
		defer close(work)
		for i := range n {
			select {
			case work <- i:
			case err := <-errs:
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
}

func (s *benchServer) createAccount(i int) error {
	var out struct {
		CreateAccountStatus struct{ Id, State, FailureReason string }
	}
	body := fmt.Sprintf(`{"AccountName":"Member %d","Email":"member-%d@example.com"}`, i, i)
	if err := s.call("CreateAccount", body, &out); err != nil {
		return err
	}
	id := out.CreateAccountStatus.Id
	for {
		if err := s.call("DescribeCreateAccountStatus", `{"CreateAccountRequestId":"`+id+`"}`, &out); err != nil {
			return err
		}
		switch out.CreateAccountStatus.State {
		case "SUCCEEDED":
			return nil
		case "FAILED":
			return fmt.Errorf("CreateAccount %d: %s", i, out.CreateAccountStatus.FailureReason)
		}
		time.Sleep(time.Millisecond)
	}
}

// run calls op with the body next returns for each iteration, from eight
// goroutines, the concurrency the load targets are stated at.
func (s *benchServer) run(b *testing.B, op string, next func(i int) string) {
	b.Helper()
	s.parallel(b, func(i int) error { return s.call(op, next(i), nil) })
}

// parallel calls f with a distinct number for each iteration, from eight
// goroutines.
func (s *benchServer) parallel(b *testing.B, f func(i int) error) {
	b.Helper()
	var seq atomic.Int64
	b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := f(int(seq.Add(1))); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func constant(body string) func(int) string { return func(int) string { return body } }

// BenchmarkServer measures whole requests: HTTP on loopback, signature,
// routing, decoding, authorization (enforce), the operation on the embedded store and
// the encoded answer, in an organization of 100 accounts.
func BenchmarkServer(b *testing.B) {
	for _, mode := range []string{"open", "enforce"} {
		b.Run(mode, func(b *testing.B) {
			s := startBench(b, mode == "enforce", 200)
			s.organization(b, 100)
			var root struct{ Roots []struct{ Id string } }
			if err := s.call("ListRoots", `{}`, &root); err != nil {
				b.Fatal(err)
			}
			for _, p := range []string{"ram.amazonaws.com", "config.amazonaws.com", "ssm.amazonaws.com"} {
				if err := s.call("EnableAWSServiceAccess", `{"ServicePrincipal":"`+p+`"}`, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.Run("DescribeOrganization", func(b *testing.B) {
				s.run(b, "DescribeOrganization", constant(`{}`))
			})
			b.Run("ListAccounts", func(b *testing.B) {
				s.run(b, "ListAccounts", constant(`{"MaxResults":20}`))
			})
			b.Run("ListAWSServiceAccessForOrganization", func(b *testing.B) {
				s.run(b, "ListAWSServiceAccessForOrganization", constant(`{}`))
			})
			b.Run("CreateDeleteOrganizationalUnit", func(b *testing.B) {
				// An organization holds at most 1,000 OUs: each iteration
				// creates one and deletes it, two durable writes.
				parent := root.Roots[0].Id
				prefix := strconv.FormatInt(time.Now().UnixNano(), 36)
				s.parallel(b, func(i int) error {
					var out struct{ OrganizationalUnit struct{ Id string } }
					body := `{"ParentId":"` + parent + `","Name":"ou-` + prefix + "-" + strconv.Itoa(i) + `"}`
					if err := s.call("CreateOrganizationalUnit", body, &out); err != nil {
						return err
					}
					return s.call("DeleteOrganizationalUnit", `{"OrganizationalUnitId":"`+out.OrganizationalUnit.Id+`"}`, nil)
				})
			})
		})
	}
}

// BenchmarkScale measures, at several organization sizes, the requests
// whose cost must not grow with the organization: a ListAccounts page,
// DescribeOrganization, and a trusted-access change (enable then disable).
// The sizes are 100 and 1,000 accounts; ORGSTACK_BENCH_ACCOUNTS (e.g.
// "100,1000,10000") chooses others.
func BenchmarkScale(b *testing.B) {
	sizes := []int{100, 1000}
	if env := os.Getenv("ORGSTACK_BENCH_ACCOUNTS"); env != "" {
		sizes = nil
		for _, f := range strings.Split(env, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				b.Fatalf("ORGSTACK_BENCH_ACCOUNTS: %v", err)
			}
			sizes = append(sizes, n)
		}
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			s := startBench(b, false, n+1)
			s.organization(b, n)
			var page struct{ NextToken string }
			if err := s.call("ListAccounts", `{"MaxResults":20}`, &page); err != nil {
				b.Fatal(err)
			}
			b.Run("ListAccounts/first", func(b *testing.B) {
				s.run(b, "ListAccounts", constant(`{"MaxResults":20}`))
			})
			b.Run("ListAccounts/second", func(b *testing.B) {
				s.run(b, "ListAccounts", constant(`{"MaxResults":20,"NextToken":"`+page.NextToken+`"}`))
			})
			b.Run("DescribeOrganization", func(b *testing.B) {
				s.run(b, "DescribeOrganization", constant(`{}`))
			})
			b.Run("TrustedAccessChange", func(b *testing.B) {
				// Each goroutine enables then disables its own principal,
				// so that every request is a real change. These services
				// create their roles in the management account only: what
				// is measured is the change, not role creation in every
				// member.
				principals := []string{"ram.amazonaws.com", "health.amazonaws.com", "servicequotas.amazonaws.com", "wellarchitected.amazonaws.com",
					"compute-optimizer.amazonaws.com", "reporting.trustedadvisor.amazonaws.com", "storage-lens.s3.amazonaws.com", "securitylake.amazonaws.com"}
				var mu sync.Mutex
				next := 0
				b.SetParallelism(1)
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					mu.Lock()
					p := principals[next%len(principals)]
					next++
					mu.Unlock()
					body := `{"ServicePrincipal":"` + p + `"}`
					for i := 0; pb.Next(); i++ {
						op := "EnableAWSServiceAccess"
						if i%2 == 1 {
							op = "DisableAWSServiceAccess"
						}
						if err := s.call(op, body, nil); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		})
	}
}
