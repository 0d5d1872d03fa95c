//go:build purego || noasm || race || !amd64

package kernels

import "testing"

// TestNoAsmIsGeneric checks that builds without assembly detect Generic and
// refuse higher levels.
func TestNoAsmIsGeneric(t *testing.T) {
	if Detected() != Generic {
		t.Fatalf("Detected() = %v, want generic", Detected())
	}
	if _, err := SetLevel(AVX2); err == nil {
		t.Fatal("SetLevel(AVX2) succeeded in a build without assembly")
	}
}
