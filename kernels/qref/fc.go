package qref

import "github.com/mobilenet-go/mobilenet/kernels/qmath"

// FullyConnected computes a quantized fully-connected layer (TFLite FULLY_CONNECTED,
// reference/fully_connected.h and reference/integer_ops/fully_connected.h):
//
//	acc[b,o] = bias[o] + Σ_i (weights[o,i] − wZP)·(in[b,i] − inZP)
//	out[b,o] = q.Apply(acc, o)
//
// in is [batch][inDepth], weights [outDepth][inDepth], bias [outDepth] or nil, out [batch][outDepth],
// all row-major. The int32 accumulator holds up to 2¹⁵ terms without overflow (see Conv2D).
func FullyConnected[T uint8 | int8](in []T, batch, inDepth int, weights []T, outDepth int, bias []int32, inZP, wZP int32, q *qmath.Requant, out []T) {
	const op = "FullyConnected"
	need(op, "input", len(in), batch, inDepth)
	need(op, "weights", len(weights), outDepth, inDepth)
	need(op, "output", len(out), batch, outDepth)
	if !(bias == nil || len(bias) == outDepth) {
		fail(op, "bias has %d values for %d outputs", len(bias), outDepth)
	}
	if !(q.Channels() == 1 || q.Channels() == outDepth) {
		fail(op, "requantization has %d channels for %d outputs", q.Channels(), outDepth)
	}
	for b := 0; b < batch; b++ {
		row := in[b*inDepth : (b+1)*inDepth]
		for o := 0; o < outDepth; o++ {
			var acc int32
			if bias != nil {
				acc = bias[o]
			}
			wrow := weights[o*inDepth : (o+1)*inDepth]
			for i, x := range row {
				acc += (int32(wrow[i]) - wZP) * (int32(x) - inZP)
			}
			out[b*outDepth+o] = T(q.Apply(acc, o))
		}
	}
}
