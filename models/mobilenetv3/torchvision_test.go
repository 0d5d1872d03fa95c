package mobilenetv3

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/lcg"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv2"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// goldens is testdata/torchvision_goldens.json, written by scripts/torchvision_goldens.py.
type goldens struct {
	InputSeed uint32 `json:"input_seed"`
	Cases     []struct {
		Model      string    `json:"model"`
		Alpha      float64   `json:"alpha"`
		Resolution int       `json:"resolution"`
		Classes    int       `json:"classes"`
		WeightSeed uint32    `json:"weight_seed"`
		Logits     []float64 `json:"logits"`
	} `json:"cases"`
}

// draw returns the next value of the script's LCG: s/2³²·2 − 1 in float64.
func draw(r *lcg.Source) float64 { return float64(r.Next())/4294967296*2 - 1 }

// fillLikeTorchvision sets every constant of g, in the order the builder added them (torchvision's
// state_dict order), to the script's draws, each tensor drawn in torchvision's layout (OIHW; [C,1,K,K]
// for depthwise filters) and transposed into the graph's (OHWI; [1,K,K,C]).
func fillLikeTorchvision(t *testing.T, g *graph.Graph, seed uint32) {
	r := lcg.New(seed)
	for _, v := range g.Values {
		if !v.Const() {
			continue
		}
		d := v.Data.F32
		name := v.Name
		switch {
		case strings.HasSuffix(name, "/depthwise_weights"):
			kh, kw, c := v.Shape[1], v.Shape[2], v.Shape[3]
			bound := math.Sqrt(6 / float64(kh*kw))
			for ch := 0; ch < c; ch++ {
				for i := 0; i < kh*kw; i++ {
					d[i*c+ch] = float32(draw(r) * bound)
				}
			}
		case strings.HasSuffix(name, "/weights"):
			o, kh, kw, in := v.Shape.NHWC()
			bound := math.Sqrt(6 / float64(in*kh*kw))
			for oc := 0; oc < o; oc++ {
				for ic := 0; ic < in; ic++ {
					for i := 0; i < kh*kw; i++ {
						d[(oc*kh*kw+i)*in+ic] = float32(draw(r) * bound)
					}
				}
			}
		case strings.HasSuffix(name, "/gamma"):
			for i := range d {
				d[i] = float32(0.75 + 0.25*draw(r))
			}
		case strings.HasSuffix(name, "/moving_variance"):
			for i := range d {
				d[i] = float32(1 + 0.5*draw(r))
			}
		case strings.HasSuffix(name, "/beta"), strings.HasSuffix(name, "/moving_mean"), strings.HasSuffix(name, "/biases"):
			for i := range d {
				d[i] = float32(0.1 * draw(r))
			}
		default:
			t.Fatalf("constant %q: no rule", name)
		}
	}
}

// TestEqualsTorchvision builds V2, V3-Large and V3-Small with torchvision's padding and ε, gives them
// the weights the script gave torchvision's models, and compares the logits (before softmax) with
// torchvision's: max |diff| ≤ 1e-4·max(1, max |logit|), through the fast float32 kernels and through
// the folded inference form.
func TestEqualsTorchvision(t *testing.T) {
	raw, err := os.ReadFile("testdata/torchvision_goldens.json")
	if err != nil {
		t.Fatal(err)
	}
	var gs goldens
	if err := json.Unmarshal(raw, &gs); err != nil {
		t.Fatal(err)
	}
	if len(gs.Cases) != 3 {
		t.Fatalf("%d cases, want 3", len(gs.Cases))
	}
	for _, c := range gs.Cases {
		var g *graph.Graph
		var err error
		switch c.Model {
		case "mobilenet_v2":
			g, err = mobilenetv2.Build(mobilenetv2.Config{Alpha: c.Alpha, Resolution: c.Resolution, Classes: c.Classes, Symmetric: true, Epsilon: 1e-5})
		case "mobilenet_v3_large":
			g, err = BuildLarge(Config{Alpha: c.Alpha, Resolution: c.Resolution, Classes: c.Classes, Symmetric: true})
		case "mobilenet_v3_small":
			g, err = BuildSmall(Config{Alpha: c.Alpha, Resolution: c.Resolution, Classes: c.Classes, Symmetric: true})
		default:
			t.Fatalf("unknown model %q", c.Model)
		}
		if err != nil {
			t.Fatal(err)
		}
		fillLikeTorchvision(t, g, c.WeightSeed)
		// Compare the logits: the value the softmax reads.
		g.Outputs = []int{g.Nodes[len(g.Nodes)-1].Inputs[0]}
		big := 1.0
		for _, v := range c.Logits {
			big = max(big, math.Abs(v))
		}
		tol := 1e-4 * big
		for _, form := range []struct {
			name string
			g    *graph.Graph
		}{{"training form", g}, {"folded", graph.Fold(g)}} {
			p, err := graph.Compile(form.g, graph.Options{Threads: 2})
			if err != nil {
				t.Fatal(err)
			}
			x, _ := tensor.FromFloat32(tensor.Shape{1, c.Resolution, c.Resolution, 3}, lcg.Float32s(gs.InputSeed, c.Resolution*c.Resolution*3))
			out, err := p.Run(x)
			if err != nil {
				t.Fatal(err)
			}
			got := out[0].Floats()
			d, _, err := approx.MaxAbsDiff(got, c.Logits)
			if err == nil {
				err = approx.Within("max |diff| of the logits", d, tol)
			}
			if err != nil {
				t.Errorf("%s α %g %d×%d (%s): %v", c.Model, c.Alpha, c.Resolution, c.Resolution, form.name, err)
				continue
			}
			t.Logf("%s α %g %d×%d (%s): max |diff| %.3g (tolerance %.3g)", c.Model, c.Alpha, c.Resolution, c.Resolution, form.name, d, tol)
		}
	}
}
