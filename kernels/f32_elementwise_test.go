package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/kernels/ref"
)

// TestBinaryEqualsReference: Binary gives ref.Add / ref.Mul (then ref.Clamp) bit for bit on shapes that
// broadcast every way MobileNets and users do (same shapes, a [N,1,1,C] gate, a per-channel constant,
// a scalar, broadcasting on either side and in the middle, odd sizes, ranks 1 to 4), with NaN, −0 and
// infinities among the values, and writes nothing past the output.
func TestBinaryEqualsReference(t *testing.T) {
	cases := [][3][]int{ // a, b, out
		{{2, 5, 7, 3}, {2, 5, 7, 3}, {2, 5, 7, 3}},
		{{2, 5, 7, 17}, {2, 1, 1, 17}, {2, 5, 7, 17}},
		{{2, 1, 1, 17}, {2, 5, 7, 17}, {2, 5, 7, 17}},
		{{1, 4, 6, 9}, {9}, {1, 4, 6, 9}},
		{{3, 4, 6, 9}, {}, {3, 4, 6, 9}},
		{{3, 4, 6, 1}, {3, 4, 6, 5}, {3, 4, 6, 5}},
		{{3, 4, 1, 5}, {3, 1, 6, 5}, {3, 4, 6, 5}},
		{{2, 1, 3}, {1, 4, 1}, {2, 4, 3}},
		{{7}, {1}, {7}},
		{{1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}},
		{{2, 3, 1, 1}, {2, 3, 5, 4}, {2, 3, 5, 4}},
		{{4, 1, 5, 1}, {4, 3, 5, 2}, {4, 3, 5, 2}},
		{{0, 3, 3, 2}, {0, 1, 1, 2}, {0, 3, 3, 2}},
	}
	rng := rand.New(rand.NewPCG(7, 1))
	special := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), 6, 0}
	fill := func(n int) []float32 {
		x := randFloats(rng, n)
		for i := range x {
			x[i] *= 8
			if rng.IntN(10) == 0 {
				x[i] = special[rng.IntN(len(special))]
			}
		}
		return x
	}
	for _, c := range cases {
		as, bs, os := c[0], c[1], c[2]
		if got, err := ref.BroadcastShape(as, bs); err != nil || len(got) != len(os) {
			t.Fatalf("bad case %v %v: %v %v", as, bs, got, err)
		}
		a, b := fill(volume(as)), fill(volume(bs))
		for _, mul := range []bool{false, true} {
			for _, clamp := range []bool{false, true} {
				want := make([]float32, volume(os))
				if mul {
					ref.Mul(a, as, b, bs, want, os)
				} else {
					ref.Add(a, as, b, bs, want, os)
				}
				if clamp {
					ref.Clamp(want, 0, 6)
				}
				got, buf := guarded(len(want))
				NewBinary(mul, as, bs, os, clamp, 0, 6).Run(a, b, got)
				checkGuards(t, buf)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%v %v → %v mul %v clamp %v: element %d is %v, want %v", as, bs, os, mul, clamp, i, got[i], want[i])
					}
				}
			}
		}
	}
}

func volume(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// BenchmarkBinary: a squeeze-and-excite gate over a V3 layer (28×28×120), and the residual add of V2.
func BenchmarkBinary(b *testing.B) {
	for _, c := range []struct {
		name       string
		as, bs, os []int
		mul        bool
	}{
		{"gate", []int{1, 28, 28, 120}, []int{1, 1, 1, 120}, []int{1, 28, 28, 120}, true},
		{"residual", []int{1, 28, 28, 32}, []int{1, 28, 28, 32}, []int{1, 28, 28, 32}, false},
	} {
		x, y := make([]float32, volume(c.as)), make([]float32, volume(c.bs))
		out := make([]float32, volume(c.os))
		b.Run(c.name+"/fast", func(b *testing.B) {
			k := NewBinary(c.mul, c.as, c.bs, c.os, false, 0, 0)
			for range b.N {
				k.Run(x, y, out)
			}
		})
		b.Run(c.name+"/ref", func(b *testing.B) {
			for range b.N {
				ref.Mul(x, c.as, y, c.bs, out, c.os)
			}
		})
	}
}
