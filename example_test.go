package mobilenet_test

import (
	"fmt"
	"image"
	"image/color"
	"log"

	"github.com/mobilenet-go/mobilenet"
)

// Classify a photo with the built-in MobileNet V1 0.75/192 uint8 model.
func ExampleModel_ClassifyFile() {
	m, err := mobilenet.Default()
	if err != nil {
		log.Fatal(err)
	}
	preds, err := m.ClassifyFile("testdata/images/burger.jpg", 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %.2f\n", preds[0].Label, preds[0].Score)
	// Output: cheeseburger 1.00
}

// Classify an image already in memory, with TFLite Micro's arithmetic.
func ExampleModel_Classify() {
	m, err := mobilenet.Default(mobilenet.WithRounding(mobilenet.Reference))
	if err != nil {
		log.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{R: 200, G: 30, B: 30, A: 255})
		}
	}
	preds, err := m.Classify(img, 3)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(preds), preds[0].Score >= preds[1].Score)
	// Output: 3 true
}

// Load a .tflite file (here the one the built-in model is made from) and look at its input.
func ExampleLoad() {
	m, err := mobilenet.Load("internal/assets/mobilenet_v1_0.75_192_quant.tflite")
	if err != nil {
		log.Fatal(err)
	}
	in := m.Input()
	fmt.Println(in.Name, in.DType, in.Shape, in.Quant)
	// Output: input uint8 [1 192 192 3] scale 0.0078125 zp 128
}

// Find objects with the built-in COCO SSD MobileNet detector.
func ExampleModel_Detect() {
	d, err := mobilenet.DefaultDetector(mobilenet.WithThreshold(0.6))
	if err != nil {
		log.Fatal(err)
	}
	_, dets, err := d.DetectFile("testdata/images/grace_hopper.jpg")
	if err != nil {
		log.Fatal(err)
	}
	for _, det := range dets {
		fmt.Printf("%s %.2f\n", det.Label, det.Score)
	}
	// Output:
	// person 0.71
	// tie 0.66
}
