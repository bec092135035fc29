package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/smithy-go"
)

// target is the endpoint under test and how to sign for it.
type target struct {
	Endpoint  string
	AccessKey string
	SecretKey string
	Region    string
}

// newClient returns an Organizations client for t with room for conns
// connections kept alive, and without retries: every failed request is
// counted, none is hidden by a retry.
func newClient(t target, conns int) *organizations.Client {
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConns = conns * 2
		tr.MaxIdleConnsPerHost = conns * 2
		tr.Proxy = nil // loopback only: never through a proxy
	}).WithTimeout(60 * time.Second)
	return organizations.New(organizations.Options{
		Region:       t.Region,
		BaseEndpoint: aws.String(t.Endpoint),
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(t.AccessKey, t.SecretKey, "")),
		HTTPClient:   bufferedBodies{hc},
		Retryer:      aws.NopRetryer{},
	})
}

// bufferedBodies hands the transport a copy of each request's body.
//
// The SDK closes the body it built once Do returns; when a fast server
// answers before the transport's writer has read that body to its end,
// the writer's last read fails, and the transport closes the connection
// under the response still being read ("use of closed network
// connection", about 1% of ListAccounts pages of 20 against orgstack).
// The SDK's default retryer hides it; orgbench retries nothing, so it
// sends a body the SDK cannot close.
type bufferedBodies struct{ c *awshttp.BuildableClient }

func (b bufferedBodies) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	}
	return b.c.Do(req)
}

// errorCode is the AWS error code of err, or a short description of a
// failure without one (a refused connection, a timeout).
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return fmt.Sprintf("HTTP %d", re.HTTPStatusCode())
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "Timeout"
	case strings.Contains(err.Error(), "connection refused"):
		return "ConnectionRefused"
	case strings.Contains(err.Error(), "connection reset"):
		return "ConnectionReset"
	}
	return "ClientError"
}

// unsupported says whether err means the server does not implement the
// operation (rather than that the call failed).
func unsupported(err error) bool {
	switch errorCode(err) {
	case "NotImplemented", "UnknownOperationException", "UnknownOperation", "InvalidAction", "HTTP 404", "HTTP 501":
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && (re.HTTPStatusCode() == 404 || re.HTTPStatusCode() == 501)
}

// resetServer wipes the server's state with POST /moto-api/reset, which
// moto's server and orgstack both answer.
func resetServer(ctx context.Context, endpoint string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(endpoint, "/")+"/moto-api/reset", nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}}).Do(req)
	if err != nil {
		return fmt.Errorf("reset: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reset: POST /moto-api/reset answered %s", resp.Status)
	}
	return nil
}

// organization is what setup built: the management account and the
// member accounts, in creation order.
type organization struct {
	ID         string
	Management string
	Members    []string
}

// SetupResult times the creation of the organization and its accounts.
type SetupResult struct {
	Accounts             int            `json:"accounts"`
	CreateOrganizationMs float64        `json:"createOrganizationMs"`
	CreateAccountsSec    float64        `json:"createAccountsSeconds"`
	AccountsPerSec       float64        `json:"accountsPerSecond"`
	TotalSec             float64        `json:"totalSeconds"`
	Concurrency          int            `json:"concurrency"`
	Errors               map[string]int `json:"errors,omitempty"`
}

// createOrganization creates the caller's organization with all features.
func createOrganization(ctx context.Context, c *organizations.Client) (*organization, time.Duration, error) {
	start := time.Now()
	out, err := c.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: types.OrganizationFeatureSetAll})
	took := time.Since(start)
	if err != nil {
		return nil, took, fmt.Errorf("CreateOrganization: %w", err)
	}
	o := out.Organization
	return &organization{ID: aws.ToString(o.Id), Management: aws.ToString(o.MasterAccountId)}, took, nil
}

// grow creates member accounts until the organization has want of them,
// conc at a time, each followed by polling DescribeCreateAccountStatus
// until it succeeds or fails. Accounts that fail are counted in the
// result's errors; grow fails only when none could be created.
func grow(ctx context.Context, c *organizations.Client, org *organization, want, conc int) (SetupResult, error) {
	res := SetupResult{Concurrency: conc, Errors: map[string]int{}}
	from := len(org.Members)
	if want <= from {
		res.Accounts = len(org.Members)
		return res, nil
	}
	var (
		mu   sync.Mutex
		ids  = make([]string, want-from)
		next = from
	)
	start := time.Now()
	var wg sync.WaitGroup
	for range min(conc, want-from) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= want || ctx.Err() != nil {
					return
				}
				id, err := createAccount(ctx, c, i)
				mu.Lock()
				if err != nil {
					res.Errors[errorCode(err)]++
				} else {
					ids[i-from] = id
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	for _, id := range ids {
		if id != "" {
			org.Members = append(org.Members, id)
		}
	}
	res.Accounts = len(org.Members)
	res.CreateAccountsSec = took.Seconds()
	if created := len(org.Members) - from; created > 0 {
		res.AccountsPerSec = float64(created) / took.Seconds()
	}
	if len(res.Errors) == 0 {
		res.Errors = nil
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if len(org.Members) == from {
		return res, fmt.Errorf("no account could be created: %v", res.Errors)
	}
	return res, nil
}

// createAccount creates account number i and waits for its creation to
// finish, polling DescribeCreateAccountStatus (at once, then backing off
// from 2 ms to 100 ms).
func createAccount(ctx context.Context, c *organizations.Client, i int) (string, error) {
	out, err := c.CreateAccount(ctx, &organizations.CreateAccountInput{
		AccountName: aws.String(fmt.Sprintf("bench-%05d", i)),
		Email:       aws.String(fmt.Sprintf("bench-%05d@example.com", i)),
	})
	if err != nil {
		return "", err
	}
	status := out.CreateAccountStatus
	wait := 2 * time.Millisecond
	for {
		switch status.State {
		case types.CreateAccountStateSucceeded:
			return aws.ToString(status.AccountId), nil
		case types.CreateAccountStateFailed:
			return "", &smithy.GenericAPIError{Code: "CreateAccountFailed:" + string(status.FailureReason), Message: "account creation failed"}
		}
		d, err := c.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: status.Id})
		if err != nil {
			return "", err
		}
		status = d.CreateAccountStatus
		if status.State == types.CreateAccountStateInProgress {
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(wait):
			}
			wait = min(wait*2, 100*time.Millisecond)
		}
	}
}
