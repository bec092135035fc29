package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/orgstack/orgstack/internal/app"
)

func version(stdout io.Writer) int {
	fmt.Fprintf(stdout, "orgstack %s (%s)\n", app.Version, runtime.Version())
	return 0
}
