package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestTable(t *testing.T) {
	in := strings.Join([]string{
		"time\tours\t1.0/224\t1\t1\t1\t{\"median_ms\": 12.0}",
		"time\tort\t1.0/224\t1\t1\t1\t{\"median_ms\": 6.0, \"engine\": \"x\"}",
		"time\tours\t1.0/224\t1\t1\t2\t{\"median_ms\": 10.0}",
		"time\tort\t1.0/224\t1\t1\t2\t{\"median_ms\": 5.0}",
		"time\tours\t1.0/224\t1\t1\t3\t{\"median_ms\": 30.0}",
		"time\tort\t1.0/224\t1\t1\t3\t{\"median_ms\": 4.0}",
		"time\tort\t0.25/128\t2\t8\t1\t{\"median_ms\": 2.0}",
		"mem\tours\t1.0/224\t20480\tbench",
		"",
	}, "\n")
	var out bytes.Buffer
	if err := table(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	// Medians: ours 12 of {12, 10, 30}, ORT 5 of {6, 5, 4}: ratio 2.40, 83.3 and 200.0 img/s.
	for _, want := range []string{
		"| 1.0/224 | 1 | 1 | 12 | 5 | 2.40 | 83.3 | 200.0 | 3/3 |",
		"| 0.25/128 | 2 | 8 | — | 2 | — | — | 4000.0 | 0/1 |",
		"| ours | 1.0/224 | 20.0 | bench |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestTableRejects(t *testing.T) {
	for _, in := range []string{
		"time\tours\t1.0/224\t1\t1\t1\t{\"p10_ms\": 1}",
		"time\tours\t1.0/224\tx\t1\t1\t{\"median_ms\": 1}",
		"time\tours\t1.0/224\t1\t1\t{\"median_ms\": 1}",
		"mem\tours\t1.0/224\tlots\tbench",
		"speed\t1",
	} {
		if err := table(strings.NewReader(in), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: error %v, want one naming line 1", in, err)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
		ok   bool
	}{
		{nil, 0, false},
		{[]float64{3}, 3, true},
		{[]float64{4, 1, 3, 2}, 2.5, true},
		{[]float64{5, 1, 9}, 5, true},
	} {
		if got, ok := median(c.xs); got != c.want || ok != c.ok {
			t.Errorf("median(%v) = %v, %v; want %v, %v", c.xs, got, ok, c.want, c.ok)
		}
	}
}

func TestCompare(t *testing.T) {
	ref := []float32{1, -2, 0.5, 0, 4, 1}
	ours := []float32{1, -2, 0.5, 1e-6, 4.0002, 1}
	d := compare(ours, ref, 2)
	// |d| ≤ 1e-4·|ref| + 1e-5·4: element 4 differs by 2e-4 ≤ 4e-4 + 4e-5, element 3 by 1e-6 ≤ 4e-5.
	if !d.Pass || d.MaxAbsRef != 4 || d.Argmax != [2]int{0, 0} {
		t.Errorf("compare = %+v, want a pass with max|ref| 4 and argmax 0", d)
	}
	ours[2] = 0.5001 // 1e-4 off, above 1e-4·0.5 + 4e-5 = 9e-5
	if d := compare(ours, ref, 2); d.Pass {
		t.Errorf("compare passes a difference of 1e-4 on 0.5: %+v", d)
	}
}
