package train

import (
	"context"
	"math"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/train/data"
)

// TestEvaluateRigged evaluates a network whose classifier always prefers class 2 (zero weights, bias 1
// for class 2): every example is predicted 2, so the confusion matrix has one filled column, the
// accuracy is the share of class 2, per-class accuracy is 1 for class 2 and 0 for the others, and the
// loss is the cross-entropy of the logits (0, 0, 1, 0): log(3 + e) − 1.
func TestEvaluateRigged(t *testing.T) {
	g, err := mobilenetv1.Build(mobilenetv1.Config{Alpha: 0.25, Resolution: 16, Channels: 1, Classes: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range g.Values {
		switch v.Name {
		case "Logits/Conv2d_1c_1x1/weights":
			clear(v.Data.F32)
		case "Logits/Conv2d_1c_1x1/biases":
			copy(v.Data.F32, []float32{0, 0, 1, 0})
		}
	}
	ds := quadrants(37, 5)
	counts := data.ClassCounts(ds)
	m, err := Evaluate(context.Background(), g, ds, EvalOptions{Batch: 10, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	if m.N != 37 || approx.Within("accuracy error", math.Abs(m.Accuracy-float64(counts[2])/37), 1e-12) != nil {
		t.Fatalf("N %d accuracy %g, want 37 and %d/37", m.N, m.Accuracy, counts[2])
	}
	for c := range m.Confusion {
		for p, v := range m.Confusion[c] {
			want := 0
			if p == 2 {
				want = counts[c]
			}
			if v != want {
				t.Fatalf("confusion[%d][%d] = %d, want %d", c, p, v, want)
			}
		}
		if want := map[bool]float64{true: 1, false: 0}[c == 2]; m.PerClass[c] != want {
			t.Fatalf("per-class accuracy of %d = %g", c, m.PerClass[c])
		}
	}
	// Labels of class 2 score −log(e/(3+e)), the others −log(1/(3+e)).
	e := math.E
	want := (float64(counts[2])*(math.Log(3+e)-1) + float64(37-counts[2])*math.Log(3+e)) / 37
	if err := approx.Within("|loss − want|", math.Abs(m.Loss-want), 1e-5); err != nil {
		t.Fatalf("loss %g, want %g: %v", m.Loss, want, err)
	}
	if _, err := Evaluate(context.Background(), g, quadrantsRGB(), EvalOptions{}); err == nil {
		t.Fatal("3-channel images accepted by a 1-channel network")
	}
}

// quadrantsRGB is a tiny 3-channel set.
func quadrantsRGB() data.Dataset {
	return &data.Set{Meta: data.Info{H: 16, W: 16, C: 3, Classes: []string{"a", "b", "c", "d"}}, Pixels: make([]uint8, 2*16*16*3), Labels: []int{0, 1}}
}
