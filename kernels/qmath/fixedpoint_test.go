package qmath

import (
	"math"
	"testing"
)

func TestQuantizeMultiplier(t *testing.T) {
	tests := []struct {
		name  string
		m     float64
		m0    int32
		shift int
	}{
		// frexp(0.5) = 0.5·2⁰; 0.5·2³¹ = 2³⁰.
		{"half", 0.5, 1 << 30, 0},
		// frexp(1.5) = 0.75·2¹; 0.75·2³¹ = 1610612736.
		{"one and a half", 1.5, 1610612736, 1},
		// 0.0003 = 0.6144·2⁻¹¹; 0.6144·2³¹ = 1319413953.33…, rounded to 1319413953.
		{"0.0003", 0.0003, 1319413953, -11},
		// 1 − 2⁻³³ = (1 − 2⁻³³)·2⁰; (1 − 2⁻³³)·2³¹ = 2³¹ − 0.25 rounds to 2³¹, which is halved
		// to 2³⁰ with the exponent raised to 1.
		{"significand overflow", 1 - math.Ldexp(1, -33), 1 << 30, 1},
		// 2⁻³² = 0.5·2⁻³¹: the smallest exponent kept.
		{"smallest kept", math.Ldexp(1, -32), 1 << 30, -31},
		// 2⁻³³ = 0.5·2⁻³²: exponent below −31, flushed to zero.
		{"flushed", math.Ldexp(1, -33), 0, 0},
		{"tiny", 1e-12, 0, 0},
		{"zero", 0, 0, 0},
		// 200 = 0.78125·2⁸; 0.78125·2³¹ = 1677721600.
		{"large", 200, 1677721600, 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m0, shift := QuantizeMultiplier(tc.m)
			if m0 != tc.m0 || shift != tc.shift {
				t.Errorf("QuantizeMultiplier(%v) = (%d, %d), want (%d, %d)", tc.m, m0, shift, tc.m0, tc.shift)
			}
		})
	}
}

func TestSaturatingRoundingDoublingHighMul(t *testing.T) {
	tests := []struct {
		name    string
		a, b    int32
		want    int32
		comment string
	}{
		{"both min", math.MinInt32, math.MinInt32, math.MaxInt32, "(−2³¹)²·2/2³² = 2³¹ overflows: saturates"},
		{"min times max", math.MinInt32, math.MaxInt32, -math.MaxInt32, "exact: −2³¹·(2³¹−1)/2³¹ = −(2³¹−1)"},
		{"positive tie", 1, 1 << 30, 1, "1·2³⁰/2³¹ = 0.5: (2³⁰ + 2³⁰)/2³¹ = 1"},
		{"negative tie", -1, 1 << 30, 0, "−0.5: (−2³⁰ + 1 − 2³⁰)/2³¹ = −0.99… truncates to 0 (ties go up)"},
		{"negative 1.5", -3, 1 << 30, -1, "−1.5: (−3·2³⁰ + 1 − 2³⁰)/2³¹ = −1.99… truncates to −1"},
		{"positive 2.5", 5, 1 << 30, 3, "2.5: 6·2³⁰/2³¹ = 3"},
		{"just below tie", 3, 1 << 29, 1, "0.75 rounds to 1"},
		{"full scale", 1000, math.MaxInt32, 1000, "1000·(2³¹−1)/2³¹ = 999.9999995 rounds to 1000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SaturatingRoundingDoublingHighMul(tc.a, tc.b); got != tc.want {
				t.Errorf("SRDHM(%d, %d) = %d, want %d (%s)", tc.a, tc.b, got, tc.want, tc.comment)
			}
		})
	}
}

func TestRoundingDivideByPOT(t *testing.T) {
	tests := []struct {
		x       int32
		exp     int
		want    int32
		comment string
	}{
		// mask = 1, remainder = −5 & 1 = 1 (…11111011 & 1), threshold = (1>>1) + 1 = 1 because x < 0;
		// −5 >> 1 = −3 (floor of −2.5); 1 > 1 is false, so −3: −2.5 rounded away from zero.
		{-5, 1, -3, "−2.5 → −3"},
		// mask 1, remainder 1, threshold 0; 5 >> 1 = 2, 1 > 0 adds one: 2.5 → 3.
		{5, 1, 3, "2.5 → 3"},
		// mask 3, −5 & 3 = 3, threshold 1 + 1 = 2, −5 >> 2 = −2, 3 > 2 adds one: −1.25 → −1.
		{-5, 2, -1, "−1.25 → −1"},
		// −6 & 3 = 2, threshold 2, −6 >> 2 = −2, 2 > 2 false: −1.5 → −2.
		{-6, 2, -2, "−1.5 → −2"},
		// −7 & 3 = 1, threshold 2, −7 >> 2 = −2: −1.75 → −2.
		{-7, 2, -2, "−1.75 → −2"},
		{7, 0, 7, "exponent 0 is the identity"},
		{-7, 0, -7, "exponent 0 is the identity"},
		// mask 2³¹−1, remainder 2³⁰, threshold 2³⁰−1, 2³⁰ >> 31 = 0: 0.5 → 1.
		{1 << 30, 31, 1, "0.5 → 1"},
		// −2³⁰ & (2³¹−1) = 2³⁰, threshold 2³⁰ − 1 + 1, −2³⁰ >> 31 = −1: −0.5 → −1.
		{-(1 << 30), 31, -1, "−0.5 → −1"},
		{math.MaxInt32, 31, 1, "0.99999… → 1"},
		{math.MinInt32, 31, -1, "−1 exactly"},
		{(1 << 30) - 1, 31, 0, "just below 0.5 → 0"},
	}
	for _, tc := range tests {
		if got := RoundingDivideByPOT(tc.x, tc.exp); got != tc.want {
			t.Errorf("RDBPOT(%d, %d) = %d, want %d (%s)", tc.x, tc.exp, got, tc.want, tc.comment)
		}
	}
}

func TestMultiplyByQuantizedMultiplier(t *testing.T) {
	tests := []struct {
		x, m0   int32
		shift   int
		want    int32
		comment string
	}{
		{100, 1 << 30, 0, 50, "100·0.5"},
		// 5·0.25 = 1.25, but SRDHM(5, 2³⁰) = round(2.5) = 3 and RDBPOT(3, 1) = round(1.5) = 2:
		// the double rounding gives 2 where a single rounding gives 1.
		{5, 1 << 30, -1, 2, "double rounding: 1.25 → 2"},
		// SRDHM(−5, 2³⁰) = −2 (−2.5, ties up), RDBPOT(−2, 1) = −1.
		{-5, 1 << 30, -1, -1, "−1.25 → −1"},
		// SRDHM(3, 2³⁰) = 2 (1.5 → 2), RDBPOT(2, 1) = 1.
		{3, 1 << 30, -1, 1, "0.75 → 1"},
		// shift 1: x·2 = 200, SRDHM(200, 0.75·2³¹) = 150.
		{100, 1610612736, 1, 150, "100·1.5"},
		// 0.0003: 10000·0.0003 = 3; SRDHM(10000, 1319413953) = round(6143.99…) = 6144, 6144/2¹¹ = 3.
		{10000, 1319413953, -11, 3, "10000·0.0003"},
		{0, 1 << 30, -5, 0, "zero"},
	}
	for _, tc := range tests {
		if got := MultiplyByQuantizedMultiplier(tc.x, tc.m0, tc.shift); got != tc.want {
			t.Errorf("MBQM(%d, %d, %d) = %d, want %d (%s)", tc.x, tc.m0, tc.shift, got, tc.want, tc.comment)
		}
	}
}
