package mobilenetv3

import (
	"math"
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
)

func convMultAdds(s *graph.Summary) int64 {
	var n int64
	for _, t := range []string{graph.TypeConv, graph.TypeDepthwise, graph.TypePointwise, graph.TypeFullyConnected} {
		n += s.ByType[t].MultAdds
	}
	return n
}

// TestCosts: Large and Small 1.0/224 have torchvision's mult-adds of convolutions and linear layers
// and its parameters, and are within 3 % of the paper's Table 3 (219 M and 56 M, squeeze-and-excite's
// channel products included in the total).
func TestCosts(t *testing.T) {
	for _, c := range []struct {
		name         string
		build        func(Config) (*graph.Graph, error)
		small        bool
		conv, params int64
		paper        float64
	}{
		{"large", BuildLarge, false, 216589760, 5483032, 219e6},
		{"small", BuildSmall, true, 56510400, 2542856, 56e6},
	} {
		g, err := c.build(Config{})
		if err != nil {
			t.Fatal(err)
		}
		s := graph.Summarize(g)
		if convMultAdds(s) != c.conv || s.ParamsTotal != c.params {
			t.Errorf("%s: %d mult-adds in convolutions, %d parameters; want %d and %d", c.name, convMultAdds(s), s.ParamsTotal, c.conv, c.params)
		}
		if d := math.Abs(float64(s.MultAdds)-c.paper) / c.paper; !(d <= 0.03) {
			t.Errorf("%s: %d mult-adds, %.1f %% from the paper's %g", c.name, s.MultAdds, 100*d, c.paper)
		}
		t.Logf("%s: %d mult-adds (%d in convolutions), %d parameters", c.name, s.MultAdds, convMultAdds(s), s.ParamsTotal)
		for _, cfg := range []Config{{}, {Alpha: 0.75, Resolution: 67, Classes: 10, Channels: 1}} {
			g, err := c.build(cfg)
			if err != nil {
				t.Fatal(err)
			}
			spec, _ := cfg.Spec(c.small)
			var n int64
			for _, v := range g.Values {
				if v.Const() {
					n += int64(len(v.Data.F32))
				}
			}
			if n != spec.Floats() {
				t.Errorf("%s %+v: Floats %d, Build allocates %d", c.name, cfg, spec.Floats(), n)
			}
		}
	}
}
