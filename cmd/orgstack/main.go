// Command orgstack is a local implementation of AWS Organizations and the
// services that integrate with it, spoken over the real AWS wire
// protocols.
//
//	orgstack serve [flags]   run the server
//	orgstack config print    print the effective configuration
//	orgstack version         print the version
//	orgstack operations      list the implemented operations
//	orgstack trusted-services  print an organization's trusted services
//	orgstack ssr ...         Self-Service Reporting reports
//	orgstack seed FILE.yaml  create an organization from a file
//	orgstack state ...       export, import or reset a server's state
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

const usage = `usage: orgstack <command> [flags]

commands:
  serve        run the server (see orgstack serve -h)
  config print [flags]
               print the effective configuration of orgstack serve with
               the same flags, ORGSTACK_* variables and --config file, as
               YAML, with where each value comes from; secrets redacted
  version      print the version
  operations   list every modeled operation and whether it is implemented
  trusted-services
               print a running server's view of an organization's trusted
               services: trusted access, delegated administrators, and
               where each service-linked role exists or is pending
  seed         create the organization a YAML file describes on a running
               server (see orgstack seed -h)
  ssr          Self-Service Reporting: patch, backup and incident reports
               of an account or an organization (see orgstack ssr help)
  state        export a running server's state as a snapshot, import one,
               or reset the state (see orgstack state help)
`

func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr, getenv)
	case "config":
		return configCommand(args[1:], stdout, stderr, getenv)
	case "version", "--version", "-version":
		return version(stdout)
	case "operations":
		return operations(args[1:], stdout, stderr)
	case "trusted-services":
		return trustedServices(args[1:], stdout, stderr, getenv)
	case "ssr":
		return ssrCommand(args[1:], stdout, stderr, getenv)
	case "seed":
		return seedCommand(args[1:], stdout, stderr, getenv)
	case "state":
		return stateCommand(args[1:], os.Stdin, stdout, stderr, getenv)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "orgstack: unknown command %q\n\n%s", args[0], usage)
	return 2
}
