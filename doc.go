// Package orgstack is the small vocabulary every layer of orgstack shares:
// the AWS-style Error, the Caller carried in a request's context, the Clock,
// and helpers for AWS identifiers and ARNs.
//
// It depends on the standard library only. Service packages, protocol
// packages and the store all speak in these terms; the binary in
// cmd/orgstack wires the concrete pieces together.
package orgstack
