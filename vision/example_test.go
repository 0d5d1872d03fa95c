package vision_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/mobilenet-go/mobilenet/vision"
)

// The legacy bilinear resize reads source position dst·in/out, so doubling
// a 2×2 image repeats its last row and column.
func ExampleResizeBilinear() {
	p := &vision.Pixels{H: 2, W: 2, C: 1, Pix: []float32{0, 10, 20, 30}}
	q := vision.ResizeBilinear(p, 4, 4)
	for y := 0; y < q.H; y++ {
		fmt.Println(q.Pix[y*q.W : (y+1)*q.W])
	}
	// Output:
	// [0 5 10 10]
	// [10 15 20 20]
	// [20 25 30 30]
	// [20 25 30 30]
}

// Slim's ImageNet evaluation keeps the central 87.5%: 196 of 224 pixels.
func ExampleCentralCrop() {
	p := &vision.Pixels{H: 224, W: 224, C: 3, Pix: make([]float32, 224*224*3)}
	q, err := vision.CentralCrop(p, 0.875)
	if err != nil {
		panic(err)
	}
	fmt.Println(q.H, q.W)
	// Output: 196 196
}

// Load a (here generated) PNG as a float MobileNet input in −1..1.
func ExampleLoad() {
	img := image.NewGray(image.Rect(0, 0, 2, 2))
	img.SetGray(1, 1, color.Gray{255})
	var file bytes.Buffer
	if err := png.Encode(&file, img); err != nil {
		panic(err)
	}
	p, err := vision.Load(&file, 2, 2, 1, 0, vision.DefaultMaxPixels)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Float32(127.5, 127.5))
	// Output: [-1 -1 -1 1]
}
