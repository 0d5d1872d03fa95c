// Package lcg is the deterministic input sequence shared by the project's tests, its golden-output
// generator and the ONNX Runtime peer harness (shared/peers/bench_ort.js, function lcg).
//
// The state is a 32-bit linear congruential generator, s = s·1103515245 + 12345 (mod 2³²); each step
// advances s and turns the new s into one value. Starting from seed 1, Float32s reproduces the harness
// input bit for bit.
package lcg

// Multiplier and Increment are the constants of the generator.
const (
	Multiplier = 1103515245
	Increment  = 12345
)

// Source is a generator state. The zero value is the state for seed 0.
type Source struct{ s uint32 }

// New returns a Source whose state is seed.
func New(seed uint32) *Source { return &Source{s: seed} }

// Next advances s = s*1103515245 + 12345 (mod 2^32) and returns the new s.
func (r *Source) Next() uint32 {
	r.s = r.s*Multiplier + Increment
	return r.s
}

// Float32s returns n values in [-1, 1): for each step, float32(s/2³²·2 − 1) with the arithmetic done in
// float64 and one rounding to float32 at the end, as JavaScript does when it stores
// (s / 4294967296) * 2 - 1 into a Float32Array.
func Float32s(seed uint32, n int) []float32 {
	r := New(seed)
	out := make([]float32, n)
	for i := range out {
		// s/2³² and the doubling are exact in float64; only the subtraction rounds, then the
		// conversion to float32 rounds once more, exactly as in JavaScript.
		d := float64(r.Next()) / 4294967296 * 2
		out[i] = float32(d - 1)
	}
	return out
}

// Uint8s returns n bytes: the top 8 bits of s for each step.
func Uint8s(seed uint32, n int) []uint8 {
	r := New(seed)
	out := make([]uint8, n)
	for i := range out {
		out[i] = uint8(r.Next() >> 24)
	}
	return out
}

// Int8s returns n signed bytes: the top 8 bits of s for each step, read as two's complement.
func Int8s(seed uint32, n int) []int8 {
	r := New(seed)
	out := make([]int8, n)
	for i := range out {
		out[i] = int8(uint8(r.Next() >> 24))
	}
	return out
}
