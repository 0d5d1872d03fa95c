package qmath

import (
	"math"
	"strings"
	"testing"
)

// TestRoundingsPart reproduces the case of FACTS §4b: in MobileNet 0.25/128 layer 10 the accumulator
// 14210 times the float32 multiplier gives exactly 226.5000064, whose float32 value is 226.5.
//
// The multiplier is M = 8557443·2⁻²⁹ = 0.0159394797 (a float32: 8557443 has 24 bits), and
// 14210·8557443 = 121601265030 = 226.5·2²⁹ + 3462, so 14210·M = 226.5 + 3462·2⁻²⁹ = 226.50000645.
// float32 values near 226.5 are 2⁻¹⁶ apart and 3462·2⁻²⁹ < 2⁻¹⁷, so float32(14210·M) = 226.5 and
// XNNPACK rounds half to even: 226.
//
// Reference: M = 0.5106…·2⁻⁵ with significand 8557443·2⁷ = 1095352704, shift −5.
// SRDHM(14210, 1095352704) = round(14210·8557443/2²⁴) = round(7248.0002) = 7248, and
// RDBPOT(7248, 5) = 7248/32 = 226.5 rounds away from zero: 227.
//
// Scales: s_x = 2⁻⁷, s_w = 8557443·2⁻²⁶, s_y = 2⁻⁴ make every product and quotient exact in float32.
func TestRoundingsPart(t *testing.T) {
	sx := float32(0.0078125)
	sw := float32(math.Ldexp(8557443, -26))
	sy := float32(0.0625)
	for _, tc := range []struct {
		r    Rounding
		want int32
	}{{XNNPACK, 226}, {Reference, 227}} {
		q := NewRequant(sx, []float32{sw}, sy, 0, 0, 255, tc.r)
		if m0, sh := q.Multiplier(0); m0 != 1095352704 || sh != -5 {
			t.Fatalf("multiplier = (%d, %d), want (1095352704, −5)", m0, sh)
		}
		if s := q.Scale(0); s != float32(math.Ldexp(8557443, -29)) {
			t.Fatalf("scale = %v, want 8557443·2⁻²⁹", s)
		}
		if got := q.Apply(14210, 0); got != tc.want {
			t.Errorf("%v: Apply(14210) = %d, want %d", tc.r, got, tc.want)
		}
	}
}

// TestProduct checks the two TFLite formulas for M on scales whose product is not exact in float32:
// s_x = float32(0.1), s_w = float32(0.3), s_y = float32(0.7). Computed independently (Python, with the
// float32 rounding done by struct.pack):
//
//	float32 product: M = 0.04285714528998554,  M0 = 1472560299, shift −4
//	float64 product: M = 0.042857145928606774, M0 = 1472560321, shift −4
//	XNNPACK scale float32(float32(s_x·s_w)/s_y) = 0.04285714402794838
func TestProduct(t *testing.T) {
	sx, sw, sy := float32(0.1), float32(0.3), float32(0.7)
	tests := []struct {
		name  string
		q     *Requant
		m0    int32
		shift int
	}{
		{"per-tensor default", NewRequant(sx, []float32{sw}, sy, 0, 0, 255, Reference), 1472560299, -4},
		{"explicit float32", NewRequantProduct(sx, []float32{sw}, sy, 0, 0, 255, Reference, ProductFloat32), 1472560299, -4},
		{"explicit float64", NewRequantProduct(sx, []float32{sw}, sy, 0, 0, 255, Reference, ProductFloat64), 1472560321, -4},
		{"per-channel default", NewRequant(sx, []float32{sw, sw}, sy, 0, 0, 255, Reference), 1472560321, -4},
	}
	for _, tc := range tests {
		if m0, sh := tc.q.Multiplier(1); m0 != tc.m0 || sh != tc.shift {
			t.Errorf("%s: multiplier = (%d, %d), want (%d, %d)", tc.name, m0, sh, tc.m0, tc.shift)
		}
		if s := tc.q.Scale(0); s != float32(0.04285714402794838) {
			t.Errorf("%s: XNNPACK scale = %v, want 0.04285714402794838", tc.name, s)
		}
	}
}

func TestApply(t *testing.T) {
	// M = 0.5 exactly (s_x = 1, s_w = 0.5, s_y = 1); zero point 10; range [10, 20] as for RELU6 with
	// an output scale of 0.6.
	tests := []struct {
		name     string
		acc      int32
		xnn, ref int32
	}{
		{"exact", 8, 14, 14},                         // 4 + 10
		{"positive tie", 5, 12, 13},                  // 2.5: even 2, half up 3
		{"other positive tie", 7, 14, 14},            // 3.5: even 4, half up 4
		{"negative tie", -3, 10, 10},                 // −1.5: both clamp at 10 (−2+10 = 8, −1+10 = 9)
		{"high clamp", 1000, 20, 20},                 // 500 + 10 clamps to 20
		{"low clamp", -1000, 10, 10},                 // −500 + 10 clamps to 10
		{"int32 extreme", math.MaxInt32, 20, 20},     // float path must not overflow
		{"int32 extreme low", math.MinInt32, 10, 10}, // nor here
		{"range top", 20, 20, 20},                    // 10 + 10
	}
	x := NewRequant(1, []float32{0.5}, 1, 10, 10, 20, XNNPACK)
	r := NewRequant(1, []float32{0.5}, 1, 10, 10, 20, Reference)
	for _, tc := range tests {
		if got := x.Apply(tc.acc, 0); got != tc.xnn {
			t.Errorf("%s: XNNPACK Apply(%d) = %d, want %d", tc.name, tc.acc, got, tc.xnn)
		}
		if got := r.Apply(tc.acc, 0); got != tc.ref {
			t.Errorf("%s: Reference Apply(%d) = %d, want %d", tc.name, tc.acc, got, tc.ref)
		}
	}
	// Negative ties without a clamp (zero point 0, int8 range): −1.5 → −2 (even) and −1 (half up);
	// −2.5 → −2 (even) and −2 (half up).
	x = NewRequant(1, []float32{0.5}, 1, 0, -128, 127, XNNPACK)
	r = NewRequant(1, []float32{0.5}, 1, 0, -128, 127, Reference)
	for _, tc := range []struct{ acc, xnn, ref int32 }{{-3, -2, -1}, {-5, -2, -2}} {
		if got := x.Apply(tc.acc, 0); got != tc.xnn {
			t.Errorf("XNNPACK Apply(%d) = %d, want %d", tc.acc, got, tc.xnn)
		}
		if got := r.Apply(tc.acc, 0); got != tc.ref {
			t.Errorf("Reference Apply(%d) = %d, want %d", tc.acc, got, tc.ref)
		}
	}
}

func TestActivationRange(t *testing.T) {
	tests := []struct {
		act    string
		scale  float32
		zp     int32
		signed bool
		lo, hi int32
	}{
		{"none", 0.05, 10, false, 0, 255},
		{"", 0.05, 10, true, -128, 127},
		{"relu", 0.05, 10, false, 10, 255},
		// 6/0.05 = 120 (119.99999… in float32 rounds to 120.0): 10 + 120.
		{"relu6", 0.05, 10, false, 10, 130},
		{"relu6", 0.05, -20, true, -20, 100},
		{"relu", 0.05, -20, true, -20, 127},
		// −1/0.05 = −20: −20 − 20 = −40; 1/0.05 = 20: −20 + 20 = 0.
		{"relu_n1_to_1", 0.05, -20, true, -40, 0},
		// 6/12 = 0.5 rounds away from zero to 1: [3, 4]; banker's rounding would give 3.
		{"relu6", 12, 3, false, 3, 4},
		// Q(6) beyond the type range clamps: 6/0.01 = 600.
		{"relu6", 0.01, 0, false, 0, 255},
		// Q(0) below the type range clamps: zero point −200 is unusual but well defined.
		{"relu", 1, -200, true, -128, 127},
		// MobileNet's ReLU6 outputs: scale 6/255 (0.023529412), zp 0 → [0, 255].
		{"relu6", 0.023529412, 0, false, 0, 255},
	}
	for _, tc := range tests {
		lo, hi := ActivationRange(tc.act, tc.scale, tc.zp, tc.signed)
		if lo != tc.lo || hi != tc.hi {
			t.Errorf("ActivationRange(%q, %v, %d, %v) = [%d, %d], want [%d, %d]", tc.act, tc.scale, tc.zp, tc.signed, lo, hi, tc.lo, tc.hi)
		}
	}
}

func TestActivationRangeUnknown(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("ActivationRange(\"tanh\") did not panic")
		}
	}()
	ActivationRange("tanh", 1, 0, false)
}

// TestCheckRequant: the scales a crafted model may carry are refused with an error naming the problem,
// and NewRequantProduct panics on exactly those; the largest multipliers below 2³¹ pass and give a
// shift of at most 31.
func TestCheckRequant(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	cases := []struct {
		name    string
		in, out float32
		filter  []float32
		p       Product
		errHas  string
	}{
		{"1e30 × 1e10 overflows float32", 1e30, 1, []float32{1e10}, ProductFloat32, "does not fit"},
		{"1e15 × 1e5: shift 67", 1e15, 1, []float32{1e5}, ProductFloat64, "does not fit"},
		{"just at 2^31", 1 << 16, 1, []float32{1 << 15}, ProductFloat64, "does not fit"},
		// (1 + 2⁻²³)·(2³¹ − 256) = 2³¹ − 2⁻¹⁵, which QuantizeMultiplier rounds to 2³¹.
		{"rounds up to 2^31", math.Nextafter32(1, 2), 1, []float32{1<<31 - 256}, ProductFloat64, "rounds to 2^32"},
		{"infinite input scale", inf, 1, []float32{1}, ProductFloat32, "finite"},
		{"NaN output scale", 1, nan, []float32{1}, ProductFloat32, "finite"},
		{"zero filter scale", 1, 1, []float32{1, 0}, ProductFloat64, "channel 1"},
		{"subnormal output scale", 1, 1e-45, []float32{1}, ProductFloat32, "does not fit"},
		{"no filter scales", 1, 1, nil, ProductFloat32, "no filter"},
	}
	for _, c := range cases {
		err := CheckRequant(c.in, c.filter, c.out, c.p)
		if err == nil || !strings.Contains(err.Error(), c.errHas) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.errHas)
			continue
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: NewRequantProduct accepted what CheckRequant refuses", c.name)
				}
			}()
			NewRequantProduct(c.in, c.filter, c.out, 0, 0, 255, Reference, c.p)
		}()
	}
	for _, m := range []float32{math.Nextafter32(1<<31, 0) / 2, 255.9, 1e-12} {
		if err := CheckRequant(1, []float32{m}, 1, ProductFloat32); err != nil {
			t.Errorf("multiplier %g: %v", m, err)
			continue
		}
		q := NewRequantProduct(1, []float32{m}, 1, 0, 0, 255, Reference, ProductFloat32)
		if _, shift := q.Multiplier(0); shift > 31 || shift < -31 {
			t.Errorf("multiplier %g: shift %d", m, shift)
		}
		q.Apply(math.MaxInt32, 0)
		q.Apply(math.MinInt32, 0)
	}
}
