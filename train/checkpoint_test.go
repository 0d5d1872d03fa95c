package train

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/checkpoint"
	"github.com/mobilenet-go/mobilenet/formats/safetensors"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/models/ssd"
)

func testState() *State {
	return &State{Model: mobilenetv1.Config{Alpha: 0.25, Resolution: 16, Channels: 1, Classes: 5, MinDepth: 8}, Labels: []string{"a", "b", "c", "d", "e"},
		Epoch: 3, Step: 4, GlobalStep: 34, Seed: 77, Batch: 8, Optimizer: `{"Kind":"adam"}`, EpochLoss: 1.5, EpochCorrect: 9, EpochSeen: 32}
}

// checkpointNet builds the network of testState with every constant drawn at random (batch norm
// statistics included), so that a checkpoint that restores anything but the exact bits shows.
func checkpointNet(t testing.TB) *graph.Graph {
	t.Helper()
	g, err := mobilenetv1.Build(testState().Model)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(4, 99))
	for _, v := range g.Values {
		if v.Const() {
			for i := range v.Data.F32 {
				v.Data.F32[i] = float32(r.NormFloat64())
			}
		}
	}
	return g
}

// sameConstants fails t unless got's constants have the names, shapes and bits of want's.
func sameConstants(t *testing.T, got, want *graph.Graph) {
	t.Helper()
	gc := map[string]*graph.Value{}
	for _, v := range got.Values {
		if v.Const() {
			gc[v.Name] = v
		}
	}
	n := 0
	for _, w := range want.Values {
		if !w.Const() {
			continue
		}
		n++
		g := gc[w.Name]
		if g == nil || !g.Shape.Equal(w.Shape) || len(g.Data.F32) != len(w.Data.F32) {
			t.Fatalf("constant %s: got %v, want shape %v", w.Name, g, w.Shape)
		}
		for i := range w.Data.F32 {
			if a, b := math.Float32bits(g.Data.F32[i]), math.Float32bits(w.Data.F32[i]); a != b {
				t.Fatalf("%s[%d] = %#08x, want %#08x", w.Name, i, a, b)
			}
		}
	}
	if n != len(gc) {
		t.Fatalf("%d constants, want %d", len(gc), n)
	}
}

// sameState fails t unless got equals testState.
func sameState(t *testing.T, got *State) {
	t.Helper()
	w := testState()
	if got.Epoch != w.Epoch || got.Step != w.Step || got.GlobalStep != w.GlobalStep || got.Seed != w.Seed || got.Batch != w.Batch ||
		got.Model != w.Model || strings.Join(got.Labels, ",") != strings.Join(w.Labels, ",") || got.EpochLoss != w.EpochLoss ||
		got.EpochCorrect != w.EpochCorrect || got.EpochSeen != w.EpochSeen || got.Optimizer != w.Optimizer {
		t.Fatalf("state %+v, want %+v", got, w)
	}
}

// TestCheckpointRoundTrip saves a network with random weights and statistics and optimizer state,
// and reads it back: every constant, state tensor and metadata field is restored exactly, and the file
// is a mobilenet-go-checkpoint-2 of builder mobilenet_v1 whose config is the model's.
func TestCheckpointRoundTrip(t *testing.T) {
	g := checkpointNet(t)
	path := filepath.Join(t.TempDir(), "ck.safetensors")
	opt := map[string][]float32{"Conv2d_0/weights/m": {1, 2, 3}, "Conv2d_0/weights/v": {0.5}}
	if err := SaveCheckpoint(path, g, testState(), opt); err != nil {
		t.Fatal(err)
	}
	ck, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	sameConstants(t, ck.Graph, g)
	sameState(t, ck.State)
	if m := ck.Optimizer["Conv2d_0/weights/m"]; len(m) != 3 || m[2] != 3 || len(ck.Optimizer) != 2 {
		t.Fatalf("optimizer state %v", ck.Optimizer)
	}
	f, err := safetensors.ReadFile(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(testState().Model)
	if md := f.Metadata; md["format"] != checkpoint.Format || md["builder"] != "mobilenet_v1" || md["config"] != string(want) {
		t.Fatalf("metadata format %q builder %q config %q", md["format"], md["builder"], md["config"])
	}
	// The restored network folds and runs like the original.
	if _, err := graph.Compile(graph.Fold(ck.Graph), graph.Options{Batch: 1}); err != nil {
		t.Fatal(err)
	}
}

// rewrite saves testState's checkpoint, lets edit change its tensors and metadata, and writes it back.
func rewrite(t *testing.T, path string, edit func([]safetensors.Tensor, map[string]string) ([]safetensors.Tensor, map[string]string)) string {
	t.Helper()
	if err := SaveCheckpoint(path, checkpointNet(t), testState(), map[string][]float32{"x/m": {1}}); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	ts, md := edit(f.Tensors, f.Metadata)
	var b bytes.Buffer
	if err := safetensors.Write(&b, ts, md); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// setConfigField replaces one field of the checkpoint's config with raw JSON.
func setConfigField(md map[string]string, field, value string) {
	var m map[string]json.RawMessage
	json.Unmarshal([]byte(md["config"]), &m)
	m[field] = json.RawMessage(value)
	b, _ := json.Marshal(m)
	md["config"] = string(b)
}

// TestCheckpointErrors checks that checkpoints that cannot be resumed are refused with a one-line
// error that says why.
func TestCheckpointErrors(t *testing.T) {
	dir := t.TempDir()
	type edit = func([]safetensors.Tensor, map[string]string) ([]safetensors.Tensor, map[string]string)
	meta := func(key, value string) edit {
		return func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			if value == "<delete>" {
				delete(md, key)
			} else {
				md[key] = value
			}
			return ts, md
		}
	}
	cases := []struct {
		name string
		edit edit
		want string
	}{
		{"missing tensor", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			return ts[1:], md
		}, "a tensor is missing"},
		{"extra tensor", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			return append(ts, safetensors.FromFloat32("Bogus/weights", []int{1}, []float32{1})), md
		}, "not part of"},
		{"wrong shape", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			setConfigField(md, "Classes", "4")
			md["labels"] = `["a","b","c","d"]`
			return ts, md
		}, "has shape"},
		{"oversized architecture", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			setConfigField(md, "Alpha", "4")
			setConfigField(md, "Resolution", "4096")
			return ts, md
		}, "the file holds"},
		{"zero resolution", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			setConfigField(md, "Resolution", "0")
			return ts, md
		}, "Resolution is 0"},
		{"unknown config field", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			setConfigField(md, "Dropout", "0.5")
			return ts, md
		}, `unknown field "Dropout"`},
		{"other builder", meta("builder", "mobilenet_v2"), `mobilenet_v2 config: json: unknown field "FullConv"`},
		{"other format", meta("format", "mobilenet-go-checkpoint-9"), "not supported"},
		{"labels mismatch", meta("labels", `["a"]`), "1 labels for 5 classes"},
		{"no labels", meta("labels", "<delete>"), `lacks "labels"`},
		{"bad number", meta("epoch", "three"), `"epoch" = "three"`},
		{"no epoch", meta("epoch", "<delete>"), `lacks "epoch"`},
		{"negative epoch", meta("epoch", "-1"), `"epoch" = "-1"`},
		{"negative step", meta("step", "-2"), `"step" = "-2"`},
		{"negative global step", meta("global_step", "-3"), `"global_step" = "-3"`},
		{"negative seed", meta("seed", "-4"), `"seed" = "-4"`},
		{"zero batch", meta("batch", "0"), `"batch" = "0"`},
		{"fractional batch", meta("batch", "8.5"), `"batch" = "8.5"`},
		{"NaN loss", meta("epoch_loss", "NaN"), `"epoch_loss" = "NaN"`},
		{"negative loss", meta("epoch_loss", "-1"), `"epoch_loss" = "-1"`},
		{"infinite loss", meta("epoch_loss", "+Inf"), `"epoch_loss" = "+Inf"`},
		{"negative correct", meta("epoch_correct", "-5"), `"epoch_correct" = "-5"`},
		{"more correct than seen", meta("epoch_correct", "33"), `"epoch_correct" = "33": more than the 32 images seen`},
		{"negative seen", meta("epoch_seen", "-6"), `"epoch_seen" = "-6"`},
		{"optimizer not JSON", meta("optimizer", "adam"), `"optimizer" = "adam"`},
		{"long value", meta("epoch", strings.Repeat("9\n", 500)), `"epoch" = "9\n9\n`},
	}
	for _, c := range cases {
		_, err := LoadCheckpoint(rewrite(t, filepath.Join(dir, c.name), c.edit))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		} else if strings.Contains(err.Error(), "\n") || len(err.Error()) > 400 {
			t.Errorf("%s: error %q is not one short line", c.name, err)
		}
	}
	if _, err := LoadCheckpoint(filepath.Join(dir, "absent")); err == nil {
		t.Error("a missing file loaded")
	}
}

// TestCheckpointOtherBuilder checks that a checkpoint of another builder is refused for training with
// a clear error, though formats/checkpoint loads it.
func TestCheckpointOtherBuilder(t *testing.T) {
	c := ssd.Config{Alpha: 0.25, Resolution: 33, Classes: 2}
	g, err := ssd.Build(c)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ssd.safetensors")
	md := testState().metadata()
	md["labels"] = `["cat","dog"]`
	if err := checkpoint.Save(path, g, checkpoint.SSDMobileNetV1, c, md, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := checkpoint.Load(path, 0); err != nil {
		t.Fatal(err)
	}
	// A detector's checkpoint loads with its state, and resumes a detector run, not a classifier's.
	ck, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if ck.State.Builder != checkpoint.SSDMobileNetV1 || ck.State.Detector.Classes != 2 {
		t.Fatalf("state %+v, want an SSD of 2 classes", ck.State)
	}
	_, err = resumeFrom(Config{Resume: path, Seed: ck.State.Seed, Batch: ck.State.Batch}, []string{"cat", "dog"}, checkpoint.MobileNetV1)
	if err == nil || !strings.Contains(err.Error(), "is a ssd_mobilenet_v1 checkpoint; this run trains mobilenet_v1") {
		t.Fatalf("resuming a classifier from an SSD checkpoint: %v", err)
	}
}

// TestCheckpointFormatV1 writes a mobilenet-go-checkpoint-1 file by hand, with the metadata keys the
// first checkpoints had, and loads it: the same network, state and optimizer tensors.
func TestCheckpointFormatV1(t *testing.T) {
	g := checkpointNet(t)
	var ts []safetensors.Tensor
	for _, v := range g.Values {
		if v.Const() {
			ts = append(ts, safetensors.FromFloat32(v.Name, v.Shape, v.Data.F32))
		}
	}
	ts = append(ts, safetensors.FromFloat32("optimizer/Conv2d_0/weights/m", []int{2}, []float32{0.5, -1}))
	md := map[string]string{
		"format": "mobilenet-go-checkpoint-1", "architecture": "mobilenet_v1",
		"alpha": "0.25", "resolution": "16", "channels": "1", "classes": "5", "full_conv": "false", "min_depth": "8",
		"labels": `["a","b","c","d","e"]`, "epoch": "3", "step": "4", "global_step": "34", "seed": "77", "batch": "8",
		"optimizer": `{"Kind":"adam"}`, "rng": "counter-based: seed 77, epoch 3, step 4",
		"epoch_loss": "1.5", "epoch_correct": "9", "epoch_seen": "32",
	}
	write := func(md map[string]string) string {
		var b bytes.Buffer
		if err := safetensors.Write(&b, ts, md); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "v1.safetensors")
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	ck, err := LoadCheckpoint(write(md))
	if err != nil {
		t.Fatal(err)
	}
	sameConstants(t, ck.Graph, g)
	sameState(t, ck.State)
	if m := ck.Optimizer["Conv2d_0/weights/m"]; len(m) != 2 || m[1] != -1 || len(ck.Optimizer) != 1 {
		t.Fatalf("optimizer state %v", ck.Optimizer)
	}
	// Saving it again writes format 2, which loads to the same.
	path := filepath.Join(t.TempDir(), "v2.safetensors")
	if err := SaveCheckpoint(path, ck.Graph, ck.State, ck.Optimizer); err != nil {
		t.Fatal(err)
	}
	ck2, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	sameConstants(t, ck2.Graph, g)
	sameState(t, ck2.State)
	for _, c := range []struct{ key, value, want string }{
		{"architecture", "resnet50", `architecture "resnet50"`},
		{"classes", "x", `"classes" = "x"`},
		{"resolution", "0", "Resolution is 0"},
		{"epoch", "-1", `"epoch" = "-1"`},
	} {
		bad := map[string]string{}
		for k, v := range md {
			bad[k] = v
		}
		bad[c.key] = c.value
		if _, err := LoadCheckpoint(write(bad)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s = %q: error %v, want one containing %q", c.key, c.value, err, c.want)
		}
	}
}

// FuzzLoadCheckpoint feeds arbitrary files to LoadCheckpoint: it must return an error or a network,
// never panic or allocate much more than the file holds.
func FuzzLoadCheckpoint(f *testing.F) {
	g := checkpointNet(f)
	dir := f.TempDir()
	seed := filepath.Join(dir, "seed.safetensors")
	if err := SaveCheckpoint(seed, g, testState(), map[string][]float32{"x/m": {1}}); err != nil {
		f.Fatal(err)
	}
	b, _ := os.ReadFile(seed)
	f.Add(b)
	f.Add(b[:100])
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "ck.safetensors")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ck, err := LoadCheckpoint(path)
		if err == nil && (ck.Graph == nil || ck.State == nil) {
			t.Fatal("no error and no network")
		}
	})
}
