package q8

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

// TestRequantSweep drives 256 consecutive accumulators through every
// channel of 1×1 layers (k = 1, weight − zp_w = 1) and compares each code
// with qref's Requant.Apply: multipliers that are powers of two (exact
// ties every 2^s accumulators, where the two roundings part) or near them,
// above 1 (left shifts that wrap), tiny (right shifts up to 31) and random;
// biases near zero and near both ends of int32.
func TestRequantSweep(t *testing.T) {
	const n = 53
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 10))
		for _, r := range roundings {
			for _, signed := range []bool{false, true} {
				for trial := 0; trial < 8; trial++ {
					name := fmt.Sprintf("%v_signed%v_%d", r, signed, trial)
					sw := make([]float32, n)
					bias := make([]int32, n)
					for c := range sw {
						switch c % 5 {
						case 0:
							sw[c] = float32(math.Ldexp(1, -rng.IntN(9))) // exact ties
						case 1:
							sw[c] = float32(math.Ldexp(1, -rng.IntN(9))) * (1 + float32(rng.IntN(5)-2)*0x1p-23)
						case 2:
							sw[c] = float32(math.Ldexp(1+rng.Float64(), rng.IntN(4)-1)) // up to 16: left shifts
						case 3:
							sw[c] = float32(math.Ldexp(1+rng.Float64(), -22-rng.IntN(10))) // shifts of 22..31
						default:
							sw[c] = float32(math.Ldexp(1+rng.Float64(), -rng.IntN(20)))
						}
						switch c % 3 {
						case 0:
							bias[c] = math.MaxInt32 - int32(rng.IntN(400))
						case 1:
							bias[c] = math.MinInt32 + int32(rng.IntN(400))
						default:
							bias[c] = -128 - int32(rng.IntN(64))
						}
					}
					zp := zeroPoint(rng, signed)
					lo, hi := int32(0), int32(255)
					if signed {
						lo, hi = -128, 127
					}
					rq := qmath.NewRequantProduct(1, sw, 1, zp, lo, hi, r, qmath.ProductFloat64)
					in := make([]byte, 256)
					w := make([]byte, n)
					var g *GEMM
					if signed {
						for x := range in {
							in[x] = byte(x - 128)
						}
						for c := range w {
							w[c] = 1
						}
						g = PackGEMMI8(int8s(w), bias, n, 1, -128, rq, r)
					} else {
						for x := range in {
							in[x] = byte(x)
						}
						zw := int32(rng.IntN(255))
						for c := range w {
							w[c] = byte(zw + 1)
						}
						g = PackGEMMU8(w, zw, bias, n, 1, 0, rq, r)
					}
					out, buf := guarded(256 * n)
					if signed {
						g.RunI8(int8s(out), int8s(in), 0, 256)
					} else {
						g.RunU8(out, in, 0, 256)
					}
					checkGuards(t, buf, len(out))
					for x := 0; x < 256; x++ {
						for c := 0; c < n; c++ {
							acc := bias[c] + int32(x) // wraps like the kernels' int32 sums
							if want := byte(rq.Apply(acc, c)); out[x*n+c] != want {
								t.Fatalf("%s: channel %d (scale %v) acc %d: code %d, want %d", name, c, sw[c], acc, out[x*n+c], want)
							}
						}
					}
				}
			}
		}
	})
}

// TestRequantBoundaries aims at the Reference rounding's divide by 2^shr
// where the high multiply gives |h| ≥ 2^30 (accumulators near the ends of
// int32, right shifts 22..30): for each channel it constructs the
// accumulator whose h sits exactly on the rounding threshold (one below
// the half for h > 0, one above it for h < 0), so that a threshold or sign
// taken from the wrong bit changes the code.
func TestRequantBoundaries(t *testing.T) {
	const n, x0 = 36, 100
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		for _, r := range roundings {
			sw := make([]float32, n)
			for c := range sw {
				shr := 22 + c%9
				sw[c] = float32(math.Ldexp(1.6+0.4*rng.Float64(), -shr-1))
			}
			rq := qmath.NewRequantProduct(1, sw, 1, 0, 0, 255, r, qmath.ProductFloat64)
			bias := make([]int32, n)
			for c := range bias {
				m0, shift := rq.Multiplier(c)
				shr := -shift
				h := int64(1)<<30 + int64(1)<<(shr-1) - 1
				if c%2 == 1 {
					h = -(int64(1) << 30) - int64(1)<<shr + int64(1)<<(shr-1) + 1
				}
				a0 := int64(float64(h) * (1 << 31) / float64(m0))
				found := false
				for d := int64(-4); d <= 4 && !found; d++ {
					if a := a0 + d; a > math.MinInt32+x0 && a < math.MaxInt32-255 &&
						int64(qmath.SaturatingRoundingDoublingHighMul(int32(a), m0)) == h {
						bias[c], found = int32(a-x0), true
					}
				}
				if !found {
					t.Fatalf("channel %d: no accumulator gives h = %d with m0 = %d", c, h, m0)
				}
			}
			in := make([]byte, 256)
			for x := range in {
				in[x] = byte(x)
			}
			w := make([]byte, n)
			for c := range w {
				w[c] = 1
			}
			g := PackGEMMU8(w, 0, bias, n, 1, 0, rq, r)
			out := make([]byte, 256*n)
			g.RunU8(out, in, 0, 256)
			for x := 0; x < 256; x++ {
				for c := 0; c < n; c++ {
					acc := bias[c] + int32(x)
					if want := byte(rq.Apply(acc, c)); out[x*n+c] != want {
						t.Fatalf("%v: channel %d acc %d: code %d, want %d", r, c, acc, out[x*n+c], want)
					}
				}
			}
		}
	})
}
