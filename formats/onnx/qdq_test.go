package onnx

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/lcg"
	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/tensor"
	"github.com/mobilenet-go/mobilenet/vision"
)

// qdqModels are the 8-bit models the QDQ export is checked on: uint8 per tensor and int8 per channel.
var qdqModels = []string{"mobilenet_v1_0.25_128_quant.tflite", "mobilenet_v1_0.75_192_quant.tflite", "person_detect.tflite",
	"mobilenet_v2_1.0_224_inat_bird_quant.tflite"}

func loadQ8(t *testing.T, name string) *graph.Graph {
	t.Helper()
	path := shared.Path(t, "models/"+name)
	m, err := tflite.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestQDQDecode exports the 8-bit models and decodes the protobufs: every op is bracketed by
// DequantizeLinear/QuantizeLinear, weights are 8-bit initializers (per-channel with axis 0 for the
// int8 person detector), biases int32, input and output float32.
func TestQDQDecode(t *testing.T) {
	for _, name := range qdqModels {
		t.Run(name, func(t *testing.T) {
			g := loadQ8(t, name)
			var buf bytes.Buffer
			if err := Export(&buf, g); err != nil {
				t.Fatal(err)
			}
			m, err := decodeModel(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			count := map[string]int{}
			axes := 0
			for _, n := range m.graph.nodes {
				count[n.op]++
				if a, ok := n.attrs["axis"]; ok && n.op == "DequantizeLinear" && a.i == 0 {
					axes++
				}
			}
			types := map[int64]int{}
			for _, it := range m.graph.inits {
				types[it.dataType]++
			}
			convs := 0
			for _, n := range g.Nodes {
				switch n.Op.(type) {
				case *graph.Conv2D, *graph.DepthwiseConv2D:
					convs++
				}
			}
			t.Logf("%s: ops %v, initializer types %v, per-channel DequantizeLinear %d", name, count, types, axes)
			if count["Conv"] != convs || convs == 0 {
				t.Fatalf("%d Conv nodes, the graph has %d convolutions", count["Conv"], convs)
			}
			// One QuantizeLinear per computed value and input; a DequantizeLinear for each and for each
			// weight and bias.
			if want := len(g.Nodes) + len(g.Inputs); count["QuantizeLinear"] != want {
				t.Fatalf("%d QuantizeLinear nodes, want %d", count["QuantizeLinear"], want)
			}
			if count["DequantizeLinear"] < count["QuantizeLinear"]+2*convs {
				t.Fatalf("%d DequantizeLinear nodes for %d QuantizeLinear and %d convolutions", count["DequantizeLinear"], count["QuantizeLinear"], convs)
			}
			if types[dataTypeInt32] < convs || types[dataTypeInt8]+types[dataTypeUint8] < convs {
				t.Fatalf("initializer types %v: want int32 biases and 8-bit weights for %d convolutions", types, convs)
			}
			perChannel := strings.HasPrefix(name, "person")
			if perChannel != (axes >= convs) {
				t.Fatalf("%d per-channel DequantizeLinear for %d convolutions (per-channel model: %v)", axes, convs, perChannel)
			}
			if len(m.graph.inputs) != 1 || len(m.graph.outputs) != 1 {
				t.Fatalf("%d inputs, %d outputs", len(m.graph.inputs), len(m.graph.outputs))
			}
		})
	}
}

// TestQDQRefusal: an 8-bit graph with an op the QDQ export lacks is a one-line error naming the op, and
// nothing is written.
func TestQDQRefusal(t *testing.T) {
	g := &graph.Graph{Name: "q"}
	x := g.AddInput("x", tensor.Uint8, tensor.Shape{1, 4}, tensor.PerTensor(0.1, 128))
	y := g.AddInput("y", tensor.Uint8, tensor.Shape{1, 4}, tensor.PerTensor(1.0/256, 0))
	g.Inputs = g.Inputs[:1]
	g.Nodes = append(g.Nodes, &graph.Node{Name: "sig", Op: &graph.Logistic{}, Inputs: []int{x}, Outputs: []int{y}})
	g.Outputs = []int{y}
	var buf bytes.Buffer
	err := Export(&buf, g)
	if err == nil || !strings.Contains(err.Error(), "Logistic") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Export: %v, want a one-line error naming Logistic", err)
	}
	if buf.Len() != 0 {
		t.Fatalf("%d bytes written on refusal", buf.Len())
	}
	// A float op amid 8-bit values is refused too.
	g.Values[y].DType = tensor.Float32
	if err := Export(&buf, g); err == nil || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Export of a mixed graph: %v, want a one-line error", err)
	}
	if r := QDQRefusal("Concatenation"); r == exported || r == "" {
		t.Fatalf("QDQRefusal(Concatenation) = %q", r)
	}
}

// quantizeRTE quantizes x like ONNX's QuantizeLinear: round half to even, saturate.
func quantizeRTE(x float32, q *tensor.Quant, lo, hi float64) int32 {
	v := math.RoundToEven(float64(x)/float64(q.Scale[0])) + float64(q.ZeroPoint[0])
	return int32(math.Max(lo, math.Min(hi, v)))
}

func codeRange(dt tensor.DType) (float64, float64) {
	if dt == tensor.Int8 {
		return -128, 127
	}
	return 0, 255
}

// ortRunner runs the first output of an ONNX model in onnxruntime-node on a raw float32 input.
const ortRunner = `const ort = require(process.env.ORT_PEERS + "/node_modules/onnxruntime-node");
const fs = require("fs");
const [model, input, dims, output] = process.argv.slice(2);
(async () => {
  const s = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const b = fs.readFileSync(input);
  const x = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  const r = await s.run({ [s.inputNames[0]]: new ort.Tensor("float32", x, JSON.parse(dims)) });
  const o = r[s.outputNames[0]].data;
  fs.writeFileSync(output, Buffer.from(o.buffer, o.byteOffset, o.byteLength));
})().catch((e) => { console.error(e.message); process.exit(1); });
`

// TestQDQAgainstORT runs the exported models in ONNX Runtime (set ORT_PEERS to an npm-installed copy of
// ../shared/peers; scripts/onnx_q8_check.sh does) on seeded inputs (the peers' LCG sequence, seeds 1-3)
// and two photos, each first quantized with the input's parameters and given to ORT dequantized, so
// both engines see the same codes. ORT's float output (the dequantized 8-bit output) is quantized back
// to codes with the output's parameters and compared with this project's 8-bit runtime: over each
// model's inputs at least 99 % equal, none more than 1 apart.
func TestQDQAgainstORT(t *testing.T) {
	peers := os.Getenv("ORT_PEERS")
	if peers == "" {
		t.Skip("ORT_PEERS unset: scripts/onnx_q8_check.sh runs this test against ONNX Runtime")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("no node: ONNX Runtime cannot run")
	}
	runner := filepath.Join(t.TempDir(), "run_ort.js")
	if err := os.WriteFile(runner, []byte(ortRunner), 0o644); err != nil {
		t.Fatal(err)
	}
	photos := []string{"images/coral_parrot.jpg", "images/coral_pets.jpg"}
	for _, name := range qdqModels {
		t.Run(name, func(t *testing.T) {
			g := loadQ8(t, name)
			dir := t.TempDir()
			model := filepath.Join(dir, "m.onnx")
			var buf bytes.Buffer
			if err := Export(&buf, g); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(model, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			in := g.Values[g.Inputs[0]]
			shape := in.Shape.Clone()
			shape[0] = 1
			p, err := graph.Compile(g, graph.Options{Batch: 1})
			if err != nil {
				t.Fatal(err)
			}
			lo, hi := codeRange(in.DType)
			ov := g.Values[g.Outputs[0]]
			olo, ohi := codeRange(ov.DType)
			// The inputs as real values.
			inputs := map[string][]float32{}
			for seed := uint32(1); seed <= 3; seed++ {
				inputs[fmt.Sprintf("seed %d", seed)] = lcg.Float32s(seed, shape.Size())
			}
			for _, ph := range photos {
				img, _, err := vision.DecodeFile(shared.Path(t, ph), 1<<26)
				if err != nil {
					t.Fatal(err)
				}
				px, err := vision.ResizeImage(img, shape[1], shape[2], shape[3], 1)
				if err != nil {
					t.Fatal(err)
				}
				// Pixel p (0-255) is the input code p + (lo) shifted so 0-255 spans the code range.
				x := make([]float32, len(px.Pix))
				for i, v := range px.Pix {
					c := math.Max(lo, math.Min(hi, math.Round(float64(v))+lo))
					x[i] = float32((c - float64(in.Quant.ZeroPoint[0])) * float64(in.Quant.Scale[0]))
				}
				inputs[ph] = x
			}
			same, total, worst := 0, 0, int32(0)
			for what, x := range inputs {
				xt := &tensor.Tensor{DType: in.DType, Shape: shape, Quant: in.Quant}
				real := make([]float32, len(x))
				if in.DType == tensor.Int8 {
					xt.I8 = make([]int8, len(x))
				} else {
					xt.U8 = make([]uint8, len(x))
				}
				for i, v := range x {
					c := quantizeRTE(v, in.Quant, lo, hi)
					if in.DType == tensor.Int8 {
						xt.I8[i] = int8(c)
					} else {
						xt.U8[i] = uint8(c)
					}
					real[i] = float32(c-in.Quant.ZeroPoint[0]) * in.Quant.Scale[0]
				}
				raw := make([]byte, 4*len(real))
				for i, v := range real {
					binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
				}
				inFile, outFile := filepath.Join(dir, "in.bin"), filepath.Join(dir, "out.bin")
				if err := os.WriteFile(inFile, raw, 0o644); err != nil {
					t.Fatal(err)
				}
				dims, _ := json.Marshal([]int(shape))
				cmd := exec.Command("node", runner, model, inFile, string(dims), outFile)
				cmd.Env = append(os.Environ(), "ORT_PEERS="+peers)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("%s: onnx runtime: %v: %s", what, err, strings.TrimSpace(string(out)))
				}
				got, err := os.ReadFile(outFile)
				if err != nil {
					t.Fatal(err)
				}
				outs, err := p.Run(xt)
				if err != nil {
					t.Fatal(err)
				}
				ours := outs[0]
				if len(got) != 4*ours.Len() {
					t.Fatalf("%s: ORT wrote %d bytes for %d outputs", what, len(got), ours.Len())
				}
				for i := 0; i < ours.Len(); i++ {
					f := math.Float32frombits(binary.LittleEndian.Uint32(got[4*i:]))
					if math.IsNaN(float64(f)) {
						t.Fatalf("%s: ORT output %d is NaN", what, i)
					}
					d := quantizeRTE(f, ov.Quant, olo, ohi) - code(ours, i)
					if d < 0 {
						d = -d
					}
					if d == 0 {
						same++
					}
					worst = max(worst, d)
					total++
				}
			}
			agree := float64(same) / float64(total)
			t.Logf("%s: ORT vs ours over %d inputs: %d/%d output codes equal (%.2f %%), max |diff| %d", name, len(inputs), same, total, 100*agree, worst)
			fmt.Printf("onnx_q8_check: %s: %d inputs (seeds 1-3, 2 photos): %d/%d codes equal (%.2f %%), max diff %d\n", name, len(inputs), same, total, 100*agree, worst)
			if agree < 0.99 || worst > 1 {
				t.Fatalf("agreement %.4f (want ≥ 0.99), max diff %d (want ≤ 1)", agree, worst)
			}
		})
	}
}
