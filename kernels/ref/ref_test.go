package ref

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

func TestSame(t *testing.T) {
	cases := []struct{ in, k, s, d, out, before, after int }{
		{224, 3, 2, 1, 112, 0, 1}, // even input, stride 2: pad only after
		{75, 3, 2, 1, 38, 1, 1},
		{112, 3, 1, 1, 112, 1, 1},
		{7, 3, 2, 1, 4, 1, 1},
		{8, 3, 1, 2, 8, 2, 2}, // dilation 2: effective kernel 5
		{5, 1, 2, 1, 3, 0, 0},
		{4, 4, 4, 1, 1, 0, 0},
	}
	for _, c := range cases {
		out, b, a := Same(c.in, c.k, c.s, c.d)
		if out != c.out || b != c.before || a != c.after {
			t.Errorf("Same(%d,k%d,s%d,d%d) = %d,%d,%d want %d,%d,%d", c.in, c.k, c.s, c.d, out, b, a, c.out, c.before, c.after)
		}
	}
	if got := Valid(7, 7, 1, 1); got != 1 {
		t.Errorf("Valid(7,7) = %d", got)
	}
	if got := Valid(224, 3, 2, 1); got != 111 {
		t.Errorf("Valid(224,3,2) = %d", got)
	}
	if _, err := OutSize(2, 5, 1, 1, 0, 0); err == nil {
		t.Error("OutSize accepted a window larger than the input")
	}
}

// TestConv2DHand checks a 3×3 convolution on a 3×3 single-channel input worked by hand.
func TestConv2DHand(t *testing.T) {
	in := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	w := []float32{0, 1, 0, 1, 1, 1, 0, 1, 0} // a plus-shaped kernel
	out := make([]float32, 9)
	p := ConvParams{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, Pads: Pads{1, 1, 1, 1}, Groups: 1}
	Conv2D(in, [4]int{1, 3, 3, 1}, w, 3, 3, []float32{10}, p, out, [4]int{1, 3, 3, 1})
	// worked: (0,0)=1+2+4=7 (+10), (0,1)=1+2+3+5=11, (0,2)=2+3+6=11, (1,0)=1+4+5+7=17, (1,1)=25,
	// (1,2)=3+5+6+9=23, (2,0)=4+7+8=19, (2,1)=5+7+8+9=29, (2,2)=6+8+9=23.
	want := []float32{17, 21, 21, 27, 35, 33, 29, 39, 33}
	if err := approx.Close(out, want, 0, 0); err != nil {
		t.Fatalf("out = %v: %v", out, err)
	}
	// Stride 2 SAME on the even 4×4 input pads only bottom/right: out (0,0) sees rows 0..2, cols 0..2.
	in4 := make([]float32, 16)
	for i := range in4 {
		in4[i] = float32(i)
	}
	ones := []float32{1, 1, 1, 1, 1, 1, 1, 1, 1}
	pads, oh, ow := SamePads(4, 4, 3, 3, 2, 2, 1, 1)
	out4 := make([]float32, oh*ow)
	Conv2D(in4, [4]int{1, 4, 4, 1}, ones, 3, 3, nil, ConvParams{2, 2, 1, 1, pads, 1}, out4, [4]int{1, oh, ow, 1})
	// (0,0): 0+1+2+4+5+6+8+9+10 = 45; (0,1): cols 2,3 of rows 0..2 = 2+3+6+7+10+11 = 39;
	// (1,0): rows 2,3 cols 0..2 = 8+9+10+12+13+14 = 66; (1,1): 10+11+14+15 = 50.
	want4 := []float32{45, 39, 66, 50}
	if err := approx.Close(out4, want4, 0, 0); err != nil {
		t.Fatalf("stride-2 SAME out = %v: %v", out4, err)
	}
}

func TestDepthwiseHand(t *testing.T) {
	// Two channels, depth multiplier 2, 1×1 kernel: each input channel feeds two outputs with their own weight.
	in := []float32{1, 10, 2, 20} // 1×1×2 pixels ×2 (h=1,w=2)
	w := []float32{1, 2, 3, 4}    // [1,1,4]: oc 0,1 from c0; oc 2,3 from c1
	out := make([]float32, 8)
	DepthwiseConv2D(in, [4]int{1, 1, 2, 2}, w, 1, 1, 2, []float32{0, 0, 0, 1}, ConvParams{1, 1, 1, 1, Pads{}, 0}, out, [4]int{1, 1, 2, 4})
	want := []float32{1, 2, 30, 41, 2, 4, 60, 81}
	if err := approx.Close(out, want, 0, 0); err != nil {
		t.Fatalf("out = %v: %v", out, err)
	}
}

// naiveConv is the float64 specification written a second way: pad the input explicitly with zeros, then
// slide the window with no bounds checks.
func naiveConv(in []float32, is [4]int, w []float32, kh, kw int, bias []float32, p ConvParams, os [4]int) []float64 {
	n, h, wd, cin := is[0], is[1], is[2], is[3]
	ph, pw := h+p.Pads.Top+p.Pads.Bottom, wd+p.Pads.Left+p.Pads.Right
	padded := make([]float64, n*ph*pw*cin)
	for b := 0; b < n; b++ {
		for y := 0; y < h; y++ {
			for x := 0; x < wd; x++ {
				for c := 0; c < cin; c++ {
					padded[((b*ph+y+p.Pads.Top)*pw+x+p.Pads.Left)*cin+c] = float64(in[((b*h+y)*wd+x)*cin+c])
				}
			}
		}
	}
	oh, ow, cout := os[1], os[2], os[3]
	g := p.Groups
	out := make([]float64, n*oh*ow*cout)
	for b := 0; b < n; b++ {
		for o := 0; o < cout; o++ {
			grp := o / (cout / g)
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					s := 0.0
					if bias != nil {
						s = float64(bias[o])
					}
					for ky := 0; ky < kh; ky++ {
						for kx := 0; kx < kw; kx++ {
							for i := 0; i < cin/g; i++ {
								y, x := oy*p.StrideH+ky*p.DilationH, ox*p.StrideW+kx*p.DilationW
								s += padded[((b*ph+y)*pw+x)*cin+grp*(cin/g)+i] * float64(w[((o*kh+ky)*kw+kx)*(cin/g)+i])
							}
						}
					}
					out[((b*oh+oy)*ow+ox)*cout+o] = s
				}
			}
		}
	}
	return out
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// closeTo fails t unless got is within 1e-4·(1 + |want|) of want, elementwise.
func closeTo(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	if err := approx.Close(to64(got), want, 1e-4, 1e-4); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestConv2DRandom compares Conv2D and DepthwiseConv2D with the float64 naive loop on random geometries:
// odd channel counts, strides 1 and 2 on odd and even sizes, SAME (asymmetric) and VALID padding,
// dilation, groups and depth multipliers above 1.
func TestConv2DRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 300; iter++ {
		n := 1 + r.IntN(2)
		h, wd := 1+r.IntN(9), 1+r.IntN(9)
		k := []int{1, 2, 3, 5}[r.IntN(4)]
		s := 1 + r.IntN(2)
		d := 1 + r.IntN(2)*r.IntN(2)
		g := 1 + r.IntN(3)
		cin := g * (1 + r.IntN(3))
		cout := g * (1 + r.IntN(4))
		var pads Pads
		var oh, ow int
		if r.IntN(2) == 0 {
			pads, oh, ow = SamePads(h, wd, k, k, s, s, d, d)
		} else {
			oh, ow = Valid(h, k, s, d), Valid(wd, k, s, d)
			if oh == 0 || ow == 0 {
				continue
			}
		}
		p := ConvParams{s, s, d, d, pads, g}
		is, os := [4]int{n, h, wd, cin}, [4]int{n, oh, ow, cout}
		in := randSlice(r, n*h*wd*cin)
		w := randSlice(r, cout*k*k*(cin/g))
		bias := randSlice(r, cout)
		out := make([]float32, n*oh*ow*cout)
		Conv2D(in, is, w, k, k, bias, p, out, os)
		closeTo(t, "Conv2D", out, naiveConv(in, is, w, k, k, bias, p, os))

		// Depthwise with multiplier m equals the grouped convolution with the filter transposed to OHWI.
		m := 1 + r.IntN(3)
		dwOut := cin * m
		dw := randSlice(r, k*k*dwOut)
		ohwi := make([]float32, len(dw))
		for ky := 0; ky < k; ky++ {
			for kx := 0; kx < k; kx++ {
				for o := 0; o < dwOut; o++ {
					ohwi[(o*k+ky)*k+kx] = dw[(ky*k+kx)*dwOut+o]
				}
			}
		}
		dos := [4]int{n, oh, ow, dwOut}
		got := make([]float32, n*oh*ow*dwOut)
		dp := ConvParams{s, s, d, d, pads, cin}
		DepthwiseConv2D(in, is, dw, k, k, m, nil, dp, got, dos)
		closeTo(t, "DepthwiseConv2D", got, naiveConv(in, is, ohwi, k, k, nil, dp, dos))
	}
}

func TestPointwiseEqualsConv1x1(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range [][3]int{{1, 1, 1}, {7, 3, 5}, {33, 17, 9}, {64, 32, 64}} {
		rows, cin, cout := c[0], c[1], c[2]
		in, w, b := randSlice(r, rows*cin), randSlice(r, cout*cin), randSlice(r, cout)
		out := make([]float32, rows*cout)
		Pointwise(in, rows, cin, w, cout, b, out)
		want := naiveConv(in, [4]int{1, rows, 1, cin}, w, 1, 1, b, ConvParams{1, 1, 1, 1, Pads{}, 1}, [4]int{1, rows, 1, cout})
		closeTo(t, "Pointwise", out, want)
	}
}

func TestBatchNormFold(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	is, os := [4]int{2, 5, 4, 3}, [4]int{2, 5, 4, 6}
	p := ConvParams{1, 1, 1, 1, Pads{1, 1, 1, 1}, 1}
	in, w := randSlice(r, 2*5*4*3), randSlice(r, 6*3*3*3)
	gamma, beta, mean := randSlice(r, 6), randSlice(r, 6), randSlice(r, 6)
	variance := make([]float32, 6)
	for i := range variance {
		variance[i] = float32(r.Float64() + 0.1)
	}
	want := make([]float32, 2*5*4*6)
	Conv2D(in, is, w, 3, 3, nil, p, want, os)
	BatchNorm(want, 6, gamma, beta, mean, variance, 0.001)
	folded := append([]float32(nil), w...)
	bias := FoldBatchNorm(folded, 6, false, nil, gamma, beta, mean, variance, 0.001)
	got := make([]float32, len(want))
	Conv2D(in, is, folded, 3, 3, bias, p, got, os)
	w64 := make([]float64, len(want))
	for i, v := range want {
		w64[i] = float64(v)
	}
	closeTo(t, "folded conv", got, w64)

	// Hand case: γ 2, β 1, μ 3, σ² 4−ε: x=5 → 2·(5−3)/2 + 1 = 3.
	x := []float32{5}
	BatchNorm(x, 1, []float32{2}, []float32{1}, []float32{3}, []float32{4 - 0.001}, 0.001)
	if err := approx.Close(x, []float32{3}, 1e-6, 0); err != nil {
		t.Errorf("BatchNorm hand case: %v", err)
	}
}

func TestActivations(t *testing.T) {
	x := []float32{-1, 0, 3, 6, 7, float32(math.Inf(1))}
	ReLU6(x)
	if err := approx.Close(x, []float32{0, 0, 3, 6, 6, 6}, 0, 0); err != nil {
		t.Fatalf("ReLU6 = %v: %v", x, err)
	}
	y := []float64{-2, 5}
	ReLU(y)
	if err := approx.Close(y, []float64{0, 5}, 0, 0); err != nil {
		t.Fatalf("ReLU = %v: %v", y, err)
	}
	// NaN stays NaN through Clamp.
	z := []float64{math.NaN()}
	Clamp(z, -1, 1)
	if !math.IsNaN(z[0]) {
		t.Fatalf("Clamp(NaN) = %v, want NaN", z[0])
	}
}

func TestPooling(t *testing.T) {
	// 3×3 input, 2×2 window, stride 2, SAME: pads bottom/right by 1; the corner windows average fewer taps.
	in := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	pads, oh, ow := SamePads(3, 3, 2, 2, 2, 2, 1, 1)
	out := make([]float32, oh*ow)
	AvgPool2D(in, [4]int{1, 3, 3, 1}, 2, 2, 2, 2, pads, out, [4]int{1, oh, ow, 1})
	want := []float32{3, 4.5, 7.5, 9} // (1+2+4+5)/4, (3+6)/2, (7+8)/2, 9
	if err := approx.Close(out, want, 0, 0); err != nil {
		t.Fatalf("AvgPool2D = %v: %v", out, err)
	}
	g := make([]float32, 2)
	GlobalAvgPool([]float32{1, 10, 3, 30}, [4]int{1, 1, 2, 2}, g)
	if err := approx.Close(g, []float32{2, 20}, 0, 0); err != nil {
		t.Fatalf("GlobalAvgPool = %v: %v", g, err)
	}
	// Global pooling equals a VALID window the size of the input.
	r := rand.New(rand.NewPCG(7, 8))
	x := randSlice(r, 2*7*7*5)
	a, b := make([]float32, 10), make([]float32, 10)
	GlobalAvgPool(x, [4]int{2, 7, 7, 5}, a)
	AvgPool2D(x, [4]int{2, 7, 7, 5}, 7, 7, 1, 1, Pads{}, b, [4]int{2, 1, 1, 5})
	if err := approx.Close(a, b, 1e-5, 0); err != nil {
		t.Fatalf("global pooling against a 7×7 window: %v", err)
	}
}

func TestSoftmax(t *testing.T) {
	out := make([]float32, 6)
	Softmax([]float32{0, 0, 0, 1000, 0, 1000 - float32(math.Log(3))}, 3, 1, out)
	if err := approx.Close(out[:3], []float32{1.0 / 3, 1.0 / 3, 1.0 / 3}, 1e-6, 0); err != nil {
		t.Fatalf("uniform row = %v: %v", out[:3], err)
	}
	// Row [1000, 0, 1000−ln 3]: exp(0) : exp(−1000) : exp(−ln 3) normalised = 0.75 : 0 : 0.25; values near
	// 1000 also check that the maximum is subtracted before exp.
	if err := approx.Close(out[3:], []float32{0.75, 0, 0.25}, 1e-5, 0); err != nil {
		t.Fatalf("shifted row = %v: %v", out[3:], err)
	}
}
