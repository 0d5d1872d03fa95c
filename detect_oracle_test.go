package mobilenet

import (
	"math"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/lcg"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// TestDetectorsEqualOracle runs the COCO SSD detector and its post-process head on every golden case
// (seeded noise, and real photos whose input bytes the golden file stores) and compares the four
// outputs with the TFLite interpreter's: the same counts and classes, scores and box corners within 1e-4.
func TestDetectorsEqualOracle(t *testing.T) {
	for _, name := range []string{"coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_no_metadata.tflite", "ssd_mobilenet_v1_coco_quant_postprocess_head_layers.tflite"} {
		m := loadShared(t, name)
		gf := loadGolden(t, name)
		g := m.Graph()
		photos := 0
		for ci, c := range gf.Cases {
			raw, err := c.Inputs()
			if err != nil {
				t.Fatal(err)
			}
			xs := make([]*tensor.Tensor, len(g.Inputs))
			for i, id := range g.Inputs {
				v := g.Values[id]
				xs[i] = &tensor.Tensor{Shape: v.Shape, DType: v.DType, Quant: v.Quant}
				if raw != nil {
					xs[i].U8 = raw[i]
					continue
				}
				xs[i].U8 = lcg.Uint8s(c.Seeds[i], v.Shape.Size())
			}
			if c.Image != "" {
				photos++
			}
			outs, err := m.Run(xs...)
			if err != nil {
				t.Fatal(err)
			}
			want := c.Outputs
			count := int(want[3].Floats[0])
			if got := int(outs[3].F32[0]); got != count {
				t.Fatalf("%s case %d (%s): %d detections, the oracle %d", name, ci, c.Image, got, count)
			}
			for r := 0; r < count; r++ {
				if outs[1].F32[r] != want[1].Floats[r] {
					t.Fatalf("%s case %d row %d: class %v, the oracle %v", name, ci, r, outs[1].F32[r], want[1].Floats[r])
				}
				if d := math.Abs(float64(outs[2].F32[r] - want[2].Floats[r])); d > 1e-4 {
					t.Fatalf("%s case %d row %d: score %v, the oracle %v", name, ci, r, outs[2].F32[r], want[2].Floats[r])
				}
				for k := 0; k < 4; k++ {
					if d := math.Abs(float64(outs[0].F32[4*r+k] - want[0].Floats[4*r+k])); d > 1e-4 {
						t.Fatalf("%s case %d row %d: box %v, the oracle %v", name, ci, r, outs[0].F32[4*r:4*r+4], want[0].Floats[4*r:4*r+4])
					}
				}
			}
		}
		t.Logf("%s: %d cases (%d photos) equal the oracle", name, len(gf.Cases), photos)
	}
}
