package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// dwCase is one depthwise convolution shape.
type dwCase struct {
	c, inH, inW, stride, padTop, padLeft, outH, outW int
}

// outSize returns the output size along one axis for a 3-wide window.
func outSize(in, stride, lead, trail int) int {
	return (in+lead+trail-3)/stride + 1
}

// refDW3x3 is the float64 reference for one output value.
func refDW3x3(w, bias, in []float32, tc dwCase, oy, ox, ch int) sum {
	var s sum
	if bias != nil {
		s.add(float64(bias[ch]))
	}
	for ky := 0; ky < 3; ky++ {
		for kx := 0; kx < 3; kx++ {
			iy, ix := oy*tc.stride+ky-tc.padTop, ox*tc.stride+kx-tc.padLeft
			if iy >= 0 && iy < tc.inH && ix >= 0 && ix < tc.inW {
				s.add(float64(in[(iy*tc.inW+ix)*tc.c+ch]) * float64(w[(ky*3+kx)*tc.c+ch]))
			}
		}
	}
	return s
}

func TestDW3x3(t *testing.T) {
	var cases []dwCase
	for _, c := range []int{1, 3, 7, 8, 15, 16, 17, 24, 31, 33, 63, 65, 100} {
		for _, sz := range [][2]int{{1, 1}, {2, 3}, {5, 4}, {7, 9}, {8, 8}, {11, 6}} {
			for stride := 1; stride <= 2; stride++ {
				// Leading and trailing pads 0 or 1 on each side.
				for pad := 0; pad < 16; pad++ {
					cases = append(cases, dwCase{c, sz[0], sz[1], stride, pad & 1, pad >> 1 & 1,
						outSize(sz[0], stride, pad&1, pad>>2&1), outSize(sz[1], stride, pad>>1&1, pad>>3&1)})
				}
			}
		}
	}
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		for i, tc := range cases {
			cr := clampRanges[i%len(clampRanges)]
			outH, outW := tc.outH, tc.outW
			if outH < 1 || outW < 1 {
				continue
			}
			w := randFloats(rng, 9*tc.c)
			bias := randFloats(rng, tc.c)
			if i%4 == 1 {
				bias = nil
			}
			in := randFloats(rng, tc.inH*tc.inW*tc.c)
			d := PackDW3x3(w, bias, tc.c)
			out, buf := guarded(outH * outW * tc.c)
			cut := rng.IntN(outH + 1)
			d.Run(out, in, tc.inH, tc.inW, tc.stride, tc.padTop, tc.padLeft, outH, outW, 0, cut, cr.lo, cr.hi)
			d.Run(out, in, tc.inH, tc.inW, tc.stride, tc.padTop, tc.padLeft, outH, outW, cut, outH, cr.lo, cr.hi)
			checkGuards(t, buf)
			for oy := 0; oy < outH; oy++ {
				for ox := 0; ox < outW; ox++ {
					for ch := 0; ch < tc.c; ch++ {
						want, tol := refDW3x3(w, bias, in, tc, oy, ox, ch).want(cr.lo, cr.hi)
						if got := float64(out[(oy*outW+ox)*tc.c+ch]); !(math.Abs(got-want) <= tol) {
							t.Fatalf("%+v out %dx%d clamp %v: out[%d][%d][%d] = %v, want %v",
								tc, outH, outW, cr, oy, ox, ch, got, want)
						}
					}
				}
			}
		}
	})
}

// TestDW3x3RowRange checks that Run writes only the rows it is given, and
// handles an output larger than the padded input (pixels with no tap).
func TestDW3x3RowRange(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 10))
		const c, inH, inW, outH, outW = 21, 6, 5, 8, 7
		d := PackDW3x3(randFloats(rng, 9*c), randFloats(rng, c), c)
		in := randFloats(rng, inH*inW*c)
		for _, rr := range [][2]int{{0, 0}, {0, 1}, {2, 5}, {6, 8}} {
			out, buf := guarded(outH * outW * c)
			for i := range out {
				out[i] = 42
			}
			d.Run(out, in, inH, inW, 1, 1, 1, outH, outW, rr[0], rr[1], -2, 2)
			checkGuards(t, buf)
			tc := dwCase{c, inH, inW, 1, 1, 1, outH, outW}
			for i, v := range out {
				oy, ox, ch := i/(outW*c), i/c%outW, i%c
				if oy < rr[0] || oy >= rr[1] {
					if v != 42 {
						t.Fatalf("rows %v: row %d written", rr, oy)
					}
					continue
				}
				want, tol := refDW3x3(d.taps, d.bias, in, tc, oy, ox, ch).want(-2, 2)
				if !(math.Abs(float64(v)-want) <= tol) { // NaN fails
					t.Fatalf("rows %v: out[%d][%d][%d] = %v, want %v", rr, oy, ox, ch, v, want)
				}
			}
		}
	})
}

func TestDW3x3Panics(t *testing.T) {
	d := PackDW3x3(make([]float32, 18), nil, 2)
	in, out := make([]float32, 4*4*2), make([]float32, 4*4*2)
	cases := []struct {
		name string
		f    func()
	}{
		{"stride 3", func() { d.Run(out, in, 4, 4, 3, 1, 1, 2, 2, 0, 2, 0, 1) }},
		{"short in", func() { d.Run(out, in[:31], 4, 4, 1, 1, 1, 4, 4, 0, 4, 0, 1) }},
		{"short out", func() { d.Run(out[:31], in, 4, 4, 1, 1, 1, 4, 4, 0, 4, 0, 1) }},
		{"rows past outH", func() { d.Run(out, in, 4, 4, 1, 1, 1, 4, 4, 0, 5, 0, 1) }},
		{"negative pad", func() { d.Run(out, in, 4, 4, 1, -1, 1, 4, 4, 0, 4, 0, 1) }},
		{"bad pack", func() { PackDW3x3(make([]float32, 17), nil, 2) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			c.f()
		})
	}
}

// depthwiseShapes are depthwise layers of MobileNet V1 1.0/224 (input size,
// channels, stride), with how many times each occurs.
var depthwiseShapes = []struct{ in, c, stride, count int }{
	{112, 32, 1, 1},
	{112, 64, 2, 1},
	{56, 128, 1, 1},
	{56, 128, 2, 1},
	{28, 256, 1, 1},
	{28, 256, 2, 1},
	{14, 512, 1, 5},
	{14, 512, 2, 1},
	{7, 1024, 1, 1},
}

// samePads returns TF SAME output size and leading pad for a 3×3 window.
func samePads(in, stride int) (out, pad int) {
	out = (in + stride - 1) / stride
	total := max((out-1)*stride+3-in, 0)
	return out, total / 2
}

func BenchmarkDW3x3(b *testing.B) {
	for _, l := range availableLevels() {
		for _, sh := range depthwiseShapes {
			b.Run(fmt.Sprintf("%v/%dx%dx%d_s%d", l, sh.in, sh.in, sh.c, sh.stride), func(b *testing.B) {
				prev, err := SetLevel(l)
				if err != nil {
					b.Fatal(err)
				}
				defer SetLevel(prev)
				rng := rand.New(rand.NewPCG(11, 12))
				d := PackDW3x3(randFloats(rng, 9*sh.c), randFloats(rng, sh.c), sh.c)
				o, pad := samePads(sh.in, sh.stride)
				in := randFloats(rng, sh.in*sh.in*sh.c)
				out := make([]float32, o*o*sh.c+4096)[768:]
				for b.Loop() {
					d.Run(out, in, sh.in, sh.in, sh.stride, pad, pad, o, o, 0, o, 0, 6)
				}
				bytes := 4 * float64(len(in)+len(out)+10*sh.c)
				sec := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(bytes/sec/1e9, "GB/s")
				b.ReportMetric(2*9*float64(len(out))/sec/1e9, "GFLOP/s")
			})
		}
	}
}
