package orgstack_test

import (
	"math"
	"strings"
	"testing"

	"github.com/orgstack/orgstack"
)

// TestRandomStringAlphabetAndLength checks length and alphabet for the
// alphabets orgstack's identifiers use and for edge sizes.
func TestRandomStringAlphabetAndLength(t *testing.T) {
	for _, alphabet := range []string{orgstack.LowerAlnum, orgstack.UpperAlnum, "0123456789", "x", strings.Repeat("ab", 128)} {
		for _, n := range []int{0, 1, 10, 12, 100, 1000} {
			s := orgstack.RandomString(alphabet, n)
			if len(s) != n {
				t.Fatalf("RandomString(%q, %d) has %d characters", alphabet, n, len(s))
			}
			for _, c := range s {
				if !strings.ContainsRune(alphabet, c) {
					t.Fatalf("RandomString(%q, %d) = %q: %q is not in the alphabet", alphabet, n, s, c)
				}
			}
		}
	}
}

// TestRandomStringUniform checks that every character of a 36-character
// alphabet (256 is not a multiple of 36, so a plain modulo would favour
// the first 4) comes up equally often, within a chi-squared bound that a
// fair source fails about once in a million runs.
func TestRandomStringUniform(t *testing.T) {
	alphabet := orgstack.UpperAlnum
	const n = 360000
	counts := map[rune]int{}
	for _, c := range orgstack.RandomString(alphabet, n) {
		counts[c]++
	}
	want := float64(n) / float64(len(alphabet))
	chi2 := 0.0
	for _, c := range alphabet {
		d := float64(counts[c]) - want
		chi2 += d * d / want
	}
	// 35 degrees of freedom: P(chi2 > 90) is about one in a million.
	if chi2 > 90 || math.IsNaN(chi2) {
		t.Fatalf("chi-squared %.1f over %d draws: %v", chi2, n, counts)
	}
}
