package ssd

import (
	"math"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/assets"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// TestFromOfficialComputesTheOfficialHeads: the folded detector built with the built-in COCO detector's
// dequantized weights computes, on a smooth synthetic image, the box encodings and class logits the
// 8-bit original computes, within the original's quantization error (its heads' output steps are 0.03
// to 0.08); with new classes, only the class predictors differ.
func TestFromOfficialComputesTheOfficialHeads(t *testing.T) {
	m, err := tflite.Parse(assets.DefaultDetector)
	if err != nil {
		t.Fatal(err)
	}
	official, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	g, c, err := FromOfficial(official, 90, 1)
	if err != nil {
		t.Fatal(err)
	}
	if c.Alpha != 0.75 || c.Resolution != 300 || !c.Folded {
		t.Fatalf("config %+v, want α 0.75 at 300, folded", c)
	}
	const r = 300
	q, _ := tensor.New(tensor.Uint8, tensor.Shape{1, r, r, 3})
	f, _ := tensor.New(tensor.Float32, tensor.Shape{1, r, r, 3})
	for i := range q.U8 {
		p, y, x := i%3, i/3/r, i/3%r
		v := 128 + 100*math.Sin(float64(x)/23+float64(p))*math.Cos(float64(y)/31)
		q.U8[i] = uint8(v)
		f.F32[i] = (float32(q.U8[i]) - 128) / 128
	}
	heads := func(g *graph.Graph, in *tensor.Tensor) [2][]float32 {
		boxes, logits, _, err := Heads(g)
		if err != nil {
			t.Fatal(err)
		}
		p, err := graph.Compile(g, graph.Options{Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := p.Capture(boxes)
		l, _ := p.Capture(logits)
		if _, err := p.Run(in); err != nil {
			t.Fatal(err)
		}
		bf, _ := b.Dequantize()
		lf, _ := l.Dequantize()
		return [2][]float32{bf, lf}
	}
	want, got := heads(official, q), heads(g, f)
	for i, name := range []string{"box encodings", "class logits"} {
		var sum float64
		for j := range want[i] {
			sum += math.Abs(float64(got[i][j] - want[i][j]))
		}
		mean := sum / float64(len(want[i]))
		if err := approx.Within(name+": mean |float − 8-bit|", mean, 0.15); err != nil {
			t.Error(err)
		}
		t.Logf("%s: mean |float − 8-bit| = %.3f over %d values", name, mean, len(want[i]))
	}
	g2, _, err := FromOfficial(official, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	boxes2 := heads(g2, f)[0]
	approx.Require(t, "box encodings with 3 new classes", boxes2, got[0], 0, 0)
}
