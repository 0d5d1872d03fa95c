package qref

import (
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

// reportMACs reports multiply-accumulates per second, the reference speed later kernels are
// compared with.
func reportMACs(b *testing.B, macsPerOp int) {
	b.ReportMetric(float64(macsPerOp)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
}

// BenchmarkConv2D runs a MobileNet-sized 1×1 pointwise convolution, 28×28×128 → 128 channels, uint8.
func BenchmarkConv2D(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	is, fs, os := [4]int{1, 28, 28, 128}, [4]int{128, 1, 1, 128}, [4]int{1, 28, 28, 128}
	in := randCodes[uint8](r, 28*28*128)
	filter := randCodes[uint8](r, 128*128)
	bias := make([]int32, 128)
	out := make([]uint8, 28*28*128)
	p := ConvParams{InZP: 128, FilterZP: 110}
	q := qmath.NewRequant(0.02, []float32{0.004}, 0.1, 0, 0, 255, qmath.XNNPACK)
	for b.Loop() {
		Conv2D(in, is, filter, fs, bias, p, q, out, os)
	}
	reportMACs(b, 28*28*128*128)
}

// BenchmarkDepthwiseConv2D runs a MobileNet 3×3 depthwise layer on 28×28×128 uint8, stride 1 and 2.
func BenchmarkDepthwiseConv2D(b *testing.B) {
	for _, s := range []int{1, 2} {
		b.Run(map[int]string{1: "3x3s1_28x28x128", 2: "3x3s2_28x28x128"}[s], func(b *testing.B) {
			r := rand.New(rand.NewPCG(7, 8))
			oh := 28 / s
			is, fs, os := [4]int{1, 28, 28, 128}, [4]int{1, 3, 3, 128}, [4]int{1, oh, oh, 128}
			in := randCodes[uint8](r, 28*28*128)
			filter := randCodes[uint8](r, 9*128)
			bias := make([]int32, 128)
			out := make([]uint8, oh*oh*128)
			p := ConvParams{StrideH: s, StrideW: s, PadTop: 2 - s, PadLeft: 2 - s, InZP: 128, FilterZP: 110}
			q := qmath.NewRequant(0.02, []float32{0.004}, 0.1, 0, 0, 255, qmath.XNNPACK)
			for b.Loop() {
				DepthwiseConv2D(in, is, filter, fs, 1, bias, p, q, out, os)
			}
			reportMACs(b, oh*oh*128*9)
		})
	}
}
