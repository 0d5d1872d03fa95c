package q8

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/kernels/qref"
)

// dwCase is one depthwise convolution shape.
type dwCase struct {
	c, inH, inW, stride, padTop, padLeft, outH, outW int
	signed                                           bool
}

// outSize returns the output size along one axis for a 3-wide window.
func outSize(in, stride, lead, trail int) int {
	return (in+lead+trail-3)/stride + 1
}

func dwCases() []dwCase {
	var cs []dwCase
	i := 0
	for _, c := range []int{1, 3, 7, 15, 16, 17, 24, 31, 33, 48, 63, 67} {
		for _, sz := range [][2]int{{1, 1}, {2, 3}, {5, 4}, {7, 9}, {8, 8}, {3, 11}} {
			for stride := 1; stride <= 2; stride++ {
				// Leading and trailing pads 0 or 1 on each side, a few per shape.
				for _, pad := range []int{0, 15, 5 + i%11, (7 * i) % 16} {
					i++
					cs = append(cs, dwCase{c, sz[0], sz[1], stride, pad & 1, pad >> 1 & 1,
						outSize(sz[0], stride, pad&1, pad>>2&1), outSize(sz[1], stride, pad>>1&1, pad>>3&1), i%2 == 1})
				}
			}
		}
	}
	return cs
}

// TestDW3x3 checks every output code of random depthwise layers against
// qref's DepthwiseConv2D, for row ranges, with guard bytes around the output.
func TestDW3x3(t *testing.T) {
	cases := dwCases()
	forEachLevel(t, func(t *testing.T) {
		var spread inside
		defer spread.check(t)
		rng := rand.New(rand.NewPCG(3, 4))
		for i, tc := range cases {
			if tc.outH < 1 || tc.outW < 1 {
				continue
			}
			r := roundings[i%2]
			name := fmt.Sprintf("%+v_%v", tc, r)
			in := randCodes(rng, tc.inH*tc.inW*tc.c)
			zx, zw := zeroPoint(rng, tc.signed), int32(0)
			var w []byte
			if tc.signed {
				w = bytesOf(randInt8Weights(rng, 9*tc.c))
			} else {
				w, zw = randCodes(rng, 9*tc.c), zeroPoint(rng, false)
			}
			acc := make([][]int32, tc.c)
			for oy := 0; oy < tc.outH; oy++ {
				for ox := 0; ox < tc.outW; ox++ {
					for ch := range acc {
						s := int32(0)
						for ky := 0; ky < 3; ky++ {
							for kx := 0; kx < 3; kx++ {
								iy, ix := oy*tc.stride+ky-tc.padTop, ox*tc.stride+kx-tc.padLeft
								if iy >= 0 && iy < tc.inH && ix >= 0 && ix < tc.inW {
									s += (code(in[(iy*tc.inW+ix)*tc.c+ch], tc.signed) - zx) * (code(w[(ky*3+kx)*tc.c+ch], tc.signed) - zw)
								}
							}
						}
						acc[ch] = append(acc[ch], s)
					}
				}
			}
			rq, bias := calibrate(rng, acc, tc.signed || i%4 == 0, tc.signed, r)
			if i%5 == 3 {
				bias = nil
			}
			want := make([]byte, tc.outH*tc.outW*tc.c)
			is, fs, os := [4]int{1, tc.inH, tc.inW, tc.c}, [4]int{1, 3, 3, tc.c}, [4]int{1, tc.outH, tc.outW, tc.c}
			p := qref.ConvParams{StrideH: tc.stride, StrideW: tc.stride, PadTop: tc.padTop, PadLeft: tc.padLeft, InZP: zx, FilterZP: zw}
			var d *DW3x3
			if tc.signed {
				qref.DepthwiseConv2D(int8s(in), is, int8s(w), fs, 1, bias, p, rq, int8s(want), os)
				d = PackDW3x3I8(int8s(w), bias, tc.c, zx, rq, r)
			} else {
				qref.DepthwiseConv2D(in, is, w, fs, 1, bias, p, rq, want, os)
				d = PackDW3x3U8(w, zw, bias, tc.c, zx, rq, r)
			}
			spread.add(want, rq)
			oy0, oy1 := 0, tc.outH
			if i%3 == 1 && tc.outH > 2 {
				oy0, oy1 = 1+rng.IntN(tc.outH/2), tc.outH-rng.IntN(tc.outH/2)
			}
			out, buf := guarded(len(want))
			if tc.signed {
				d.RunI8(int8s(out), int8s(in), tc.inH, tc.inW, tc.stride, tc.padTop, tc.padLeft, tc.outH, tc.outW, oy0, oy1)
			} else {
				d.RunU8(out, in, tc.inH, tc.inW, tc.stride, tc.padTop, tc.padLeft, tc.outH, tc.outW, oy0, oy1)
			}
			checkGuards(t, buf, len(out))
			row := tc.outW * tc.c
			for j := range out {
				wv := want[j]
				if oy := j / row; oy < oy0 || oy >= oy1 {
					wv = poison
				}
				if out[j] != wv {
					t.Fatalf("%s: rows [%d,%d): out[%d][%d][%d] = %d, want %d", name, oy0, oy1, j/row, j%row/tc.c, j%tc.c, out[j], wv)
				}
			}
		}
	})
}
