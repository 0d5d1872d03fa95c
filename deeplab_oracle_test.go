package mobilenet

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/assets"
	"github.com/mobilenet-go/mobilenet/internal/golden"
	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/tensor"
	"github.com/mobilenet-go/mobilenet/vision"
)

// The DeepLab golden file (testdata/golden/deeplabv3_mnv2_dm05_pascal_quant.json, scripts/goldens.sh)
// holds, per case, the oracle's logits codes, the SHA-256 of the codes it feeds ARG_MAX (513·513·21 of
// them) and the class pixel counts of their ARG_MAX. These tests run the built-in model (the same file)
// with those three values exposed and compare them all: every code equal, hence every class equal.

// personClass is PASCAL VOC's "person".
const personClass = 15

// deeplabProbe is the built-in DeepLab graph compiled with three outputs: the logits (the last
// Conv2D), the ARG_MAX input (the last resize) and the ARG_MAX itself.
type deeplabProbe struct {
	m *Model
	p *graph.Program
}

func newDeepLabProbe(t *testing.T, opts ...Option) *deeplabProbe {
	t.Helper()
	m, err := DefaultSegmenter(opts...)
	if err != nil {
		t.Fatal(err)
	}
	g := m.Graph()
	logits, scores := -1, -1
	for _, n := range g.Nodes {
		switch n.Op.(type) {
		case *graph.Conv2D:
			logits = n.Outputs[0]
		case *graph.ArgMax:
			scores = n.Inputs[0]
		}
	}
	if logits < 0 || scores < 0 || len(g.Outputs) != 1 {
		t.Fatalf("the built-in segmenter has no Conv2D or ArgMax (logits %d, scores %d)", logits, scores)
	}
	probe := *g
	probe.Outputs = []int{logits, scores, g.Outputs[0]}
	p, err := graph.Compile(&probe, graph.Options{Batch: 1, Rounding: m.cfg.rounding})
	if err != nil {
		t.Fatal(err)
	}
	return &deeplabProbe{m: m, p: p}
}

// run returns the logits codes, the resized score codes and the class map of one input.
func (d *deeplabProbe) run(t *testing.T, in *tensor.Tensor) (logits, scores []uint8, classes []int64) {
	t.Helper()
	outs, err := d.p.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	return outs[0].U8, outs[1].U8, outs[2].I64
}

// caseInput returns the model input of a golden case.
func caseInput(t *testing.T, m *Model, c *golden.Case) *tensor.Tensor {
	t.Helper()
	if c.Image == "" {
		return seededInput(m, c.Seed)
	}
	ins, err := c.Inputs()
	if err != nil {
		t.Fatal(err)
	}
	in := m.Input()
	x, err := tensor.FromBytes(in.DType, in.Shape, ins[0])
	if err != nil {
		t.Fatal(err)
	}
	x.Quant = in.Quant
	return x
}

// hashWords is the SHA-256 of codes as the golden file stores it: 8 big-endian words as int32.
func hashWords(codes []uint8) []int32 {
	sum := sha256.Sum256(codes)
	w := make([]int32, 8)
	for i := range w {
		w[i] = int32(binary.BigEndian.Uint32(sum[4*i:]))
	}
	return w
}

// classCounts counts the pixels of each class.
func classCounts(classes []int64, n int) []int32 {
	counts := make([]int32, n)
	for _, c := range classes {
		if c >= 0 && int(c) < n {
			counts[c]++
		}
	}
	return counts
}

// TestDeepLabEqualsOracle: on every golden case (6 seeded inputs, 2 photos with people), every logits
// code, every one of the 5,526,549 codes that feed ARG_MAX (by their SHA-256) and the class of every
// pixel (by class counts) equal the TFLite interpreter's; on the photos, most pixels are "person".
func TestDeepLabEqualsOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("runs DeepLab at 513×513 eight times")
	}
	gf := loadGolden(t, assets.DefaultSegmenterName)
	if len(gf.Cases) < 8 {
		t.Fatalf("only %d golden cases", len(gf.Cases))
	}
	d := newDeepLabProbe(t)
	photos := 0
	for k := range gf.Cases {
		c := &gf.Cases[k]
		if len(c.Outputs) != 3 {
			t.Fatalf("case %d: %d outputs, want logits, hash and counts", k, len(c.Outputs))
		}
		name := c.Image
		if name == "" {
			name = fmt.Sprintf("seed %d", c.Seed)
		}
		logits, scores, classes := d.run(t, caseInput(t, d.m, c))
		if err := approx.Codes(logits, c.Outputs[0].Ints, 0); err != nil {
			t.Errorf("%s: logits against the oracle: %v", name, err)
		}
		if got, want := hashWords(scores), c.Outputs[1].Ints; !slices.Equal(got, want) {
			t.Errorf("%s: the %d codes feeding ARG_MAX differ from the oracle's (SHA-256 %08x…, want %08x…)", name, len(scores), uint32(got[0]), uint32(want[0]))
		}
		want := c.Outputs[2].Ints
		got := classCounts(classes, len(want))
		if err := approx.Codes(got, want, 0); err != nil {
			t.Errorf("%s: class pixel counts against the oracle's codes: %v", name, err)
		}
		if c.Image != "" {
			photos++
			share := float64(got[personClass]) / float64(len(classes))
			if err := approx.Within(name+": 1 − share of person pixels", 1-share, 0.5); err != nil {
				t.Errorf("%v (class counts %v)", err, got)
			}
			t.Logf("%s: %.1f %% of the pixels are person", name, 100*share)
		}
	}
	if photos < 2 {
		t.Errorf("%d photo cases, want 2", photos)
	}
}

// TestDeepLabPreprocessMatchesGolden: the photo cases' stored inputs are what Model.Preprocess makes
// of the photos, so Segment on the photo file sees exactly what the oracle saw.
func TestDeepLabPreprocessMatchesGolden(t *testing.T) {
	gf := loadGolden(t, assets.DefaultSegmenterName)
	m, err := DefaultSegmenter()
	if err != nil {
		t.Fatal(err)
	}
	for k := range gf.Cases {
		c := &gf.Cases[k]
		if c.Image == "" {
			continue
		}
		img, _, err := vision.DecodeFile(shared.Path(t, "images/"+c.Image), DefaultMaxPixels)
		if err != nil {
			t.Fatal(err)
		}
		x, err := m.Preprocess(img)
		if err != nil {
			t.Fatal(err)
		}
		if err := approx.Codes(x.U8, caseInput(t, m, c).U8, 0); err != nil {
			t.Errorf("%s: Preprocess against the stored input: %v", c.Image, err)
		}
	}
}

// TestSegmentPeoplePhoto runs the public Segment on a photo with a person: the largest class is
// person, covering most of the photo, and its shares sum to 1.
func TestSegmentPeoplePhoto(t *testing.T) {
	if testing.Short() {
		t.Skip("runs DeepLab at 513×513")
	}
	m, err := DefaultSegmenter()
	if err != nil {
		t.Fatal(err)
	}
	img, s, err := m.SegmentFile(shared.Path(t, "images/tfls_grace_hopper.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if s.ImageWidth != b.Dx() || s.ImageHeight != b.Dy() || s.Width != 513 || s.Height != 513 {
		t.Fatalf("segmentation %dx%d for a %dx%d image, mask %dx%d", s.ImageWidth, s.ImageHeight, b.Dx(), b.Dy(), s.Width, s.Height)
	}
	shares, err := s.Shares()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, c := range shares {
		sum += c.Share
	}
	if err := approx.Within("shares' sum − 1", sum-1, 1e-9); err != nil {
		t.Error(err)
	}
	if len(shares) == 0 || shares[0].Label != "person" || shares[0].Index != personClass {
		t.Fatalf("largest class %+v, want person", shares)
	}
	if err := approx.Within("1 − person share", 1-shares[0].Share, 0.5); err != nil {
		t.Error(err)
	}
	t.Logf("grace_hopper: %+v", shares)
}

// TestDeepLabReferenceRounding: TFLite's reference kernels (Options.Rounding = Reference: fixed-point
// requantization, the resize truncating) drift from XNNPACK's arithmetic over DeepLab's 72 operators
// (measured: 13-36 % of logits codes equal, up to 8 codes apart), yet label the photos' pixels almost
// alike: at least 98 % of pixels (measured 99.3-99.5 %) get the same class as under XNNPACK, whose every code is the oracle's
// (TestDeepLabEqualsOracle).
func TestDeepLabReferenceRounding(t *testing.T) {
	if testing.Short() {
		t.Skip("runs DeepLab at 513×513 four times")
	}
	gf := loadGolden(t, assets.DefaultSegmenterName)
	xnn, ref := newDeepLabProbe(t), newDeepLabProbe(t, WithRounding(Reference))
	for k := range gf.Cases {
		c := &gf.Cases[k]
		if c.Image == "" {
			continue
		}
		in := caseInput(t, xnn.m, c)
		_, _, a := xnn.run(t, in)
		a = slices.Clone(a)
		_, _, b := ref.run(t, in)
		same := 0
		for i := range a {
			if a[i] == b[i] {
				same++
			}
		}
		agree := float64(same) / float64(len(a))
		if err := approx.Within(c.Image+": share of pixels whose class differs between the roundings", 1-agree, 0.02); err != nil {
			t.Error(err)
		}
		t.Logf("%s: %.2f %% of pixels get the same class in both roundings", c.Image, 100*agree)
	}
}
