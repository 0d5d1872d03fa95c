package q8

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

// guard is how many poisoned bytes surround every output slice.
const guard = 67

// poison is the value of the guard bytes and of outputs not yet written.
const poison = 0xA5

var roundings = []qmath.Rounding{qmath.XNNPACK, qmath.Reference}

// availableLevels returns every level this CPU and build can run.
func availableLevels() []Level {
	var ls []Level
	for l := Generic; l <= supported; l++ {
		ls = append(ls, l)
	}
	return ls
}

// forEachLevel runs f as a subtest once per available level, forced with
// SetLevel.
func forEachLevel(t *testing.T, f func(t *testing.T)) {
	for _, l := range availableLevels() {
		t.Run(l.String(), func(t *testing.T) {
			prev, err := SetLevel(l)
			if err != nil {
				t.Fatal(err)
			}
			defer SetLevel(prev)
			f(t)
		})
	}
}

// guarded returns a slice of n bytes inside a buffer poisoned on both sides,
// the slice itself poisoned too.
func guarded(n int) (inner, buf []byte) {
	buf = make([]byte, n+2*guard)
	for i := range buf {
		buf[i] = poison
	}
	return buf[guard : guard+n : guard+n], buf
}

// checkGuards fails if the bytes around the inner slice changed.
func checkGuards(t *testing.T, buf []byte, n int) {
	t.Helper()
	for i, v := range buf {
		if (i < guard || i >= guard+n) && v != poison {
			t.Fatalf("guard byte %d (inner slice is [%d,%d)) overwritten with %d", i, guard, guard+n, v)
		}
	}
}

// zeroPoint draws a zero point, the extremes of the range often.
func zeroPoint(rng *rand.Rand, signed bool) int32 {
	lo, hi := int32(0), int32(255)
	if signed {
		lo, hi = -128, 127
	}
	switch rng.IntN(4) {
	case 0:
		return lo
	case 1:
		return hi
	}
	return lo + rng.Int32N(hi-lo+1)
}

// randCodes returns n random 8-bit codes (as bytes).
func randCodes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return b
}

// randInt8Weights returns n int8 weights in [−127, 127], TFLite's range for
// int8 filters.
func randInt8Weights(rng *rand.Rand, n int) []int8 {
	w := make([]int8, n)
	for i := range w {
		w[i] = int8(rng.IntN(255) - 127)
	}
	return w
}

// calibrate draws the requantization and bias of an op whose accumulators
// before the bias are acc[c] (a sample per output channel), so that the
// outputs spread over the code range rather than all clamp: the bias
// centres each channel and the multiplier maps about the channel's spread
// onto 256 codes (times 2^±1). It uses one scale, or one per channel when
// perChannel, a random output zero point and activation range and the
// product formula TFLite uses for the type; one case in eight gets biases
// anywhere in int32 and one in sixteen large multipliers (left shifts).
func calibrate(rng *rand.Rand, acc [][]int32, perChannel, signed bool, r qmath.Rounding) (*qmath.Requant, []int32) {
	n := len(acc)
	bias := make([]int32, n)
	spread := make([]float64, n)
	widest := 1.0
	for c, a := range acc {
		lo, hi := int64(math.MaxInt32), int64(math.MinInt32)
		for _, v := range a {
			lo, hi = min(lo, int64(v)), max(hi, int64(v))
		}
		spread[c] = math.Max(1, float64(hi-lo))
		widest = math.Max(widest, spread[c])
		bias[c] = int32(-(lo+hi)/2 + int64(rng.NormFloat64()*spread[c]/8))
	}
	wild := rng.IntN(8) == 0
	if wild {
		for c := range bias {
			bias[c] = int32(rng.Uint32())
		}
	}
	large := rng.IntN(16) == 0
	multiplier := func(sp float64) float64 {
		if large {
			return math.Exp2(rng.Float64()*3 - 1)
		}
		return 256 / sp * math.Exp2(rng.Float64()*2-1)
	}
	sx := float32(math.Ldexp(1+rng.Float64(), -rng.IntN(8)))
	var sw []float32
	if perChannel {
		for c := range acc {
			sw = append(sw, float32(multiplier(spread[c])/float64(sx)))
		}
	} else {
		sw = []float32{float32(multiplier(widest) / float64(sx))}
	}
	lo, hi := int32(0), int32(255)
	if signed {
		lo, hi = -128, 127
	}
	zp := (lo+hi)/2 + rng.Int32N(97) - 48
	if rng.IntN(4) == 0 {
		zp = zeroPoint(rng, signed)
	}
	if rng.IntN(4) == 0 {
		a, b := lo+rng.Int32N(hi-lo+1), lo+rng.Int32N(hi-lo+1)
		lo, hi = min(a, b), max(a, b)
	}
	p := qmath.ProductFloat32
	if signed || perChannel {
		p = qmath.ProductFloat64
	}
	return qmath.NewRequantProduct(sx, sw, 1, zp, lo, hi, r, p), bias
}

// int8s views bytes as int8s.
func int8s(b []byte) []int8 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*int8)(unsafe.Pointer(&b[0])), len(b))
}

// inside counts how many expected outputs lie strictly inside their
// activation range, to keep the random cases from testing only the clamps.
type inside struct{ in, all int }

func (s *inside) add(want []byte, rq *qmath.Requant) {
	_, lo, hi := rq.Range()
	signed := lo < 0
	for _, v := range want {
		c := code(v, signed)
		if c > lo && c < hi {
			s.in++
		}
		s.all++
	}
}

// check fails unless at least half of the outputs were inside the range.
func (s *inside) check(t *testing.T) {
	t.Helper()
	t.Logf("%d of %d expected outputs inside the activation range", s.in, s.all)
	if 2*s.in < s.all {
		t.Errorf("only %d of %d expected outputs inside the activation range: the cases test little but the clamps", s.in, s.all)
	}
}
