package qref

import "testing"

func TestLogisticUint8(t *testing.T) {
	lut := NewLogisticLUT(0.1, 128, false)
	tests := []struct {
		q, want uint8
		why     string
	}{
		{128, 128, "x = 0: σ = 0.5, 0.5·256 = 128"},
		{138, 187, "x = 1: σ = 0.7310586, ·256 = 187.15 → 187"},
		{118, 69, "x = −1: σ = 0.2689414, ·256 = 68.85 → 69"},
		{255, 255, "x = 12.7: σ·256 = 255.9992 → 256, clamped to 255"},
		{0, 0, "x = −12.8: σ·256 = 0.00071 → 0"},
	}
	for _, tc := range tests {
		out := []uint8{0}
		Logistic(lut, []uint8{tc.q}, out)
		if out[0] != tc.want {
			t.Errorf("q = %d: got %d, want %d (%s)", tc.q, out[0], tc.want, tc.why)
		}
	}
}

func TestLogisticInt8(t *testing.T) {
	lut := NewLogisticLUT(0.1, -5, true)
	tests := []struct {
		q, want int8
		why     string
	}{
		{-5, 0, "x = 0: 128 − 128 = 0"},
		{5, 59, "x = 1: 187 − 128 = 59"},
		{-15, -59, "x = −1: 69 − 128 = −59"},
		{127, 127, "x = 13.2: 256 − 128 = 128, clamped to 127"},
		{-128, -128, "x = −12.3: 0 − 128"},
	}
	for _, tc := range tests {
		out := []int8{0}
		Logistic(lut, []int8{tc.q}, out)
		if out[0] != tc.want {
			t.Errorf("q = %d: got %d, want %d (%s)", tc.q, out[0], tc.want, tc.why)
		}
	}
}
