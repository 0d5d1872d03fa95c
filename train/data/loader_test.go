package data

import (
	"context"
	"math"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

// ramp returns a set of n images h×w×1 whose pixel (y, x) of image i is i·10 + y·w + x + 1, label i%k.
func ramp(n, h, w, k int) *Set {
	s := &Set{Meta: Info{H: h, W: w, C: 1}, Pixels: make([]uint8, n*h*w), Labels: make([]int, n)}
	for c := 0; c < k; c++ {
		s.Meta.Classes = append(s.Meta.Classes, string(rune('a'+c)))
	}
	for i := 0; i < n; i++ {
		for p := 0; p < h*w; p++ {
			s.Pixels[i*h*w+p] = uint8(i*10 + p + 1)
		}
		s.Labels[i] = i % k
	}
	return s
}

func collect(t *testing.T, l *Loader, epoch, from int) []*Batch {
	t.Helper()
	var out []*Batch
	for b := range l.Epoch(context.Background(), epoch, from) {
		out = append(out, b)
	}
	return out
}

// TestLoaderFill checks the geometry by hand: a 2×2 image centred in 4×4 (border black), normalised
// with mean 127.5 and std 127.5; then mirrored.
func TestLoaderFill(t *testing.T) {
	s := ramp(1, 2, 2, 2)
	l, err := NewLoader(s, LoaderOptions{H: 4, W: 4, Batch: 1})
	if err != nil {
		t.Fatal(err)
	}
	n := func(v float64) float32 { return float32((v - 127.5) / 127.5) }
	want := []float32{
		-1, -1, -1, -1,
		-1, n(1), n(2), -1,
		-1, n(3), n(4), -1,
		-1, -1, -1, -1,
	}
	b := collect(t, l, 0, 0)[0]
	if err := approx.Close(b.X, want, 1e-6, 0); err != nil {
		t.Fatalf("input %v, want %v: %v", b.X, want, err)
	}
	var img [16]float32
	eq := func(a, b float32) bool { return math.Abs(float64(a-b)) < 1e-6 }
	l.fill(img[:], s.Pixels, 0, 0, true)
	if !eq(img[5], n(2)) || !eq(img[6], n(1)) || img[4] != -1 {
		t.Fatalf("mirrored row %v", img[4:8])
	}
	l.fill(img[:], s.Pixels, -1, 1, false) // up one row, right one column
	if !eq(img[2], n(1)) || !eq(img[3], n(2)) || !eq(img[6], n(3)) || img[0] != -1 || img[1] != -1 {
		t.Fatalf("shifted %v", img)
	}
}

// TestLoaderDeterminism checks that shuffling and augmentation depend only on the seed, the epoch and
// the position: two loaders agree, a restart at batch 3 gives the same batches, and epochs differ.
func TestLoaderDeterminism(t *testing.T) {
	s := ramp(50, 6, 6, 5)
	opt := LoaderOptions{H: 8, W: 8, Batch: 8, Shuffle: true, DropLast: true, Augment: Augment{Shift: 2, Flip: true}, Seed: 42, Prefetch: 2}
	a, _ := NewLoader(s, opt)
	b, _ := NewLoader(s, opt)
	ea, eb := collect(t, a, 1, 0), collect(t, b, 1, 3)
	if len(ea) != 6 || len(eb) != 3 || a.Batches() != 6 {
		t.Fatalf("%d and %d batches, want 6 and 3", len(ea), len(eb))
	}
	for i, bb := range eb {
		ba := ea[i+3]
		if bb.Index != ba.Index || !equalF(ba.X, bb.X) || !equalI(ba.Labels, bb.Labels) {
			t.Fatalf("batch %d differs when the epoch restarts at 3", ba.Index)
		}
	}
	if e0 := collect(t, a, 0, 0); equalI(e0[0].Labels, ea[0].Labels) && equalF(e0[0].X, ea[0].X) {
		t.Fatal("epochs 0 and 1 give the same first batch")
	}
	seen := map[int]bool{}
	for _, bt := range ea {
		for j := 0; j < bt.N; j++ {
			seen[int(bt.X[j*64+2*8+2]*127.5+127.5+0.5)] = true
		}
	}
	if len(seen) < 20 {
		t.Fatalf("only %d distinct centre pixels in 48 images", len(seen))
	}
}

// TestLoaderCancel checks that cancelling the context ends the epoch.
func TestLoaderCancel(t *testing.T) {
	l, _ := NewLoader(ramp(100, 4, 4, 2), LoaderOptions{H: 4, W: 4, Batch: 1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	for range l.Epoch(ctx, 0, 0) {
		if n++; n == 5 {
			cancel()
		}
	}
	if n >= 100 {
		t.Fatalf("%d batches after cancel", n)
	}
}

// TestSplitLimit checks the split sizes, that parts are disjoint, and Limit.
func TestSplitLimit(t *testing.T) {
	s := ramp(20, 1, 1, 4)
	tr, va, err := Split(s, 0.25, 7)
	if err != nil || tr.Len() != 15 || va.Len() != 5 {
		t.Fatalf("split %v %v %v", tr, va, err)
	}
	seen := map[uint8]bool{}
	for _, d := range []Dataset{tr, va} {
		for i := 0; i < d.Len(); i++ {
			px, _ := d.Example(i)
			if seen[px[0]] {
				t.Fatalf("example %d in both parts", px[0])
			}
			seen[px[0]] = true
		}
	}
	if _, _, err := Split(s, 1, 7); err == nil {
		t.Error("split 1 accepted")
	}
	if Limit(s, 7, 1).Len() != 7 || Limit(s, 0, 1).Len() != 20 || Limit(s, 30, 1).Len() != 20 {
		t.Error("limit sizes")
	}
	if _, err := NewLoader(s, LoaderOptions{H: 1, W: 1, Batch: 21, DropLast: true}); err == nil {
		t.Error("a batch larger than the set accepted with DropLast")
	}
}

func equalF(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalI(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
