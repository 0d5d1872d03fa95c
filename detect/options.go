package detect

import (
	"errors"
	"fmt"
	"math"
)

// Options are the settings of TFLite_Detection_PostProcess, stored in its custom options (a FlexBuffer
// map, which formats/tflite reads into Options).
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
