//go:build purego || noasm || race || !amd64

package q8

import "testing"

// TestNoAsmIsGeneric checks that builds without assembly detect Generic and
// refuse VNNI.
func TestNoAsmIsGeneric(t *testing.T) {
	if Detected() != Generic {
		t.Fatalf("Detected() = %v, want generic", Detected())
	}
	if _, err := SetLevel(VNNI); err == nil {
		t.Fatal("SetLevel(VNNI) succeeded in a build without assembly")
	}
}
