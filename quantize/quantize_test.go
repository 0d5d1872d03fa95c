package quantize_test

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/models/ssd"
	"github.com/mobilenet-go/mobilenet/quantize"
	"github.com/mobilenet-go/mobilenet/tensor"
)

func smallClassifier(t *testing.T) *graph.Graph {
	t.Helper()
	g, err := mobilenetv1.Build(mobilenetv1.Config{Alpha: 0.25, Resolution: 32, Classes: 5, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// randomImages returns n images of size bytes drawn from seed: smooth gradients plus noise, so that
// activations are not all alike.
func randomImages(n, size int, seed uint64) [][]uint8 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([][]uint8, n)
	for i := range out {
		out[i] = make([]uint8, size)
		base := r.IntN(200)
		for j := range out[i] {
			out[i][j] = uint8(min(255, base+j%50+r.IntN(6)))
		}
	}
	return out
}

// TestSchemes: every scheme and range method gives a graph that compiles, whose parameters follow the
// spec: the input's fixed parameters, Softmax's 1/256, zero points in range, 0 exact, per-channel int8
// weights on conv axis 0 and depthwise axis 3 with zero point 0, pass-through ops keeping their input's
// parameters; and whose dequantized probabilities stay near the float model's on the calibration set.
func TestSchemes(t *testing.T) {
	g := smallClassifier(t)
	images := randomImages(16, 32*32*3, 1)
	for _, opt := range []quantize.Options{
		{}, {Scheme: quantize.Uint8}, {PerTensor: true}, {Range: quantize.Percentile}, {Range: quantize.MSE},
	} {
		q, cal, err := quantize.Model(context.Background(), g, images, opt)
		if err != nil {
			t.Fatalf("%+v: %v", opt, err)
		}
		if cal.Images != len(images) {
			t.Errorf("%+v: %d images calibrated, want %d", opt, cal.Images, len(images))
		}
		dt := tensor.Int8
		inZP, probZP := int32(0), int32(-128)
		if opt.Scheme == quantize.Uint8 {
			dt, inZP, probZP = tensor.Uint8, 128, 0
		}
		in := q.Values[q.Inputs[0]]
		if in.DType != dt || in.Quant.S(0) != quantize.InputScale || in.Quant.ZP(0) != inZP {
			t.Errorf("%+v: input %v scale %v zp %d", opt, in.DType, in.Quant.S(0), in.Quant.ZP(0))
		}
		for _, n := range q.Nodes {
			switch n.Op.(type) {
			case *graph.Softmax:
				o := q.Values[n.Outputs[0]].Quant
				if o.S(0) != 1.0/256 || o.ZP(0) != probZP {
					t.Errorf("%+v: softmax output scale %v zp %d", opt, o.S(0), o.ZP(0))
				}
			case *graph.Reshape, *graph.AvgPool2D:
				a, b := q.Values[n.Inputs[0]].Quant, q.Values[n.Outputs[0]].Quant
				if a.S(0) != b.S(0) || a.ZP(0) != b.ZP(0) {
					t.Errorf("%+v: %s does not keep its input's parameters", opt, n.Name)
				}
			case *graph.Conv2D, *graph.DepthwiseConv2D:
				w := q.Values[n.Inputs[1]]
				axis := 0
				if _, ok := n.Op.(*graph.DepthwiseConv2D); ok {
					axis = 3
				}
				perChannel := opt.Scheme == quantize.Int8 && !opt.PerTensor && w.Shape[axis] > 1
				if w.Quant.PerChannel() != perChannel || (perChannel && (w.Quant.Axis != axis || len(w.Quant.Scale) != w.Shape[axis])) {
					t.Errorf("%+v: %s weights: %d scales on axis %d", opt, n.Name, len(w.Quant.Scale), w.Quant.Axis)
				}
				if opt.Scheme == quantize.Int8 {
					for c := range w.Quant.Scale {
						if w.Quant.ZP(c) != 0 {
							t.Errorf("%+v: %s: weight zero point %d", opt, n.Name, w.Quant.ZP(c))
						}
					}
					for _, v := range w.Data.I8 {
						if v == -128 {
							t.Fatalf("%+v: %s: weight code −128 (want [−127, 127])", opt, n.Name)
						}
					}
				}
				if b := q.Values[n.Inputs[2]]; b.DType != tensor.Int32 {
					t.Errorf("%+v: %s bias is %v", opt, n.Name, b.DType)
				}
			}
		}
		for _, v := range q.Values {
			if v.Const() || v.Quant == nil || !v.DType.Quantized() {
				continue
			}
			s, zp := v.Quant.S(0), v.Quant.ZP(0)
			lo, hi := int32(-128), int32(127)
			if v.DType == tensor.Uint8 {
				lo, hi = 0, 255
			}
			if !(s > 0) || zp < lo || zp > hi {
				t.Errorf("%+v: %q scale %v zero point %d", opt, v.Name, s, zp)
			}
		}
		// Dequantized probabilities against the float model's.
		fp, err := graph.Compile(graph.Fold(g), graph.Options{Batch: 1})
		if err != nil {
			t.Fatal(err)
		}
		fq, err := quantize.FloatIO(q)
		if err != nil {
			t.Fatal(err)
		}
		qp, err := graph.Compile(fq, graph.Options{Batch: 1})
		if err != nil {
			t.Fatal(err)
		}
		var worst float64
		for _, im := range images {
			x, _ := tensor.New(tensor.Float32, tensor.Shape{1, 32, 32, 3})
			for i, p := range im {
				x.F32[i] = (float32(p) - 127.5) / 127.5
			}
			a, err := fp.Run(x)
			if err != nil {
				t.Fatal(err)
			}
			want := append([]float32(nil), a[0].F32...)
			b, err := qp.Run(x)
			if err != nil {
				t.Fatal(err)
			}
			d, _, err := approx.MaxAbsDiff(b[0].F32, want)
			if err != nil {
				t.Fatal(err)
			}
			worst = math.Max(worst, d)
		}
		if err := approx.Within("largest probability difference", worst, 0.1); err != nil {
			t.Errorf("%+v: %v", opt, err)
		}
	}
}

// TestDetector: the SSD detector quantizes with its post-process kept: 8-bit box encodings and scores
// (scores with Logistic's fixed parameters), the joined box encodings sharing one set of parameters
// with every input of their concatenation, float outputs; its float-I/O form runs.
func TestDetector(t *testing.T) {
	g, err := ssd.Build(ssd.Config{Alpha: 0.25, Resolution: 64, Classes: 2, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	q, _, err := quantize.Model(context.Background(), g, randomImages(4, 64*64*3, 2), quantize.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var post *graph.Node
	for _, n := range q.Nodes {
		switch n.Op.(type) {
		case *graph.DetectionPostProcess:
			post = n
		case *graph.Concatenation:
			o := q.Values[n.Outputs[0]].Quant
			for _, id := range n.Inputs {
				if i := q.Values[id].Quant; i.S(0) != o.S(0) || i.ZP(0) != o.ZP(0) {
					t.Errorf("%s: input %q has scale %v zp %d, the output %v %d", n.Name, q.Values[id].Name, i.S(0), i.ZP(0), o.S(0), o.ZP(0))
				}
			}
		}
	}
	if post == nil {
		t.Fatal("no post-process")
	}
	// int8: the post-process takes the 8-bit box encodings and scores through Dequantize, with float
	// anchors, as TensorFlow's converter writes a fully quantized detector.
	producer := map[int]*graph.Node{}
	for _, n := range q.Nodes {
		for _, id := range n.Outputs {
			producer[id] = n
		}
	}
	for i, what := range []string{"box encodings", "scores"} {
		d := producer[post.Inputs[i]]
		if _, ok := opOf(d).(*graph.Dequantize); !ok || q.Values[post.Inputs[i]].DType != tensor.Float32 {
			t.Fatalf("the %s do not come through a Dequantize", what)
		}
		if x := q.Values[d.Inputs[0]]; x.DType != tensor.Int8 {
			t.Errorf("%s are %v before Dequantize", what, x.DType)
		} else if i == 1 && (x.Quant.S(0) != 1.0/256 || x.Quant.ZP(0) != -128) {
			t.Errorf("scores have %+v", x.Quant)
		}
	}
	if a := q.Values[post.Inputs[2]]; a.DType != tensor.Float32 || !a.Const() {
		t.Errorf("anchors are %v", a.DType)
	}
	for _, id := range q.Outputs {
		if q.Values[id].DType != tensor.Float32 {
			t.Errorf("output %q is %v", q.Values[id].Name, q.Values[id].DType)
		}
	}
	fq, err := quantize.FloatIO(q)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := ssd.Heads(fq); err != nil {
		t.Fatal(err)
	}
	if _, err := graph.Compile(fq, graph.Options{Batch: 2}); err != nil {
		t.Fatal(err)
	}
}

// TestBadInput: one-line errors for no calibration images, images of the wrong size, an op without an
// 8-bit form (named), non-finite activations and images of the wrong channel count.
func TestBadInput(t *testing.T) {
	ctx := context.Background()
	g := smallClassifier(t)
	oneLine := func(what string, err error, want string) {
		t.Helper()
		switch {
		case err == nil:
			t.Errorf("%s: no error", what)
		case strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), want):
			t.Errorf("%s: error %q, want one line containing %q", what, err, want)
		}
	}
	_, err := quantize.Calibrate(ctx, g, nil, quantize.Options{})
	oneLine("no images", err, "no calibration images")
	_, err = quantize.Calibrate(ctx, g, [][]uint8{make([]uint8, 32*32)}, quantize.Options{})
	oneLine("grey image", err, "the model takes 32×32×3")

	// An Add after the classifier: no 8-bit form.
	h := smallClassifier(t)
	last := h.Outputs[0]
	one, _ := tensor.FromFloat32(tensor.Shape{1}, []float32{1})
	cid := h.AddConst("one", one)
	out, err := h.Add1("plus_one", &graph.Add{}, last, cid)
	if err != nil {
		t.Fatal(err)
	}
	h.Outputs = []int{out}
	_, _, err = quantize.Model(ctx, h, randomImages(2, 32*32*3, 1), quantize.Options{})
	oneLine("Add", err, "op Add cannot be quantized")

	// A NaN weight in the classifier (no ReLU6 after it to clamp it) makes the logits NaN.
	n := smallClassifier(t)
	n.Values[n.Find("Logits/Conv2d_1c_1x1").Inputs[1]].Data.F32[0] = float32(math.NaN())
	_, err = quantize.Calibrate(ctx, n, randomImages(2, 32*32*3, 1), quantize.Options{})
	oneLine("NaN", err, "non-finite activation")

	_, err = quantize.Calibrate(ctx, g, randomImages(2, 32*32*3, 1), quantize.Options{Range: quantize.Percentile, Percentile: 10})
	oneLine("percentile", err, "percentile 10 out of range")

	// Fashion-MNIST is grey: a three-channel model cannot be calibrated on it.
	_, err = quantize.LoadImages(shared.Path(t, "datasets/fashion-mnist"), 32, 32, 3, 10, 1)
	oneLine("channels", err, "the calibration images have 1 channels, the model takes 3")
}

// TestFloatIOExact: the float-input form fed (p − 127.5)/127.5 computes exactly the codes the 8-bit
// graph computes when fed the bytes p (uint8 p, int8 p − 128).
func TestFloatIOExact(t *testing.T) {
	g := smallClassifier(t)
	images := randomImages(4, 32*32*3, 5)
	for _, s := range []quantize.Scheme{quantize.Int8, quantize.Uint8} {
		q, _, err := quantize.Model(context.Background(), g, images, quantize.Options{Scheme: s})
		if err != nil {
			t.Fatal(err)
		}
		fq, err := quantize.FloatIO(q)
		if err != nil {
			t.Fatal(err)
		}
		logits := q.Find("Logits/SpatialSqueeze").Outputs[0]
		qp, err := graph.Compile(q, graph.Options{Batch: 1})
		if err != nil {
			t.Fatal(err)
		}
		fp, err := graph.Compile(fq, graph.Options{Batch: 1})
		if err != nil {
			t.Fatal(err)
		}
		a, err := qp.Capture(logits)
		if err != nil {
			t.Fatal(err)
		}
		b, err := fp.Capture(logits)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range images {
			x := &tensor.Tensor{Shape: tensor.Shape{1, 32, 32, 3}, DType: q.Values[q.Inputs[0]].DType}
			f, _ := tensor.New(tensor.Float32, x.Shape)
			for i, p := range im {
				f.F32[i] = (float32(p) - 127.5) / 127.5
				if s == quantize.Uint8 {
					x.U8 = append(x.U8, p)
				} else {
					x.I8 = append(x.I8, int8(int(p)-128))
				}
			}
			if _, err := qp.Run(x); err != nil {
				t.Fatal(err)
			}
			if _, err := fp.Run(f); err != nil {
				t.Fatal(err)
			}
			var err error
			if s == quantize.Uint8 {
				err = approx.Codes(b.U8, a.U8, 0)
			} else {
				err = approx.Codes(b.I8, a.I8, 0)
			}
			if err != nil {
				t.Errorf("%v: logits of the float-input form: %v", s, err)
			}
		}
	}
}

func opOf(n *graph.Node) graph.Op {
	if n == nil {
		return nil
	}
	return n.Op
}
