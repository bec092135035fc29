package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/orgstack/orgstack/internal/app"
)

// configCommand is `orgstack config print [flags]`: the configuration
// `orgstack serve` would run with, given the same flags and environment.
func configCommand(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] != "print" {
		fmt.Fprintln(stderr, "usage: orgstack config print [serve flags]")
		return 2
	}
	m := app.NewMain()
	settings, err := m.Config.Load("orgstack config print", args[1:], getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "orgstack:", err)
		return 2
	}
	fmt.Fprintln(stdout, "# orgstack serve's effective configuration; secrets redacted")
	if err := app.PrintSettings(stdout, settings); err != nil {
		fmt.Fprintln(stderr, "orgstack:", err)
		return 1
	}
	return 0
}
