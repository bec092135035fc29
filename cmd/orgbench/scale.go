package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
)

// Operations of a scale run: one request each (the trusted-access ones
// two, an enable and a disable), measured one at a time.
const (
	opPageFirst         = "ListAccounts first page (20)"
	opPageLast          = "ListAccounts last page"
	opTrustedManagement = "Enable/DisableAWSServiceAccess, role in management (cloudtrail)"
	opTrustedEvery      = "Enable/DisableAWSServiceAccess, roles in every account (config)"
)

var scaleOps = []string{opDescribeOrganization, opPageFirst, opPageLast, opTrustedManagement, opTrustedEvery}

// ScalePoint is the organization at one size.
type ScalePoint struct {
	Accounts         int        `json:"accounts"`
	GrowSec          float64    `json:"growSeconds"` // creating the accounts added since the previous size
	AccountsPerSec   float64    `json:"accountsPerSecond"`
	ResidentBytes    int64      `json:"residentBytes"`
	BytesPerAccount  float64    `json:"bytesPerAccount"` // resident memory grown since CreateOrganization, per account
	CreateErrors     int        `json:"createErrors,omitempty"`
	CreateErrorCodes string     `json:"createErrorCodes,omitempty"`
	Results          []OpResult `json:"results"`
}

func runScale(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("orgbench scale", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.flags(fs)
	sizesList := fs.String("sizes", "100,1000,10000", "comma-separated organization sizes (member accounts), ascending; one organization grows through them")
	conc := fs.Int("concurrency", 1, "concurrent clients while measuring (1: the cost of one request)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	sizes, err := intList(*sizesList)
	if err != nil {
		return usageError{fmt.Errorf("--sizes: %v", err)}
	}
	if !slices.IsSorted(sizes) {
		return usageError{errors.New("--sizes must be ascending")}
	}
	if *conc < 1 {
		return usageError{errors.New("--concurrency must be at least 1")}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	r, err := c.prepare(ctx, stderr)
	if err != nil {
		return err
	}
	stopProfile, err := c.profile()
	if err != nil {
		return err
	}
	defer stopProfile()
	client := newClient(c.target, max(*conc, c.setupConcurrency))
	org, took, err := createOrganization(ctx, client)
	if err != nil {
		return err
	}
	r.Setup = &SetupResult{CreateOrganizationMs: ms(took), Concurrency: c.setupConcurrency}
	base := r.memory()
	r.Memory.AfterOrganizationBytes = base
	start := time.Now()
	for _, size := range sizes {
		progress(stderr, r.Label, "growing the organization to %d accounts", size)
		g, err := grow(ctx, client, org, size, c.setupConcurrency)
		if err != nil {
			return err
		}
		p := ScalePoint{Accounts: len(org.Members), GrowSec: g.CreateAccountsSec, AccountsPerSec: g.AccountsPerSec}
		for _, n := range g.Errors {
			p.CreateErrors += n
		}
		if p.CreateErrors > 0 {
			p.CreateErrorCodes = codes(g.Errors)
		}
		p.ResidentBytes = r.memory()
		if p.ResidentBytes > 0 && p.Accounts > 0 {
			p.BytesPerAccount = float64(p.ResidentBytes-base) / float64(p.Accounts)
		}
		w := newWorkload(ctx, client, org)
		if w.lastToken, err = lastPageToken(ctx, client); err != nil {
			return err
		}
		for _, op := range scaleOps {
			if op == opPageLast && w.lastToken == "" {
				continue
			}
			progress(stderr, r.Label, "%d accounts: %s", p.Accounts, op)
			res := w.measure(ctx, op, *conc, c.warmup, c.duration)
			if err := ctx.Err(); err != nil {
				return err
			}
			p.Results = append(p.Results, res)
		}
		r.Scale = append(r.Scale, p)
	}
	r.Setup.Accounts = len(org.Members)
	for _, p := range r.Scale {
		r.Setup.CreateAccountsSec += p.GrowSec
	}
	if r.Setup.CreateAccountsSec > 0 {
		r.Setup.AccountsPerSec = float64(r.Setup.Accounts) / r.Setup.CreateAccountsSec
	}
	r.Setup.TotalSec = time.Since(start).Seconds() // with the measurements
	r.Memory.AfterSetupBytes = r.memory()
	return r.write(c.jsonOut, stdout)
}

// lastPageToken walks ListAccounts in pages of 20 and returns the token
// of the last page ("" when there is one page).
func lastPageToken(ctx context.Context, c *organizations.Client) (string, error) {
	var token, last *string
	for {
		out, err := c.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: token, MaxResults: aws.Int32(20)})
		if err != nil {
			return "", fmt.Errorf("ListAccounts: %w", err)
		}
		if aws.ToString(out.NextToken) == "" {
			return aws.ToString(last), nil
		}
		last, token = out.NextToken, out.NextToken
	}
}

// scaleTable prints, for each operation, its p50 per request at every
// size, then memory.
func scaleTable(w io.Writer, points []ScalePoint) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "accounts\t")
	for _, p := range points {
		fmt.Fprintf(tw, "%d\t", p.Accounts)
	}
	fmt.Fprintln(tw)
	for _, op := range scaleOps {
		fmt.Fprintf(tw, "%s p50 / p99 ms\t", op)
		for _, p := range points {
			cell := "—"
			for _, res := range p.Results {
				if res.Op == op && usable(&res) {
					cell = fmt.Sprintf("%.2f / %.2f", res.P50Ms, res.P99Ms)
					if res.Errors > 0 {
						cell += fmt.Sprintf(" (%d errors)", res.Errors)
					}
				}
			}
			fmt.Fprintf(tw, "%s\t", cell)
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprint(tw, "accounts created per second (this step)\t")
	for _, p := range points {
		fmt.Fprintf(tw, "%.0f\t", p.AccountsPerSec)
	}
	fmt.Fprintln(tw)
	fmt.Fprint(tw, "resident memory\t")
	for _, p := range points {
		fmt.Fprintf(tw, "%s\t", mb(p.ResidentBytes))
	}
	fmt.Fprintln(tw)
	fmt.Fprint(tw, "resident memory per account\t")
	for _, p := range points {
		if p.BytesPerAccount == 0 {
			fmt.Fprint(tw, "n/a\t")
			continue
		}
		fmt.Fprintf(tw, "%.1f KB\t", p.BytesPerAccount/1024)
	}
	fmt.Fprintln(tw)
	tw.Flush()
}
