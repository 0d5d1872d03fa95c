package q8

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/kernels/qref"
)

// convCase is one convolution shape.
type convCase struct {
	n, kh, kw, cin, inH, inW, sh, sw, padTop, padLeft, padBottom, padRight int
	signed                                                                 bool
}

func convCases() []convCase {
	cs := []convCase{
		{24, 3, 3, 3, 19, 20, 2, 2, 0, 0, 1, 1, false}, // MobileNet's first layer, small
		{24, 3, 3, 3, 19, 20, 2, 2, 1, 1, 1, 1, true},
		{8, 3, 3, 3, 192, 192, 2, 2, 0, 0, 1, 1, false}, // a full image: several im2col blocks
		{5, 1, 1, 7, 6, 5, 2, 2, 0, 0, 0, 0, false},
		{5, 1, 1, 7, 6, 5, 1, 1, 0, 0, 0, 0, true},
		{17, 5, 3, 2, 9, 8, 1, 2, 2, 1, 2, 1, false},
		{33, 2, 2, 70, 5, 6, 2, 1, 0, 1, 1, 0, true},
		{7, 3, 3, 100, 4, 4, 2, 2, 1, 1, 1, 1, false},
		{3, 1, 3, 4, 1, 9, 1, 3, 0, 1, 0, 1, true},
		{2, 3, 3, 3700, 3, 3, 1, 1, 1, 1, 1, 1, false}, // window larger than the im2col buffer
		{2, 3, 3, 3700, 2, 3, 2, 1, 1, 0, 0, 1, true},
	}
	return cs
}

// TestConv checks every output code of random convolutions against qref's
// Conv2D, for row ranges, with guard bytes around the output.
func TestConv(t *testing.T) { checkConvCases(t, convCases()) }

// checkConvCases runs the convolution cases at every level, in both
// roundings; odd-numbered cases compute a row range.
func checkConvCases(t *testing.T, cases []convCase) {
	forEachLevel(t, func(t *testing.T) {
		var spread inside
		defer spread.check(t)
		rng := rand.New(rand.NewPCG(5, 6))
		for i, tc := range cases {
			for _, r := range roundings {
				name := fmt.Sprintf("%+v_%v", tc, r)
				outH := (tc.inH+tc.padTop+tc.padBottom-tc.kh)/tc.sh + 1
				outW := (tc.inW+tc.padLeft+tc.padRight-tc.kw)/tc.sw + 1
				k := tc.kh * tc.kw * tc.cin
				in := randCodes(rng, tc.inH*tc.inW*tc.cin)
				zx, zw := zeroPoint(rng, tc.signed), int32(0)
				var w []byte
				if tc.signed {
					w = bytesOf(randInt8Weights(rng, tc.n*k))
				} else {
					w, zw = randCodes(rng, tc.n*k), zeroPoint(rng, false)
				}
				acc := make([][]int32, tc.n)
				for oy := 0; oy < outH; oy++ {
					for ox := 0; ox < outW; ox++ {
						for o := range acc {
							s := int32(0)
							for ky := 0; ky < tc.kh; ky++ {
								for kx := 0; kx < tc.kw; kx++ {
									iy, ix := oy*tc.sh+ky-tc.padTop, ox*tc.sw+kx-tc.padLeft
									if iy < 0 || iy >= tc.inH || ix < 0 || ix >= tc.inW {
										continue
									}
									for ci := 0; ci < tc.cin; ci++ {
										s += (code(in[(iy*tc.inW+ix)*tc.cin+ci], tc.signed) - zx) *
											(code(w[((o*tc.kh+ky)*tc.kw+kx)*tc.cin+ci], tc.signed) - zw)
									}
								}
							}
							acc[o] = append(acc[o], s)
						}
					}
				}
				rq, bias := calibrate(rng, acc, tc.signed || i%2 == 0, tc.signed, r)
				want := make([]byte, outH*outW*tc.n)
				is, fs, os := [4]int{1, tc.inH, tc.inW, tc.cin}, [4]int{tc.n, tc.kh, tc.kw, tc.cin}, [4]int{1, outH, outW, tc.n}
				p := qref.ConvParams{StrideH: tc.sh, StrideW: tc.sw, PadTop: tc.padTop, PadLeft: tc.padLeft, InZP: zx, FilterZP: zw}
				var c *Conv
				if tc.signed {
					qref.Conv2D(int8s(in), is, int8s(w), fs, bias, p, rq, int8s(want), os)
					c = PackConvI8(int8s(w), bias, tc.n, tc.kh, tc.kw, tc.cin, zx, rq, r)
				} else {
					qref.Conv2D(in, is, w, fs, bias, p, rq, want, os)
					c = PackConvU8(w, zw, bias, tc.n, tc.kh, tc.kw, tc.cin, zx, rq, r)
				}
				spread.add(want, rq)
				oy0, oy1 := 0, outH
				if i%2 == 1 && outH > 2 {
					oy0, oy1 = 1, outH-1
				}
				out, buf := guarded(len(want))
				if tc.signed {
					c.RunI8(int8s(out), int8s(in), tc.inH, tc.inW, tc.sh, tc.sw, tc.padTop, tc.padLeft, outH, outW, oy0, oy1)
				} else {
					c.RunU8(out, in, tc.inH, tc.inW, tc.sh, tc.sw, tc.padTop, tc.padLeft, outH, outW, oy0, oy1)
				}
				checkGuards(t, buf, len(out))
				row := outW * tc.n
				for j := range out {
					wv := want[j]
					if oy := j / row; oy < oy0 || oy >= oy1 {
						wv = poison
					}
					if out[j] != wv {
						t.Fatalf("%s: rows [%d,%d): out[%d][%d][%d] = %d, want %d", name, oy0, oy1, j/row, j%row/tc.n, j%tc.n, out[j], wv)
					}
				}
			}
		}
	})
}
