// Command awsgen generates a service package's wire model and Go types from
// a botocore service model:
//
//	go run ./internal/awsgen -service organizations -pkg organizations -out internal/organizations
//
// It writes model_gen.go (the wire.Service graph), types_gen.go (a Go struct
// per input/output structure, a named string type per enum) and
// handlers_gen.go (BindHandlers, which finds the operations a service value
// implements). Output is deterministic and gofmt'd.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/orgstack/orgstack/internal/awsmodel"
)

func main() {
	var (
		service = flag.String("service", "", "botocore service name, e.g. organizations")
		pkg     = flag.String("pkg", "", "Go package name of the output")
		out     = flag.String("out", ".", "output directory")
		data    = flag.String("botocore", "", "botocore data directory (default: found with python3)")
		ops     = flag.String("ops", "", "comma-separated operations to include (default: all)")
	)
	flag.Parse()
	if *service == "" || *pkg == "" {
		fmt.Fprintln(os.Stderr, "usage: awsgen -service NAME -pkg PKG [-out DIR] [-botocore DIR] [-ops A,B]")
		os.Exit(2)
	}
	dir := *data
	if dir == "" {
		var err error
		if dir, err = awsmodel.BotocoreDataDir(); err != nil {
			fail(err)
		}
	}
	m, path, err := awsmodel.Load(dir, *service)
	if err != nil {
		fail(err)
	}
	var only []string
	if *ops != "" {
		only = strings.Split(*ops, ",")
	}
	g, err := newGenerator(m, *pkg, filepath.Base(filepath.Dir(path)), *service, only)
	if err != nil {
		fail(err)
	}
	files, err := g.files()
	if err != nil {
		fail(err)
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(*out, name), src, 0o644); err != nil {
			fail(err)
		}
	}
	for _, w := range g.warnings {
		fmt.Fprintln(os.Stderr, "awsgen:", *service+":", w)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "awsgen:", err)
	os.Exit(1)
}
