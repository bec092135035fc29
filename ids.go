package orgstack

import (
	"crypto/rand"
	"encoding/hex"
	"math/big"
)

// Alphabets used by AWS identifiers.
const (
	LowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	Digits     = "0123456789"
	UpperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

// RandomString returns n characters drawn uniformly from alphabet using
// crypto/rand.
func RandomString(alphabet string, n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("orgstack: crypto/rand failed: " + err.Error())
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
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
