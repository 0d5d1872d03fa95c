package checkpoint

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv2"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv3"
)

// TestV2V3RoundTrip saves a V2, a V3-Large and a V3-Small network with changed weights and loads them
// back: the same builder, the configuration with every default explicit, every constant bit for bit.
func TestV2V3RoundTrip(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		builder string
		config  any
		build   func() (*graph.Graph, error)
	}{
		{MobileNetV2, mobilenetv2.Config{Alpha: 0.35, Resolution: 32, Classes: 5, Symmetric: true},
			func() (*graph.Graph, error) {
				return mobilenetv2.Build(mobilenetv2.Config{Alpha: 0.35, Resolution: 32, Classes: 5, Symmetric: true})
			}},
		{MobileNetV3Large, mobilenetv3.Config{Alpha: 0.5, Resolution: 32, Classes: 4, Channels: 1},
			func() (*graph.Graph, error) {
				return mobilenetv3.BuildLarge(mobilenetv3.Config{Alpha: 0.5, Resolution: 32, Classes: 4, Channels: 1})
			}},
		{MobileNetV3Small, mobilenetv3.Config{Alpha: 0.75, Resolution: 40, Classes: 3, Epsilon: 1e-5},
			func() (*graph.Graph, error) {
				return mobilenetv3.BuildSmall(mobilenetv3.Config{Alpha: 0.75, Resolution: 40, Classes: 3, Epsilon: 1e-5})
			}},
	}
	for _, c := range cases {
		g, err := c.build()
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 1))
		for _, v := range g.Values {
			if v.Const() {
				for i := range v.Data.F32 {
					v.Data.F32[i] += float32(r.NormFloat64())
				}
			}
		}
		path := filepath.Join(dir, c.builder+".safetensors")
		if err := Save(path, g, c.builder, c.config, nil, nil); err != nil {
			t.Fatalf("%s: %v", c.builder, err)
		}
		f, err := Load(path, MaxBytes)
		if err != nil {
			t.Fatalf("%s: %v", c.builder, err)
		}
		if f.Builder != c.builder {
			t.Errorf("builder %s, want %s", f.Builder, c.builder)
		}
		n := 0
		for i, v := range g.Values {
			if !v.Const() {
				continue
			}
			w := f.Graph.Values[i]
			if w.Name != v.Name {
				t.Fatalf("%s: value %d is %q, want %q", c.builder, i, w.Name, v.Name)
			}
			if err := approx.Close(w.Data.F32, v.Data.F32, 0, 0); err != nil {
				t.Fatalf("%s: %s: %v", c.builder, v.Name, err)
			}
			n++
		}
		t.Logf("%s: %d constants equal, config %s", c.builder, n, f.Config)
	}
}
