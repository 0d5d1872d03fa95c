package tflite

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/shared"
)

const headModel = "ssd_mobilenet_v1_coco_quant_postprocess_head_layers.tflite"

// readModel reads a shared model, skipping the test when the shared data is absent.
func readModel(t testing.TB, name string) []byte {
	t.Helper()
	return shared.ReadFile(t, "models/"+name)
}

func parseModel(t *testing.T, name string) *Model {
	t.Helper()
	m, err := Parse(readModel(t, name))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return m
}

// TestParseSharedModels parses every shared model and checks what must hold in any valid
// model: the parser's promises, and the shape rules of convolution, pooling, reshape and
// concatenation, which tie each operator's decoded options to its tensors' shapes.
func TestParseSharedModels(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(shared.Path(t, "models"), "*.tflite"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no models in ../shared/models: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			m := parseModel(t, filepath.Base(f))
			if err := checkInvariants(m); err != nil {
				t.Fatal(err)
			}
			sg := &m.Subgraphs[0]
			for i := range sg.Operators {
				if err := checkLayer(m, sg, i); err != nil {
					t.Errorf("operator %d (%s): %v", i, m.Op(sg, i), err)
				}
			}
		})
	}
}

// outSize is the output length of a window op along one axis (FACTS §2, TFLite padding.h).
func outSize(in, k, stride, dilation int, p Padding) int {
	if p == Same {
		return (in + stride - 1) / stride
	}
	return (in-((k-1)*dilation+1))/stride + 1
}

// near reports whether a and b agree to a relative tolerance.
func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(math.Abs(a), math.Abs(b)) }

// checkLayer checks operator i's tensors against its options and TFLite's rules.
func checkLayer(m *Model, sg *Subgraph, i int) error {
	op := &sg.Operators[i]
	tensor := func(k int) *Tensor { return &sg.Tensors[op.Inputs[k]] }
	out := &sg.Tensors[op.Outputs[0]]
	switch m.Op(sg, i).Builtin {
	case Conv2D, DepthwiseConv2D:
		in, f := tensor(0), tensor(1)
		if len(in.Shape) != 4 || len(f.Shape) != 4 || len(out.Shape) != 4 {
			return fmt.Errorf("ranks %v %v %v", in.Shape, f.Shape, out.Shape)
		}
		var o Conv2DOptions
		outC, axis := f.Shape[0], 0
		if opts, ok := op.Options.(*Conv2DOptions); ok {
			o = *opts
			if f.Shape[3] != in.Shape[3] {
				return fmt.Errorf("filter %v on input %v", f.Shape, in.Shape)
			}
		} else {
			d := op.Options.(*DepthwiseConv2DOptions)
			o = Conv2DOptions{d.Padding, d.StrideW, d.StrideH, d.Activation, d.DilationW, d.DilationH}
			outC, axis = f.Shape[3], 3
			if f.Shape[0] != 1 || outC%in.Shape[3] != 0 || (d.DepthMultiplier != 0 && d.DepthMultiplier != outC/in.Shape[3]) {
				return fmt.Errorf("depthwise filter %v on input %v, multiplier %d", f.Shape, in.Shape, d.DepthMultiplier)
			}
		}
		want := []int{in.Shape[0], outSize(in.Shape[1], f.Shape[1], o.StrideH, o.DilationH, o.Padding),
			outSize(in.Shape[2], f.Shape[2], o.StrideW, o.DilationW, o.Padding), outC}
		if !slices.Equal(out.Shape, want) {
			return fmt.Errorf("output %v, want %v (input %v, filter %v, %+v)", out.Shape, want, in.Shape, f.Shape, o)
		}
		if m.TensorData(f) == nil {
			return fmt.Errorf("filter has no data")
		}
		if len(op.Inputs) > 2 && op.Inputs[2] >= 0 {
			if b := tensor(2); !slices.Equal(b.Shape, []int{outC}) || m.TensorData(b) == nil {
				return fmt.Errorf("bias %v for %d channels", b.Shape, outC)
			}
			return checkBiasScale(in, f, tensor(2), out, axis)
		}
	case AveragePool2D, MaxPool2D:
		in, o := tensor(0), op.Options.(*Pool2DOptions)
		want := []int{in.Shape[0], outSize(in.Shape[1], o.FilterH, o.StrideH, 1, o.Padding),
			outSize(in.Shape[2], o.FilterW, o.StrideW, 1, o.Padding), in.Shape[3]}
		if !slices.Equal(out.Shape, want) {
			return fmt.Errorf("output %v, want %v", out.Shape, want)
		}
		if in.Quant != nil && !reflect.DeepEqual(in.Quant, out.Quant) {
			return fmt.Errorf("pool changes quantization %+v → %+v", in.Quant, out.Quant)
		}
	case Reshape, Squeeze:
		if out.Shape != nil && tensor(0).Elements() != out.Elements() {
			return fmt.Errorf("%v → %v changes the element count", tensor(0).Shape, out.Shape)
		}
	case Concatenation:
		axis := op.Options.(*ConcatenationOptions).Axis
		if axis < 0 {
			axis += len(out.Shape)
		}
		sum := 0
		for k := range op.Inputs {
			in := tensor(k)
			sum += in.Shape[axis]
			if len(in.Shape) != len(out.Shape) {
				return fmt.Errorf("input %d rank %d, output rank %d", k, len(in.Shape), len(out.Shape))
			}
		}
		if sum != out.Shape[axis] {
			return fmt.Errorf("inputs sum to %d on axis %d, output has %d", sum, axis, out.Shape[axis])
		}
	case Softmax, Logistic:
		// FACTS §4: uint8 softmax and logistic output scale 1/256, zp 0; int8 softmax zp −128.
		if q := out.Quant; q != nil {
			zp := map[TensorType]int64{Uint8: 0, Int8: -128}[out.Type]
			if q.Scale[0] != 1.0/256 || q.ZeroPoint[0] != zp {
				return fmt.Errorf("output quantization %+v, want 1/256 and zero point %d", q, zp)
			}
		}
	}
	return nil
}

// checkBiasScale applies TFLite's rule for quantized convolutions (FACTS §4, kernel_util.cc):
// the bias has zero point 0 and a scale within 2 % of an output step of s_x·s_w.
func checkBiasScale(in, f, bias, out *Tensor, axis int) error {
	if in.Quant == nil {
		return nil
	}
	if f.Quant.PerChannel() && (f.Quant.Axis != axis || len(f.Quant.Scale) != f.Shape[axis]) {
		return fmt.Errorf("filter quantized on axis %d with %d scales, want axis %d", f.Quant.Axis, len(f.Quant.Scale), axis)
	}
	for c, sb := range bias.Quant.Scale {
		sw := f.Quant.Scale[min(c, len(f.Quant.Scale)-1)]
		if bias.Quant.ZeroPoint[c] != 0 || approx.Within("bias scale error in output steps", math.Abs(float64(in.Quant.Scale[0])*float64(sw)-float64(sb))/float64(out.Quant.Scale[0]), 0.02) != nil {
			return fmt.Errorf("bias %d scale %g zp %d, input×filter scale %g", c, sb, bias.Quant.ZeroPoint[c], in.Quant.Scale[0]*sw)
		}
	}
	return nil
}

// mobileNetV1 describes a classifier built by TF-slim's mobilenet_v1.py (FACTS §2).
type mobileNetV1 struct {
	alpha      float64
	resolution int
	channels   int // image channels
	classes    int
	typ        TensorType
}

// check verifies the layer sequence: a stride-2 3×3 convolution to depth(32), 13 depthwise
// separable blocks with the strides of [P] Table 1 (layer 13 stride 1) and depths
// depth(d) = max(int(d·α), 8), a VALID average pool over the whole final feature map, a
// 1×1 convolution to the classes, a squeeze/reshape and a softmax.
func (n mobileNetV1) check(t *testing.T, m *Model) {
	t.Helper()
	sg := &m.Subgraphs[0]
	depth := func(d int) int { return max(int(float64(d)*n.alpha), 8) }
	if len(sg.Operators) != 31 {
		t.Fatalf("%d operators, want 31 (27 convolutions, pool, logits, squeeze, softmax)", len(sg.Operators))
	}
	in := &sg.Tensors[sg.Inputs[0]]
	if want := []int{1, n.resolution, n.resolution, n.channels}; !slices.Equal(in.Shape, want) || in.Type != n.typ {
		t.Errorf("input %s %v, want %s %v", in.Type, in.Shape, n.typ, want)
	}
	outT := &sg.Tensors[sg.Outputs[0]]
	if want := []int{1, n.classes}; !slices.Equal(outT.Shape, want) || outT.Type != n.typ {
		t.Errorf("output %s %v, want %s %v", outT.Type, outT.Shape, n.typ, want)
	}
	channels := func(i int) int { return sg.Tensors[sg.Operators[i].Outputs[0]].Shape[3] }
	stride := func(i int) int {
		switch o := sg.Operators[i].Options.(type) {
		case *Conv2DOptions:
			return o.StrideH
		case *DepthwiseConv2DOptions:
			return o.StrideH
		}
		return 0
	}
	if c := m.Op(sg, 0).Builtin; (c != Conv2D && c != DepthwiseConv2D) || stride(0) != 2 || channels(0) != depth(32) {
		t.Errorf("layer 0: %s stride %d to %d channels, want a stride-2 convolution to %d", c, stride(0), channels(0), depth(32))
	}
	blocks := []struct{ stride, depth int }{{1, 64}, {2, 128}, {1, 128}, {2, 256}, {1, 256}, {2, 512},
		{1, 512}, {1, 512}, {1, 512}, {1, 512}, {1, 512}, {2, 1024}, {1, 1024}}
	for b, blk := range blocks {
		dw, pw := 1+2*b, 2+2*b
		if m.Op(sg, dw).Builtin != DepthwiseConv2D || stride(dw) != blk.stride {
			t.Errorf("block %d: %s stride %d, want DEPTHWISE_CONV_2D stride %d", b+1, m.Op(sg, dw), stride(dw), blk.stride)
		}
		if m.Op(sg, pw).Builtin != Conv2D || stride(pw) != 1 || channels(pw) != depth(blk.depth) {
			t.Errorf("block %d: %s to %d channels, want CONV_2D to %d", b+1, m.Op(sg, pw), channels(pw), depth(blk.depth))
		}
	}
	feature := (n.resolution + 31) / 32
	pool, ok := sg.Operators[27].Options.(*Pool2DOptions)
	if m.Op(sg, 27).Builtin != AveragePool2D || !ok || pool.Padding != Valid || pool.FilterW != feature || pool.FilterH != feature {
		t.Errorf("operator 27: %s %+v, want a VALID %d×%d AVERAGE_POOL_2D", m.Op(sg, 27), sg.Operators[27].Options, feature, feature)
	}
	if m.Op(sg, 28).Builtin != Conv2D || channels(28) != n.classes {
		t.Errorf("operator 28: %s, want the 1×1 logits convolution to %d classes", m.Op(sg, 28), n.classes)
	}
	if c := m.Op(sg, 29).Builtin; c != Reshape && c != Squeeze {
		t.Errorf("operator 29: %s, want RESHAPE or SQUEEZE", c)
	}
	if m.Op(sg, 30).Builtin != Softmax || sg.Operators[30].Outputs[0] != sg.Outputs[0] {
		t.Errorf("operator 30: %s, want the SOFTMAX producing the output", m.Op(sg, 30))
	}
	if beta := sg.Operators[30].Options.(*SoftmaxOptions).Beta; beta != 1 {
		t.Errorf("softmax beta %v, want 1 (tf.nn.softmax)", beta)
	}
}

func opSet(m *Model) []string {
	var names []string
	for _, c := range m.OperatorCodes {
		names = append(names, c.String())
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func TestMobileNetQuant025x128(t *testing.T) {
	m := parseModel(t, "mobilenet_v1_0.25_128_quant.tflite")
	mobileNetV1{alpha: 0.25, resolution: 128, channels: 3, classes: 1001, typ: Uint8}.check(t, m)
	// label_image README: the quant model has 31 nodes; the hosted MobileNet V1 op set.
	want := []string{"AVERAGE_POOL_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "RESHAPE", "SOFTMAX"}
	if got := opSet(m); !slices.Equal(got, want) {
		t.Errorf("operator set %v, want %v", got, want)
	}
	// FACTS §3: the hosted uint8 MobileNet V1 input and output quantization.
	sg := &m.Subgraphs[0]
	in, out := &sg.Tensors[sg.Inputs[0]], &sg.Tensors[sg.Outputs[0]]
	if in.Name != "input" || !reflect.DeepEqual(in.Quant, &Quantization{Scale: []float32{0.0078125}, ZeroPoint: []int64{128}}) {
		t.Errorf("input %q quantization %+v, want \"input\" scale 0.0078125 zp 128", in.Name, in.Quant)
	}
	if !reflect.DeepEqual(out.Quant, &Quantization{Scale: []float32{0.00390625}, ZeroPoint: []int64{0}}) {
		t.Errorf("output quantization %+v, want scale 0.00390625 zp 0", out.Quant)
	}
}

func TestMobileNetQuant075x192(t *testing.T) {
	m := parseModel(t, "mobilenet_v1_0.75_192_quant.tflite")
	mobileNetV1{alpha: 0.75, resolution: 192, channels: 3, classes: 1001, typ: Uint8}.check(t, m)
}

func TestMobileNetFloat025x224(t *testing.T) {
	m := parseModel(t, "mobilenet_v1_0.25_224_1_default_1.tflite")
	mobileNetV1{alpha: 0.25, resolution: 224, channels: 3, classes: 1001, typ: Float32}.check(t, m)
	// FACTS §2: slim's SpatialSqueeze removes axes 1 and 2.
	sg := &m.Subgraphs[0]
	if o, ok := sg.Operators[29].Options.(*SqueezeOptions); !ok || !slices.Equal(o.SqueezeDims, []int{1, 2}) {
		t.Errorf("operator 29 options %+v, want SQUEEZE over [1 2]", sg.Operators[29].Options)
	}
	for i := range sg.Tensors {
		if tn := &sg.Tensors[i]; tn.Type != Float32 || tn.Quant != nil {
			t.Errorf("tensor %d %q: %s quant %+v in a float model", i, tn.Name, tn.Type, tn.Quant)
		}
	}
}

func TestMobileNetLabels(t *testing.T) {
	m := parseModel(t, "mobilenet_v1_0.25_224_quant.tflite")
	mobileNetV1{alpha: 0.25, resolution: 224, channels: 3, classes: 1001, typ: Uint8}.check(t, m)
	files, err := m.AssociatedFiles()
	if err != nil {
		t.Fatal(err)
	}
	labels, ok := files["labels.txt"]
	if !ok || len(files) != 1 {
		t.Fatalf("associated files %v, want labels.txt", slices.Sorted(mapKeys(files)))
	}
	lines := strings.Split(strings.TrimSuffix(string(labels), "\n"), "\n")
	if len(lines) != 1001 || lines[0] != "background" {
		t.Errorf("labels.txt: %d lines starting %q, want 1001 starting \"background\"", len(lines), lines[0])
	}
	// The metadata tooling packs the tflite-support ImageNet label file, also the built-in one.
	if want, err := os.ReadFile("../../internal/assets/imagenet_labels_1001_tflite_support.txt"); err != nil || !bytes.Equal(labels, want) {
		t.Errorf("labels.txt differs from the tflite-support label file in internal/assets (%v)", err)
	}
	if len(m.Metadata) != 1 || m.Metadata[0].Name != "TFLITE_METADATA" || len(m.Buffers[m.Metadata[0].Buffer]) == 0 {
		t.Errorf("metadata %+v, want one TFLITE_METADATA buffer", m.Metadata)
	}
	for _, name := range []string{"mobilenet_v1_0.25_128_quant.tflite", headModel} {
		files, err := parseModel(t, name).AssociatedFiles()
		if err != nil || len(files) != 0 {
			t.Errorf("%s: associated files %v, %v; want none", name, slices.Sorted(mapKeys(files)), err)
		}
	}
}

func mapKeys(m map[string][]byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestPersonDetect(t *testing.T) {
	m := parseModel(t, "person_detect.tflite")
	// shared README: V1 0.25 on 96×96 grey images, int8 with per-channel weights; 2 classes.
	mobileNetV1{alpha: 0.25, resolution: 96, channels: 1, classes: 2, typ: Int8}.check(t, m)
	sg := &m.Subgraphs[0]
	depthwise := 0
	for i, op := range sg.Operators {
		f := (*Tensor)(nil)
		axis := 0
		switch m.Op(sg, i).Builtin {
		case DepthwiseConv2D:
			f, axis = &sg.Tensors[op.Inputs[1]], 3
			depthwise++
		case Conv2D:
			f = &sg.Tensors[op.Inputs[1]]
		default:
			continue
		}
		if q := f.Quant; f.Type != Int8 || q == nil || q.Axis != axis || len(q.Scale) != f.Shape[axis] {
			t.Errorf("operator %d filter %q: %s %v quant %+v, want int8 per-channel on axis %d", i, f.Name, f.Type, f.Shape, f.Quant, axis)
		}
	}
	if depthwise < 13 {
		t.Errorf("%d depthwise convolutions, want at least 13", depthwise)
	}
}

func TestCocoSSD(t *testing.T) {
	m := parseModel(t, "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_no_metadata.tflite")
	sg := &m.Subgraphs[0]
	// FACTS §5: raw RGB bytes into normalized_input_image_tensor, mean 128 / std 128.
	in := &sg.Tensors[sg.Inputs[0]]
	if in.Name != "normalized_input_image_tensor" || !slices.Equal(in.Shape, []int{1, 300, 300, 3}) || in.Type != Uint8 ||
		!reflect.DeepEqual(in.Quant, &Quantization{Scale: []float32{1.0 / 128}, ZeroPoint: []int64{128}}) {
		t.Errorf("input %q %s %v %+v", in.Name, in.Type, in.Shape, in.Quant)
	}
	checkPostProcess(t, m)
}

func TestSSDHead(t *testing.T) {
	m := parseModel(t, headModel)
	if n := len(m.Subgraphs[0].Inputs); n != 12 {
		t.Errorf("%d inputs, want 12 (box and class predictions of 6 feature maps)", n)
	}
	checkPostProcess(t, m)
}

// checkPostProcess checks the SSD's last operator (FACTS §5): the custom post-process op
// with box encodings, class scores and 1917 constant anchors in, four float outputs.
func checkPostProcess(t *testing.T, m *Model) {
	t.Helper()
	sg := &m.Subgraphs[0]
	last := len(sg.Operators) - 1
	op := &sg.Operators[last]
	if c := m.Op(sg, last); c.Builtin != Custom || c.Custom != "TFLite_Detection_PostProcess" {
		t.Fatalf("last operator %s, want CUSTOM TFLite_Detection_PostProcess", c)
	}
	if len(op.Inputs) != 3 || len(op.Outputs) != 4 || len(op.CustomOptions) == 0 || op.Options != nil {
		t.Fatalf("post-process: %d inputs, %d outputs, %d option bytes", len(op.Inputs), len(op.Outputs), len(op.CustomOptions))
	}
	boxes, scores, anchors := &sg.Tensors[op.Inputs[0]], &sg.Tensors[op.Inputs[1]], &sg.Tensors[op.Inputs[2]]
	if !slices.Equal(boxes.Shape, []int{1, 1917, 4}) || !slices.Equal(scores.Shape, []int{1, 1917, 91}) {
		t.Errorf("boxes %v scores %v, want [1 1917 4] and [1 1917 91]", boxes.Shape, scores.Shape)
	}
	if !slices.Equal(anchors.Shape, []int{1917, 4}) || len(m.TensorData(anchors)) != 1917*4*anchors.Type.Size() {
		t.Errorf("anchors %v with %d bytes, want constant [1917 4]", anchors.Shape, len(m.TensorData(anchors)))
	}
	if !slices.Equal(op.Outputs, sg.Outputs) {
		t.Errorf("post-process outputs %v, subgraph outputs %v", op.Outputs, sg.Outputs)
	}
	for _, ti := range op.Outputs {
		if sg.Tensors[ti].Type != Float32 {
			t.Errorf("output %q is %s, want float32", sg.Tensors[ti].Name, sg.Tensors[ti].Type)
		}
	}
}
