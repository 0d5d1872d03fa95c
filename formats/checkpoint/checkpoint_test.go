package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/safetensors"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/models/ssd"
	"github.com/mobilenet-go/mobilenet/tensor"
)

var (
	tinyV1  = mobilenetv1.Config{Alpha: 0.25, Resolution: 16, Channels: 1, Classes: 5, Seed: 3}
	tinySSD = ssd.Config{Alpha: 0.25, Resolution: 33, Classes: 2, Seed: 4}
)

// scramble fills every constant of g with random finite bit patterns, the largest floats, −0 and
// subnormals among them, so that a round trip through anything but the exact bits shows. (NaN and
// infinities are refused: see TestHostile.)
func scramble(g *graph.Graph, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 1))
	special := []uint32{0x7f7fffff, 0xff7fffff, 0x80000000, 0x00000001, 0x807fffff}
	for _, v := range g.Values {
		if !v.Const() {
			continue
		}
		for i := range v.Data.F32 {
			b := r.Uint32()
			if b&0x7f800000 == 0x7f800000 { // NaN or infinite: lower the exponent
				b &^= 0x00800000
			}
			if i < len(special) {
				b = special[i]
			}
			v.Data.F32[i] = math.Float32frombits(b)
		}
	}
}

func build(t testing.TB, builder string, config any) *graph.Graph {
	t.Helper()
	var g *graph.Graph
	var err error
	switch c := config.(type) {
	case mobilenetv1.Config:
		g, err = mobilenetv1.Build(c)
	case ssd.Config:
		g, err = ssd.Build(c)
	default:
		t.Fatalf("no builder for %T", config)
	}
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// encodeBytes returns the checkpoint Write makes.
func encodeBytes(t testing.TB, g *graph.Graph, builder string, config any, meta map[string]string, extra []safetensors.Tensor) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, g, builder, config, meta, extra); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sameBits fails t unless every constant of got has the name, shape and bits of want's.
func sameBits(t *testing.T, got, want *graph.Graph) {
	t.Helper()
	var gc, wc []*graph.Value
	for _, v := range got.Values {
		if v.Const() {
			gc = append(gc, v)
		}
	}
	for _, v := range want.Values {
		if v.Const() {
			wc = append(wc, v)
		}
	}
	if len(gc) != len(wc) {
		t.Fatalf("%d constants, want %d", len(gc), len(wc))
	}
	for i, w := range wc {
		g := gc[i]
		if g.Name != w.Name || !g.Shape.Equal(w.Shape) || len(g.Data.F32) != len(w.Data.F32) {
			t.Fatalf("constant %d: %s %v, want %s %v", i, g.Name, g.Shape, w.Name, w.Shape)
		}
		for k := range w.Data.F32 {
			if a, b := math.Float32bits(g.Data.F32[k]), math.Float32bits(w.Data.F32[k]); a != b {
				t.Fatalf("%s[%d] = %#08x, want %#08x", w.Name, k, a, b)
			}
		}
	}
}

// TestRoundTrip saves each builder's network with scrambled constants, labels, metadata and extra
// tensors, and loads it back: every constant's bits, the configuration, labels, metadata and extra
// tensors come back, and the network compiles.
func TestRoundTrip(t *testing.T) {
	for _, c := range []struct {
		builder string
		config  any
		classes int
	}{
		{MobileNetV1, tinyV1, 5},
		{MobileNetV1, mobilenetv1.Config{Alpha: 0.5, Resolution: 32, Channels: 3, Classes: 3, FullConv: true, MinDepth: 16}, 3},
		{SSDMobileNetV1, tinySSD, 2},
	} {
		t.Run(c.builder, func(t *testing.T) {
			g := build(t, c.builder, c.config)
			scramble(g, 9)
			var labels []string
			for i := range c.classes {
				labels = append(labels, "class "+strconv.Itoa(i))
			}
			lj, _ := json.Marshal(labels)
			meta := map[string]string{"labels": string(lj), "note": "x"}
			extra := []safetensors.Tensor{safetensors.FromFloat32("optimizer/a/m", []int{2}, []float32{1, 2})}
			path := filepath.Join(t.TempDir(), "ck.safetensors")
			if err := Save(path, g, c.builder, c.config, meta, extra); err != nil {
				t.Fatal(err)
			}
			f, err := Load(path, MaxBytes, OptimizerPrefix)
			if err != nil {
				t.Fatal(err)
			}
			sameBits(t, f.Graph, g)
			if f.Format != Format || f.Builder != c.builder || f.Metadata["note"] != "x" || f.Metadata[KeyFormat] != Format {
				t.Fatalf("format %q builder %q metadata %v", f.Format, f.Builder, f.Metadata)
			}
			if len(f.Labels) != c.classes || f.Labels[c.classes-1] != labels[c.classes-1] {
				t.Fatalf("labels %q", f.Labels)
			}
			if len(f.Extra) != 1 || f.Extra[0].Name != "optimizer/a/m" {
				t.Fatalf("extra %+v", f.Extra)
			}
			if v, err := f.Extra[0].Float32(); err != nil || len(v) != 2 || v[1] != 2 {
				t.Fatalf("extra values %v, %v", v, err)
			}
			b, _ := lookup(c.builder)
			want, _, _ := b.canonical(c.config)
			if string(f.Config) != string(want) {
				t.Fatalf("config %s, want %s", f.Config, want)
			}
			// A second save of the loaded network writes the same bytes.
			b1, _ := os.ReadFile(path)
			b2 := encodeBytes(t, f.Graph, f.Builder, f.Config, meta, f.Extra)
			if !bytes.Equal(b1, b2) {
				t.Fatal("saving the loaded checkpoint changes its bytes")
			}
			// Without the prefix, the optimizer tensor is refused.
			if _, err := Load(path, 0); err == nil || !strings.Contains(err.Error(), "not part of") {
				t.Fatalf("an unknown tensor: %v", err)
			}
			for _, v := range f.Graph.Values {
				if v.Const() {
					for i := range v.Data.F32 {
						v.Data.F32[i] = 0.01
					}
				}
			}
			if _, err := graph.Compile(graph.Fold(f.Graph), graph.Options{Batch: 1}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestSaveRecordsDefaults checks that the configuration recorded has every default explicit.
func TestSaveRecordsDefaults(t *testing.T) {
	v1 := mobilenetv1.Config{Alpha: 0.25, Resolution: 16, Channels: 1, Classes: 3}
	f, err := Read(encodeBytes(t, build(t, MobileNetV1, v1), MobileNetV1, v1, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	var c mobilenetv1.Config
	if err := json.Unmarshal(f.Config, &c); err != nil || c.MinDepth != 8 || c.Classes != 3 {
		t.Fatalf("config %s: %v", f.Config, err)
	}
	s := ssd.Config{Resolution: 33, Classes: 2, Alpha: 0.25}
	f, err = Read(encodeBytes(t, build(t, SSDMobileNetV1, s), SSDMobileNetV1, &s, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	var sc ssd.Config
	if err := json.Unmarshal(f.Config, &sc); err != nil || sc.PostProcess.NumClasses != 2 || sc.PostProcess.MaxDetections == 0 || sc.PostProcess.Validate() != nil {
		t.Fatalf("config %s: %v", f.Config, err)
	}
	if f.Labels != nil {
		t.Fatalf("labels %q from a file without", f.Labels)
	}
}

// TestFloats checks the float count of each builder against the constants its Build allocates.
func TestFloats(t *testing.T) {
	count := func(g *graph.Graph) (n int64) {
		for _, v := range g.Values {
			if v.Const() {
				n += int64(len(v.Data.F32))
			}
		}
		return n
	}
	for _, c := range []any{
		tinyV1,
		mobilenetv1.Config{Alpha: 1, Resolution: 32, Channels: 3, Classes: 1001},
		mobilenetv1.Config{Alpha: 0.5, Resolution: 32, Channels: 1, Classes: 10, FullConv: true, MinDepth: 16},
		mobilenetv1.Config{Alpha: 0.1, Resolution: 17, Channels: 2, Classes: 1, MinDepth: 3},
		tinySSD,
		ssd.Config{Alpha: 1, Resolution: 300, Classes: 90},
		ssd.Config{Alpha: 0.75, Resolution: 97, Classes: 7},
		ssd.Config{Alpha: 0.3, Resolution: 64, Classes: 1},
	} {
		builder := MobileNetV1
		if _, ok := c.(ssd.Config); ok {
			builder = SSDMobileNetV1
		}
		b, _ := lookup(builder)
		raw, ref, err := b.canonical(c)
		if err != nil {
			t.Fatal(err)
		}
		p, err := b.plan(raw)
		if err != nil {
			t.Fatal(err)
		}
		if want := count(ref); p.floats != want {
			t.Errorf("%s %s: %d floats, Build makes %d", builder, raw, p.floats, want)
		}
	}
}

// hostile returns a valid tiny checkpoint's tensors and metadata, for the tests to spoil.
func hostile(t *testing.T) ([]safetensors.Tensor, map[string]string) {
	t.Helper()
	g := build(t, MobileNetV1, tinyV1)
	f, err := safetensors.Read(encodeBytes(t, g, MobileNetV1, tinyV1, map[string]string{"labels": `["a","b","c","d","e"]`}, nil))
	if err != nil {
		t.Fatal(err)
	}
	return f.Tensors, f.Metadata
}

func file(t *testing.T, ts []safetensors.Tensor, md map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := safetensors.Write(&b, ts, md); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// setConfig replaces one field of the recorded configuration with raw JSON.
func setConfig(md map[string]string, field, value string) {
	var m map[string]json.RawMessage
	json.Unmarshal([]byte(md[KeyConfig]), &m)
	m[field] = json.RawMessage(value)
	b, _ := json.Marshal(m)
	md[KeyConfig] = string(b)
}

// TestHostile checks that files that cannot be rebuilt are refused with a one-line error.
func TestHostile(t *testing.T) {
	type edit func([]safetensors.Tensor, map[string]string) ([]safetensors.Tensor, map[string]string)
	cases := []struct {
		name string
		edit edit
		want string
	}{
		{"wrong format", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md[KeyFormat] = "mobilenet-go-checkpoint-3"
			return ts, md
		}, `format "mobilenet-go-checkpoint-3" is not supported`},
		{"no format", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			delete(md, KeyFormat)
			return ts, md
		}, `lacks "format"`},
		{"no metadata", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			return ts, nil
		}, "no metadata"},
		{"no builder", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			delete(md, KeyBuilder)
			return ts, md
		}, `lacks "builder"`},
		{"no config", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			delete(md, KeyConfig)
			return ts, md
		}, `lacks "config"`},
		{"unknown builder", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md[KeyBuilder] = "resnet50"
			return ts, md
		}, `unknown builder "resnet50"`},
		{"mobilenet_v2", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md[KeyBuilder] = MobileNetV2
			return ts, md
		}, `mobilenet_v2 config: json: unknown field "FullConv"`},
		{"mobilenet_v3_small", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md[KeyBuilder] = MobileNetV3Small
			return ts, md
		}, `mobilenet_v3_small config: json: unknown field "FullConv"`},
		{"ssd config for v1", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md[KeyBuilder] = SSDMobileNetV1
			return ts, md
		}, `unknown field "Channels"`},
		{"unknown field", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			setConfig(md, "Depth", "3")
			return ts, md
		}, `unknown field "Depth"`},
		{"config not JSON", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md[KeyConfig] = `{"Alpha":`
			return ts, md
		}, "mobilenet_v1 config"},
		{"config trailing data", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md[KeyConfig] += ` {}`
			return ts, md
		}, "data after the JSON value"},
		{"config null", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md[KeyConfig] = `null`
			return ts, md
		}, "Alpha is 0"},
		{"zero resolution", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			setConfig(md, "Resolution", "0")
			return ts, md
		}, "Resolution is 0"},
		{"negative resolution", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			setConfig(md, "Resolution", "-16")
			return ts, md
		}, "resolution -16 out of range"},
		{"fractional resolution", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			setConfig(md, "Resolution", "16.5")
			return ts, md
		}, "mobilenet_v1 config"},
		{"zero min depth", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			setConfig(md, "MinDepth", "0")
			return ts, md
		}, "MinDepth is 0"},
		{"negative min depth", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			setConfig(md, "MinDepth", "-8")
			return ts, md
		}, "MinDepth -8 out of range"},
		{"huge min depth", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			setConfig(md, "MinDepth", "2000000000")
			return ts, md
		}, "MinDepth 2000000000 out of range"},
		{"huge classes", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			setConfig(md, "Classes", "100000")
			setConfig(md, "Alpha", "4")
			return ts, md
		}, "the file holds"},
		{"too many classes", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			setConfig(md, "Classes", "100000000000")
			return ts, md
		}, "classes 100000000000 out of range"},
		{"NaN alpha", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			setConfig(md, "Alpha", `"NaN"`)
			return ts, md
		}, "mobilenet_v1 config"},
		{"wrong shape", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			setConfig(md, "Classes", "4")
			md[KeyLabels] = `["a","b","c","d"]`
			return ts, md
		}, `tensor "Logits/Conv2d_1c_1x1/weights" has shape [5 1 1 256], mobilenet_v1_0.25_16 wants [4 1 1 256]`},
		{"missing tensor", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			return append(ts[:1], ts[2:]...), md
		}, "the file holds 219677 floats, mobilenet_v1 with this configuration needs 219685: a tensor is missing"},
		{"missing tensor, another added", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			ts[1].Name = "Bogus/weights"
			return ts, md
		}, `tensor "Bogus/weights" is not part of`},
		{"unknown tensor", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			return append(ts, safetensors.FromFloat32("Bogus/weights", []int{1}, []float32{1})), md
		}, "not part of"},
		{"not float32", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			ts[0].DType = "I32"
			return ts, md
		}, "is I32, want F32"},
		{"NaN weight", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			binary.LittleEndian.PutUint32(ts[1].Data[4:], math.Float32bits(float32(math.NaN())))
			return ts, md
		}, "holds NaN at index 1: the weights are not finite"},
		{"infinite weight", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			binary.LittleEndian.PutUint32(ts[0].Data, math.Float32bits(float32(math.Inf(-1))))
			return ts, md
		}, "holds -Inf at index 0"},
		{"labels mismatch", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md[KeyLabels] = `["a"]`
			return ts, md
		}, "1 labels for 5 classes"},
		{"labels not JSON", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md[KeyLabels] = `a, b`
			return ts, md
		}, "not a JSON list of strings"},
		{"long builder name", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md[KeyBuilder] = strings.Repeat("x\n", 1000)
			return ts, md
		}, `unknown builder "x\nx\n`},
		{"ssd zero post-process", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md[KeyBuilder] = SSDMobileNetV1
			md[KeyConfig] = `{"Alpha":1,"Resolution":300,"Classes":90,"Seed":0,"PostProcess":{}}`
			return ts, md
		}, "PostProcess is 0"},
		{"ssd post-process classes", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md[KeyBuilder] = SSDMobileNetV1
			md[KeyConfig] = `{"Alpha":1,"Resolution":300,"Classes":90,"PostProcess":{"MaxDetections":10,"MaxClassesPerDetection":1,"NumClasses":91,"ScoreThreshold":0.1,"IoUThreshold":0.5,"YScale":10,"XScale":10,"HScale":5,"WScale":5}}`
			return ts, md
		}, "NumClasses 91 differs from Classes 90"},
		{"ssd too large for the file", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md[KeyBuilder] = SSDMobileNetV1
			md[KeyConfig] = `{"Alpha":4,"Resolution":4096,"Classes":10000,"PostProcess":{"MaxDetections":10,"MaxClassesPerDetection":1,"NumClasses":10000,"ScoreThreshold":0.1,"IoUThreshold":0.5,"YScale":10,"XScale":10,"HScale":5,"WScale":5}}`
			return ts, md
		}, "the file holds"},
	}
	for _, c := range cases {
		ts, md := hostile(t)
		ts, md = c.edit(ts, md)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f, err := Read(file(t, ts, md))
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
			continue
		}
		if f != nil || strings.Contains(err.Error(), "\n") || len(err.Error()) > 300 {
			t.Errorf("%s: file %v, error %q: want no file and a short one-line error", c.name, f, err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
			t.Errorf("%s: refusing the file allocated %d bytes", c.name, grew)
		}
	}
}

// TestTruncated cuts a real checkpoint at many points: each is refused, never a panic.
func TestTruncated(t *testing.T) {
	b := encodeBytes(t, build(t, MobileNetV1, tinyV1), MobileNetV1, tinyV1, nil, nil)
	for _, n := range []int{0, 1, 7, 8, 9, 100, len(b) / 2, len(b) - 4, len(b) - 1} {
		if _, err := Read(b[:n]); err == nil {
			t.Errorf("%d of %d bytes loaded", n, len(b))
		}
	}
	path := filepath.Join(t.TempDir(), "cut.safetensors")
	os.WriteFile(path, b[:len(b)-1], 0o644)
	if _, err := Load(path, 0); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("a truncated file: %v", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "absent.safetensors"), 0); err == nil {
		t.Error("a missing file loaded")
	}
	os.WriteFile(path, b, 0o644)
	if _, err := Load(path, int64(len(b)-1)); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("a file over the limit: %v", err)
	}
}

// writeV1 writes a mobilenet-go-checkpoint-1 file by hand, with the metadata keys the training code
// wrote before format 2 (training state included), and returns its bytes.
func writeV1(t testing.TB, g *graph.Graph, c mobilenetv1.Config, edit func(map[string]string)) []byte {
	t.Helper()
	var ts []safetensors.Tensor
	for _, v := range g.Values {
		if v.Const() {
			ts = append(ts, safetensors.FromFloat32(v.Name, v.Shape, v.Data.F32))
		}
	}
	ts = append(ts, safetensors.FromFloat32("optimizer/Conv2d_0/weights/m", []int{1}, []float32{0.5}))
	md := map[string]string{
		"format": "mobilenet-go-checkpoint-1", "architecture": "mobilenet_v1",
		"alpha": strconv.FormatFloat(c.Alpha, 'g', -1, 64), "resolution": strconv.Itoa(c.Resolution),
		"channels": strconv.Itoa(c.Channels), "classes": strconv.Itoa(c.Classes),
		"full_conv": strconv.FormatBool(c.FullConv), "min_depth": strconv.Itoa(c.MinDepth),
		"labels": `["a","b","c","d","e"]`, "epoch": "3", "step": "4", "global_step": "34", "seed": "77", "batch": "8",
		"optimizer": `{"Kind":"adam"}`, "rng": "counter-based: seed 77, epoch 3, step 4",
		"epoch_loss": "1.5", "epoch_correct": "9", "epoch_seen": "32",
	}
	if edit != nil {
		edit(md)
	}
	var b bytes.Buffer
	if err := safetensors.Write(&b, ts, md); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestFormatV1 loads a hand-written mobilenet-go-checkpoint-1 file as builder mobilenet_v1, bit for
// bit, and refuses broken ones.
func TestFormatV1(t *testing.T) {
	c := mobilenetv1.Config{Alpha: 0.25, Resolution: 16, Channels: 1, Classes: 5, MinDepth: 8}
	g := build(t, MobileNetV1, c)
	scramble(g, 5)
	f, err := Read(writeV1(t, g, c, nil), OptimizerPrefix)
	if err != nil {
		t.Fatal(err)
	}
	sameBits(t, f.Graph, g)
	want, _ := json.Marshal(c)
	if f.Format != FormatV1 || f.Builder != MobileNetV1 || string(f.Config) != string(want) || len(f.Labels) != 5 || len(f.Extra) != 1 || f.Metadata["epoch"] != "3" {
		t.Fatalf("format %q builder %q config %s labels %q extra %d", f.Format, f.Builder, f.Config, f.Labels, len(f.Extra))
	}
	for _, bad := range []struct {
		key, value, want string
	}{
		{"architecture", "resnet50", `architecture "resnet50"`},
		{"alpha", "NaN", `"alpha" = "NaN": not a finite number`},
		{"resolution", "0", "Resolution is 0"},
		{"resolution", "-3", "resolution -3 out of range"},
		{"resolution", "big", `"resolution" = "big"`},
		{"full_conv", "maybe", `"full_conv" = "maybe"`},
		{"classes", "99999", "the file holds"},
		{"min_depth", "", `"min_depth" = ""`},
		{"labels", `["a"]`, "1 labels for 5 classes"},
	} {
		_, err := Read(writeV1(t, g, c, func(md map[string]string) { md[bad.key] = bad.value }), OptimizerPrefix)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s = %q: error %v, want one containing %q", bad.key, bad.value, err, bad.want)
		}
	}
	_, err = Read(writeV1(t, g, c, func(md map[string]string) { delete(md, "channels") }), OptimizerPrefix)
	if err == nil || !strings.Contains(err.Error(), `lacks "channels"`) {
		t.Errorf("no channels: %v", err)
	}
}

// TestSaveErrors checks that Save refuses what it could not load back, and leaves no file behind.
func TestSaveErrors(t *testing.T) {
	g := build(t, MobileNetV1, tinyV1)
	s := build(t, SSDMobileNetV1, tinySSD)
	dir := t.TempDir()
	cases := []struct {
		name    string
		g       *graph.Graph
		builder string
		config  any
		meta    map[string]string
		extra   []safetensors.Tensor
		want    string
	}{
		{"no graph", nil, MobileNetV1, tinyV1, nil, nil, "no graph"},
		{"unknown builder", g, "resnet50", tinyV1, nil, nil, "unknown builder"},
		{"config of V1 for V3", g, MobileNetV3Large, tinyV1, nil, nil, `mobilenet_v3_large config mobilenetv1.Config: json: unknown field "FullConv"`},
		{"config of another builder", g, MobileNetV1, tinySSD, nil, nil, `unknown field "PostProcess"`},
		{"config not JSON", g, MobileNetV1, func() {}, nil, nil, "mobilenet_v1 config"},
		{"config out of range", g, MobileNetV1, mobilenetv1.Config{Resolution: -1}, nil, nil, "resolution -1"},
		{"graph of another config", g, MobileNetV1, mobilenetv1.Config{Alpha: 0.25, Resolution: 16, Channels: 1, Classes: 6}, nil, nil, "has shape"},
		{"graph of another builder", s, MobileNetV1, tinyV1, nil, nil, "has shape [16 3 3 3], mobilenet_v1 with this configuration makes [8 3 3 1]"},
		{"graph of another builder's config", g, SSDMobileNetV1, tinySSD, nil, nil, "has shape"},
		{"reserved key", g, MobileNetV1, tinyV1, map[string]string{"builder": "x"}, nil, `key "builder" is reserved`},
		{"bad labels", g, MobileNetV1, tinyV1, map[string]string{"labels": `["a"]`}, nil, "1 labels for 5 classes"},
		{"extra named as a constant", g, MobileNetV1, tinyV1, nil, []safetensors.Tensor{safetensors.FromFloat32("Conv2d_0/weights", []int{1}, []float32{1})}, "repeated"},
	}
	for _, c := range cases {
		path := filepath.Join(dir, c.name+".safetensors")
		err := Save(path, c.g, c.builder, c.config, c.meta, c.extra)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("failed saves left %d files", len(left))
	}
	// A graph with a missing constant: the SSD graph without its anchors.
	s2 := build(t, SSDMobileNetV1, tinySSD)
	for _, v := range s2.Values {
		if v.Name == "anchors" {
			v.Data = nil
		}
	}
	if err := Write(&bytes.Buffer{}, s2, SSDMobileNetV1, tinySSD, nil, nil); err == nil || !strings.Contains(err.Error(), `lacks constant "anchors"`) {
		t.Errorf("a graph without anchors: %v", err)
	}
	// A graph whose weights diverged: nothing is written, an existing file is left as it was.
	g4 := build(t, MobileNetV1, tinyV1)
	path := filepath.Join(dir, "good.safetensors")
	if err := Save(path, g4, MobileNetV1, tinyV1, nil, nil); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	for _, v := range g4.Values {
		if v.Const() {
			v.Data.F32[len(v.Data.F32)-1] = float32(math.Inf(1))
		}
	}
	if err := Save(path, g4, MobileNetV1, tinyV1, nil, nil); err == nil || !strings.Contains(err.Error(), "not finite") {
		t.Errorf("a graph with infinite weights: %v", err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, good) {
		t.Error("a refused save changed the file")
	}
	// A graph with a constant the builder does not make.
	g3 := build(t, MobileNetV1, tinyV1)
	one, _ := tensor.FromFloat32(tensor.Shape{1}, []float32{1})
	g3.AddConst("Bogus/weights", one)
	if err := Write(&bytes.Buffer{}, g3, MobileNetV1, tinyV1, nil, nil); err == nil || !strings.Contains(err.Error(), `constant "Bogus/weights" is not part of mobilenet_v1`) {
		t.Errorf("a graph with an extra constant: %v", err)
	}
}

// TestBuilders lists the builders this version rebuilds.
func TestBuilders(t *testing.T) {
	if got := Builders(); strings.Join(got, " ") != "mobilenet_v1 mobilenet_v2 mobilenet_v3_large mobilenet_v3_small ssd_mobilenet_v1" {
		t.Fatalf("Builders() = %v", got)
	}
}
