package q8

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/kernels/qref"
)

// TestAvgPool checks every output code of 8-bit average poolings against
// qref's AveragePool2D: global pools (MobileNet's 7×7 and the person
// detector's 3×3), windows clipped by padding on every side, strides,
// channel counts past the stack chunk, row ranges and activation ranges,
// with guard bytes around the output.
func TestAvgPool(t *testing.T) {
	cases := []struct {
		c, kh, kw, sh, sw, inH, inW, pt, pl, pb, pr int
	}{
		{256, 7, 7, 1, 1, 7, 7, 0, 0, 0, 0},
		{256, 3, 3, 2, 2, 3, 3, 0, 0, 0, 0},
		{1001, 3, 2, 1, 1, 4, 3, 0, 0, 0, 0}, // two chunks of channels
		{3, 3, 3, 1, 1, 5, 6, 1, 1, 1, 1},
		{17, 2, 3, 2, 1, 9, 7, 0, 1, 1, 1},
		{1, 5, 5, 3, 2, 11, 10, 2, 2, 2, 2},
		{64, 1, 1, 1, 1, 2, 5, 0, 0, 0, 0},
		{33, 4, 4, 4, 4, 8, 9, 0, 0, 0, 3},
	}
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		for i, tc := range cases {
			for _, signed := range []bool{false, true} {
				outH := (tc.inH+tc.pt+tc.pb-tc.kh)/tc.sh + 1
				outW := (tc.inW+tc.pl+tc.pr-tc.kw)/tc.sw + 1
				lo, hi := int32(0), int32(255)
				if signed {
					lo, hi = -128, 127
				}
				if i%3 == 2 {
					lo, hi = lo+20, hi-30
				}
				in := randCodes(rng, tc.inH*tc.inW*tc.c)
				if i%2 == 1 { // codes near one value: sums near ±cnt/2 multiples round both ways
					for j := range in {
						in[j] = byte(int(in[j])%5 + 126)
					}
				}
				want := make([]byte, outH*outW*tc.c)
				is, os := [4]int{1, tc.inH, tc.inW, tc.c}, [4]int{1, outH, outW, tc.c}
				p := &AvgPool{C: tc.c, KH: tc.kh, KW: tc.kw, StrideH: tc.sh, StrideW: tc.sw, PadTop: tc.pt, PadLeft: tc.pl, ActMin: lo, ActMax: hi}
				oy0, oy1 := 0, outH
				if i%2 == 1 && outH > 2 {
					oy0, oy1 = 1, outH-1
				}
				out, buf := guarded(len(want))
				if signed {
					qref.AveragePool2D(int8s(in), is, tc.kh, tc.kw, tc.sh, tc.sw, tc.pt, tc.pl, lo, hi, int8s(want), os)
					p.RunI8(int8s(out), int8s(in), tc.inH, tc.inW, outH, outW, oy0, oy1)
				} else {
					qref.AveragePool2D(in, is, tc.kh, tc.kw, tc.sh, tc.sw, tc.pt, tc.pl, lo, hi, want, os)
					p.RunU8(out, in, tc.inH, tc.inW, outH, outW, oy0, oy1)
				}
				checkGuards(t, buf, len(out))
				row := outW * tc.c
				for j := range out {
					wv := want[j]
					if oy := j / row; oy < oy0 || oy >= oy1 {
						wv = poison
					}
					if out[j] != wv {
						t.Fatalf("%s: out[%d] = %d, want %d", fmt.Sprintf("%+v signed=%v", tc, signed), j, out[j], wv)
					}
				}
			}
		}
	})
}

// BenchmarkAvgPool times the global average pools of the person detector
// (3×3×256) and MobileNet V1 0.25/224 (7×7×256) against qref's.
func BenchmarkAvgPool(b *testing.B) {
	for _, hw := range []int{3, 7} {
		in, out := randCodes(rand.New(rand.NewPCG(1, 1)), hw*hw*256), make([]byte, 256)
		p := &AvgPool{C: 256, KH: hw, KW: hw, StrideH: 1, StrideW: 1, ActMin: 0, ActMax: 255}
		b.Run(fmt.Sprintf("q8_%dx%d", hw, hw), func(b *testing.B) {
			for b.Loop() {
				p.RunU8(out, in, hw, hw, 1, 1, 0, 1)
			}
		})
		b.Run(fmt.Sprintf("qref_%dx%d", hw, hw), func(b *testing.B) {
			for b.Loop() {
				qref.AveragePool2D(in, [4]int{1, hw, hw, 256}, hw, hw, 1, 1, 0, 0, 0, 255, out, [4]int{1, 1, 1, 256})
			}
		})
	}
}
