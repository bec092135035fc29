package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

const stateUsage = `usage: orgstack state <command> [flags]

Save and restore a running server's whole state (see README, "Snapshots").

commands:
  export [-o FILE] [--gzip]   write a snapshot to standard output (or FILE)
  import FILE                 replace the server's state with a snapshot
                              (FILE may be gzip-compressed; - reads stdin)
  reset                       empty the server's state

flags of every command:
  --endpoint-url URL          the server (default: $AWS_ENDPOINT_URL or
                              http://127.0.0.1:4590)
`

// stateCommand exports, imports or resets a running server's state
// through its /_orgstack/ endpoints.
func stateCommand(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, stateUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd := args[0]
	fs := flag.NewFlagSet("orgstack state "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint-url", defaultEndpoint(getenv), "the server's `URL` (default: $AWS_ENDPOINT_URL or http://127.0.0.1:4590)")
	var output *string
	var gz *bool
	if cmd == "export" {
		output = fs.String("o", "", "write the snapshot to `FILE` instead of standard output")
		gz = fs.Bool("gzip", false, "compress the snapshot with gzip")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	base := strings.TrimRight(*endpoint, "/")
	switch cmd {
	case "export":
		if fs.NArg() != 0 {
			fmt.Fprintln(stderr, "orgstack state export: unexpected arguments", fs.Args())
			return 2
		}
		return stateExport(base, *output, *gz, stdout, stderr)
	case "import":
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "orgstack state import: give the snapshot FILE (or - for standard input)")
			return 2
		}
		return stateImport(base, fs.Arg(0), stdin, stdout, stderr)
	case "reset":
		if fs.NArg() != 0 {
			fmt.Fprintln(stderr, "orgstack state reset: unexpected arguments", fs.Args())
			return 2
		}
		status, body, err := send(http.MethodPost, base+"/_orgstack/reset", nil)
		if err != nil {
			fmt.Fprintln(stderr, "orgstack:", err)
			return 1
		}
		if status != http.StatusOK {
			fmt.Fprintln(stderr, "orgstack: reset refused:", serverError(status, body))
			return 1
		}
		fmt.Fprintln(stdout, "state reset")
		return 0
	}
	fmt.Fprintf(stderr, "orgstack state: unknown command %q\n\n%s", cmd, stateUsage)
	return 2
}

func stateExport(base, output string, gz bool, stdout, stderr io.Writer) int {
	resp, err := http.Get(base + "/_orgstack/state")
	if err != nil {
		fmt.Fprintln(stderr, "orgstack:", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		fmt.Fprintln(stderr, "orgstack: export refused:", serverError(resp.StatusCode, body))
		return 1
	}
	w := stdout
	var f *os.File
	if output != "" {
		if f, err = os.Create(output); err != nil {
			fmt.Fprintln(stderr, "orgstack:", err)
			return 1
		}
		w = f
	}
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(w)
		w = zw
	}
	_, err = io.Copy(w, resp.Body)
	if zw != nil && err == nil {
		err = zw.Close()
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "orgstack: export:", err)
		return 1
	}
	return 0
}

func stateImport(base, file string, stdin io.Reader, stdout, stderr io.Writer) int {
	var body io.Reader = stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			fmt.Fprintln(stderr, "orgstack:", err)
			return 1
		}
		defer f.Close()
		body = f
	}
	status, resp, err := send(http.MethodPut, base+"/_orgstack/state", body)
	if err != nil {
		fmt.Fprintln(stderr, "orgstack:", err)
		return 1
	}
	if status != http.StatusOK {
		fmt.Fprintln(stderr, "orgstack: import refused:", serverError(status, resp))
		return 1
	}
	var out struct {
		Records         int    `json:"records"`
		OrgstackVersion string `json:"orgstackVersion"`
		Created         string `json:"created"`
	}
	_ = json.Unmarshal(resp, &out)
	fmt.Fprintf(stdout, "imported %d records (snapshot of orgstack %s, created %s)\n", out.Records, out.OrgstackVersion, out.Created)
	return 0
}

func send(method, url string, body io.Reader) (int, []byte, error) {
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// serverError is the message of an admin endpoint's error answer.
func serverError(status int, body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	return fmt.Sprintf("HTTP %d %s", status, bytes.TrimSpace(body))
}
