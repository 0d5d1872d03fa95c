package detect

import (
	"errors"
	"fmt"
	"math"

	"github.com/mobilenet-go/mobilenet/formats/flexbuf"
)

// Options are the settings of TFLite_Detection_PostProcess, stored in its custom options.
type Options struct {
	// MaxDetections is the number of output rows (with MaxClassesPerDetection 1).
	MaxDetections int
	// MaxClassesPerDetection is how many classes fast NMS reports per selected box.
	MaxClassesPerDetection int
	// DetectionsPerClass caps each class's single-class NMS in regular NMS.
	DetectionsPerClass int
	// NumClasses counts the real classes, without background.
	NumClasses int
	// UseRegularNMS selects RegularNMS instead of FastNMS.
	UseRegularNMS bool
	// ScoreThreshold: scores below it are dropped before NMS.
	ScoreThreshold float32
	// IoUThreshold: a box whose IoU with a selected box is above it is suppressed.
	IoUThreshold float32
	// YScale, XScale, HScale and WScale divide the box encodings (see Decode).
	YScale, XScale, HScale, WScale float32
}

// Limits on Options that Validate enforces.
const (
	// MaxDetectionsLimit bounds MaxDetections and DetectionsPerClass.
	MaxDetectionsLimit = 10000
	// MaxClassesLimit bounds NumClasses.
	MaxClassesLimit = 10000
	// MaxOutputRows bounds MaxDetections·MaxClassesPerDetection, the output row count.
	MaxOutputRows = 100000
)

// Defaults the operator applies when a key is absent.
const (
	DefaultDetectionsPerClass = 100
	DefaultUseRegularNMS      = false
)

// Validate refuses options no sane model has and the kernel cannot run:
// MaxDetections outside [1, MaxDetectionsLimit]; NumClasses outside [1, MaxClassesLimit];
// MaxClassesPerDetection outside [1, NumClasses]; more than MaxOutputRows output rows;
// with regular NMS, DetectionsPerClass outside [1, MaxDetectionsLimit] (fast NMS ignores it);
// a score threshold that is NaN or outside [0, 1]; an IoU threshold that is NaN or outside
// (0, 1], the range TFLite's kernel itself requires; a scale that is not finite and > 0.
func (o Options) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(o.MaxDetections >= 1 && o.MaxDetections <= MaxDetectionsLimit,
		"max_detections = %d is outside [1, %d]", o.MaxDetections, MaxDetectionsLimit)
	check(o.NumClasses >= 1 && o.NumClasses <= MaxClassesLimit,
		"num_classes = %d is outside [1, %d]", o.NumClasses, MaxClassesLimit)
	check(o.MaxClassesPerDetection >= 1 && o.MaxClassesPerDetection <= max(o.NumClasses, 1),
		"max_classes_per_detection = %d is outside [1, num_classes = %d]", o.MaxClassesPerDetection, o.NumClasses)
	if len(errs) == 0 {
		check(o.MaxDetections*o.MaxClassesPerDetection <= MaxOutputRows,
			"max_detections·max_classes_per_detection = %d exceeds %d output rows", o.MaxDetections*o.MaxClassesPerDetection, MaxOutputRows)
	}
	if o.UseRegularNMS {
		check(o.DetectionsPerClass >= 1 && o.DetectionsPerClass <= MaxDetectionsLimit,
			"detections_per_class = %d is outside [1, %d]", o.DetectionsPerClass, MaxDetectionsLimit)
	}
	check(o.ScoreThreshold >= 0 && o.ScoreThreshold <= 1,
		"nms_score_threshold = %g is not in [0, 1]", o.ScoreThreshold)
	check(o.IoUThreshold > 0 && o.IoUThreshold <= 1,
		"nms_iou_threshold = %g is not in (0, 1]", o.IoUThreshold)
	for _, s := range []struct {
		name string
		v    float32
	}{{"y_scale", o.YScale}, {"x_scale", o.XScale}, {"h_scale", o.HScale}, {"w_scale", o.WScale}} {
		check(s.v > 0 && !math.IsInf(float64(s.v), 1), "%s = %g is not finite and > 0", s.name, s.v)
	}
	if len(errs) == 0 {
		return nil
	}
	msg := "detect: post-process options: "
	for i, e := range errs {
		if i > 0 {
			msg += "; "
		}
		msg += e.Error()
	}
	return errors.New(msg)
}

// ParseOptions reads TFLite_Detection_PostProcess options from the operator's custom
// options, a FlexBuffer map, and validates them (see Validate). The keys max_detections,
// max_classes_per_detection, num_classes (integers) and nms_score_threshold,
// nms_iou_threshold, y_scale, x_scale, h_scale, w_scale (numbers) are required;
// detections_per_class (default DefaultDetectionsPerClass) and use_regular_nms (default
// false) are optional, as in the kernel's Init. Other keys (the converter's
// _output_quantized, for one) are ignored. A missing key, a value of the wrong type or an
// integer outside int32 (the kernel reads AsInt32) is an error naming the key.
func ParseOptions(custom []byte) (Options, error) {
	root, err := flexbuf.Root(custom)
	if err != nil {
		return Options{}, fmt.Errorf("detect: post-process options: %w", err)
	}
	m, err := root.Map()
	if err != nil {
		return Options{}, fmt.Errorf("detect: post-process options: %w", err)
	}
	r := optionReader{m: m}
	o := Options{
		MaxDetections:          r.int("max_detections", true, 0),
		MaxClassesPerDetection: r.int("max_classes_per_detection", true, 0),
		DetectionsPerClass:     r.int("detections_per_class", false, DefaultDetectionsPerClass),
		NumClasses:             r.int("num_classes", true, 0),
		UseRegularNMS:          r.bool("use_regular_nms", DefaultUseRegularNMS),
		ScoreThreshold:         r.float("nms_score_threshold"),
		IoUThreshold:           r.float("nms_iou_threshold"),
		YScale:                 r.float("y_scale"),
		XScale:                 r.float("x_scale"),
		HScale:                 r.float("h_scale"),
		WScale:                 r.float("w_scale"),
	}
	if r.err != nil {
		return Options{}, r.err
	}
	if err := o.Validate(); err != nil {
		return Options{}, err
	}
	return o, nil
}

// optionReader reads typed keys from the options map and keeps the first error.
type optionReader struct {
	m   flexbuf.Map
	err error
}

// get returns the value under key, or ok = false if it is absent (an error if required).
func (r *optionReader) get(key string, required bool) (flexbuf.Value, bool) {
	if r.err != nil {
		return flexbuf.Value{}, false
	}
	v, ok, err := r.m.Get(key)
	switch {
	case err != nil:
		r.fail(key, err)
	case !ok && required:
		r.err = fmt.Errorf("detect: post-process options: missing required key %q", key)
	}
	return v, ok && err == nil
}

func (r *optionReader) fail(key string, err error) {
	r.err = fmt.Errorf("detect: post-process options: key %q: %w", key, err)
}

func (r *optionReader) int(key string, required bool, def int) int {
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

func (r *optionReader) float(key string) float32 {
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

func (r *optionReader) bool(key string, def bool) bool {
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
