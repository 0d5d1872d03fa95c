package mobilenet

import (
	"image"
	"path/filepath"
	"testing"

	"github.com/mobilenet-go/mobilenet/tensor"
	"github.com/mobilenet-go/mobilenet/vision"
)

// TestPersonDetector runs the int8 per-channel TFLite Micro person detector in the reference rounding
// (TFLite Micro's) on its own example images, whose 8-bit grey values are the int8 input tensor itself
// (two's complement), and expects its published answers: outputs are [notperson, person].
func TestPersonDetector(t *testing.T) {
	m := loadShared(t, "person_detect.tflite", WithRounding(Reference))
	in := m.Input()
	if in.DType != tensor.Int8 || !in.Shape.Equal(tensor.Shape{1, 96, 96, 1}) {
		t.Fatalf("input %v %v", in.DType, in.Shape)
	}
	for _, c := range []struct {
		file   string
		person bool
	}{{"tflm_person_96x96.bmp", true}, {"tflm_no_person_96x96.bmp", false}} {
		img, _, err := vision.DecodeFile(filepath.Join("../shared/images", c.file), DefaultMaxPixels)
		if err != nil {
			t.Fatal(err)
		}
		x := &tensor.Tensor{Shape: in.Shape, DType: tensor.Int8, Quant: in.Quant, I8: make([]int8, 96*96)}
		for y := 0; y < 96; y++ {
			for xx := 0; xx < 96; xx++ {
				x.I8[y*96+xx] = int8(greyByte(img, xx, y))
			}
		}
		out, err := m.Run(x)
		if err != nil {
			t.Fatal(err)
		}
		scores := out[0].Floats()
		t.Logf("%s: notperson %.3f person %.3f", c.file, scores[0], scores[1])
		if (scores[1] > scores[0]) != c.person {
			t.Errorf("%s: notperson %.3f, person %.3f", c.file, scores[0], scores[1])
		}
	}
}

// greyByte returns the 8-bit value of a grey (or grey-palette) pixel.
func greyByte(img image.Image, x, y int) uint8 {
	b := img.Bounds()
	r, _, _, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
	return uint8(r >> 8)
}
