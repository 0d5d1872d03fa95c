package mobilenetv1

import (
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/golden"
	"github.com/mobilenet-go/mobilenet/internal/lcg"
	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// TestBuilderEqualsOfficialGraph gives the builder the weights of the official float model (FromOfficial:
// α 0.25, 224, 1001 classes, read from the model) and compares its output with the TFLite interpreter's on the golden inputs
// (testdata/golden, made by scripts/goldens.sh). Both forms of the built network are checked: the
// training form, with batch norm set to add the folded bias, and the folded inference form.
func TestBuilderEqualsOfficialGraph(t *testing.T) {
	m, err := tflite.ReadFile(shared.Path(t, "models/mobilenet_v1_0.25_224_1_default_1.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	g, c, err := FromOfficial(src)
	if err != nil {
		t.Fatal(err)
	}
	if c != (Config{Alpha: 0.25, Resolution: 224, Channels: 3, Classes: 1001}) {
		t.Fatalf("architecture read from the model: %+v", c)
	}
	gf, err := golden.Load("../../testdata/golden/mobilenet_v1_0.25_224_1_default_1.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, form := range []struct {
		name string
		g    *graph.Graph
	}{{"training form", g}, {"folded", graph.Fold(g)}} {
		p, err := graph.Compile(form.g, graph.Options{})
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for _, c := range gf.Cases[:4] {
			x, _ := tensor.FromFloat32(tensor.Shape{1, 224, 224, 3}, lcg.Float32s(c.Seed, 224*224*3))
			out, err := p.Run(x)
			if err != nil {
				t.Fatal(err)
			}
			if err := approx.Close(out[0].F32, c.Outputs[0].Floats, 1e-5, 0); err != nil {
				t.Fatalf("%s seed %d: against the oracle: %v", form.name, c.Seed, err)
			}
			d, _, _ := approx.MaxAbsDiff(out[0].F32, c.Outputs[0].Floats)
			worst = max(worst, d)
		}
		t.Logf("%s: max |diff| against the oracle %.3g (tolerance 1e-5)", form.name, worst)
	}
	// Mismatched architectures are refused.
	other, _ := Build(Config{Alpha: 0.5, Resolution: 224, Classes: 1001})
	if err := CopyWeights(other, src); err == nil {
		t.Error("α 0.5 accepted the weights of α 0.25")
	}
}

// TestFromOfficialArchitecture: FromOfficial reads α, resolution, channels and classes back from a built
// network in inference form, and refuses an 8-bit model in one line.
func TestFromOfficialArchitecture(t *testing.T) {
	for _, want := range []Config{
		{Alpha: 0.5, Resolution: 32, Channels: 1, Classes: 10},
		{Alpha: 0.75, Resolution: 64, Channels: 3, Classes: 7},
	} {
		built, err := Build(want)
		if err != nil {
			t.Fatal(err)
		}
		if _, got, err := FromOfficial(graph.Fold(built)); err != nil || got != want {
			t.Errorf("FromOfficial of %+v: %+v, %v", want, got, err)
		}
	}
	m, err := tflite.ReadFile("../../internal/assets/mobilenet_v1_0.75_192_quant.tflite")
	if err != nil {
		t.Fatal(err)
	}
	q, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := FromOfficial(q); err == nil || !strings.Contains(err.Error(), "want a float32") || strings.Contains(err.Error(), "\n") {
		t.Errorf("an 8-bit model: %v", err)
	}
}
