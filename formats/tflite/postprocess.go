package tflite

import (
	"fmt"
	"math"

	"github.com/mobilenet-go/mobilenet/detect"
	"github.com/mobilenet-go/mobilenet/formats/flexbuf"
)

// ParsePostProcessOptions reads the options of TFLite_Detection_PostProcess from the operator's custom
// options, a FlexBuffer map, and validates them (detect.Options.Validate). The keys max_detections,
// max_classes_per_detection, num_classes (integers) and nms_score_threshold, nms_iou_threshold,
// y_scale, x_scale, h_scale, w_scale (numbers) are required; detections_per_class (default
// detect.DefaultDetectionsPerClass) and use_regular_nms (default false) are optional, as in the
// kernel's Init. Other keys (the converter's _output_quantized, for one) are ignored. A missing key, a
// value of the wrong type or an integer outside int32 (the kernel reads AsInt32) is an error naming the
// key.
func ParsePostProcessOptions(custom []byte) (detect.Options, error) {
	root, err := flexbuf.Root(custom)
	if err != nil {
		return detect.Options{}, fmt.Errorf("tflite: post-process options: %w", err)
	}
	m, err := root.Map()
	if err != nil {
		return detect.Options{}, fmt.Errorf("tflite: post-process options: %w", err)
	}
	r := postProcessReader{m: m}
	o := detect.Options{
		MaxDetections:          r.int("max_detections", true, 0),
		MaxClassesPerDetection: r.int("max_classes_per_detection", true, 0),
		DetectionsPerClass:     r.int("detections_per_class", false, detect.DefaultDetectionsPerClass),
		NumClasses:             r.int("num_classes", true, 0),
		UseRegularNMS:          r.bool("use_regular_nms", detect.DefaultUseRegularNMS),
		ScoreThreshold:         r.float("nms_score_threshold"),
		IoUThreshold:           r.float("nms_iou_threshold"),
		YScale:                 r.float("y_scale"),
		XScale:                 r.float("x_scale"),
		HScale:                 r.float("h_scale"),
		WScale:                 r.float("w_scale"),
	}
	if r.err != nil {
		return detect.Options{}, r.err
	}
	if err := o.Validate(); err != nil {
		return detect.Options{}, err
	}
	return o, nil
}

// postProcessReader reads typed keys from the post-process options map and keeps the first error.
type postProcessReader struct {
	m   flexbuf.Map
	err error
}

// get returns the value under key, or ok = false if it is absent (an error if required).
func (r *postProcessReader) get(key string, required bool) (flexbuf.Value, bool) {
	if r.err != nil {
		return flexbuf.Value{}, false
	}
	v, ok, err := r.m.Get(key)
	switch {
	case err != nil:
		r.fail(key, err)
	case !ok && required:
		r.err = fmt.Errorf("tflite: post-process options: missing required key %q", key)
	}
	return v, ok && err == nil
}

func (r *postProcessReader) fail(key string, err error) {
	r.err = fmt.Errorf("tflite: post-process options: key %q: %w", key, err)
}

func (r *postProcessReader) int(key string, required bool, def int) int {
	v, ok := r.get(key, required)
	if !ok {
		return def
	}
	x, err := v.Int()
	if err != nil {
		r.fail(key, err)
		return 0
	}
	if x < math.MinInt32 || x > math.MaxInt32 {
		r.fail(key, fmt.Errorf("%d does not fit in int32", x))
		return 0
	}
	return int(x)
}

func (r *postProcessReader) float(key string) float32 {
	v, ok := r.get(key, true)
	if !ok {
		return 0
	}
	x, err := v.Float()
	if err != nil {
		r.fail(key, err)
	}
	return float32(x)
}

func (r *postProcessReader) bool(key string, def bool) bool {
	v, ok := r.get(key, false)
	if !ok {
		return def
	}
	x, err := v.Bool()
	if err != nil {
		r.fail(key, err)
	}
	return x
}
