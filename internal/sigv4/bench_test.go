package sigv4

import (
	"testing"
	"time"
)

// BenchmarkVerify measures Parse and Verify of a typical Organizations
// request as botocore sends it.
func BenchmarkVerify(b *testing.B) {
	r, body := readRequest(b, clientCases[0].raw)
	secret := clientSecrets["AKIDEXAMPLE"]
	now := clientTime.Add(time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		a, err := Parse(r)
		if err != nil {
			b.Fatal(err)
		}
		if err := Verify(r, body, a, secret, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyMismatch measures the failure path, which tries every
// client variant before giving up.
func BenchmarkVerifyMismatch(b *testing.B) {
	r, body := readRequest(b, clientCases[0].raw)
	now := clientTime.Add(time.Minute)
	a, err := Parse(r)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if Verify(r, body, a, "wrong", now) == nil {
			b.Fatal("accepted")
		}
	}
}
