package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/orgstack/orgstack/internal/app"
)

func operations(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("orgstack operations", flag.ContinueOnError)
	fs.SetOutput(stderr)
	markdown := fs.Bool("markdown", false, "print README's feature table")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *markdown {
		fmt.Fprint(stdout, app.FeatureTable())
		return 0
	}
	for _, s := range app.Operations() {
		mark := " "
		if s.Implemented {
			mark = "x"
		}
		fmt.Fprintf(stdout, "[%s] %s %s\n", mark, s.Service, s.Operation)
	}
	return 0
}
