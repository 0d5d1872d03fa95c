package graph_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/kernels"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// TestFastEqualsReference runs whole networks on the fast kernels, at every instruction-set level this
// machine has, split over several threads, and compares their logits (the softmax's input, where a
// difference is not squashed) with the reference kernels': odd and even resolutions (stride 2 on odd and
// even sizes, asymmetric SAME padding), widths giving channel counts that are not multiples of a vector,
// the full-convolution variant, batches above 1. A level the CPU lacks is logged as not run.
func TestFastEqualsReference(t *testing.T) {
	cases := []mobilenetv1.Config{
		{Alpha: 0.25, Resolution: 35, Classes: 7, Seed: 1},
		{Alpha: 0.3, Resolution: 48, Channels: 1, Classes: 10, Seed: 2},
		{Alpha: 0.25, Resolution: 33, Classes: 5, FullConv: true, Seed: 3},
	}
	levels := []kernels.Level{kernels.Generic, kernels.AVX2, kernels.AVX512}
	ran := map[kernels.Level]bool{}
	for _, c := range cases {
		g, err := mobilenetv1.Build(c)
		if err != nil {
			t.Fatal(err)
		}
		randomizeBatchNorm(g, c.Seed)
		f := graph.Fold(g)
		f.Outputs = []int{softmaxInput(t, f)}
		want := runGraph(t, f, graph.Options{Batch: 2, Reference: true, WholeBatch: true}, c.Seed)
		if len(want) != 2*c.Classes {
			t.Fatalf("%s: %d logits, want %d", c.Name(), len(want), 2*c.Classes)
		}
		for _, lvl := range levels {
			prev, err := kernels.SetLevel(lvl)
			if err != nil {
				continue // logged once below
			}
			ran[lvl] = true
			for _, threads := range []int{1, 3} {
				got := runGraph(t, f, graph.Options{Batch: 2, Threads: threads}, c.Seed)
				if err := approx.Close(got, want, 1e-5, 1e-4); err != nil {
					kernels.SetLevel(prev)
					t.Fatalf("%s %v threads %d: logits against the reference: %v", c.Name(), lvl, threads, err)
				}
			}
			kernels.SetLevel(prev)
		}
	}
	for _, lvl := range levels {
		if !ran[lvl] {
			t.Logf("ISA level %v not run: this CPU or build lacks it (highest is %v)", lvl, kernels.Detected())
		}
	}
}

// softmaxInput returns the value the graph's softmax reads: the logits.
func softmaxInput(t *testing.T, g *graph.Graph) int {
	t.Helper()
	for _, n := range g.Nodes {
		if _, ok := n.Op.(*graph.Softmax); ok {
			return n.Inputs[0]
		}
	}
	t.Fatal("the graph has no softmax")
	return -1
}

func randomizeBatchNorm(g *graph.Graph, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 7))
	for _, v := range g.Values {
		if v.Data != nil && len(v.Shape) == 1 {
			for i := range v.Data.F32 {
				v.Data.F32[i] = float32(0.5 + r.Float64())
			}
		}
	}
}

func runGraph(t *testing.T, g *graph.Graph, opt graph.Options, seed uint64) []float32 {
	t.Helper()
	p, err := graph.Compile(g, opt)
	if err != nil {
		t.Fatal(err)
	}
	in := p.Inputs()[0]
	x, _ := tensor.New(tensor.Float32, in.Shape)
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range x.F32 {
		x.F32[i] = float32(r.Float64()*2 - 1)
	}
	out, err := p.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	return append([]float32(nil), out[0].F32...)
}

// TestZeroAllocs: a compiled program allocates nothing per inference.
func TestZeroAllocs(t *testing.T) {
	g, err := mobilenetv1.Build(mobilenetv1.Config{Alpha: 0.25, Resolution: 64})
	if err != nil {
		t.Fatal(err)
	}
	p, err := graph.Compile(graph.Fold(g), graph.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := tensor.New(tensor.Float32, p.Inputs()[0].Shape)
	if _, err := p.Run(x); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(20, func() { p.Run(x) }); n != 0 {
		t.Fatalf("%v allocations per inference", n)
	}
}

func BenchmarkMobileNet(b *testing.B) {
	for _, c := range []struct {
		alpha   float64
		res     int
		threads int
	}{{1, 224, 1}, {1, 224, 2}, {0.25, 128, 1}} {
		b.Run(fmt.Sprintf("%g_%d_t%d", c.alpha, c.res, c.threads), func(b *testing.B) {
			g, _ := mobilenetv1.Build(mobilenetv1.Config{Alpha: c.alpha, Resolution: c.res})
			p, err := graph.Compile(graph.Fold(g), graph.Options{Threads: c.threads})
			if err != nil {
				b.Fatal(err)
			}
			x, _ := tensor.New(tensor.Float32, p.Inputs()[0].Shape)
			s := graph.Summarize(g)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p.Run(x)
			}
			b.ReportMetric(float64(2*s.MultAdds)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestBufferPlan: activations whose lifetimes do not overlap share memory; the plan keeps the results.
func TestBufferPlan(t *testing.T) {
	g, err := mobilenetv1.Build(mobilenetv1.Config{Alpha: 1, Resolution: 224})
	if err != nil {
		t.Fatal(err)
	}
	f := graph.Fold(g)
	p, err := graph.Compile(f, graph.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var all int64
	for _, v := range f.Values {
		if !v.Const() {
			all += int64(v.Shape.Size()) * 4
		}
	}
	// Two 112×112×64 float buffers (the largest activation, in and out of one layer) and the input.
	if got, bound := p.ActivationBytes(), int64(2*112*112*64*4+224*224*3*4); got > bound {
		t.Errorf("activations take %d bytes (unplanned %d), want at most %d", got, all, bound)
	}
	t.Logf("planned %d bytes of activations, %d unplanned", p.ActivationBytes(), all)
}

// TestColumnSplit: layers with few rows (the classifier at batch 1, a 7×7 pointwise layer) are split
// over output channels; they must equal the reference kernels.
func TestColumnSplit(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	randT := func(shape tensor.Shape) *tensor.Tensor {
		x, _ := tensor.New(tensor.Float32, shape)
		for i := range x.F32 {
			x.F32[i] = float32(r.NormFloat64())
		}
		return x
	}
	for _, c := range []struct{ h, k, n int }{{1, 1024, 1001}, {7, 1024, 1024}, {2, 96, 130}} {
		g := &graph.Graph{}
		x := g.AddInput("x", tensor.Float32, tensor.Shape{1, c.h, c.h, c.k}, nil)
		w := g.AddConst("w", randT(tensor.Shape{c.n, 1, 1, c.k}))
		b := g.AddConst("b", randT(tensor.Shape{c.n}))
		y, err := g.Add1("pw", &graph.Conv2D{StrideH: 1, StrideW: 1, Act: graph.ActReLU6}, x, w, b)
		if err != nil {
			t.Fatal(err)
		}
		g.Outputs = []int{y}
		in := randT(tensor.Shape{1, c.h, c.h, c.k})
		var want []float32
		for _, opt := range []graph.Options{{Reference: true}, {Threads: 2}, {Threads: 3}} {
			p, err := graph.Compile(g, opt)
			if err != nil {
				t.Fatal(err)
			}
			out, err := p.Run(in)
			if err != nil {
				t.Fatal(err)
			}
			if want == nil {
				want = append([]float32(nil), out[0].F32...)
				continue
			}
			if err := approx.Close(out[0].F32, want, 1e-4, 0); err != nil {
				t.Fatalf("%+v threads %d: against the reference: %v", c, opt.Threads, err)
			}
		}
	}
}

// TestLanesZeroAllocs: a batch program (lanes) allocates nothing per inference either.
func TestLanesZeroAllocs(t *testing.T) {
	g, err := mobilenetv1.Build(mobilenetv1.Config{Alpha: 0.25, Resolution: 32})
	if err != nil {
		t.Fatal(err)
	}
	p, err := graph.Compile(graph.Fold(g), graph.Options{Batch: 5, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := tensor.New(tensor.Float32, p.Inputs()[0].Shape)
	if _, err := p.Run(x); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(20, func() { p.Run(x) }); n != 0 {
		t.Fatalf("%v allocations per inference", n)
	}
}

// TestQuantizedZeroAllocs: the official uint8 classifier allocates nothing per inference either.
func TestQuantizedZeroAllocs(t *testing.T) {
	m, err := tflite.ReadFile(shared.Path(t, "models/mobilenet_v1_0.25_128_quant.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	p, err := graph.Compile(g, graph.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := tensor.New(tensor.Uint8, p.Inputs()[0].Shape)
	if _, err := p.Run(x); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(20, func() { p.Run(x) }); n != 0 {
		t.Fatalf("%v allocations per inference", n)
	}
}
