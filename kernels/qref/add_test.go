package qref

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

// TestAddAgainstReals: both arithmetics of 8-bit ADD stay within one code of the real sum
// zy + (sa·(qa − za) + sb·(qb − zb))/sy (clamped), for random scales and zero points (XNNPACK's own tester allows 0.6 codes from the
// float result; TFLite's fixed point is as close), and the two arithmetics differ by at most one code.
func TestAddAgainstReals(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for trial := 0; trial < 200; trial++ {
		sa := float32(math.Exp(r.Float64()*4 - 4))
		sb := float32(math.Exp(r.Float64()*4 - 4))
		sy := float32(math.Exp(r.Float64()*4 - 3.5))
		za, zb, zy := int32(r.IntN(256)), int32(r.IntN(256)), int32(r.IntN(256))
		x := NewAddParams(sa, za, sb, zb, sy, zy, 0, 255, qmath.XNNPACK)
		f := NewAddParams(sa, za, sb, zb, sy, zy, 0, 255, qmath.Reference)
		if f.XNNPACK {
			t.Fatal("the Reference parameters hold XNNPACK's arithmetic")
		}
		for k := 0; k < 200; k++ {
			qa, qb := int32(r.IntN(256)), int32(r.IntN(256))
			real := float64(zy) + float64(sa)*float64(qa-za)/float64(sy) + float64(sb)*float64(qb-zb)/float64(sy)
			real = min(max(real, 0), 255)
			gx, gf := x.apply(qa, qb), f.apply(qa, qb)
			if math.Abs(float64(gx)-real) > 1 || math.Abs(float64(gf)-real) > 1 || gx-gf > 1 || gf-gx > 1 {
				t.Fatalf("scales %g %g → %g, zps %d %d → %d, codes %d %d: XNNPACK %d, Reference %d, real %.3f",
					sa, sb, sy, za, zb, zy, qa, qb, gx, gf, real)
			}
		}
	}
}

// TestAddXNNPACKParams checks the XNNPACK parameters on a worked case: a/y = 0.75 and b/y = 0.375
// give exponent −1, shift 21, multipliers 0.75·2²¹ and 0.375·2²¹; halves round up (toward +∞).
func TestAddXNNPACKParams(t *testing.T) {
	p := NewAddParams(0.75, 10, 0.375, 20, 1, 0, -128, 127, qmath.XNNPACK)
	if !p.XNNPACK || p.Shift != 21 || p.AMult != 1572864 || p.BMult != 786432 {
		t.Fatalf("params %+v", p)
	}
	// (qa−10)·0.75 + (qb−20)·0.375: qa = 12, qb = 21 gives 1.875 → 2; qa = 10, qb = 24 gives 1.5 → 2;
	// qa = 10, qb = 16 gives −1.5 → −1 (half up).
	for _, tc := range []struct{ qa, qb, want int32 }{{12, 21, 2}, {10, 24, 2}, {10, 16, -1}, {10, 20, 0}} {
		if got := p.apply(tc.qa, tc.qb); got != tc.want {
			t.Errorf("apply(%d, %d) = %d, want %d", tc.qa, tc.qb, got, tc.want)
		}
	}
	// A ratio XNNPACK refuses (b/y below 2⁻¹⁰) falls back to the Reference arithmetic, as the
	// delegate leaves the op to TFLite's kernel.
	if q := NewAddParams(1, 0, 1.0/4096, 0, 1, 0, 0, 255, qmath.XNNPACK); q.XNNPACK {
		t.Error("ratio 2^-12 kept XNNPACK's arithmetic")
	}
}

// TestAddBroadcast compares a broadcast ADD and MUL with the same op on operands expanded by hand.
func TestAddBroadcast(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 9))
	as, bs, os := []int{2, 3, 1, 4}, []int{1, 5, 4}, []int{2, 3, 5, 4}
	a := make([]int8, 24)
	b := make([]int8, 20)
	for i := range a {
		a[i] = int8(r.IntN(256) - 128)
	}
	for i := range b {
		b[i] = int8(r.IntN(256) - 128)
	}
	ea, eb := make([]int8, 120), make([]int8, 120)
	for n := 0; n < 2; n++ {
		for h := 0; h < 3; h++ {
			for w := 0; w < 5; w++ {
				for c := 0; c < 4; c++ {
					o := ((n*3+h)*5+w)*4 + c
					ea[o] = a[(n*3+h)*4+c]
					eb[o] = b[w*4+c]
				}
			}
		}
	}
	for _, rd := range []qmath.Rounding{qmath.XNNPACK, qmath.Reference} {
		p := NewAddParams(0.1, 3, 0.05, -7, 0.12, 1, -128, 127, rd)
		m := NewMulParams(0.1, 3, 0.05, -7, 0.02, 1, -128, 127, rd)
		got, want := make([]int8, 120), make([]int8, 120)
		Add(&p, a, as, b, bs, got, os)
		Add(&p, ea, os, eb, os, want, os)
		if err := approx.Codes(got, want, 0); err != nil {
			t.Errorf("%v Add: %v", rd, err)
		}
		Mul(&m, a, as, b, bs, got, os)
		Mul(&m, ea, os, eb, os, want, os)
		if err := approx.Codes(got, want, 0); err != nil {
			t.Errorf("%v Mul: %v", rd, err)
		}
	}
}

// TestCheckAdd refuses scales no ADD can use.
func TestCheckAdd(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, s := range [][3]float32{{0, 1, 1}, {1, -1, 1}, {1, 1, inf}, {inf, 1, 1}, {1e30, 1, 1e-30}, {float32(math.NaN()), 1, 1}} {
		if CheckAdd(s[0], s[1], s[2]) == nil {
			t.Errorf("scales %v accepted", s)
		}
	}
	if err := CheckAdd(0.1, 0.2, 0.3); err != nil {
		t.Error(err)
	}
}
