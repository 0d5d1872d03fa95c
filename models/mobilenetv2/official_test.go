package mobilenetv2

import (
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// TestLayerShapesEqualOfficial compares the weight shapes of the builder's convolutions, in order, with
// those of the official TF2 MobileNet V2 1.0/224 (Keras, post-training quantized): 52 convolutions and
// depthwise convolutions, then the classifier (a FULLY_CONNECTED [1001, 1280] there, a 1×1
// convolution [1001, 1, 1, 1280] here: 1001 classes, background first).
func TestLayerShapesEqualOfficial(t *testing.T) {
	m, err := tflite.ReadFile(shared.Path(t, "models/tf2_mobilenet_v2_1.0_224_ptq.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	sg := &m.Subgraphs[0]
	var want []tensor.Shape
	for i, op := range sg.Operators {
		switch m.Op(sg, i).Builtin {
		case tflite.Conv2D, tflite.DepthwiseConv2D:
			want = append(want, tensor.Shape(sg.Tensors[op.Inputs[1]].Shape))
		case tflite.FullyConnected:
			s := sg.Tensors[op.Inputs[1]].Shape
			want = append(want, tensor.Shape{s[0], 1, 1, s[1]})
		}
	}
	g, err := Build(Config{Classes: 1001})
	if err != nil {
		t.Fatal(err)
	}
	var got []tensor.Shape
	for _, n := range g.Nodes {
		switch n.Op.(type) {
		case *graph.Conv2D, *graph.DepthwiseConv2D:
			got = append(got, g.Input(n, 1).Shape)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d convolutions, the official file has %d", len(got), len(want))
	}
	for i := range got {
		if !got[i].Equal(want[i]) {
			t.Fatalf("layer %d: weights %v, the official file's %v", i, got[i], want[i])
		}
	}
	t.Logf("%d weight shapes equal", len(got))
}
