package q8

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/kernels/qref"
)

// gemmCase is one pointwise layer shape.
type gemmCase struct {
	n, k, rows int
	signed     bool
}

func gemmCases() []gemmCase {
	var cs []gemmCase
	for _, signed := range []bool{false, true} {
		for _, n := range []int{1, 3, 15, 16, 17, 24, 31, 33, 47, 48, 49, 63, 64, 65, 67, 96, 130} {
			for _, k := range []int{1, 2, 3, 4, 5, 7, 9, 24, 27, 63, 64, 65, 130} {
				cs = append(cs, gemmCase{n, k, 1 + (n*7+k*3)%30, signed})
			}
		}
		cs = append(cs, gemmCase{48, 1027, 9, signed}, gemmCase{20, 300, 41, signed}, gemmCase{1001, 70, 2, signed},
			gemmCase{5, 8, 300, signed}, gemmCase{70, 6, 530, signed})
	}
	return cs
}

// TestGEMM checks every output code of random layers against qref's
// FullyConnected, for row ranges inside the batch, with the guard bytes
// around the output and the rows outside the range untouched.
func TestGEMM(t *testing.T) {
	cases := gemmCases()
	forEachLevel(t, func(t *testing.T) {
		var spread inside
		defer spread.check(t)
		rng := rand.New(rand.NewPCG(1, 2))
		for i, tc := range cases {
			r := roundings[i%2]
			name := fmt.Sprintf("n%d_k%d_rows%d_signed%v_%v", tc.n, tc.k, tc.rows, tc.signed, r)
			in := randCodes(rng, tc.rows*tc.k)
			zx, zw := zeroPoint(rng, tc.signed), int32(0)
			var w []byte
			if tc.signed {
				w = bytesOf(randInt8Weights(rng, tc.n*tc.k))
			} else {
				w, zw = randCodes(rng, tc.n*tc.k), zeroPoint(rng, false)
			}
			acc := make([][]int32, tc.n)
			for c := range acc {
				for row := 0; row < tc.rows; row++ {
					s := int32(0)
					for p := 0; p < tc.k; p++ {
						s += (code(in[row*tc.k+p], tc.signed) - zx) * (code(w[c*tc.k+p], tc.signed) - zw)
					}
					acc[c] = append(acc[c], s)
				}
			}
			rq, bias := calibrate(rng, acc, tc.signed || i%4 == 0, tc.signed, r)
			if i%5 == 3 {
				bias = nil
			}
			want := make([]byte, tc.rows*tc.n)
			var g *GEMM
			if tc.signed {
				qref.FullyConnected(int8s(in), tc.rows, tc.k, int8s(w), tc.n, bias, zx, 0, rq, int8s(want))
				g = PackGEMMI8(int8s(w), bias, tc.n, tc.k, zx, rq, r)
			} else {
				qref.FullyConnected(in, tc.rows, tc.k, w, tc.n, bias, zx, zw, rq, want)
				g = PackGEMMU8(w, zw, bias, tc.n, tc.k, zx, rq, r)
			}
			r0, r1 := 0, tc.rows
			if i%3 == 1 && tc.rows > 2 {
				r0, r1 = 1+rng.IntN(tc.rows/2), tc.rows-rng.IntN(tc.rows/2)
			}
			out, buf := guarded(tc.rows * tc.n)
			if tc.signed {
				g.RunI8(int8s(out), int8s(in), r0, r1)
			} else {
				g.RunU8(out, in, r0, r1)
			}
			checkGuards(t, buf, len(out))
			spread.add(want, rq)
			for j := range out {
				row := j / tc.n
				w := want[j]
				if row < r0 || row >= r1 {
					w = poison
				}
				if out[j] != w {
					t.Fatalf("%s: rows [%d,%d): out[%d][%d] = %d, want %d", name, r0, r1, row, j%tc.n, out[j], w)
				}
			}
		}
	})
}
