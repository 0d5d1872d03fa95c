package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

type convCase struct {
	kh, kw, cin, cout, inH, inW, sh, sw, padTop, padLeft int
}

// convOut returns the output size for a window k, stride s and leading pad
// when the trailing pad equals the leading one.
func convOut(in, k, s, pad int) int {
	return (in+2*pad-k)/s + 1
}

func refConv(w, bias, in []float32, tc convCase, oy, ox, o int) sum {
	var s sum
	if bias != nil {
		s.add(float64(bias[o]))
	}
	for ky := 0; ky < tc.kh; ky++ {
		for kx := 0; kx < tc.kw; kx++ {
			iy, ix := oy*tc.sh+ky-tc.padTop, ox*tc.sw+kx-tc.padLeft
			if iy < 0 || iy >= tc.inH || ix < 0 || ix >= tc.inW {
				continue
			}
			for i := 0; i < tc.cin; i++ {
				s.add(float64(in[(iy*tc.inW+ix)*tc.cin+i]) * float64(w[((o*tc.kh+ky)*tc.kw+kx)*tc.cin+i]))
			}
		}
	}
	return s
}

func TestConv(t *testing.T) {
	cases := []convCase{
		{3, 3, 3, 32, 9, 9, 2, 2, 0, 0},   // first layer, SAME on odd input
		{3, 3, 3, 32, 10, 10, 2, 2, 0, 0}, // SAME at stride 2 on even input: no leading pad
		{3, 3, 3, 8, 7, 6, 1, 1, 1, 1},
		{3, 3, 17, 33, 5, 7, 1, 1, 1, 1},
		{3, 3, 16, 15, 8, 5, 2, 2, 1, 1},
		{3, 3, 5, 7, 6, 9, 2, 1, 1, 0},
		{1, 1, 31, 17, 4, 5, 1, 1, 0, 0}, // direct GEMM
		{1, 1, 7, 9, 6, 6, 2, 2, 0, 0},   // strided 1×1
		{5, 3, 4, 20, 8, 8, 1, 2, 2, 1},
		{3, 3, 2, 3, 1, 2, 1, 1, 1, 1},
		{1, 1, 5, 6, 3, 4, 1, 1, 1, 1},  // padding rows and columns with no tap: bias only
		{5, 5, 3, 40, 9, 9, 1, 1, 2, 2}, // two edge columns each side, in batches of rows
		{3, 3, 8, 70, 12, 11, 1, 1, 1, 1},
	}
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(13, 14))
		for i, tc := range cases {
			cr := clampRanges[i%len(clampRanges)]
			outH, outW := convOut(tc.inH, tc.kh, tc.sh, tc.padTop), convOut(tc.inW, tc.kw, tc.sw, tc.padLeft)
			w := randFloats(rng, tc.cout*tc.kh*tc.kw*tc.cin)
			bias := randFloats(rng, tc.cout)
			if i%3 == 2 {
				bias = nil
			}
			in := randFloats(rng, tc.inH*tc.inW*tc.cin)
			c := PackConv(w, bias, tc.kh, tc.kw, tc.cin, tc.cout)
			scratch := make([]float32, c.ScratchSize(outW))
			out, buf := guarded(outH * outW * tc.cout)
			cut := rng.IntN(outH + 1)
			c.Run(out, in, tc.inH, tc.inW, tc.sh, tc.sw, tc.padTop, tc.padLeft, outH, outW, 0, cut, cr.lo, cr.hi, scratch)
			c.Run(out, in, tc.inH, tc.inW, tc.sh, tc.sw, tc.padTop, tc.padLeft, outH, outW, cut, outH, cr.lo, cr.hi, scratch)
			checkGuards(t, buf)
			for oy := 0; oy < outH; oy++ {
				for ox := 0; ox < outW; ox++ {
					for o := 0; o < tc.cout; o++ {
						want, tol := refConv(w, bias, in, tc, oy, ox, o).want(cr.lo, cr.hi)
						if got := float64(out[(oy*outW+ox)*tc.cout+o]); !(math.Abs(got-want) <= tol) {
							t.Fatalf("%+v clamp %v: out[%d][%d][%d] = %v, want %v", tc, cr, oy, ox, o, got, want)
						}
					}
				}
			}
		}
	})
}

func TestConvPanics(t *testing.T) {
	c := PackConv(make([]float32, 2*9*3), nil, 3, 3, 3, 2)
	in, out := make([]float32, 4*4*3), make([]float32, 2*2*2)
	scratch := make([]float32, c.ScratchSize(2))
	cases := []struct {
		name string
		f    func()
	}{
		{"short scratch", func() { c.Run(out, in, 4, 4, 2, 2, 0, 0, 2, 2, 0, 2, 0, 1, scratch[:len(scratch)-1]) }},
		{"short in", func() { c.Run(out, in[:47], 4, 4, 2, 2, 0, 0, 2, 2, 0, 2, 0, 1, scratch) }},
		{"short out", func() { c.Run(out[:7], in, 4, 4, 2, 2, 0, 0, 2, 2, 0, 2, 0, 1, scratch) }},
		{"stride 0", func() { c.Run(out, in, 4, 4, 0, 2, 0, 0, 2, 2, 0, 2, 0, 1, scratch) }},
		{"bad pack", func() { PackConv(make([]float32, 5), nil, 3, 3, 3, 2) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tc.f()
		})
	}
}

// BenchmarkConv times the first layer of MobileNet V1 1.0/224 (3×3 stride 2
// over 3 channels to 32, TF SAME padding on 224×224) and a layer of the
// full-convolution variant (3×3 stride 1, 256 to 256 channels on 14×14).
func BenchmarkConv(b *testing.B) {
	shapes := []struct {
		name                       string
		in, cin, cout, stride, pad int
	}{
		{"224x224x3_s2_to32", 224, 3, 32, 2, 0},
		{"14x14x256_s1_to256", 14, 256, 256, 1, 1},
	}
	for _, l := range availableLevels() {
		for _, sh := range shapes {
			b.Run(fmt.Sprintf("%v/%s", l, sh.name), func(b *testing.B) {
				prev, err := SetLevel(l)
				if err != nil {
					b.Fatal(err)
				}
				defer SetLevel(prev)
				rng := rand.New(rand.NewPCG(15, 16))
				c := PackConv(randFloats(rng, sh.cout*9*sh.cin), randFloats(rng, sh.cout), 3, 3, sh.cin, sh.cout)
				o := (sh.in + sh.stride - 1) / sh.stride
				in := randFloats(rng, sh.in*sh.in*sh.cin)
				out := make([]float32, o*o*sh.cout)
				scratch := make([]float32, c.ScratchSize(o))
				for b.Loop() {
					c.Run(out, in, sh.in, sh.in, sh.stride, sh.stride, sh.pad, sh.pad, o, o, 0, o, 0, 6, scratch)
				}
				flops := 2 * float64(o*o*sh.cout*9*sh.cin)
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
