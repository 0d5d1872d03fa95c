package detdata

import (
	"context"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/vision"
)

// smallSet writes n images (JPEG and PNG, sizes varying, one grey) with one or two boxes each and
// returns them as a Set with classes a and b.
func smallSet(t testing.TB, n int) *Set {
	t.Helper()
	dir := t.TempDir()
	s := &Set{Classes: []string{"a", "b"}, Source: "test"}
	for i := range n {
		w, h := 24+3*i, 18+2*(i%4)
		name := filepath.Join(dir, string(rune('a'+i))+[]string{".jpg", ".png"}[i%2])
		if i == 1 {
			writeGrey(t, name, w, h)
		} else {
			writeImage(t, dir, filepath.Base(name), w, h)
		}
		boxes := []Box{{Class: i % 2, XMin: 2, YMin: 1, XMax: float64(w) / 2, YMax: float64(h) - 1}}
		if i%3 == 0 {
			boxes = append(boxes, Box{Class: 1, XMin: float64(w) / 2, YMin: 0, XMax: float64(w), YMax: float64(h) / 3, Difficult: true})
		}
		s.Samples = append(s.Samples, Sample{Path: name, Width: w, Height: h, Boxes: boxes})
	}
	return s
}

// writeGrey writes a w×h grey PNG.
func writeGrey(t testing.TB, path string, w, h int) {
	t.Helper()
	m := image.NewGray(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 5)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, m); err != nil {
		t.Fatal(err)
	}
}

func newLoader(t testing.TB, s *Set, opt LoaderOptions) *Loader {
	t.Helper()
	l, err := NewLoader(s, opt)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// collect reads the batches of an epoch, failing on a batch error.
func collect(t testing.TB, l *Loader, epoch, from int) []*Batch {
	t.Helper()
	var out []*Batch
	for b := range l.Epoch(context.Background(), epoch, from) {
		if b.Err != nil {
			t.Fatal(b.Err)
		}
		out = append(out, b)
	}
	return out
}

// TestLoaderPlain checks a loader without augmentation against the vision pipeline done by hand
// (decode, RGB, bilinear resize, (v − 127.5)/127.5), the boxes against the pixel boxes divided by
// the image size, the grey image's three equal channels, and the batch sizes.
func TestLoaderPlain(t *testing.T) {
	s := smallSet(t, 5)
	const size = 16
	l := newLoader(t, s, LoaderOptions{Size: size, Batch: 2, Workers: 2})
	if l.Batches() != 3 {
		t.Fatalf("%d batches, want 3", l.Batches())
	}
	batches := collect(t, l, 0, 0)
	if len(batches) != 3 || batches[2].N != 1 || len(batches[2].X) != size*size*3 {
		t.Fatalf("%d batches, the last of %d", len(batches), batches[len(batches)-1].N)
	}
	per := size * size * 3
	for _, b := range batches {
		for k, i := range b.Samples {
			sm := s.Samples[i]
			img, _, err := vision.DecodeFile(sm.Path, 0)
			if err != nil {
				t.Fatal(err)
			}
			px, err := vision.ToPixels(img, 3)
			if err != nil {
				t.Fatal(err)
			}
			want := vision.ResizeBilinear(px, size, size).Float32(127.5, 127.5)
			got := b.X[k*per : (k+1)*per]
			approx.Require(t, sm.Path, got, want, 0, 0)
			if i == 1 {
				for p := 0; p < len(got); p += 3 {
					if got[p] != got[p+1] || got[p] != got[p+2] {
						t.Fatalf("grey image: pixel %d is %v", p/3, got[p:p+3])
					}
				}
			}
			var gotBoxes, wantBoxes []float64
			for j, nb := range b.Boxes[k] {
				ob := sm.Boxes[j]
				if nb.Class != ob.Class || nb.Difficult != ob.Difficult {
					t.Fatalf("%s: box %d is %+v, want %+v", sm.Path, j, nb, ob)
				}
				gotBoxes = append(gotBoxes, float64(nb.YMin), float64(nb.XMin), float64(nb.YMax), float64(nb.XMax))
				w, h := float64(sm.Width), float64(sm.Height)
				wantBoxes = append(wantBoxes, ob.YMin/h, ob.XMin/w, ob.YMax/h, ob.XMax/w)
			}
			approx.Require(t, sm.Path+" boxes", gotBoxes, wantBoxes, 1e-7, 0)
		}
	}
	l = newLoader(t, s, LoaderOptions{Size: size, Batch: 2, DropLast: true})
	if got := collect(t, l, 0, 0); len(got) != 2 || l.Batches() != 2 {
		t.Fatalf("DropLast: %d batches", len(got))
	}
}

// TestLoaderResume checks that an augmented, shuffled epoch resumed at batch 2 gives exactly the
// batches of an uninterrupted one, whatever the number of workers and with or without the cache;
// that an epoch visits every sample once; and that another epoch is another order and other inputs.
func TestLoaderResume(t *testing.T) {
	s := smallSet(t, 9)
	opt := LoaderOptions{Size: 20, Batch: 2, Shuffle: true, Augment: true, Seed: 7, Workers: 3}
	cached := newLoader(t, s, opt)
	full := collect(t, cached, 3, 0)
	if len(cached.cache.images) != 9 {
		t.Fatalf("%d images cached, want all 9", len(cached.cache.images))
	}
	var seen []int
	for _, b := range full {
		seen = append(seen, b.Samples...)
	}
	slices.Sort(seen)
	if want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(seen, want) {
		t.Fatalf("epoch visited %v", seen)
	}
	opt.Workers, opt.CacheBytes, opt.Prefetch = 1, -1, 1
	resumed := collect(t, newLoader(t, s, opt), 3, 2)
	if len(resumed) != len(full)-2 {
		t.Fatalf("resumed at 2: %d batches of %d", len(resumed), len(full))
	}
	for j, b := range resumed {
		want := full[j+2]
		if b.Index != want.Index || !slices.Equal(b.Samples, want.Samples) {
			t.Fatalf("batch %d: index %d samples %v, want %d %v", j+2, b.Index, b.Samples, want.Index, want.Samples)
		}
		approx.Require(t, "X", b.X, want.X, 0, 0)
		for k := range b.Boxes {
			if !slices.Equal(b.Boxes[k], want.Boxes[k]) {
				t.Fatalf("batch %d image %d: boxes %v, want %v", j+2, k, b.Boxes[k], want.Boxes[k])
			}
		}
	}
	other := collect(t, newLoader(t, s, opt), 4, 0)
	if slices.Equal(other[0].Samples, full[0].Samples) && approx.Close(other[0].X, full[0].X, 0, 0) == nil {
		t.Fatal("epochs 3 and 4 begin with the same batch")
	}
}

// TestLoaderAugment draws many augmented epochs of one image and checks the invariants: inputs in
// [−1, 1], boxes inside [0, 1] with positive area, at most the image's boxes, and that crops, flips
// and colour changes all happen.
func TestLoaderAugment(t *testing.T) {
	s := smallSet(t, 1)
	s.Samples[0].Boxes = append(s.Samples[0].Boxes, Box{Class: 1, XMin: 20, YMin: 10, XMax: 24, YMax: 18})
	l := newLoader(t, s, LoaderOptions{Size: 12, Batch: 1, Augment: true, Seed: 1})
	plain := collect(t, newLoader(t, s, LoaderOptions{Size: 12, Batch: 1}), 0, 0)[0]
	var cropped, changed int
	for epoch := range 60 {
		b := collect(t, l, epoch, 0)[0]
		for _, v := range b.X {
			if !(v >= -1 && v <= 1) {
				t.Fatalf("epoch %d: input %v outside [−1, 1]", epoch, v)
			}
		}
		boxes := b.Boxes[0]
		if len(boxes) > len(s.Samples[0].Boxes) {
			t.Fatalf("epoch %d: %d boxes from %d", epoch, len(boxes), len(s.Samples[0].Boxes))
		}
		for _, nb := range boxes {
			if !(0 <= nb.XMin && nb.XMin < nb.XMax && nb.XMax <= 1 && 0 <= nb.YMin && nb.YMin < nb.YMax && nb.YMax <= 1) {
				t.Fatalf("epoch %d: box %+v", epoch, nb)
			}
		}
		if !slices.Equal(boxes, plain.Boxes[0]) {
			cropped++
		}
		if approx.Close(b.X, plain.X, 1e-6, 0) != nil {
			changed++
		}
	}
	if cropped < 10 || changed < 40 {
		t.Fatalf("of 60 epochs, %d changed the boxes and %d the inputs", cropped, changed)
	}
}

// TestFlip checks the mirror on a 2×2 image and its box by hand.
func TestFlip(t *testing.T) {
	px := &vision.Pixels{H: 2, W: 2, C: 3, Pix: []float32{0, 0, 0, 255, 255, 255, 0, 0, 0, 127.5, 127.5, 127.5}}
	got := make([]float32, 12)
	var ph photometric
	ph.write(got, px, true)
	want := []float32{1, 1, 1, -1, -1, -1, 0, 0, 0, -1, -1, -1}
	approx.Require(t, "mirrored", got, want, 0, 0)
	boxes := cropBoxes([]Box{{XMin: 10, YMin: 0, XMax: 40, YMax: 25, Class: 1}}, image.Rect(0, 0, 100, 50), true)
	gotBox := []float32{boxes[0].YMin, boxes[0].XMin, boxes[0].YMax, boxes[0].XMax}
	approx.Require(t, "mirrored box", gotBox, []float32{0, 0.6, 0.5, 0.9}, 1e-7, 0)
}

// TestCropBoxes checks by hand which boxes a patch keeps (centre strictly inside) and their
// clipping.
func TestCropBoxes(t *testing.T) {
	boxes := []Box{
		{XMin: 0, YMin: 0, XMax: 40, YMax: 40},    // centre (20, 20): inside, clipped
		{XMin: 60, YMin: 60, XMax: 100, YMax: 80}, // centre (80, 70): outside
		{XMin: 10, YMin: 30, XMax: 30, YMax: 50},  // centre (20, 40): on the edge, left out
	}
	got := cropBoxes(boxes, image.Rect(10, 0, 60, 40), false)
	if len(got) != 1 {
		t.Fatalf("kept %d boxes, want 1", len(got))
	}
	approx.Require(t, "clipped", []float32{got[0].YMin, got[0].XMin, got[0].YMax, got[0].XMax}, []float32{0, 0, 1, 0.6}, 1e-7, 0)
}

// TestRandomCrop checks many crops: inside the image, of 0.1..1 of its area and a ratio in
// [½, 2] (up to rounding), each accepted by its rule; and the whole image chosen about 1/7 of the
// time plus the failures.
func TestRandomCrop(t *testing.T) {
	const w, h = 200, 120
	boxes := []Box{{XMin: 10, YMin: 10, XMax: 60, YMax: 90}, {XMin: 150, YMin: 20, XMax: 190, YMax: 50}}
	whole := 0
	for i := range 2000 {
		r := rand.New(rand.NewPCG(3, uint64(i)))
		p := randomCrop(r, w, h, boxes)
		if p == image.Rect(0, 0, w, h) {
			whole++
			continue
		}
		if !p.In(image.Rect(0, 0, w, h)) {
			t.Fatalf("patch %v outside the image", p)
		}
		area := float64(p.Dx()*p.Dy()) / (w * h)
		ratio := float64(p.Dx()) / float64(p.Dy())
		if err := approx.Within("area below 0.1", 0.1-area, 0.01); err != nil {
			t.Fatalf("patch %v: %v", p, err)
		}
		if err := approx.Within("ratio beyond [½, 2]", math.Abs(math.Log2(ratio)), 1.05); err != nil {
			t.Fatalf("patch %v: %v", p, err)
		}
		if !acceptCrop(p, boxes, 0) {
			t.Fatalf("patch %v holds no box centre", p)
		}
	}
	if whole < 2000/7-60 || whole > 2000/2 {
		t.Fatalf("the whole image %d times of 2000", whole)
	}
	// Without boxes only the "any patch" choice crops.
	for i := range 50 {
		p := randomCrop(rand.New(rand.NewPCG(4, uint64(i))), w, h, nil)
		if !p.In(image.Rect(0, 0, w, h)) || p.Empty() {
			t.Fatalf("patch %v of an image without boxes", p)
		}
	}
}

// TestPhotometric checks the distortion's algebra: every drawn colour matrix keeps grey grey (its
// rows sum to 1), and brightness alone adds its shift.
func TestPhotometric(t *testing.T) {
	for i := range 200 {
		ph := randomPhotometric(rand.New(rand.NewPCG(5, uint64(i))))
		for c := range 3 {
			sum := ph.mix[c][0] + ph.mix[c][1] + ph.mix[c][2]
			if err := approx.Within("|row sum − 1|", math.Abs(sum-1), 1e-12); err != nil {
				t.Fatalf("draw %d: %v", i, err)
			}
		}
	}
	ph := photometric{on: true, scale: 1, shift: 20, mix: [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}}
	px := &vision.Pixels{H: 1, W: 2, C: 3, Pix: []float32{0, 100, 250, 10, 20, 30}}
	got := make([]float32, 6)
	ph.write(got, px, false)
	n := func(v float32) float32 { return (v - 127.5) / 127.5 }
	approx.Require(t, "brightness", got, []float32{n(20), n(120), n(255), n(30), n(40), n(50)}, 1e-6, 0)
}

// TestLoaderErrors checks NewLoader's refusals, a batch whose image no longer decodes, and that a
// cancelled epoch closes its channel.
func TestLoaderErrors(t *testing.T) {
	s := smallSet(t, 3)
	bad := []struct {
		set  *Set
		opt  LoaderOptions
		want string
	}{
		{&Set{}, LoaderOptions{Size: 8, Batch: 1}, "empty"},
		{s, LoaderOptions{Size: 0, Batch: 1}, "input size 0"},
		{s, LoaderOptions{Size: 8, Batch: 0}, "batch size 0"},
		{s, LoaderOptions{Size: 4096, Batch: 1 << 20}, "batch size 1048576 out of range"},
		{s, LoaderOptions{Size: 8, Batch: 4, DropLast: true}, "3 images do not fill one batch of 4"},
		{&Set{Classes: []string{"a"}, Samples: []Sample{{Path: "p", Width: 4, Height: 4, Boxes: []Box{{XMax: 5, YMax: 1}}}}}, LoaderOptions{Size: 8, Batch: 1}, "not inside the 4×4 image"},
		{&Set{Classes: []string{"a"}, Samples: []Sample{{Path: "p", Width: 4, Height: 4, Boxes: []Box{{Class: 1, XMax: 1, YMax: 1}}}}}, LoaderOptions{Size: 8, Batch: 1}, "class 1 out of range"},
	}
	for _, c := range bad {
		if _, err := NewLoader(c.set, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewLoader(%+v) = %v, want an error holding %q", c.opt, err, c.want)
		}
	}
	broken := *s
	broken.Samples = slices.Clone(s.Samples)
	broken.Samples[2].Path = filepath.Join(t.TempDir(), "gone.png")
	writeFile(t, filepath.Dir(broken.Samples[2].Path), "gone.png", "\x89PNG\r\n\x1a\n")
	var errs []error
	for b := range newLoader(t, &broken, LoaderOptions{Size: 8, Batch: 2}).Epoch(context.Background(), 0, 0) {
		errs = append(errs, b.Err)
		if b.Err != nil && (b.X != nil || !strings.Contains(b.Err.Error(), "gone.png")) {
			t.Fatalf("batch error %v with X of %d", b.Err, len(b.X))
		}
	}
	if len(errs) != 2 || errs[0] != nil || errs[1] == nil {
		t.Fatalf("batch errors %v, want the second only", errs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch := newLoader(t, smallSet(t, 8), LoaderOptions{Size: 8, Batch: 1, Workers: 2}).Epoch(ctx, 0, 0)
	<-ch
	cancel()
	n := 0
	for range ch {
		n++
	}
	if n > 4 {
		t.Fatalf("%d batches after cancelling", n)
	}
}

// TestLoaderRaccoon makes two augmented batches of the real photos at SSD's size.
func TestLoaderRaccoon(t *testing.T) {
	s := mustLoad(t, raccoon(t), Options{})
	l := newLoader(t, s, LoaderOptions{Size: 300, Batch: 4, Shuffle: true, Augment: true, Seed: 1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	for b := range l.Epoch(ctx, 0, 0) {
		if b.Err != nil {
			t.Fatal(b.Err)
		}
		if b.N != 4 || len(b.X) != 4*300*300*3 {
			t.Fatalf("batch of %d, %d values", b.N, len(b.X))
		}
		if n++; n == 2 {
			break
		}
	}
}

// BenchmarkLoaderRaccoon measures the loader on the raccoon photos at Size 300, Batch 16, with
// augmentation, reporting images a second: "decode" decodes every JPEG each time (no cache),
// "cached" reads them from the cache filled by one epoch before timing.
func BenchmarkLoaderRaccoon(b *testing.B) {
	s := mustLoad(b, raccoon(b), Options{})
	for _, c := range []struct {
		name  string
		cache int64
	}{{"decode", -1}, {"cached", 0}} {
		b.Run(c.name, func(b *testing.B) {
			l := newLoader(b, s, LoaderOptions{Size: 300, Batch: 16, Shuffle: true, Augment: true, Seed: 1, CacheBytes: c.cache})
			epoch := func(e int) int {
				n := 0
				for batch := range l.Epoch(context.Background(), e, 0) {
					if batch.Err != nil {
						b.Fatal(batch.Err)
					}
					n += batch.N
				}
				return n
			}
			if c.cache == 0 {
				epoch(-1)
			}
			images := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				images += epoch(i)
			}
			b.ReportMetric(float64(images)/b.Elapsed().Seconds(), "images/s")
		})
	}
}
