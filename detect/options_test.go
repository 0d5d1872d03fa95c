package detect_test

import (
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/detect"
)

// cocoOptions are the options of the COCO detector's post-process.
var cocoOptions = detect.Options{
	MaxDetections: 10, MaxClassesPerDetection: 1, DetectionsPerClass: 100, NumClasses: 90,
	UseRegularNMS: false, ScoreThreshold: 1e-8, IoUThreshold: 0.6,
	YScale: 10, XScale: 10, HScale: 5, WScale: 5,
}

func TestValidateReportsEveryProblem(t *testing.T) {
	err := detect.Options{MaxDetections: -1, MaxClassesPerDetection: 1, NumClasses: 90, IoUThreshold: 0.5, YScale: 1, XScale: 1, HScale: 1, WScale: 0}.Validate()
	if err == nil || !strings.Contains(err.Error(), "max_detections = -1") || !strings.Contains(err.Error(), "w_scale = 0") {
		t.Errorf("Validate = %v", err)
	}
	if err := cocoOptions.Validate(); err != nil {
		t.Errorf("COCO options: %v", err)
	}
	o := cocoOptions
	o.MaxDetections, o.MaxClassesPerDetection = 10000, 90
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "output rows") {
		t.Errorf("900000 output rows: %v", err)
	}
}
