package main

import (
	"fmt"
	"math"
	"slices"

	"github.com/mobilenet-go/mobilenet/internal/golden"
)

// checkUint8Classifier checks a uint8 softmax over 1001 classes: codes in [0, 255] whose sum is near
// 256 (the output scale is 1/256). On noise the probability is spread thin and most of the 1001 classes
// round down to code 0, so sums of 150-240 are normal; a sum far outside [128, 384] means a broken run.
func checkUint8Classifier(outs []golden.Output) (string, error) {
	if len(outs) != 1 || outs[0].DType != "int32" || !slices.Equal(outs[0].Shape, []int{1, 1001}) {
		return "", fmt.Errorf("goldens: want one int32 [1 1001] output, got %d outputs", len(outs))
	}
	sum := 0
	for _, v := range outs[0].Ints {
		if v < 0 || v > 255 {
			return "", fmt.Errorf("goldens: code %d outside [0, 255]", v)
		}
		sum += int(v)
	}
	if sum < 128 || sum > 384 {
		return "", fmt.Errorf("goldens: softmax codes sum to %d, want about 256", sum)
	}
	return fmt.Sprintf("sum %d top %d", sum, argmaxInt(outs[0].Ints)), nil
}

// checkFloatClassifier checks a float softmax over 1001 classes: values in [0, 1] summing to 1.
func checkFloatClassifier(outs []golden.Output) (string, error) {
	if len(outs) != 1 || outs[0].DType != "float32" || !slices.Equal(outs[0].Shape, []int{1, 1001}) {
		return "", fmt.Errorf("goldens: want one float32 [1 1001] output, got %d outputs", len(outs))
	}
	sum, top := 0.0, 0
	for i, v := range outs[0].Floats {
		if v < 0 || v > 1 {
			return "", fmt.Errorf("goldens: probability %v outside [0, 1]", v)
		}
		sum += float64(v)
		if v > outs[0].Floats[top] {
			top = i
		}
	}
	if math.Abs(sum-1) > 1e-4 {
		return "", fmt.Errorf("goldens: probabilities sum to %v", sum)
	}
	return fmt.Sprintf("sum %.7f top %d (%.4f)", sum, top, outs[0].Floats[top]), nil
}

// checkDetections checks the four outputs of TFLite_Detection_PostProcess: boxes [1, M, 4], classes
// [1, M], scores [1, M] and the count [1]. The first count entries must have integer classes in
// [0, 90), scores in [0, 1] in non-increasing order, and boxes with ymin ≤ ymax, xmin ≤ xmax.
func checkDetections(outs []golden.Output) (string, error) {
	if len(outs) != 4 {
		return "", fmt.Errorf("goldens: want 4 detection outputs, got %d", len(outs))
	}
	for _, o := range outs {
		if o.DType != "float32" {
			return "", fmt.Errorf("goldens: output %q has dtype %s", o.Name, o.DType)
		}
	}
	m := len(outs[2].Floats)
	if !slices.Equal(outs[0].Shape, []int{1, m, 4}) || !slices.Equal(outs[1].Shape, []int{1, m}) ||
		!slices.Equal(outs[2].Shape, []int{1, m}) || !slices.Equal(outs[3].Shape, []int{1}) {
		return "", fmt.Errorf("goldens: detection shapes %v %v %v %v", outs[0].Shape, outs[1].Shape, outs[2].Shape, outs[3].Shape)
	}
	cnt := outs[3].Floats[0]
	n := int(cnt)
	if float32(n) != cnt || n < 0 || n > m {
		return "", fmt.Errorf("goldens: detection count %v not an integer in [0, %d]", cnt, m)
	}
	boxes, classes, scores := outs[0].Floats, outs[1].Floats, outs[2].Floats
	ties := 0
	for i := 0; i < n; i++ {
		c := classes[i]
		if c != float32(int(c)) || c < 0 || c >= 90 {
			return "", fmt.Errorf("goldens: detection %d: class %v", i, c)
		}
		if scores[i] < 0 || scores[i] > 1 || (i > 0 && scores[i] > scores[i-1]) {
			return "", fmt.Errorf("goldens: detection %d: score %v (previous %v)", i, scores[i], scores[max(i-1, 0)])
		}
		if i > 0 && scores[i] == scores[i-1] {
			ties++
		}
		b := boxes[4*i : 4*i+4]
		if b[0] > b[2] || b[1] > b[3] {
			return "", fmt.Errorf("goldens: detection %d: box %v", i, b)
		}
	}
	return fmt.Sprintf("%d detections, %d equal-score neighbours", n, ties), nil
}

func argmaxInt(v []int32) int {
	top := 0
	for i, x := range v {
		if x > v[top] {
			top = i
		}
	}
	return top
}

// checkPersonDetector checks the person detector's int8 softmax over [notperson, person]: two codes in
// [−128, 127] whose values (scale 1/256, zero point −128) sum to about 1.
func checkPersonDetector(outs []golden.Output) (string, error) {
	if len(outs) != 1 || outs[0].DType != "int32" || !slices.Equal(outs[0].Shape, []int{1, 2}) {
		return "", fmt.Errorf("goldens: want one int32 [1 2] output, got %d outputs", len(outs))
	}
	sum := 0
	for _, v := range outs[0].Ints {
		if v < -128 || v > 127 {
			return "", fmt.Errorf("goldens: code %d outside [-128, 127]", v)
		}
		sum += int(v) + 128
	}
	if sum < 250 || sum > 262 {
		return "", fmt.Errorf("goldens: softmax codes sum to %d/256, want about 1", sum)
	}
	return fmt.Sprintf("notperson %d person %d", outs[0].Ints[0], outs[0].Ints[1]), nil
}
