package detect

import (
	"math"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

// TestEncodeInvertsDecode: decoding the encoding of a box against any anchor gives the box back.
func TestEncodeInvertsDecode(t *testing.T) {
	o := Options{YScale: 10, XScale: 10, HScale: 5, WScale: 5}
	anchors := []Anchor{{0.5, 0.5, 0.2, 0.3}, {0.1, 0.9, 0.05, 0.05}, {0.7, 0.2, 0.9, 0.4}}
	boxes := []Box{{0.1, 0.2, 0.4, 0.6}, {0, 0, 1, 1}, {0.45, 0.45, 0.46, 0.5}}
	for _, a := range anchors {
		for _, b := range boxes {
			e := Encode(b, a, o)
			got := Decode(e[:], 4, []Anchor{a}, o)[0]
			approx.Require(t, "decoded box", []float32{got.YMin, got.XMin, got.YMax, got.XMax}, []float32{b.YMin, b.XMin, b.YMax, b.XMax}, 1e-6, 0)
		}
	}
	// Hand-worked: a box equal to its anchor encodes to zeros; twice the height gives th = 5·ln 2.
	a := Anchor{0.5, 0.5, 0.2, 0.2}
	e := Encode(a.Corners(), a, o)
	approx.Require(t, "anchor's own box", e[:], []float32{0, 0, 0, 0}, 1e-6, 0)
	e = Encode(Box{0.3, 0.4, 0.7, 0.6}, a, o)
	approx.Require(t, "taller box", e[:], []float32{0, 0, float32(5 * math.Ln2), 0}, 1e-6, 0)
}

// TestMatch: anchors overlapping a box at 0.5 or more take it, the rest none, and a box whose best anchor
// is below the threshold still gets that anchor.
func TestMatch(t *testing.T) {
	anchors := []Anchor{
		{0.25, 0.25, 0.5, 0.5}, // 0: the top-left quarter
		{0.75, 0.75, 0.5, 0.5}, // 1: the bottom-right quarter
		{0.5, 0.5, 1, 1},       // 2: the whole image
		{0.3, 0.3, 0.5, 0.5},   // 3: near the top-left quarter
	}
	boxes := []Box{
		{0, 0, 0.5, 0.5},      // box 0: exactly anchor 0
		{0.8, 0.8, 0.9, 0.95}, // box 1: small, best anchor 1 (IoU 0.06), below the threshold
	}
	got := Match(anchors, boxes, 0.5)
	want := []int{0, 1, -1, 0}
	// anchor 3 = [0.05, 0.55]²: intersection with box 0 is 0.45² = 0.2025, union 0.25+0.25−0.2025 = 0.2975,
	// IoU 0.68 ≥ 0.5: matched to box 0. Anchor 2 overlaps box 0 at 0.25: unmatched.
	if len(got) != len(want) {
		t.Fatalf("Match = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Match = %v, want %v", got, want)
		}
	}
	if m := Match(anchors, nil, 0.5); m[0] != -1 || m[3] != -1 {
		t.Fatalf("no boxes: %v", m)
	}
}
