package mobilenet

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/golden"
	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/models/ssd"
	"github.com/mobilenet-go/mobilenet/quantize"
	"github.com/mobilenet-go/mobilenet/tensor"
	"github.com/mobilenet-go/mobilenet/train"
	"github.com/mobilenet-go/mobilenet/train/data"
	"github.com/mobilenet-go/mobilenet/vision"
)

// The goldens testdata/golden/export/quant_*.json are the TFLite interpreter's outputs on 8-bit files
// this project made: a float model quantized by package quantize (post-training, calibrated on a few
// images) and written by formats/tflite.Encode, as `mobilenet quantize` writes it. TestExportQuantOracle
// requires this project's outputs on the same file to equal them code for code (XNNPACK rounding, the
// default), and the float outputs of the float-input form and of the detection post-process to be
// within 1e-5 (detections: count and classes equal, scores and boxes within 1e-4, boxes of equal score
// as sets; see detectionsTied). MOBILENET_QUANT_DUMP=DIR also writes each file to DIR. Each golden records the SHA-256 of the file the oracle ran;
// the file is rebuilt in the test (calibration included), so a change of the quantizer or the writer
// shows as a failing test until the goldens are regenerated with
//
//	MOBILENET_ORACLE=DIR go test -run TestExportQuantOracle -count=1 .
//
// (DIR as for TestExportOracle). Calibration (and the Fashion model's training) run the reference float
// kernels, so the rebuilt files do not depend on the instruction set of an amd64 CPU.

// quantSpec is one quantized file the oracle ran.
type quantSpec struct {
	name   string // golden base name
	what   string // how the file is made, for the golden's notes
	seeds  int    // seeded cases (seeds 1000+k)
	photos int    // photo cases (quantPhotos, or Fashion-MNIST test images)
	// build returns the 8-bit graph and its labels (or nil).
	build func(t *testing.T) (*graph.Graph, []string)
}

// quantPhotos are the photos of shared/images the 224×224 classifiers and the detector run.
var quantPhotos = []string{"tfls_grace_hopper.jpg", "coral_parrot.jpg", "tfls_cats_and_dogs.jpg"}

// Calibration sets (kept small so that the test stays fast).
const (
	quantRaccoonImages = 64 // raccoon photos for the 224×224 classifier
	quantSSDImages     = 8  // raccoon photos for the detector
	quantFashionImages = 64 // Fashion-MNIST training images
)

var (
	quantCache   = map[string]*graph.Graph{}
	quantCacheMu sync.Mutex
)

// cachedQuant builds a quantized graph once per test binary (the float-input variant reuses it).
func cachedQuant(t *testing.T, key string, build func(t *testing.T) *graph.Graph) *graph.Graph {
	t.Helper()
	quantCacheMu.Lock()
	g, ok := quantCache[key]
	quantCacheMu.Unlock()
	if ok {
		return g
	}
	start := time.Now()
	g = build(t)
	t.Logf("%s built in %.1f s", key, time.Since(start).Seconds())
	quantCacheMu.Lock()
	quantCache[key] = g
	quantCacheMu.Unlock()
	return g
}

func mustQuantize(t *testing.T, g *graph.Graph, images [][]uint8, opt quantize.Options) *graph.Graph {
	t.Helper()
	opt.Threads = 2
	q, _, err := quantize.Model(context.Background(), g, images, opt)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// v1Quant is mobilenet_v1_0.25_224_1_default_1.tflite quantized int8 (default scheme) on 64 raccoon
// photos (seed 1).
func v1Quant(t *testing.T) *graph.Graph {
	return cachedQuant(t, "v1", func(t *testing.T) *graph.Graph {
		g, err := ReadGraph(shared.Path(t, "models/mobilenet_v1_0.25_224_1_default_1.tflite"))
		if err != nil {
			t.Fatal(err)
		}
		images, err := quantize.LoadImages(shared.Path(t, "datasets/raccoon/images"), 224, 224, 3, quantRaccoonImages, 1)
		if err != nil {
			t.Fatal(err)
		}
		return mustQuantize(t, g, images, quantize.Options{Reference: true})
	})
}

// fashionFloat trains a small Fashion-MNIST classifier (α 0.25, 32×32 grey, seed 1) for a few steps
// with the reference kernels, so that its weights are the same bits on every machine.
func fashionFloat(t *testing.T) *graph.Graph {
	return cachedQuant(t, "fashion-float", func(t *testing.T) *graph.Graph {
		dir := shared.Path(t, "datasets/fashion-mnist") + string(filepath.Separator)
		tr, err := data.LoadIDX(dir+"train-images-idx3-ubyte.gz", dir+"train-labels-idx1-ubyte.gz", data.FashionMNIST)
		if err != nil {
			t.Fatal(err)
		}
		res, err := train.Run(context.Background(), train.Config{
			Model: mobilenetv1.Config{Alpha: 0.25, Resolution: 32, Channels: 1, Seed: 1},
			Train: tr, Limit: 256, Epochs: 1, Batch: 32, Seed: 1, Threads: 1, Reference: true,
		}, train.Callbacks{})
		if err != nil {
			t.Fatal(err)
		}
		return res.Graph
	})
}

func fashionQuant(t *testing.T, scheme quantize.Scheme) *graph.Graph {
	return cachedQuant(t, "fashion-"+scheme.String(), func(t *testing.T) *graph.Graph {
		g := fashionFloat(t)
		images, err := quantize.LoadImages(shared.Path(t, "datasets/fashion-mnist"), 32, 32, 1, quantFashionImages, 1)
		if err != nil {
			t.Fatal(err)
		}
		return mustQuantize(t, g, images, quantize.Options{Scheme: scheme, Reference: true})
	})
}

// ssdQuant is an SSD MobileNet V1 α 0.25 at 300 with 3 classes, random weights of seed 1 in the folded
// form, quantized int8 on 8 raccoon photos.
func ssdQuant(t *testing.T) *graph.Graph {
	return cachedQuant(t, "ssd", func(t *testing.T) *graph.Graph {
		g, err := ssd.Build(ssd.Config{Alpha: 0.25, Resolution: 300, Classes: 3, Seed: 1, Folded: true})
		if err != nil {
			t.Fatal(err)
		}
		images, err := quantize.LoadImages(shared.Path(t, "datasets/raccoon/images"), 300, 300, 3, quantSSDImages, 1)
		if err != nil {
			t.Fatal(err)
		}
		return mustQuantize(t, g, images, quantize.Options{Reference: true})
	})
}

// ssdQuantUint8 is the same detector quantized with the uint8 scheme (the official COCO file's).
func ssdQuantUint8(t *testing.T) *graph.Graph {
	return cachedQuant(t, "ssd-uint8", func(t *testing.T) *graph.Graph {
		g, err := ssd.Build(ssd.Config{Alpha: 0.25, Resolution: 300, Classes: 3, Seed: 1, Folded: true})
		if err != nil {
			t.Fatal(err)
		}
		images, err := quantize.LoadImages(shared.Path(t, "datasets/raccoon/images"), 300, 300, 3, quantSSDImages, 1)
		if err != nil {
			t.Fatal(err)
		}
		return mustQuantize(t, g, images, quantize.Options{Scheme: quantize.Uint8, Reference: true})
	})
}

// ssdHeads returns a copy of the 8-bit detector q without its post-process, whose outputs are the
// post-process's 8-bit inputs: the box encodings and the scores.
func ssdHeads(t *testing.T, q *graph.Graph) *graph.Graph {
	t.Helper()
	h := *q
	h.Nodes = nil
	h.Outputs = nil
	producer := map[int]*graph.Node{}
	for _, n := range q.Nodes {
		for _, id := range n.Outputs {
			producer[id] = n
		}
	}
	skip := map[*graph.Node]bool{}
	for _, n := range q.Nodes {
		if _, ok := n.Op.(*graph.DetectionPostProcess); ok {
			for _, id := range n.Inputs[:2] { // the int8 scheme dequantizes them: take the 8-bit values
				if d := producer[id]; d != nil {
					if _, ok := d.Op.(*graph.Dequantize); ok {
						skip[d], id = true, d.Inputs[0]
					}
				}
				h.Outputs = append(h.Outputs, id)
			}
		}
	}
	for _, n := range q.Nodes {
		if _, ok := n.Op.(*graph.DetectionPostProcess); !ok && !skip[n] {
			h.Nodes = append(h.Nodes, n)
		}
	}
	if len(h.Outputs) != 2 {
		t.Fatal("no post-process")
	}
	return &h
}

func floatIO(t *testing.T, q *graph.Graph) *graph.Graph {
	t.Helper()
	g, err := quantize.FloatIO(q)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

var quantSpecs = []quantSpec{
	{"quant_int8_mobilenet_v1_0.25_224_raccoon64", "mobilenet_v1_0.25_224_1_default_1.tflite quantized int8 (per channel, minmax) on 64 raccoon photos (seed 1)", 6, 2,
		func(t *testing.T) (*graph.Graph, []string) { return v1Quant(t), nil }},
	{"quant_int8_floatio_mobilenet_v1_0.25_224_raccoon64", "the same, in its float-input form (quantize.FloatIO, `quantize --float-io`)", 4, 0,
		func(t *testing.T) (*graph.Graph, []string) { return floatIO(t, v1Quant(t)), nil }},
	{"quant_int8_fashion_0.25_32", "a Fashion-MNIST classifier (α 0.25, 32×32 grey, seed 1, 8 steps of batch 32 with the reference kernels) quantized int8 on 64 training images (seed 1)", 6, 3,
		func(t *testing.T) (*graph.Graph, []string) { return fashionQuant(t, quantize.Int8), data.FashionMNIST }},
	{"quant_uint8_fashion_0.25_32", "the same classifier quantized uint8 (per tensor)", 6, 3,
		func(t *testing.T) (*graph.Graph, []string) { return fashionQuant(t, quantize.Uint8), data.FashionMNIST }},
	{"quant_int8_ssd_mobilenet_v1_0.25_300_3classes_seed1", "SSD MobileNet V1 α 0.25 at 300, 3 classes, random weights (seed 1, folded form), quantized int8 on 8 raccoon photos (seed 1): the post-process takes the 8-bit encodings and scores through DEQUANTIZE, as TensorFlow's converter writes it", 3, 1,
		func(t *testing.T) (*graph.Graph, []string) { return ssdQuant(t), []string{"a", "b", "c"} }},
	{"quant_int8_ssd_mobilenet_v1_0.25_300_3classes_seed1_heads", "SSD MobileNet V1 α 0.25 at 300, 3 classes, random weights (seed 1, folded form), quantized int8 on 8 raccoon photos (seed 1), its outputs the post-process's inputs (8-bit box encodings and scores; the post-process removed)", 3, 1,
		func(t *testing.T) (*graph.Graph, []string) { return ssdHeads(t, ssdQuant(t)), nil }},
	{"quant_uint8_ssd_mobilenet_v1_0.25_300_3classes_seed1", "SSD MobileNet V1 α 0.25 at 300, 3 classes, random weights (seed 1, folded form), quantized uint8 on 8 raccoon photos (seed 1)", 3, 1,
		func(t *testing.T) (*graph.Graph, []string) { return ssdQuantUint8(t), []string{"a", "b", "c"} }},
	{"quant_int8_floatio_ssd_mobilenet_v1_0.25_300_3classes_seed1", "the same detector in its float-input form (quantize.FloatIO)", 2, 0,
		func(t *testing.T) (*graph.Graph, []string) { return floatIO(t, ssdQuant(t)), []string{"a", "b", "c"} }},
}

// quantPhotoCases returns n photo cases for graph g: photos of shared/images at the input size (or
// Fashion-MNIST test images for a grey input), as the input's bytes: uint8 p, int8 p − 128, or float32
// (p − 127.5)/127.5.
func quantPhotoCases(t *testing.T, g *graph.Graph, n int) []golden.Case {
	t.Helper()
	in := g.Values[g.Inputs[0]]
	h, w, c := in.Shape[1], in.Shape[2], in.Shape[3]
	var names []string
	var pixels [][]uint8
	if c == 1 {
		dir := shared.Path(t, "datasets/fashion-mnist") + string(filepath.Separator)
		te, err := data.LoadIDX(dir+"t10k-images-idx3-ubyte.gz", dir+"t10k-labels-idx1-ubyte.gz", data.FashionMNIST)
		if err != nil {
			t.Fatal(err)
		}
		info := te.Info()
		for i := range n {
			px, label := te.Example(i)
			p := &vision.Pixels{H: info.H, W: info.W, C: 1, Pix: make([]float32, len(px))}
			for j, v := range px {
				p.Pix[j] = float32(v)
			}
			names = append(names, fmt.Sprintf("fashion-mnist t10k #%d (%s), resized to %d×%d", i, data.FashionMNIST[label], h, w))
			pixels = append(pixels, vision.ResizeBilinear(p, h, w).Uint8())
		}
	} else {
		for _, name := range quantPhotos[:n] {
			f, err := os.Open(shared.Path(t, "images/"+name))
			if err != nil {
				t.Fatal(err)
			}
			px, err := vision.Load(f, h, w, c, 0, 0)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, name)
			pixels = append(pixels, px.Uint8())
		}
	}
	cases := make([]golden.Case, len(pixels))
	for k, p := range pixels {
		var raw []byte
		switch in.DType {
		case tensor.Uint8:
			raw = p
		case tensor.Int8:
			raw = make([]byte, len(p))
			for i, v := range p {
				raw[i] = byte(int8(int(v) - 128))
			}
		case tensor.Float32:
			raw = make([]byte, 4*len(p))
			for i, v := range p {
				binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits((float32(v)-127.5)/127.5))
			}
		default:
			t.Fatalf("input %v", in.DType)
		}
		cases[k] = golden.Case{Image: names[k], InputB64: []string{base64.StdEncoding.EncodeToString(raw)}}
	}
	return cases
}

// TestExportQuantOracle checks 8-bit files this project made (quantize, then tflite.Encode) against the
// TFLite interpreter's outputs on them: int8 and uint8 codes identical, float outputs (the float-input
// form, the detection post-process) within 1e-5 (boxes and scores 1e-4, classes and counts equal).
func TestExportQuantOracle(t *testing.T) {
	oracle := os.Getenv("MOBILENET_ORACLE")
	for _, s := range quantSpecs {
		t.Run(s.name, func(t *testing.T) {
			q, labels := s.build(t)
			b, err := tflite.Encode(q, tflite.WriteOptions{Description: "export quant oracle test: " + s.name, Labels: labels})
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			digest := hex.EncodeToString(sum[:])
			path := filepath.Join(exportGoldenDir, s.name+".json")
			if dir := os.Getenv("MOBILENET_QUANT_DUMP"); dir != "" { // keep the file, to run it by hand
				if err := os.WriteFile(filepath.Join(dir, s.name+".tflite"), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			m, err := LoadBytes(s.name+".tflite", b)
			if err != nil {
				t.Fatalf("this project cannot read the file it wrote: %v", err)
			}
			cases := make([]golden.Case, s.seeds)
			for k := range cases {
				cases[k] = golden.Case{Seed: uint32(1000 + k), Seeds: []uint32{uint32(1000 + k)}}
			}
			cases = append(cases, quantPhotoCases(t, m.Graph(), s.photos)...)
			if oracle != "" {
				writeExportGolden(t, oracle, path, "the 8-bit file made by "+s.what, exportSpec{name: s.name + ".tflite"}, m.Graph(), b, digest, cases)
				gf, err := golden.Load(path)
				if err != nil {
					t.Fatal(err)
				}
				gf.Generator = "MOBILENET_ORACLE=DIR go test -run TestExportQuantOracle -count=1 . (export_quant_oracle_test.go)"
				gf.SeedRule = "seeded cases: seed 1000+k (internal/lcg, the input's type); photo cases: the input bytes stored"
				if err := os.WriteFile(path, marshalGolden(t, gf), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			gf, err := golden.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(gf.Notes, "sha256 "+digest) {
				t.Fatalf("the quantized file (sha256 %s) is not the one the oracle ran (%s): regenerate the goldens (see export_quant_oracle_test.go)", digest, gf.Notes)
			}
			if len(gf.Cases) != len(cases) {
				t.Fatalf("%d golden cases, want %d", len(gf.Cases), len(cases))
			}
			worst := 0.0
			codes, tiedSkipped := 0, 0
			for k, c := range gf.Cases {
				if c.Image != cases[k].Image || (c.Image != "" && c.InputB64[0] != cases[k].InputB64[0]) {
					t.Fatalf("case %d: the golden's input (%q) is not the test's (%q)", k, c.Image, cases[k].Image)
				}
				outs, err := m.Run(caseInputs(t, m.Graph(), c)...)
				if err != nil {
					t.Fatal(err)
				}
				if len(outs) != len(c.Outputs) {
					t.Fatalf("case %d: %d outputs, the oracle %d", k, len(outs), len(c.Outputs))
				}
				for i, o := range outs {
					want := c.Outputs[i]
					switch o.DType {
					case tensor.Uint8:
						err = approx.Codes(o.U8, want.Ints, 0)
						codes += len(o.U8)
					case tensor.Int8:
						err = approx.Codes(o.I8, want.Ints, 0)
						codes += len(o.I8)
					case tensor.Float32:
						if len(outs) == 4 { // detections: all four outputs compared at once
							if i > 0 {
								break
							}
							var d float64
							var n int
							d, n, err = detectionsTied(outs, c.Outputs)
							worst = max(worst, d)
							tiedSkipped += n
							break
						}
						d, _, e := approx.MaxAbsDiff(o.F32, want.Floats)
						worst, err = max(worst, d), e
						if err == nil {
							err = approx.Within("max |project − oracle|", d, 1e-5)
						}
					default:
						err = fmt.Errorf("output type %v", o.DType)
					}
					if err != nil {
						t.Fatalf("case %d (seed %d %s) output %d: this project vs the oracle: %v", k, c.Seed, c.Image, i, err)
					}
				}
			}
			t.Logf("%d cases: this project's outputs equal the oracle's (%d 8-bit codes identical; float max difference %.3g; %d boxes of a last tie not compared)", len(gf.Cases), codes, worst, tiedSkipped)
		})
	}
}

// detectionsTied compares detections as detectionsClose does, except that detections of equal score
// (frequent when scores are 8-bit, 1/256 apart) may come in another order: within each run of equal
// scores the boxes are compared as sets (each of ours within 1e-4 of a distinct one of the oracle's).
// The last run is not compared when it fills the detections: which of the tied candidates it keeps
// depends on the order of the sort, which TFLite does not define. It returns the largest difference and
// the number of boxes not compared.
func detectionsTied(outs []*tensor.Tensor, want []golden.Output) (float64, int, error) {
	count := int(want[3].Floats[0])
	if got := int(outs[3].F32[0]); got != count || count <= 0 {
		return 0, 0, fmt.Errorf("%d detections, the oracle %d", got, count)
	}
	if err := approx.Close(outs[1].F32[:count], want[1].Floats[:count], 0, 0); err != nil {
		return 0, 0, fmt.Errorf("classes: %v", err)
	}
	worst, _, err := approx.MaxAbsDiff(outs[2].F32[:count], want[2].Floats[:count])
	if err == nil {
		err = approx.Within("max |project − oracle| of the scores", worst, 1e-4)
	}
	if err != nil {
		return 0, 0, err
	}
	skipped := 0
	box := func(b []float32, i int) []float32 { return b[4*i : 4*i+4] }
	for i := 0; i < count; {
		j := i + 1
		for j < count && want[2].Floats[j] == want[2].Floats[i] {
			j++
		}
		if j == count && j == len(want[2].Floats) && j-i > 1 {
			skipped += j - i
			break
		}
		used := make([]bool, j-i)
		for a := i; a < j; a++ {
			best, bestD := -1, math.Inf(1)
			for b := i; b < j; b++ {
				if used[b-i] {
					continue
				}
				d, _, _ := approx.MaxAbsDiff(box(outs[0].F32, a), box(want[0].Floats, b))
				if d < bestD {
					best, bestD = b, d
				}
			}
			if bestD > 1e-4 {
				return 0, 0, fmt.Errorf("detection %d (score %v): box %v is not among the oracle's boxes of that score (nearest differs by %.3g)", a, outs[2].F32[a], box(outs[0].F32, a), bestD)
			}
			used[best-i] = true
			worst = max(worst, bestD)
		}
		i = j
	}
	return worst, skipped, nil
}
