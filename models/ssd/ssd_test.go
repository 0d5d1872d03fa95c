package ssd

import (
	"math"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// TestTable13 compares the cost with the paper's Table 13 (SSD 300 MobileNet: 1.2 B mult-adds, 6.8 M
// parameters). Counted: the mult-adds and weights of every convolution (backbone, extra layers, box
// and class predictors), as the paper counts MobileNet itself.
func TestTable13(t *testing.T) {
	g, err := Build(Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := graph.Summarize(g)
	ma, p := float64(s.MultAdds)/1e9, float64(s.Params)/1e6
	t.Logf("SSD 300 MobileNet: %.3f B mult-adds, %.3f M weights, %d trained parameters", ma, p, s.ParamsTotal)
	if approx.Within("relative error", math.Abs(ma-1.2)/1.2, 0.05) != nil || approx.Within("relative error", math.Abs(p-6.8)/6.8, 0.05) != nil {
		t.Errorf("%.3f B mult-adds, %.3f M params: not within 5 %% of 1.2 B and 6.8 M", ma, p)
	}
}

// TestSameArchitectureAsOfficialModel: the built detector's convolutions have the weight shapes of the
// official COCO SSD MobileNet V1 (whose file name says 1.0 but whose layers are α 0.75: Conv2d_0 has 24
// filters, the extra layers 192/384, 96/192, 96/192, 48/96), and its anchors the official anchors' count.
func TestSameArchitectureAsOfficialModel(t *testing.T) {
	m, err := tflite.ReadFile(shared.Path(t, "models/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_no_metadata.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	official, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	g, err := Build(Config{Alpha: 0.75})
	if err != nil {
		t.Fatal(err)
	}
	shapes := func(g *graph.Graph) []tensor.Shape {
		var s []tensor.Shape
		for _, n := range g.Nodes {
			switch n.Op.(type) {
			case *graph.Conv2D, *graph.DepthwiseConv2D:
				s = append(s, g.Input(n, 1).Shape)
			}
		}
		return s
	}
	got, want := shapes(g), shapes(official)
	if len(got) != len(want) {
		t.Fatalf("%d convolutions, the official model %d", len(got), len(want))
	}
	// The official graph orders the predictors as the converter emitted them; compare as multisets.
	count := map[string]int{}
	for i := range got {
		count[got[i].String()]++
		count[want[i].String()]--
	}
	for k, v := range count {
		if v != 0 {
			t.Errorf("weight shape %s: %+d against the official model", k, v)
		}
	}
	pp := g.Find("TFLite_Detection_PostProcess")
	if a := g.Input(pp, 2).Shape; a[0] != 1917 {
		t.Errorf("%d anchors, want 1917", a[0])
	}
}

// TestRuns compiles the folded detector at a small resolution and runs it.
func TestRuns(t *testing.T) {
	g, err := Build(Config{Alpha: 0.25, Resolution: 64, Classes: 3})
	if err != nil {
		t.Fatal(err)
	}
	p, err := graph.Compile(graph.Fold(g), graph.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := tensor.New(tensor.Float32, tensor.Shape{1, 64, 64, 3})
	for i := range x.F32 {
		x.F32[i] = float32(i%7)/3 - 1
	}
	outs, err := p.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 4 || !outs[0].Shape.Equal(tensor.Shape{1, 10, 4}) || outs[3].F32[0] > 10 {
		t.Fatalf("outputs %v", outs)
	}
	if _, err := Build(Config{Resolution: 20}); err == nil {
		t.Error("resolution 20 accepted")
	}
}
