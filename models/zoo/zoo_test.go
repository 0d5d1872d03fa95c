package zoo

import (
	"strings"
	"testing"
)

// TestBuild builds every architecture small and refuses an unknown name and V1 with symmetric padding.
func TestBuild(t *testing.T) {
	for _, a := range Archs {
		g, err := Build(a, Config{Alpha: 0.5, Resolution: 32, Classes: 3, Channels: 1})
		if err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		if out := g.Values[g.Outputs[0]].Shape; out[len(out)-1] != 3 {
			t.Errorf("%s: output shape %v", a, out)
		}
	}
	if _, err := Build("v4", Config{}); err == nil || !strings.Contains(err.Error(), "v3-small") {
		t.Errorf("v4: %v", err)
	}
	if _, err := Build(V1, Config{Symmetric: true}); err == nil {
		t.Error("V1 with symmetric padding accepted")
	}
	if _, err := Build(V3Small, Config{Alpha: 5}); err == nil {
		t.Error("α 5 accepted")
	}
}
