package approx

import (
	"math"
	"testing"
)

func TestCloseFailsOnNaNAndLength(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name      string
		got, want []float64
		ok        bool
	}{
		{"equal", []float64{1, 2}, []float64{1, 2}, true},
		{"within", []float64{1, 2.0000001}, []float64{1, 2}, true},
		{"NaN got", []float64{1, nan}, []float64{1, 2}, false},
		{"NaN want", []float64{1, 2}, []float64{nan, 2}, false},
		{"both NaN", []float64{nan}, []float64{nan}, false},
		{"short", []float64{1}, []float64{1, 2}, false},
		{"empty", nil, nil, false},
		{"far", []float64{1, 3}, []float64{1, 2}, false},
		{"Inf", []float64{math.Inf(1)}, []float64{math.Inf(1)}, false},
	}
	for _, c := range cases {
		err := Close(c.got, c.want, 1e-6, 0)
		if (err == nil) != c.ok {
			t.Errorf("%s: Close = %v, want ok=%v", c.name, err, c.ok)
		}
	}
	if err := Within("d", nan, 1); err == nil {
		t.Error("Within accepts NaN")
	}
	if err := Within("d", 0.5, nan); err == nil {
		t.Error("Within accepts a NaN tolerance")
	}
	if d, i, err := MaxAbsDiff([]float32{0, float32(nan), 5}, []float32{0, 0, 0}); err != nil || !math.IsNaN(d) || i != 1 {
		t.Errorf("MaxAbsDiff = %v at %d (%v), want NaN at 1", d, i, err)
	}
	if _, _, err := MaxAbsDiff([]float32{1}, []float32{1, 2}); err == nil {
		t.Error("MaxAbsDiff accepts different lengths")
	}
}

func TestCodesChecksLengthAndTolerance(t *testing.T) {
	cases := []struct {
		name string
		got  []uint8
		want []int32
		tol  int64
		ok   bool
	}{
		{"equal", []uint8{0, 255}, []int32{0, 255}, 0, true},
		{"one off, exact", []uint8{0, 254}, []int32{0, 255}, 0, false},
		{"one off, tolerance 1", []uint8{1, 254}, []int32{0, 255}, 1, true},
		{"two off, tolerance 1", []uint8{2}, []int32{0}, 1, false},
		{"short", []uint8{0}, []int32{0, 1}, 1, false},
		{"empty", nil, nil, 0, false},
	}
	for _, c := range cases {
		err := Codes(c.got, c.want, c.tol)
		if (err == nil) != c.ok {
			t.Errorf("%s: Codes = %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

// TestNaNFailsTheOracleCalls injects a NaN into a float32 output as the oracle and builder tests compare
// it (Close with atol 1e-5 or 1e-4 and rtol 0 on float32 slices; Within on a worst difference): it fails.
func TestNaNFailsTheOracleCalls(t *testing.T) {
	want := []float32{0.25, 0.5, 0.25}
	got := []float32{0.25, float32(math.NaN()), 0.25}
	for _, atol := range []float64{1e-5, 1e-4} {
		if err := Close(got, want, atol, 0); err == nil {
			t.Errorf("Close(atol %g) accepts a NaN output", atol)
		}
	}
	if err := Close(got, want, 1e-5, 1e-4); err == nil {
		t.Error("Close(1e-5, 1e-4) accepts a NaN output")
	}
	if d, _, _ := MaxAbsDiff(got, want); Within("max |diff|", d, 1e-5) == nil {
		t.Error("Within(MaxAbsDiff) accepts a NaN output")
	}
}
