package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/orgstack/orgstack/internal/sigv4"
)

// TestGracefulShutdown: SIGTERM while a request is in flight (its body
// half sent) stops the binary accepting connections, lets the request
// finish and be answered, and exits 0; the write it made is there after
// a restart on the same state.
func TestGracefulShutdown(t *testing.T) {
	choosesOwnStore(t)
	t.Parallel()
	dir := t.TempDir()
	p := startProcess(t, "--data-dir", dir, "--shutdown-timeout", "20s")
	s := &srv{t: t, endpoint: p.endpoint}
	ctx := context.Background()
	_, root := newOrg(t, s, types.OrganizationFeatureSetAll)

	// A CreateOrganizationalUnit whose body arrives in two halves.
	body := `{"ParentId":"` + root + `","Name":"in-flight"}`
	req, err := http.NewRequest("POST", s.endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128.CreateOrganizationalUnit")
	sigv4.Sign(req, []byte(body), mgmt, testSecret, "", "us-east-1", "organizations", time.Now())
	pr, pw := io.Pipe()
	req.Body, req.ContentLength = pr, int64(len(body))
	type answer struct {
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		answered <- answer{resp.StatusCode, string(b), err}
	}()
	half := len(body) / 2
	if _, err := pw.Write([]byte(body[:half])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the server has read the headers

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// It stops accepting connections while the request is in flight.
	host := strings.TrimPrefix(s.endpoint, "http://")
	eventually(t, "the listener to close", func() bool {
		c, err := net.DialTimeout("tcp", host, time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	select {
	case a := <-answered:
		t.Fatalf("answered before the body was whole: %+v", a)
	default:
	}
	if _, err := pw.Write([]byte(body[half:])); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	var a answer
	select {
	case a = <-answered:
	case <-time.After(30 * time.Second):
		t.Fatal("the in-flight request was never answered")
	}
	var out struct{ OrganizationalUnit struct{ Id string } }
	if a.err != nil || a.status != 200 || json.Unmarshal([]byte(a.body), &out) != nil || out.OrganizationalUnit.Id == "" {
		t.Fatalf("in-flight request: %+v", a)
	}

	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("orgstack exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("orgstack did not exit after SIGTERM")
	}

	// Durable: a new process on the same data directory has the OU.
	p2 := startProcess(t, "--data-dir", dir)
	s2 := &srv{t: t, endpoint: p2.endpoint}
	ou, err := s2.orgs(mgmt).DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(out.OrganizationalUnit.Id)})
	if err != nil || aws.ToString(ou.OrganizationalUnit.Name) != "in-flight" {
		t.Fatalf("the in-flight request's OU after a restart: %+v %v", ou, err)
	}
}

// TestShutdownTimeout: a request still in flight when --shutdown-timeout
// runs out does not keep the binary alive; it closes its store and exits,
// reporting the cut-off, and the state opens again.
func TestShutdownTimeout(t *testing.T) {
	choosesOwnStore(t)
	t.Parallel()
	dir := t.TempDir()
	p := startProcess(t, "--data-dir", dir, "--shutdown-timeout", "300ms")
	s := &srv{t: t, endpoint: p.endpoint}
	newOrg(t, s, types.OrganizationFeatureSetAll)

	// Headers and half a body, and then nothing.
	c, err := net.Dial("tcp", strings.TrimPrefix(s.endpoint, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 100\r\n\r\n{\"Parent"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Fatalf("exit after the shutdown timeout: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("orgstack still running 20s after SIGTERM with a 300ms shutdown timeout")
	}
	t.Logf("exited %v after SIGTERM", time.Since(start).Round(time.Millisecond))

	p2 := startProcess(t, "--data-dir", dir)
	if _, err := (&srv{t: t, endpoint: p2.endpoint}).orgs(mgmt).DescribeOrganization(context.Background(), &organizations.DescribeOrganizationInput{}); err != nil {
		t.Fatalf("the organization after a cut-off shutdown: %v", err)
	}
}
