package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// mobileNetLayer is one layer of MobileNet V1 1.0/224 run by the kernels.
type mobileNetLayer struct {
	name string
	run  func()
	// flops counts 2 per multiply-add.
	flops float64
}

// mobileNetV1 builds the layers of MobileNet V1 1.0/224 (random weights, TF
// SAME padding, ReLU6), each reading the previous layer's output, as the
// runtime would run them on one thread: activations alternate between two
// buffers.
func mobileNetV1() []mobileNetLayer {
	rng := rand.New(rand.NewPCG(19, 20))
	var layers []mobileNetLayer
	in := randFloats(rng, 224*224*3)
	bufs := [2][]float32{make([]float32, 112*112*64), make([]float32, 112*112*64)}
	next := 0
	alloc := func(n int) []float32 {
		b := bufs[next][:n]
		next = 1 - next
		return b
	}

	conv := PackConv(randFloats(rng, 32*27), randFloats(rng, 32), 3, 3, 3, 32)
	scratch := make([]float32, conv.ScratchSize(112))
	x := alloc(112 * 112 * 32)
	first := x
	layers = append(layers, mobileNetLayer{"conv 3x3 s2 3→32", func() {
		conv.Run(first, in, 224, 224, 2, 2, 0, 0, 112, 112, 0, 112, 0, 6, scratch)
	}, 2 * 112 * 112 * 32 * 27})

	size, c := 112, 32
	for _, blk := range []struct{ stride, cout int }{
		{1, 64}, {2, 128}, {1, 128}, {2, 256}, {1, 256}, {2, 512},
		{1, 512}, {1, 512}, {1, 512}, {1, 512}, {1, 512}, {2, 1024}, {1, 1024},
	} {
		dw := PackDW3x3(randFloats(rng, 9*c), randFloats(rng, c), c)
		o, pad := samePads(size, blk.stride)
		y := alloc(o * o * c)
		dwIn, s, sz, ch := x, blk.stride, size, c
		layers = append(layers, mobileNetLayer{fmt.Sprintf("dw %dx%dx%d s%d", sz, sz, ch, s), func() {
			dw.Run(y, dwIn, sz, sz, s, pad, pad, o, o, 0, o, 0, 6)
		}, 2 * 9 * float64(o*o*ch)})
		pw := PackGEMM(randFloats(rng, blk.cout*c), randFloats(rng, blk.cout), blk.cout, c)
		z := alloc(o * o * blk.cout)
		layers = append(layers, mobileNetLayer{fmt.Sprintf("pw %dx%d %d→%d", o, o, c, blk.cout), func() {
			pw.Run(z, y, 0, o*o, 0, 6)
		}, 2 * float64(o*o*c*blk.cout)})
		x, size, c = z, o, blk.cout
	}
	pooled := make([]float32, c)
	last := x
	layers = append(layers, mobileNetLayer{"avgpool 7x7x1024", func() { GlobalAvgPool(pooled, last, 49, 1024) }, 49 * 1024})
	fc := PackGEMM(randFloats(rng, 1000*1024), randFloats(rng, 1000), 1000, 1024)
	logits := make([]float32, 1000)
	inf := float32(1e30)
	layers = append(layers, mobileNetLayer{"fc 1024→1000", func() { fc.Run(logits, pooled, 0, 1, -inf, inf) }, 2 * 1024 * 1000})
	return layers
}

// BenchmarkMobileNetV1 runs every layer of MobileNet V1 1.0/224 in sequence
// on one thread, at each level: the kernels' share of an inference.
func BenchmarkMobileNetV1(b *testing.B) {
	layers := mobileNetV1()
	var flops float64
	for _, l := range layers {
		flops += l.flops
	}
	for _, l := range availableLevels() {
		b.Run(l.String(), func(b *testing.B) {
			prev, err := SetLevel(l)
			if err != nil {
				b.Fatal(err)
			}
			defer SetLevel(prev)
			for b.Loop() {
				for _, layer := range layers {
					layer.run()
				}
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(sec*1e3, "ms/inference")
			b.ReportMetric(flops/sec/1e9, "GFLOP/s")
		})
	}
}
