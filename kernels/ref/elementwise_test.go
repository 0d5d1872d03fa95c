package ref

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

func TestBroadcastShape(t *testing.T) {
	cases := []struct {
		a, b, want []int
	}{
		{[]int{2, 3, 4, 5}, []int{5}, []int{2, 3, 4, 5}},
		{[]int{2, 3, 4, 5}, []int{2, 1, 1, 5}, []int{2, 3, 4, 5}},
		{[]int{1}, []int{2, 3}, []int{2, 3}},
		{[]int{}, []int{3}, []int{3}},
		{[]int{3, 1}, []int{1, 4}, []int{3, 4}},
		{[]int{1, 4, 1}, []int{8, 1, 3}, []int{8, 4, 3}},
		{[]int{5, 1, 6}, []int{7, 1}, []int{5, 7, 6}},
		{[]int{0, 3}, []int{1, 3}, []int{0, 3}},
	}
	for _, c := range cases {
		for _, swap := range []bool{false, true} {
			a, b := c.a, c.b
			if swap {
				a, b = b, a
			}
			got, err := BroadcastShape(a, b)
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("BroadcastShape(%v, %v) = %v, %v; want %v", a, b, got, err, c.want)
			}
		}
	}
	bad := []struct{ a, b []int }{
		{[]int{2, 3}, []int{3, 2}},
		{[]int{4}, []int{5}},
		{[]int{2, 3, 4, 5}, []int{3, 5}},
		{[]int{0}, []int{2}},
		{[]int{-1}, []int{1}},
	}
	for _, c := range bad {
		_, err := BroadcastShape(c.a, c.b)
		if err == nil {
			t.Errorf("BroadcastShape(%v, %v) broadcast", c.a, c.b)
			continue
		}
		for _, s := range [][]int{c.a, c.b} {
			if !strings.Contains(err.Error(), fmt.Sprint(s)) {
				t.Errorf("error %q does not name shape %v", err, s)
			}
		}
	}
}

// TestElementwiseHand checks Add, Mul and SumToShape on cases worked by hand.
func TestElementwiseHand(t *testing.T) {
	a := []float64{1, 2, 3, 4, 5, 6} // [2, 3]
	out := make([]float64, 6)
	// Each row of a plus (10, 20, 30).
	Add(a, []int{2, 3}, []float64{10, 20, 30}, []int{3}, out, []int{2, 3})
	if err := approx.Close(out, []float64{11, 22, 33, 14, 25, 36}, 0, 0); err != nil {
		t.Errorf("[2,3]+[3]: %v", err)
	}
	// The outer product of the column (1, 2) and the row (3, 4, 5).
	Mul([]float64{1, 2}, []int{2, 1}, []float64{3, 4, 5}, []int{1, 3}, out, []int{2, 3})
	if err := approx.Close(out, []float64{3, 4, 5, 6, 8, 10}, 0, 0); err != nil {
		t.Errorf("[2,1]·[1,3]: %v", err)
	}
	// A scalar (shape []) times a.
	Mul([]float64{-2}, nil, a, []int{2, 3}, out, []int{2, 3})
	if err := approx.Close(out, []float64{-2, -4, -6, -8, -10, -12}, 0, 0); err != nil {
		t.Errorf("[]·[2,3]: %v", err)
	}
	// Summing a back: over rows 1+4, 2+5, 3+6; over columns 1+2+3, 4+5+6; over everything 21.
	sums := []struct {
		ds   []int
		want []float64
	}{
		{[]int{3}, []float64{5, 7, 9}},
		{[]int{1, 3}, []float64{5, 7, 9}},
		{[]int{2, 1}, []float64{6, 15}},
		{[]int{}, []float64{21}},
		{[]int{1, 1}, []float64{21}},
		{[]int{2, 3}, a},
	}
	for _, c := range sums {
		dst := make([]float64, len(c.want))
		SumToShape(a, []int{2, 3}, dst, c.ds)
		if err := approx.Close(dst, c.want, 0, 0); err != nil {
			t.Errorf("SumToShape to %v: %v", c.ds, err)
		}
	}
	// With no axis to reduce, SumToShape copies: −0 stays −0 (a sum from +0 would give +0).
	src, dst := []float64{math.Copysign(0, -1), 1.5}, make([]float64, 2)
	SumToShape(src, []int{1, 2}, dst, []int{2})
	if math.Float64bits(dst[0]) != math.Float64bits(src[0]) || math.Float64bits(dst[1]) != math.Float64bits(src[1]) {
		t.Errorf("SumToShape copy = %v, want %v bit for bit", dst, src)
	}
}

// broadcastTwin evaluates op(a, b) elementwise over os by coordinates: each output coordinate is
// mapped into a and b by dropping the leading axes they lack and reading index 0 on their axes of size 1.
func broadcastTwin(a []float64, as []int, b []float64, bs []int, os []int, op func(x, y float64) float64) []float64 {
	var out []float64
	for _, idx := range coordinates(os) {
		out = append(out, op(a[rowMajor(as, idx)], b[rowMajor(bs, idx)]))
	}
	return out
}

// rowMajor returns the row-major position in shape s of the broadcast coordinates idx (of rank ≥ len(s)).
func rowMajor(s []int, idx []int) int {
	at := 0
	for k, d := range s {
		i := idx[len(idx)-len(s)+k]
		if d == 1 {
			i = 0
		}
		at = at*d + i
	}
	return at
}

// coordinates lists the coordinates of every element of shape s in row-major order.
func coordinates(s []int) [][]int {
	all := [][]int{{}}
	for _, d := range s {
		var next [][]int
		for _, c := range all {
			for i := range d {
				next = append(next, append(slices.Clone(c), i))
			}
		}
		all = next
	}
	return all
}

// TestBroadcastGradients checks Add and Mul against the coordinate twin, and MulBackward and SumToShape
// (the gradient of Add) against central differences in float64, within tight.
func TestBroadcastGradients(t *testing.T) {
	cases := []struct {
		name   string
		as, bs []int
	}{
		{"[2,3,4,5]+[5]", []int{2, 3, 4, 5}, []int{5}},
		{"[2,3,4,5]·[2,1,1,5]", []int{2, 3, 4, 5}, []int{2, 1, 1, 5}},
		{"[1]·[2,3,4]", []int{1}, []int{2, 3, 4}},
		{"rank mismatch [3,1,5]·[4,1]", []int{3, 1, 5}, []int{4, 1}},
		{"scalar []·[3,2]", []int{}, []int{3, 2}},
		{"equal [3,2]", []int{3, 2}, []int{3, 2}},
	}
	add := func(x, y float64) float64 { return x + y }
	mul := func(x, y float64) float64 { return x * y }
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os, err := BroadcastShape(c.as, c.bs)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(uint64(i), 4))
			_, a := randVals(r, volume(c.as))
			_, b := randVals(r, volume(c.bs))
			_, d := randVals(r, volume(os))
			out := make([]float64, volume(os))
			Add(a, c.as, b, c.bs, out, os)
			if err := approx.Close(out, broadcastTwin(a, c.as, b, c.bs, os, add), 0, 0); err != nil {
				t.Fatalf("Add: %v", err)
			}
			Mul(a, c.as, b, c.bs, out, os)
			if err := approx.Close(out, broadcastTwin(a, c.as, b, c.bs, os, mul), 0, 0); err != nil {
				t.Fatalf("Mul: %v", err)
			}

			mulLoss := func() float64 { return dot64(d, broadcastTwin(a, c.as, b, c.bs, os, mul)) }
			dA, dB := make([]float64, len(a)), make([]float64, len(b))
			MulBackward(d, os, a, c.as, b, c.bs, dA, dB)
			checkGrad(t, "Mul dA", dA, numGrad(a, 1e-3, mulLoss), tight)
			checkGrad(t, "Mul dB", dB, numGrad(b, 1e-3, mulLoss), tight)
			onlyB := make([]float64, len(b))
			MulBackward(d, os, a, c.as, b, c.bs, nil, onlyB)
			checkGrad(t, "Mul dB alone", onlyB, numGrad(b, 1e-3, mulLoss), tight)

			addLoss := func() float64 { return dot64(d, broadcastTwin(a, c.as, b, c.bs, os, add)) }
			SumToShape(d, os, dA, c.as)
			SumToShape(d, os, dB, c.bs)
			checkGrad(t, "Add dA", dA, numGrad(a, 1e-3, addLoss), tight)
			checkGrad(t, "Add dB", dB, numGrad(b, 1e-3, addLoss), tight)
		})
	}
}
