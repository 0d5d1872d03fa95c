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
