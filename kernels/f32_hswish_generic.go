package kernels

import "math"

// hardSwishGeneric is HardSwish's Go twin: the clamp of v + 3 to [0, 6] on its bits, without branches
// (non-negative floats order as their bits do, negative ones are negative int32s; v + 3 is never −0,
// and a NaN v makes the result NaN whatever the clamp gives).
func hardSwishGeneric(y, x []float32) {
	y = y[:len(x)]
	const six = 0x40c00000 // the bits of float32(6)
	for i, v := range x {
		r := min(max(int32(math.Float32bits(v+3)), 0), six)
		y[i] = v * math.Float32frombits(uint32(r)) / 6
	}
}
