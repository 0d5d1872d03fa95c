package detect_test

import (
	"math"
	"testing"

	"github.com/mobilenet-go/mobilenet/detect"
	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/internal/golden"
	"github.com/mobilenet-go/mobilenet/internal/lcg"
	"github.com/mobilenet-go/mobilenet/internal/shared"
)

const (
	cocoModel = "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_no_metadata.tflite"
	headModel = "ssd_mobilenet_v1_coco_quant_postprocess_head_layers.tflite"
	headGold  = "../testdata/golden/ssd_mobilenet_v1_coco_quant_postprocess_head_layers.json"
)

func readModel(t *testing.T, name string) *tflite.Model {
	t.Helper()
	m, err := tflite.ReadFile(shared.Path(t, "models/"+name))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// postProcessOp returns the model's TFLite_Detection_PostProcess operator.
func postProcessOp(t *testing.T, m *tflite.Model) *tflite.Operator {
	t.Helper()
	sg := &m.Subgraphs[0]
	for i := range sg.Operators {
		if c := m.Op(sg, i); c.Builtin == tflite.Custom && c.Custom == "TFLite_Detection_PostProcess" {
			return &sg.Operators[i]
		}
	}
	t.Fatal("no TFLite_Detection_PostProcess operator")
	return nil
}

// dequantize maps uint8 codes to floats as the post-process kernel's Dequantizer does:
// (float(q) − float(zp))·scale in float32.
func dequantize(q []byte, qp *tflite.Quantization) []float32 {
	out := make([]float32, len(q))
	s, zp := qp.Scale[0], float32(qp.ZeroPoint[0])
	for i, v := range q {
		out[i] = (float32(v) - zp) * s
	}
	return out
}

// anchorsOf reads the post-process operator's constant anchor input (input 2), dequantized.
func anchorsOf(t *testing.T, m *tflite.Model, op *tflite.Operator) []detect.Anchor {
	t.Helper()
	tt := &m.Subgraphs[0].Tensors[op.Inputs[2]]
	data := m.TensorData(tt)
	if tt.Type != tflite.Uint8 || tt.Quant == nil || len(tt.Shape) != 2 || tt.Shape[1] != 4 || len(data) != tt.Shape[0]*4 {
		t.Fatalf("anchor tensor %q: %v %v, %d bytes", tt.Name, tt.Type, tt.Shape, len(data))
	}
	f := dequantize(data, tt.Quant)
	out := make([]detect.Anchor, tt.Shape[0])
	for i := range out {
		out[i] = detect.Anchor{YC: f[4*i], XC: f[4*i+1], H: f[4*i+2], W: f[4*i+3]}
	}
	return out
}

// runHead runs the post-process head model (RESHAPE, CONCATENATION, LOGISTIC, then the
// post-process) on its twelve uint8 inputs, with the uint8 kernels of TFLite written out
// here, and returns the post-process's box encodings and scores as floats.
func runHead(t *testing.T, m *tflite.Model, inputs [][]byte) (enc, scores []float32, anchors []detect.Anchor) {
	t.Helper()
	sg := &m.Subgraphs[0]
	vals := map[int][]byte{}
	for i, id := range sg.Inputs {
		vals[id] = inputs[i]
	}
	for i := range sg.Operators {
		op := &sg.Operators[i]
		out := &sg.Tensors[op.Outputs[0]]
		switch c := m.Op(sg, i); c.Builtin {
		case tflite.Reshape:
			in := &sg.Tensors[op.Inputs[0]]
			if in.Quant.Scale[0] != out.Quant.Scale[0] || in.Quant.ZeroPoint[0] != out.Quant.ZeroPoint[0] {
				t.Fatalf("op %d: RESHAPE changes quantization", i)
			}
			vals[op.Outputs[0]] = vals[op.Inputs[0]]
		case tflite.Concatenation:
			// Every input is [1, n_i, ...] and the axis is 1, so the output is the inputs'
			// bytes one after another.
			if ax := op.Options.(*tflite.ConcatenationOptions).Axis; ax != 1 || out.Shape[0] != 1 {
				t.Fatalf("op %d: CONCATENATION axis %d, shape %v", i, ax, out.Shape)
			}
			var b []byte
			for _, id := range op.Inputs {
				b = append(b, requantize(vals[id], sg.Tensors[id].Quant, out.Quant)...)
			}
			vals[op.Outputs[0]] = b
		case tflite.Logistic:
			lut := logisticTable(sg.Tensors[op.Inputs[0]].Quant, out.Quant)
			in := vals[op.Inputs[0]]
			b := make([]byte, len(in))
			for j, q := range in {
				b[j] = lut[q]
			}
			vals[op.Outputs[0]] = b
		case tflite.Custom:
			e, s := &sg.Tensors[op.Inputs[0]], &sg.Tensors[op.Inputs[1]]
			return dequantize(vals[op.Inputs[0]], e.Quant), dequantize(vals[op.Inputs[1]], s.Quant), anchorsOf(t, m, op)
		default:
			t.Fatalf("op %d: unexpected %v", i, c)
		}
	}
	t.Fatal("no post-process operator")
	return nil, nil, nil
}

// requantize is TFLite's uint8 ConcatenationWithScaling for one input: a copy when the
// quantization is the same, else round(q·s + b) + zp_out in float32 with s = s_in·(1/s_out),
// b = −zp_in·s, rounded half away from zero and clamped to [0, 255].
func requantize(q []byte, in, out *tflite.Quantization) []byte {
	if in.Scale[0] == out.Scale[0] && in.ZeroPoint[0] == out.ZeroPoint[0] {
		return q
	}
	s := in.Scale[0] * (1 / out.Scale[0])
	b := -float32(in.ZeroPoint[0]) * s
	r := make([]byte, len(q))
	for i, v := range q {
		x := float32(float32(v)*s) + b
		y := int(math.Round(float64(x))) + int(out.ZeroPoint[0])
		r[i] = byte(min(max(y, 0), 255))
	}
	return r
}

// logisticTable is TFLite's uint8 LOGISTIC lookup table (activations.cc PopulateLookupTable):
// out[q] = clamp(round(σ(s_in·(q − zp_in))/s_out) + zp_out, 0, 255), in float32, rounded
// half away from zero.
func logisticTable(in, out *tflite.Quantization) [256]byte {
	var lut [256]byte
	inv := 1 / out.Scale[0]
	for q := range 256 {
		x := in.Scale[0] * float32(q-int(in.ZeroPoint[0]))
		y := 1 / (1 + float32(math.Exp(float64(-x))))
		v := int(math.Round(float64(y*inv))) + int(out.ZeroPoint[0])
		lut[q] = byte(min(max(v, 0), 255))
	}
	return lut
}

// TestHeadGolden runs the post-process head on the golden cases and compares every output
// of TFLite_Detection_PostProcess with the interpreter's, exactly. The seeded cases are
// uniform noise where all the reported detections share one score, so they pin down the
// order among equal scores; the photo cases are real detections.
func TestHeadGolden(t *testing.T) {
	m := readModel(t, headModel)
	g, err := golden.Load(headGold)
	if err != nil {
		t.Fatal(err)
	}
	op := postProcessOp(t, m)
	o, err := tflite.ParsePostProcessOptions(op.CustomOptions)
	if err != nil {
		t.Fatal(err)
	}
	sg := &m.Subgraphs[0]
	rows := o.MaxDetections * o.MaxClassesPerDetection
	for ci, c := range g.Cases {
		inputs, err := c.Inputs()
		if err != nil {
			t.Fatal(err)
		}
		if inputs == nil {
			for i, id := range sg.Inputs {
				inputs = append(inputs, lcg.Uint8s(c.Seeds[i], sg.Tensors[id].Elements()))
			}
		}
		enc, scores, anchors := runHead(t, m, inputs)
		boxes := detect.Decode(enc, 4, anchors, o)
		dets := detect.FastNMS(boxes, scores, len(scores)/len(anchors), o)
		gotBoxes := make([]float32, rows*4)
		gotClasses := make([]float32, rows)
		gotScores := make([]float32, rows)
		for i, d := range dets {
			copy(gotBoxes[4*i:], []float32{d.Box.YMin, d.Box.XMin, d.Box.YMax, d.Box.XMax})
			gotClasses[i] = float32(d.Class)
			gotScores[i] = d.Score
		}
		name := c.Image
		if name == "" {
			name = "seeded"
		}
		want := c.Outputs
		if n := float32(len(dets)); want[3].Floats[0] != n {
			t.Errorf("case %d (%s): %v detections, want %v", ci, name, n, want[3].Floats[0])
		}
		for k, got := range [][]float32{gotBoxes, gotClasses, gotScores} {
			w := want[k].Floats
			bad := 0
			for i := range w {
				if got[i] != w[i] {
					if bad < 3 {
						t.Errorf("case %d (%s): output %d[%d] = %v, want %v", ci, name, k, i, got[i], w[i])
					}
					bad++
				}
			}
			if bad > 0 {
				t.Errorf("case %d (%s): output %d: %d of %d values differ", ci, name, k, bad, len(w))
			}
		}
	}
}
