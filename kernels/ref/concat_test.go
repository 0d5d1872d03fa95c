package ref

import (
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

// TestConcatHand checks Concat on small cases worked by hand, along the first, a middle and the last axis.
func TestConcatHand(t *testing.T) {
	cases := []struct {
		name   string
		ins    [][]float64
		shapes [][]int
		axis   int
		want   []float64
	}{
		// Axis 0 appends the arrays.
		{"axis 0", [][]float64{{1, 2}, {3, 4, 5, 6}}, [][]int{{1, 2}, {2, 2}}, 0, []float64{1, 2, 3, 4, 5, 6}},
		// The last axis interleaves rows: row 0 is (1 | 3 4), row 1 is (2 | 5 6).
		{"last axis", [][]float64{{1, 2}, {3, 4, 5, 6}}, [][]int{{2, 1}, {2, 2}}, 1, []float64{1, 3, 4, 2, 5, 6}},
		// A middle axis of [2, ·, 2]: image 0 takes a's row (1 2) then b's rows (5 6)(7 8); image 1
		// takes (3 4) then (9 10)(11 12).
		{"middle axis", [][]float64{{1, 2, 3, 4}, {5, 6, 7, 8, 9, 10, 11, 12}}, [][]int{{2, 1, 2}, {2, 2, 2}}, 1,
			[]float64{1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12}},
		// Three inputs, one of them empty along the axis.
		{"empty input", [][]float64{{1}, {}, {2, 3}}, [][]int{{1, 1}, {1, 0}, {1, 2}}, 1, []float64{1, 2, 3}},
	}
	for _, c := range cases {
		out := make([]float64, len(c.want))
		Concat(c.ins, c.shapes, c.axis, out)
		if err := approx.Close(out, c.want, 0, 0); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestConcatGradients checks ConcatBackward against central differences of L = Σ r·Concat(ins) in
// float64, within tight, along every axis of rank-4 inputs, with a nil gradient skipped.
func TestConcatGradients(t *testing.T) {
	base := []int{2, 3, 1, 4}
	for axis := range base {
		r := rand.New(rand.NewPCG(uint64(axis), 5))
		var shapes [][]int
		var ins [][]float64
		total := 0
		for _, along := range []int{1, 3, 2} {
			s := append([]int(nil), base...)
			s[axis] = along
			_, in := randVals(r, volume(s))
			shapes, ins = append(shapes, s), append(ins, in)
			total += len(in)
		}
		_, d := randVals(r, total)
		loss := func() float64 {
			out := make([]float64, total)
			Concat(ins, shapes, axis, out)
			return dot64(d, out)
		}
		dIns := [][]float64{make([]float64, len(ins[0])), nil, make([]float64, len(ins[2]))}
		ConcatBackward(d, shapes, axis, dIns)
		for _, k := range []int{0, 2} {
			checkGrad(t, "dIn", dIns[k], numGrad(ins[k], 1e-3, loss), tight)
		}
	}
}
