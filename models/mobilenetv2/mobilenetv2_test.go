package mobilenetv2

import (
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
	mb "github.com/mobilenet-go/mobilenet/models/mobileblocks"
)

// convMultAdds sums the mult-adds of convolutions and fully connected layers, as torchvision's count.
func convMultAdds(s *graph.Summary) int64 {
	var n int64
	for _, t := range []string{graph.TypeConv, graph.TypeDepthwise, graph.TypePointwise, graph.TypeFullyConnected} {
		n += s.ByType[t].MultAdds
	}
	return n
}

// TestCosts: V2 1.0/224 has torchvision's 300,774,272 mult-adds (the paper's 300 M) and 3,504,872
// trained parameters, and Spec.Floats counts what Build allocates.
func TestCosts(t *testing.T) {
	g, err := Build(Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := graph.Summarize(g)
	if s.MultAdds != 300774272 || convMultAdds(s) != 300774272 || s.ParamsTotal != 3504872 {
		t.Errorf("1.0/224: %d mult-adds (%d in convolutions), %d parameters; want 300774272 and 3504872", s.MultAdds, convMultAdds(s), s.ParamsTotal)
	}
	t.Logf("1.0/224: %d mult-adds, %d parameters", s.MultAdds, s.ParamsTotal)
	for _, c := range []Config{{}, {Alpha: 0.35, Resolution: 96, Classes: 10, Channels: 1}, {Alpha: 1.4}} {
		g, err := Build(c)
		if err != nil {
			t.Fatal(err)
		}
		spec, _ := c.Spec()
		var n int64
		for _, v := range g.Values {
			if v.Const() {
				n += int64(len(v.Data.F32))
			}
		}
		if n != spec.Floats() {
			t.Errorf("%+v: Floats %d, Build allocates %d", c, spec.Floats(), n)
		}
	}
}

// TestChannels checks make_divisible and the 1280 kept for α ≤ 1.
func TestChannels(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want int
	}{{32 * 0.35, 16}, {16 * 0.35, 8}, {24 * 0.35, 8}, {18, 24}, {96 * 0.75, 72}, {1280 * 1.4, 1792}, {3, 8}} {
		if got := mb.MakeDivisible(c.v, 8); got != c.want {
			t.Errorf("MakeDivisible(%g) = %d, want %d", c.v, got, c.want)
		}
	}
	for alpha, want := range map[float64]int{0.35: 1280, 1: 1280, 1.4: 1792} {
		s, _ := Config{Alpha: alpha}.Spec()
		if s.Last != want {
			t.Errorf("α %g: last conv %d, want %d", alpha, s.Last, want)
		}
	}
	if _, err := (Config{Alpha: -1}).Spec(); err == nil {
		t.Error("α −1 accepted")
	}
}
