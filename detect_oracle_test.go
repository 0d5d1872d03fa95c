package mobilenet

import (
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
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
			if len(outs) != 4 || len(want) != 4 {
				t.Fatalf("%s case %d: %d outputs, the oracle %d", name, ci, len(outs), len(want))
			}
			count := int(want[3].Floats[0])
			if got := int(outs[3].F32[0]); got != count || count <= 0 {
				t.Fatalf("%s case %d (%s): %d detections, the oracle %d", name, ci, c.Image, got, count)
			}
			if len(outs[1].F32) < count || len(outs[2].F32) < count || len(outs[0].F32) < 4*count {
				t.Fatalf("%s case %d: outputs hold fewer than %d detections", name, ci, count)
			}
			if err := approx.Close(outs[1].F32[:count], want[1].Floats[:count], 0, 0); err != nil {
				t.Fatalf("%s case %d: classes against the oracle: %v", name, ci, err)
			}
			if err := approx.Close(outs[2].F32[:count], want[2].Floats[:count], 1e-4, 0); err != nil {
				t.Fatalf("%s case %d: scores against the oracle: %v", name, ci, err)
			}
			if err := approx.Close(outs[0].F32[:4*count], want[0].Floats[:4*count], 1e-4, 0); err != nil {
				t.Fatalf("%s case %d: box corners against the oracle: %v", name, ci, err)
			}
		}
		t.Logf("%s: %d cases (%d photos) equal the oracle", name, len(gf.Cases), photos)
	}
}
