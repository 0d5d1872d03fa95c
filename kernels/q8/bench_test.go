package q8

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

// benchRequant is a per-tensor requantization with a typical multiplier.
func benchRequant(channels int) (*qmath.Requant, []int32) {
	rq := qmath.NewRequant(0.02, []float32{0.01}, 0.05, 0, 0, 255, qmath.XNNPACK)
	return rq, make([]int32, channels)
}

// BenchmarkGEMM times the pointwise layers of MobileNet V1 0.75/192, one
// thread.
func BenchmarkGEMM(b *testing.B) {
	for _, s := range []struct{ rows, k, n int }{
		{9216, 24, 48}, {2304, 48, 96}, {2304, 96, 96}, {576, 192, 192}, {144, 384, 384}, {36, 768, 768}, {1, 768, 1001},
	} {
		b.Run(fmt.Sprintf("%dx%dx%d", s.rows, s.k, s.n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			rq, bias := benchRequant(s.n)
			g := PackGEMMU8(randCodes(rng, s.n*s.k), 120, bias, s.n, s.k, 0, rq, qmath.XNNPACK)
			in, out := randCodes(rng, s.rows*s.k), make([]byte, s.rows*s.n)
			b.SetBytes(int64(s.rows * s.k * s.n)) // mult-adds
			for b.Loop() {
				g.RunU8(out, in, 0, s.rows)
			}
		})
	}
}

// BenchmarkDW3x3 times the depthwise layers of MobileNet V1 0.75/192, one
// thread.
func BenchmarkDW3x3(b *testing.B) {
	for _, s := range []struct{ c, in, stride, pad, out int }{
		{24, 96, 1, 1, 96}, {48, 96, 2, 0, 48}, {96, 48, 1, 1, 48}, {384, 12, 1, 1, 12}, {768, 6, 1, 1, 6},
	} {
		b.Run(fmt.Sprintf("c%d_%d_s%d", s.c, s.in, s.stride), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			rq, bias := benchRequant(s.c)
			d := PackDW3x3U8(randCodes(rng, 9*s.c), 120, bias, s.c, 0, rq, qmath.XNNPACK)
			in, out := randCodes(rng, s.in*s.in*s.c), make([]byte, s.out*s.out*s.c)
			b.SetBytes(int64(s.out * s.out * s.c * 9))
			for b.Loop() {
				d.RunU8(out, in, s.in, s.in, s.stride, s.pad, s.pad, s.out, s.out, 0, s.out)
			}
		})
	}
}

// BenchmarkConv times MobileNet V1 0.75/192's first layer, one thread.
func BenchmarkConv(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	rq, bias := benchRequant(24)
	c := PackConvU8(randCodes(rng, 24*27), 120, bias, 24, 3, 3, 3, 128, rq, qmath.XNNPACK)
	in, out := randCodes(rng, 192*192*3), make([]byte, 96*96*24)
	b.SetBytes(96 * 96 * 24 * 27)
	for b.Loop() {
		c.RunU8(out, in, 192, 192, 2, 2, 0, 0, 96, 96, 0, 96)
	}
}
