package qref

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

// TestConv2DTiny: a 2×2×1 input against a 2×2×1 filter, VALID, one output.
//
//	x − 128 = {2, −8, 0, 12},  w − 1 = {2, 0, 1, −1}
//	acc = 2·2 + (−8)·0 + 0·1 + 12·(−1) + bias = −8 + bias
//
// With M = s_x·s_w/s_y = 0.5·0.25/0.25 = 0.5 and output zero point 5:
// bias 100: acc 92 → 46 → 51 under both roundings;
// bias 101: acc 93 → 46.5 → 46 (XNNPACK, half to even) or 47 (Reference, SRDHM ties up) → 51 / 52.
func TestConv2DTiny(t *testing.T) {
	in := []uint8{130, 120, 128, 140}
	filter := []uint8{3, 1, 2, 0}
	p := ConvParams{InZP: 128, FilterZP: 1}
	for _, tc := range []struct {
		bias     int32
		r        qmath.Rounding
		want     uint8
		scenario string
	}{
		{100, qmath.XNNPACK, 51, "exact"},
		{100, qmath.Reference, 51, "exact"},
		{101, qmath.XNNPACK, 51, "tie to even"},
		{101, qmath.Reference, 52, "tie up"},
	} {
		q := qmath.NewRequant(0.5, []float32{0.25}, 0.25, 5, 0, 255, tc.r)
		out := []uint8{0}
		Conv2D(in, [4]int{1, 2, 2, 1}, filter, [4]int{1, 2, 2, 1}, []int32{tc.bias}, p, q, out, [4]int{1, 1, 1, 1})
		if out[0] != tc.want {
			t.Errorf("%s, %v: got %d, want %d", tc.scenario, tc.r, out[0], tc.want)
		}
	}
}

// TestConv2DStride2Pad: 3×3×1 input, 3×3 filter, stride 2, SAME padding (out 2×2, pad_total 2, so
// one row and one column of padding before). Input zero point 3, filter zero point 2:
//
//	x − 3 = −2 −1 0 / 1 2 3 / 4 5 6        w − 2 = 1 2 3 / 4 5 6 / 7 8 9
//
// out(0,0) keeps taps ky,kx ∈ {1,2}: 5·(−2) + 6·(−1) + 8·1 + 9·2 = 10
// out(0,1) keeps ky ∈ {1,2}, kx ∈ {0,1}: 4·(−1) + 5·0 + 7·2 + 8·3 = 34
// out(1,0) keeps ky ∈ {0,1}, kx ∈ {1,2}: 2·1 + 3·2 + 5·4 + 6·5 = 58
// out(1,1) keeps ky,kx ∈ {0,1}: 1·2 + 2·3 + 4·5 + 5·6 = 58
//
// With bias −8, M = 0.5, zero point 10: 1, 13, 25, 25 → 11, 23, 35, 35. Under RELU6 with output scale
// 0.25 the range is [10 + 0, 10 + 6/0.25] = [10, 34]. With bias −40: −15, −3, 9, 9 → −5, 7, 19, 19,
// clamped to 10, 10, 19, 19.
func TestConv2DStride2Pad(t *testing.T) {
	in := []uint8{1, 2, 3, 4, 5, 6, 7, 8, 9}
	filter := []uint8{3, 4, 5, 6, 7, 8, 9, 10, 11}
	p := ConvParams{StrideH: 2, StrideW: 2, PadTop: 1, PadLeft: 1, InZP: 3, FilterZP: 2}
	const sy, zp = 0.25, 10
	tests := []struct {
		act  string
		bias int32
		want []uint8
	}{
		{"none", -8, []uint8{11, 23, 35, 35}},
		{"relu6", -8, []uint8{11, 23, 34, 34}},
		{"relu6", -40, []uint8{10, 10, 19, 19}},
	}
	for _, tc := range tests {
		lo, hi := qmath.ActivationRange(tc.act, sy, zp, false)
		for _, r := range []qmath.Rounding{qmath.XNNPACK, qmath.Reference} {
			q := qmath.NewRequant(0.5, []float32{0.25}, sy, zp, lo, hi, r)
			out := make([]uint8, 4)
			Conv2D(in, [4]int{1, 3, 3, 1}, filter, [4]int{1, 3, 3, 1}, []int32{tc.bias}, p, q, out, [4]int{1, 2, 2, 1})
			if !slices.Equal(out, tc.want) {
				t.Errorf("%s bias %d %v: got %v, want %v", tc.act, tc.bias, r, out, tc.want)
			}
		}
	}
}

// TestDepthwiseMultiplier2: int8, 2×2×2 input, 2×2 filter with depth multiplier 2 (4 outputs),
// VALID, input zero point −1, filter zero point 0, per-channel filter scales.
//
//	x + 1 at (y,x): (0,0) [4, −1]  (0,1) [1, 6]  (1,0) [−3, 2]  (1,1) [3, 3]
//	w at (ky,kx), oc = ic·2 + j: (0,0) [1, 2, −1, 0]  (0,1) [0, 1, 2, 1]  (1,0) [3, 0, 1, −2]  (1,1) [−1, 1, 0, 4]
//	oc0 = 4·1 + 1·0 + (−3)·3 + 3·(−1) = −8      oc1 = 4·2 + 1·1 + (−3)·0 + 3·1 = 12
//	oc2 = (−1)(−1) + 6·2 + 2·1 + 3·0 = 15        oc3 = (−1)·0 + 6·1 + 2·(−2) + 3·4 = 14
//
// bias [1, 2, 3, 4] → acc [−7, 14, 18, 18]. s_x = 0.5, s_y = 1, s_w = [1, 0.25, 1, 0.125] give
// M = [0.5, 0.125, 0.5, 0.0625]: −3.5, 1.75, 9, 1.125. Output zero point 3:
// XNNPACK −4+3 = −1 (half to even), Reference −3+3 = 0 (ties up); then 2+3 = 5, 9+3 = 12, 1+3 = 4.
func TestDepthwiseMultiplier2(t *testing.T) {
	in := []int8{3, -2, 0, 5, -4, 1, 2, 2}
	filter := []int8{1, 2, -1, 0, 0, 1, 2, 1, 3, 0, 1, -2, -1, 1, 0, 4}
	bias := []int32{1, 2, 3, 4}
	scales := []float32{1, 0.25, 1, 0.125}
	p := ConvParams{InZP: -1}
	for _, tc := range []struct {
		r    qmath.Rounding
		want []int8
	}{
		{qmath.XNNPACK, []int8{-1, 5, 12, 4}},
		{qmath.Reference, []int8{0, 5, 12, 4}},
	} {
		q := qmath.NewRequant(0.5, scales, 1, 3, -128, 127, tc.r)
		out := make([]int8, 4)
		DepthwiseConv2D(in, [4]int{1, 2, 2, 2}, filter, [4]int{1, 2, 2, 4}, 2, bias, p, q, out, [4]int{1, 1, 1, 4})
		if !slices.Equal(out, tc.want) {
			t.Errorf("%v: got %v, want %v", tc.r, out, tc.want)
		}
	}
}

// TestConv2DPerChannel: int8 1×1 convolution of one pixel [10, −20] (input zero point 0) with two
// output channels of different scales, w = [[3, 1], [−2, 4]]:
// acc0 = 30 − 20 = 10, acc1 = −20 − 80 = −100. s_x = 0.5, s_y = 0.25, s_w = [0.5, 0.125]:
// M = [1, 0.25] → 10 and −25; zero point −5 → 5 and −30.
func TestConv2DPerChannel(t *testing.T) {
	in := []int8{10, -20}
	filter := []int8{3, 1, -2, 4}
	for _, r := range []qmath.Rounding{qmath.XNNPACK, qmath.Reference} {
		q := qmath.NewRequant(0.5, []float32{0.5, 0.125}, 0.25, -5, -128, 127, r)
		out := make([]int8, 2)
		Conv2D(in, [4]int{1, 1, 1, 2}, filter, [4]int{2, 1, 1, 2}, nil, ConvParams{}, q, out, [4]int{1, 1, 1, 2})
		if want := []int8{5, -30}; !slices.Equal(out, want) {
			t.Errorf("%v: got %v, want %v", r, out, want)
		}
	}
}

// TestFullyConnected: batch 2, 3 inputs, 2 outputs, uint8, input zp 100, weight zp 50, M = 1.
//
//	x − 100 = [1, 2, 3] and [−1, 0, 4];  w − 50 = [1, −1, 2] and [0, 3, −2]
//	row 0: 1 − 2 + 6 = 5, 0 + 6 − 6 = 0;   row 1: −1 + 0 + 8 = 7, 0 + 0 − 8 = −8
//	bias [10, 20], zero point 128: 143, 148, 145, 140
func TestFullyConnected(t *testing.T) {
	in := []uint8{101, 102, 103, 99, 100, 104}
	w := []uint8{51, 49, 52, 50, 53, 48}
	for _, r := range []qmath.Rounding{qmath.XNNPACK, qmath.Reference} {
		q := qmath.NewRequant(1, []float32{1}, 1, 128, 0, 255, r)
		out := make([]uint8, 4)
		FullyConnected(in, 2, 3, w, 2, []int32{10, 20}, 100, 50, q, out)
		if want := []uint8{143, 148, 145, 140}; !slices.Equal(out, want) {
			t.Errorf("%v: got %v, want %v", r, out, want)
		}
	}
}

// naiveConv is an independent float64 model: it pads the input explicitly with its zero point, runs a
// VALID correlation over the padded array and returns, per output, the real accumulator
// Σ(w − zw)(x − zx) + bias scaled by s_x·s_w[c]/s_y (before adding the output zero point).
func naiveConv(in []int32, is [4]int, filter []int32, fs [4]int, groups int, bias []int32, p ConvParams, sx float64, sw []float64, sy float64, os [4]int) []float64 {
	n, h, w, c := is[0], is[1], is[2], is[3]
	o, kh, kw, cg := fs[0], fs[1], fs[2], fs[3]
	oh, ow := os[1], os[2]
	dh, dw := atLeast1(p.DilationH), atLeast1(p.DilationW)
	sh, swd := atLeast1(p.StrideH), atLeast1(p.StrideW)
	// Padded height/width large enough for every tap of every output.
	ph := max(h+p.PadTop, (oh-1)*sh+(kh-1)*dh+1)
	pw := max(w+p.PadLeft, (ow-1)*swd+(kw-1)*dw+1)
	padded := make([]int32, n*ph*pw*c)
	for i := range padded {
		padded[i] = p.InZP
	}
	for b := 0; b < n; b++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				copy(padded[((b*ph+y+p.PadTop)*pw+x+p.PadLeft)*c:][:c], in[((b*h+y)*w+x)*c:][:c])
			}
		}
	}
	perGroup := o / groups
	res := make([]float64, n*oh*ow*o)
	for b := 0; b < n; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for oc := 0; oc < o; oc++ {
					g := oc / perGroup
					var acc float64
					for ky := 0; ky < kh; ky++ {
						for kx := 0; kx < kw; kx++ {
							for i := 0; i < cg; i++ {
								xv := padded[((b*ph+oy*sh+ky*dh)*pw+ox*swd+kx*dw)*c+g*cg+i]
								wv := filter[((oc*kh+ky)*kw+kx)*cg+i]
								acc += float64(wv-p.FilterZP) * float64(xv-p.InZP)
							}
						}
					}
					if bias != nil {
						acc += float64(bias[oc])
					}
					s := sw[0]
					if len(sw) > 1 {
						s = sw[oc]
					}
					res[((b*oh+oy)*ow+ox)*o+oc] = acc * sx * s / sy
				}
			}
		}
	}
	return res
}

func randCodes[T uint8 | int8](r *rand.Rand, n int) []T {
	v := make([]T, n)
	for i := range v {
		v[i] = T(r.IntN(256))
	}
	return v
}

func widen[T uint8 | int8](v []T) []int32 {
	w := make([]int32, len(v))
	for i, x := range v {
		w[i] = int32(x)
	}
	return w
}

// convCase is one random geometry for the float cross-check.
type convCase struct {
	n, h, w, c, o, kh, kw, sh, sw, dh, dw, m int
}

func randConvCase(r *rand.Rand) convCase {
	return convCase{
		n: 1 + r.IntN(2), h: 1 + r.IntN(7), w: 1 + r.IntN(7), c: 1 + r.IntN(5), o: 1 + r.IntN(5),
		kh: 1 + r.IntN(3), kw: 1 + r.IntN(3), sh: 1 + r.IntN(2), sw: 1 + r.IntN(2),
		dh: 1 + r.IntN(2), dw: 1 + r.IntN(2), m: 1 + r.IntN(3),
	}
}

// samePads returns TF 'SAME' output size and leading pad for one dimension.
func samePads(in, k, s, d int) (out, before int) {
	out = (in + s - 1) / s
	eff := (k-1)*d + 1
	return out, max((out-1)*s+eff-in, 0) / 2
}

// crossCheck compares kernel codes with round(real) + zp, clamped to T's range, allowing one code.
func crossCheck[T uint8 | int8](t *testing.T, what string, got []T, real []float64, zp int32) {
	t.Helper()
	lo, hi := typeRange[T]()
	for i, v := range real {
		want := clamp32(int32(math.Round(v))+zp, lo, hi)
		if d := int32(got[i]) - want; d < -1 || d > 1 {
			t.Fatalf("%s: output %d = %d, float model %.4f + %d → %d", what, i, got[i], v, zp, want)
		}
	}
}

func randomConvCheck[T uint8 | int8](t *testing.T, r *rand.Rand, perChannel bool) {
	cc := randConvCase(r)
	oh, top := samePads(cc.h, cc.kh, cc.sh, cc.dh)
	ow, left := samePads(cc.w, cc.kw, cc.sw, cc.dw)
	is := [4]int{cc.n, cc.h, cc.w, cc.c}
	fs := [4]int{cc.o, cc.kh, cc.kw, cc.c}
	os := [4]int{cc.n, oh, ow, cc.o}
	in := randCodes[T](r, cc.n*cc.h*cc.w*cc.c)
	filter := randCodes[T](r, cc.o*cc.kh*cc.kw*cc.c)
	bias := make([]int32, cc.o)
	for i := range bias {
		bias[i] = int32(r.IntN(20001) - 10000)
	}
	lo, hi := typeRange[T]()
	p := ConvParams{StrideH: cc.sh, StrideW: cc.sw, DilationH: cc.dh, DilationW: cc.dw, PadTop: top, PadLeft: left,
		InZP: lo + int32(r.IntN(256))}
	if !perChannel {
		p.FilterZP = lo + int32(r.IntN(256))
	}
	sx := float32(0.001 + r.Float64()*0.05)
	sy := float32(0.01 + r.Float64()*0.5)
	nScales := 1
	if perChannel {
		nScales = cc.o
	}
	sw := make([]float32, nScales)
	sw64 := make([]float64, nScales)
	for i := range sw {
		sw[i] = float32(0.001 + r.Float64()*0.05)
		sw64[i] = float64(sw[i])
	}
	zp := lo + int32(r.IntN(256))
	real := naiveConv(widen(in), is, widen(filter), fs, 1, bias, p, float64(sx), sw64, float64(sy), os)
	for _, rd := range []qmath.Rounding{qmath.XNNPACK, qmath.Reference} {
		out := make([]T, cc.n*oh*ow*cc.o)
		Conv2D(in, is, filter, fs, bias, p, qmath.NewRequant(sx, sw, sy, zp, lo, hi, rd), out, os)
		crossCheck(t, "Conv2D "+rd.String(), out, real, zp)
	}
}

func randomDepthwiseCheck[T uint8 | int8](t *testing.T, r *rand.Rand, perChannel bool) {
	cc := randConvCase(r)
	oh, top := samePads(cc.h, cc.kh, cc.sh, cc.dh)
	ow, left := samePads(cc.w, cc.kw, cc.sw, cc.dw)
	o := cc.c * cc.m
	is := [4]int{cc.n, cc.h, cc.w, cc.c}
	fs := [4]int{1, cc.kh, cc.kw, o}
	os := [4]int{cc.n, oh, ow, o}
	in := randCodes[T](r, cc.n*cc.h*cc.w*cc.c)
	filter := randCodes[T](r, cc.kh*cc.kw*o)
	bias := make([]int32, o)
	for i := range bias {
		bias[i] = int32(r.IntN(2001) - 1000)
	}
	lo, hi := typeRange[T]()
	p := ConvParams{StrideH: cc.sh, StrideW: cc.sw, DilationH: cc.dh, DilationW: cc.dw, PadTop: top, PadLeft: left,
		InZP: lo + int32(r.IntN(256))}
	if !perChannel {
		p.FilterZP = lo + int32(r.IntN(256))
	}
	sx := float32(0.001 + r.Float64()*0.05)
	sy := float32(0.001 + r.Float64()*0.05)
	nScales := 1
	if perChannel {
		nScales = o
	}
	sw := make([]float32, nScales)
	sw64 := make([]float64, nScales)
	for i := range sw {
		sw[i] = float32(0.001 + r.Float64()*0.05)
		sw64[i] = float64(sw[i])
	}
	// The float model takes the depthwise filter as a grouped convolution: transpose
	// [1,kh,kw,c·m] to OHWI [c·m,kh,kw,1] with one group per input channel.
	dense := make([]int32, o*cc.kh*cc.kw)
	for ky := 0; ky < cc.kh; ky++ {
		for kx := 0; kx < cc.kw; kx++ {
			for oc := 0; oc < o; oc++ {
				dense[(oc*cc.kh+ky)*cc.kw+kx] = int32(filter[(ky*cc.kw+kx)*o+oc])
			}
		}
	}
	zp := lo + int32(r.IntN(256))
	real := naiveConv(widen(in), is, dense, [4]int{o, cc.kh, cc.kw, 1}, cc.c, bias, p, float64(sx), sw64, float64(sy), os)
	for _, rd := range []qmath.Rounding{qmath.XNNPACK, qmath.Reference} {
		out := make([]T, cc.n*oh*ow*o)
		DepthwiseConv2D(in, is, filter, fs, cc.m, bias, p, qmath.NewRequant(sx, sw, sy, zp, lo, hi, rd), out, os)
		crossCheck(t, "DepthwiseConv2D "+rd.String(), out, real, zp)
	}
}

// TestRandomAgainstFloat checks Conv2D and DepthwiseConv2D on random geometries (SAME padding,
// strides, dilations, depth multipliers, zero points, per-tensor and per-channel scales) against the
// float64 model: every code must lie within one of round(real) + zp.
func TestRandomAgainstFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		randomConvCheck[uint8](t, r, false)
		randomConvCheck[int8](t, r, true)
		randomConvCheck[int8](t, r, false)
		randomDepthwiseCheck[uint8](t, r, false)
		randomDepthwiseCheck[int8](t, r, true)
	}
}

// TestRoundingsAgreeMostly: the two roundings differ only near ties, so on random data they must
// agree on the vast majority of codes and never differ by more than one.
func TestRoundingsAgreeMostly(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	is, fs, os := [4]int{1, 8, 8, 16}, [4]int{16, 3, 3, 16}, [4]int{1, 8, 8, 16}
	in := randCodes[uint8](r, 8*8*16)
	filter := randCodes[uint8](r, 16*9*16)
	p := ConvParams{PadTop: 1, PadLeft: 1, InZP: 128, FilterZP: 120}
	outX, outR := make([]uint8, 8*8*16), make([]uint8, 8*8*16)
	Conv2D(in, is, filter, fs, nil, p, qmath.NewRequant(0.02, []float32{0.003}, 0.9, 128, 0, 255, qmath.XNNPACK), outX, os)
	Conv2D(in, is, filter, fs, nil, p, qmath.NewRequant(0.02, []float32{0.003}, 0.9, 128, 0, 255, qmath.Reference), outR, os)
	diff := 0
	for i := range outX {
		d := int(outX[i]) - int(outR[i])
		if d < -1 || d > 1 {
			t.Fatalf("output %d: XNNPACK %d, Reference %d", i, outX[i], outR[i])
		}
		if d != 0 {
			diff++
		}
	}
	if diff*20 > len(outX) {
		t.Errorf("%d of %d codes differ", diff, len(outX))
	}
}

func TestConv2DShapePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Conv2D with a short input did not panic")
		}
	}()
	q := qmath.NewRequant(1, []float32{1}, 1, 0, 0, 255, qmath.XNNPACK)
	Conv2D(make([]uint8, 3), [4]int{1, 2, 2, 1}, make([]uint8, 1), [4]int{1, 1, 1, 1}, nil, ConvParams{}, q, make([]uint8, 4), [4]int{1, 2, 2, 1})
}
