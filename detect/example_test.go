package detect_test

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/detect"
)

// Example decodes two boxes against their anchors and runs the default (fast) NMS over
// scores with a background column, as TFLite_Detection_PostProcess does.
func Example() {
	o := detect.Options{
		MaxDetections: 10, MaxClassesPerDetection: 1, DetectionsPerClass: 100, NumClasses: 2,
		ScoreThreshold: 0.5, IoUThreshold: 0.6, YScale: 10, XScale: 10, HScale: 5, WScale: 5,
	}
	anchors := []detect.Anchor{{YC: 0.25, XC: 0.25, H: 0.5, W: 0.5}, {YC: 0.75, XC: 0.75, H: 0.5, W: 0.5}}
	enc := []float32{0, 0, 0, 0, 1, 1, 0, 0} // (ty, tx, th, tw) per anchor
	boxes := detect.Decode(enc, 4, anchors, o)
	scores := []float32{
		0.1, 0.9, 0.2, // background, class 0, class 1
		0.3, 0.1, 0.7,
	}
	for _, d := range detect.FastNMS(boxes, scores, 3, o) {
		fmt.Printf("class %d score %.1f box %.2f\n", d.Class, d.Score, []float32{d.Box.YMin, d.Box.XMin, d.Box.YMax, d.Box.XMax})
	}
	// Output:
	// class 0 score 0.9 box [0.00 0.00 0.50 0.50]
	// class 1 score 0.7 box [0.55 0.55 1.05 1.05]
}

// ExampleAnchors generates the 1917 anchors of SSD MobileNet V1 on COCO.
func ExampleAnchors() {
	a := detect.Anchors(detect.DefaultAnchorConfig())
	fmt.Println(len(a))
	fmt.Printf("%.4f\n", []float32{a[0].YC, a[0].XC, a[0].H, a[0].W})
	// Output:
	// 1917
	// [0.0263 0.0263 0.1000 0.1000]
}
