package eval_test

import (
	"fmt"
	"strings"

	"github.com/mobilenet-go/mobilenet/detect/eval"
)

// A detector's output scored the COCO way: boxes in pixels, per image, with their class.
func ExampleCOCO() {
	box := func(x, y, w, h float64) eval.Box { return eval.Box{X: x, Y: y, W: w, H: h} }
	dog := box(10, 20, 120, 90)
	gt := []eval.GroundTruth{
		{Image: 1, Category: 18, Box: dog, Area: dog.Area()},
		{Image: 2, Category: 1, Box: box(0, 0, 40, 100), Area: 4000},
	}
	dt := []eval.Detection{
		{Image: 1, Category: 18, Box: box(12, 20, 118, 92), Score: 0.9},
		{Image: 2, Category: 1, Box: box(5, 0, 40, 100), Score: 0.8},
		{Image: 2, Category: 1, Box: box(200, 0, 40, 100), Score: 0.7},
	}
	r, err := eval.COCO(gt, dt, nil, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// The dog is found at IoU 0.96 (every threshold), the person at 0.78 (6 thresholds of 10).
	fmt.Printf("AP %.3f, AP50 %.3f, dog AP %.3f, person AP %.3f\n", r.Stats[0], r.Stats[1], r.PerCategory[18].AP, r.PerCategory[1].AP)
	fmt.Print(strings.SplitAfter(r.Summary(), "\n")[0])
	// Output:
	// AP 0.800, AP50 1.000, dog AP 1.000, person AP 0.600
	//  Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.800
}

// VOC2010 and VOC2007 AP of one class, with a difficult box that counts neither way.
func ExampleVOC() {
	gt := []eval.GroundTruth{
		{Image: 1, Category: 3, Box: eval.Box{X: 0, Y: 0, W: 50, H: 50}},
		{Image: 1, Category: 3, Box: eval.Box{X: 100, Y: 0, W: 50, H: 50}},
		{Image: 1, Category: 3, Box: eval.Box{X: 200, Y: 0, W: 50, H: 50}, Ignore: true},
	}
	dt := []eval.Detection{
		{Image: 1, Category: 3, Box: eval.Box{X: 2, Y: 0, W: 50, H: 50}, Score: 0.9},
		{Image: 1, Category: 3, Box: eval.Box{X: 200, Y: 0, W: 50, H: 50}, Score: 0.8},
		{Image: 1, Category: 3, Box: eval.Box{X: 400, Y: 0, W: 50, H: 50}, Score: 0.7},
		{Image: 1, Category: 3, Box: eval.Box{X: 100, Y: 0, W: 50, H: 50}, Score: 0.6},
	}
	ap, _ := eval.VOC(gt, dt, 0.5, false)
	ap07, _ := eval.VOC(gt, dt, 0.5, true)
	fmt.Printf("VOC2010 %.4f, VOC2007 %.4f\n", ap[3], ap07[3])
	// Output:
	// VOC2010 0.8333, VOC2007 0.8485
}
