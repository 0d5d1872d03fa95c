package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/kernels/ref"
)

// dwKxKCase is one depthwise K×K convolution shape.
type dwKxKCase struct {
	c, kh, kw, inH, inW, sh, sw int
	pads                        ref.Pads
	outH, outW                  int
}

// dwKxKCases returns odd and even kernels (3, 5, 7, 2, 4, 5×3, 9 for the
// generic fallback), channel counts with tails shorter than a vector, odd
// and even input sizes at strides 1 to 3 (unequal too), each with SAME
// (asymmetric), VALID and random padding.
func dwKxKCases(rng *rand.Rand) []dwKxKCase {
	var cases []dwKxKCase
	for _, k := range [][2]int{{3, 3}, {5, 5}, {7, 7}, {2, 2}, {4, 4}, {5, 3}, {1, 1}, {9, 9}} {
		for _, c := range []int{1, 7, 8, 9, 16, 17, 33, 40} {
			for _, sz := range [][2]int{{1, 1}, {2, 3}, {7, 9}, {8, 8}, {11, 6}, {13, 14}} {
				for _, st := range [][2]int{{1, 1}, {2, 2}, {2, 1}, {1, 2}, {3, 3}} {
					same, _, _ := ref.SamePads(sz[0], sz[1], k[0], k[1], st[0], st[1], 1, 1)
					random := ref.Pads{Top: rng.IntN(k[0]), Bottom: rng.IntN(k[0]), Left: rng.IntN(k[1]), Right: rng.IntN(k[1])}
					for _, p := range []ref.Pads{same, {}, random} {
						tc := dwKxKCase{c: c, kh: k[0], kw: k[1], inH: sz[0], inW: sz[1], sh: st[0], sw: st[1], pads: p}
						var errH, errW error
						tc.outH, errH = ref.OutSize(sz[0], k[0], st[0], 1, p.Top, p.Bottom)
						tc.outW, errW = ref.OutSize(sz[1], k[1], st[1], 1, p.Left, p.Right)
						if errH == nil && errW == nil && tc.outH >= 1 && tc.outW >= 1 {
							cases = append(cases, tc)
						}
					}
				}
			}
		}
	}
	return cases
}

func abs32(s []float32) []float64 {
	a := make([]float64, len(s))
	for i, v := range s {
		a[i] = math.Abs(float64(v))
	}
	return a
}

func to64(s []float32) []float64 {
	a := make([]float64, len(s))
	for i, v := range s {
		a[i] = float64(v)
	}
	return a
}

// TestDWKxK compares DWKxK at every level with ref.DepthwiseConv2D computed
// in float64. The allowed error of a value is (KH·KW+1)·2⁻²³ times the sum
// of the magnitudes of its terms (the bias and every product): a float32
// sum in any order of n terms is within about n·2⁻²⁴ of that. Run is called
// on two row ranges split at random, and the output is surrounded by NaN
// guards that must stay untouched.
func TestDWKxK(t *testing.T) {
	cases := dwKxKCases(rand.New(rand.NewPCG(1, 2)))
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for i, tc := range cases {
			if testing.Short() && i%5 != 0 {
				continue
			}
			cr := clampRanges[i%len(clampRanges)]
			nt := tc.kh * tc.kw
			w := randFloats(rng, nt*tc.c)
			bias := randFloats(rng, tc.c)
			if i%4 == 1 {
				bias = nil
			}
			in := randFloats(rng, tc.inH*tc.inW*tc.c)
			d := PackDWKxK(w, bias, tc.c, tc.kh, tc.kw)
			n := tc.outH * tc.outW * tc.c
			out, buf := guarded(n)
			cut := rng.IntN(tc.outH + 1)
			d.Run(out, in, tc.inH, tc.inW, tc.sh, tc.sw, tc.pads.Top, tc.pads.Left, tc.outH, tc.outW, 0, cut, cr.lo, cr.hi)
			d.Run(out, in, tc.inH, tc.inW, tc.sh, tc.sw, tc.pads.Top, tc.pads.Left, tc.outH, tc.outW, cut, tc.outH, cr.lo, cr.hi)
			checkGuards(t, buf)

			is := [4]int{1, tc.inH, tc.inW, tc.c}
			os := [4]int{1, tc.outH, tc.outW, tc.c}
			p := ref.ConvParams{StrideH: tc.sh, StrideW: tc.sw, DilationH: 1, DilationW: 1, Pads: tc.pads}
			want, mag := make([]float64, n), make([]float64, n)
			var b64, babs []float64
			if bias != nil {
				b64, babs = to64(bias), abs32(bias)
			}
			ref.DepthwiseConv2D(to64(in), is, to64(w), tc.kh, tc.kw, 1, b64, p, want, os)
			ref.DepthwiseConv2D(abs32(in), is, abs32(w), tc.kh, tc.kw, 1, babs, p, mag, os)
			for j, v := range out {
				wv := math.Min(math.Max(want[j], float64(cr.lo)), float64(cr.hi))
				tol := float64(nt+1)*0x1p-23*mag[j] + 1e-30
				if !(math.Abs(float64(v)-wv) <= tol) { // NaN fails
					t.Fatalf("%+v clamp %v: out[%d][%d][%d] = %v, want %v ± %g",
						tc, cr, j/(tc.outW*tc.c), j/tc.c%tc.outW, j%tc.c, v, wv, tol)
				}
			}
		}
	})
}

// TestDWKxKRowRange checks that Run writes only the rows it is given, and
// handles an output larger than the padded input (pixels with no tap).
func TestDWKxKRowRange(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 10))
		const c, k, inH, inW, outH, outW = 21, 5, 6, 5, 9, 8
		d := PackDWKxK(randFloats(rng, k*k*c), randFloats(rng, c), c, k, k)
		in := randFloats(rng, inH*inW*c)
		tc := dwKxKCase{c: c, kh: k, kw: k, inH: inH, inW: inW, sh: 1, sw: 1, pads: ref.Pads{Top: 2, Left: 2}, outH: outH, outW: outW}
		want := make([]float64, outH*outW*c)
		ref.DepthwiseConv2D(to64(in), [4]int{1, inH, inW, c}, to64(d.taps), k, k, 1, to64(d.bias),
			ref.ConvParams{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, Pads: tc.pads}, want, [4]int{1, outH, outW, c})
		for _, rr := range [][2]int{{0, 0}, {0, 1}, {2, 5}, {6, 9}} {
			out, buf := guarded(outH * outW * c)
			for i := range out {
				out[i] = 42
			}
			d.Run(out, in, inH, inW, 1, 1, 2, 2, outH, outW, rr[0], rr[1], -2, 2)
			checkGuards(t, buf)
			for i, v := range out {
				oy := i / (outW * c)
				if oy < rr[0] || oy >= rr[1] {
					if v != 42 {
						t.Fatalf("rows %v: row %d written", rr, oy)
					}
					continue
				}
				if wv := math.Min(math.Max(want[i], -2), 2); !(math.Abs(float64(v)-wv) <= 1e-5) {
					t.Fatalf("rows %v: out[%d] = %v, want %v", rr, i, v, wv)
				}
			}
		}
	})
}

func TestDWKxKPanics(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	mustPanic("pack length", func() { PackDWKxK(make([]float32, 24), nil, 2, 5, 5) })
	mustPanic("pack bias", func() { PackDWKxK(make([]float32, 50), make([]float32, 3), 2, 5, 5) })
	d := PackDWKxK(make([]float32, 50), nil, 2, 5, 5)
	in, out := make([]float32, 4*4*2), make([]float32, 4*4*2)
	mustPanic("stride", func() { d.Run(out, in, 4, 4, 0, 1, 2, 2, 4, 4, 0, 4, 0, 1) })
	mustPanic("pad", func() { d.Run(out, in, 4, 4, 1, 1, -1, 2, 4, 4, 0, 4, 0, 1) })
	mustPanic("rows", func() { d.Run(out, in, 4, 4, 1, 1, 2, 2, 4, 4, 3, 5, 0, 1) })
	mustPanic("short out", func() { d.Run(out[:31], in, 4, 4, 1, 1, 2, 2, 4, 4, 0, 4, 0, 1) })
	mustPanic("short in", func() { d.Run(out, in[:31], 4, 4, 1, 1, 2, 2, 4, 4, 0, 4, 0, 1) })
}

// dwKxKOldLoop is the plain loop graph/dwkxk.go ran before DWKxK, kept as
// the benchmarks' baseline.
func dwKxKOldLoop(y, x, wt, bias []float32, h, w, c, kh, kw, sh, sw, padT, padL, ow, oy0, oy1 int, lo, hi float32) {
	for oy := oy0; oy < oy1; oy++ {
		for ox := 0; ox < ow; ox++ {
			o := y[(oy*ow+ox)*c:][:c]
			copy(o, bias[:c])
			for ky := 0; ky < kh; ky++ {
				iy := oy*sh + ky - padT
				if iy < 0 || iy >= h {
					continue
				}
				for kx := 0; kx < kw; kx++ {
					ix := ox*sw + kx - padL
					if ix < 0 || ix >= w {
						continue
					}
					xs := x[(iy*w+ix)*c:][:c]
					ws := wt[(ky*kw+kx)*c:][:c]
					for i := range o {
						o[i] += ws[i] * xs[i]
					}
				}
			}
			for i, v := range o {
				o[i] = min(max(v, lo), hi)
			}
		}
	}
}

// BenchmarkDWKxK runs MobileNet V3-Large's 5×5 depthwise layers at 224
// (input size and channels, stride; SAME padding) with the old plain loop
// and with DWKxK at every level.
func BenchmarkDWKxK(b *testing.B) {
	for _, sh := range []struct{ h, c, s int }{{56, 72, 2}, {28, 120, 1}, {14, 672, 2}, {7, 960, 1}} {
		const k = 5
		rng := rand.New(rand.NewPCG(1, 1))
		pads, oh, ow := ref.SamePads(sh.h, sh.h, k, k, sh.s, sh.s, 1, 1)
		w, bias := randFloats(rng, k*k*sh.c), randFloats(rng, sh.c)
		in := randFloats(rng, sh.h*sh.h*sh.c)
		out := make([]float32, oh*ow*sh.c)
		flops := float64(2 * k * k * oh * ow * sh.c)
		name := fmt.Sprintf("%dx%dx%d_s%d", sh.h, sh.h, sh.c, sh.s)
		lo, hi := float32(0), float32(6)
		b.Run(name+"/old", func(b *testing.B) {
			for b.Loop() {
				dwKxKOldLoop(out, in, w, bias, sh.h, sh.h, sh.c, k, k, sh.s, sh.s, pads.Top, pads.Left, ow, 0, oh, lo, hi)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		d := PackDWKxK(w, bias, sh.c, k, k)
		for _, l := range availableLevels() {
			b.Run(name+"/"+l.String(), func(b *testing.B) {
				prev, _ := SetLevel(l)
				defer SetLevel(prev)
				for b.Loop() {
					d.Run(out, in, sh.h, sh.h, sh.s, sh.s, pads.Top, pads.Left, oh, ow, 0, oh, lo, hi)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// TestDWKxKNaN checks that a NaN input reaches, at every level, exactly the
// outputs whose window holds it, whatever the clamp, as in the generic twin.
func TestDWKxKNaN(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		const c, k, h, w = 37, 5, 9, 10
		d := PackDWKxK(randFloats(rng, k*k*c), randFloats(rng, c), c, k, k)
		in := randFloats(rng, h*w*c)
		const ny, nx, nch = 4, 6, 35
		in[(ny*w+nx)*c+nch] = float32(math.NaN())
		for _, cr := range clampRanges {
			out := make([]float32, h*w*c)
			d.Run(out, in, h, w, 1, 1, 2, 2, h, w, 0, h, cr.lo, cr.hi)
			for i, v := range out {
				oy, ox, ch := i/(w*c), i/c%w, i%c
				hit := ch == nch && oy-2 <= ny && ny <= oy+2 && ox-2 <= nx && nx <= ox+2
				if hit != math.IsNaN(float64(v)) {
					t.Fatalf("clamp %v: out[%d][%d][%d] = %v", cr, oy, ox, ch, v)
				}
			}
		}
	})
}
