package orgstack

import (
	"crypto/rand"
	"encoding/hex"
)

// Alphabets used by AWS identifiers.
const (
	LowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	Digits     = "0123456789"
	UpperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

// RandomString returns n characters drawn uniformly from alphabet (at
// most 256 characters) using crypto/rand. It reads random bytes in bulk
// and rejects the bytes at or above the largest multiple of
// len(alphabet), so that every character is equally likely.
func RandomString(alphabet string, n int) string {
	if len(alphabet) == 0 || len(alphabet) > 256 {
		panic("orgstack: RandomString needs an alphabet of 1 to 256 characters")
	}
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		// A few bytes more than needed, for the ones rejected.
		chunk := buf[:min(len(buf), n-len(out)+8)]
		if _, err := rand.Read(chunk); err != nil {
			panic("orgstack: crypto/rand failed: " + err.Error())
		}
		for _, v := range chunk {
			if int(v) < limit && len(out) < n {
				out = append(out, alphabet[int(v)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// NewUUID returns a random RFC 4122 version 4 UUID in lower-case text form.
func NewUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("orgstack: crypto/rand failed: " + err.Error())
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// NewAccountID returns a random 12-digit account id that does not start
// with 0 (so it never reads as a shorter number).
func NewAccountID() string {
	return RandomString("123456789", 1) + RandomString(Digits, 11)
}

// IsAccountID reports whether s is exactly 12 ASCII digits.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
