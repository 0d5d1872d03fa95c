package train

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/safetensors"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
)

func testState() *State {
	return &State{Model: mobilenetv1.Config{Alpha: 0.25, Resolution: 16, Channels: 1, Classes: 5}, Labels: []string{"a", "b", "c", "d", "e"},
		Epoch: 3, Step: 4, GlobalStep: 34, Seed: 77, Batch: 8, Optimizer: `{"Kind":"adam"}`, EpochLoss: 1.5, EpochCorrect: 9, EpochSeen: 32}
}

// TestCheckpointRoundTrip saves a network with random weights and statistics and optimizer state,
// and reads it back: every constant, state tensor and metadata field is restored exactly.
func TestCheckpointRoundTrip(t *testing.T) {
	g := tinyNet(t, 1, 5, 4)
	path := filepath.Join(t.TempDir(), "ck.safetensors")
	opt := map[string][]float32{"Conv2d_0/weights/m": {1, 2, 3}, "Conv2d_0/weights/v": {0.5}}
	if err := SaveCheckpoint(path, g, testState(), opt); err != nil {
		t.Fatal(err)
	}
	ck, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	want := weights(g)
	got := weights(ck.Graph)
	if len(got) != len(want) {
		t.Fatalf("%d constants, want %d", len(got), len(want))
	}
	for name, w := range want {
		for i := range w {
			if got[name][i] != w[i] {
				t.Fatalf("%s[%d] = %g, want %g", name, i, got[name][i], w[i])
			}
		}
	}
	s := ck.State
	if s.Epoch != 3 || s.Step != 4 || s.GlobalStep != 34 || s.Seed != 77 || s.Batch != 8 || s.Model.Alpha != 0.25 || s.Model.Classes != 5 ||
		len(s.Labels) != 5 || s.Labels[4] != "e" || s.EpochLoss != 1.5 || s.EpochCorrect != 9 || s.EpochSeen != 32 || s.Optimizer != `{"Kind":"adam"}` {
		t.Fatalf("state %+v", s)
	}
	if m := ck.Optimizer["Conv2d_0/weights/m"]; len(m) != 3 || m[2] != 3 || len(ck.Optimizer) != 2 {
		t.Fatalf("optimizer state %v", ck.Optimizer)
	}
	// The restored network folds and runs like the original.
	if _, err := graph.Compile(graph.Fold(ck.Graph), graph.Options{Batch: 1}); err != nil {
		t.Fatal(err)
	}
}

// TestCheckpointErrors checks that checkpoints that do not match their architecture are refused.
func TestCheckpointErrors(t *testing.T) {
	dir := t.TempDir()
	g := tinyNet(t, 1, 5, 4)
	write := func(name string, edit func([]safetensors.Tensor, map[string]string) ([]safetensors.Tensor, map[string]string)) string {
		var ts []safetensors.Tensor
		for _, v := range g.Values {
			if v.Const() {
				ts = append(ts, safetensors.FromFloat32(v.Name, v.Shape, v.Data.F32))
			}
		}
		ts, md := edit(ts, testState().metadata())
		path := filepath.Join(dir, name)
		f, _ := os.Create(path)
		defer f.Close()
		if err := safetensors.Write(f, ts, md); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cases := []struct {
		name string
		edit func([]safetensors.Tensor, map[string]string) ([]safetensors.Tensor, map[string]string)
		want string
	}{
		{"missing tensor", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			return ts[1:], md
		}, "missing"},
		{"extra tensor", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			return append(ts, safetensors.FromFloat32("Bogus/weights", []int{1}, []float32{1})), md
		}, "not part of"},
		{"wrong shape", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md["classes"], md["labels"] = "4", `["a","b","c","d"]`
			return ts, md
		}, "has shape"},
		{"other architecture", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md["architecture"] = "resnet50"
			return ts, md
		}, "architecture"},
		{"bad number", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md["epoch"] = "three"
			return ts, md
		}, `"epoch"`},
		{"labels mismatch", func(ts []safetensors.Tensor, md map[string]string) ([]safetensors.Tensor, map[string]string) {
			md["labels"] = `["a"]`
			return ts, md
		}, "1 labels for 5 classes"},
	}
	for _, c := range cases {
		_, err := LoadCheckpoint(write(c.name, c.edit))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	if _, err := LoadCheckpoint(filepath.Join(dir, "absent")); err == nil {
		t.Error("a missing file loaded")
	}
}

// TestModelFloats checks the weight count against the graph Build makes, for several architectures,
// and that a checkpoint claiming a larger architecture than it holds is refused before it is built.
func TestModelFloats(t *testing.T) {
	for _, c := range []mobilenetv1.Config{
		{Alpha: 0.25, Resolution: 16, Channels: 1, Classes: 5},
		{Alpha: 1, Resolution: 32, Channels: 3, Classes: 1001},
		{Alpha: 0.5, Resolution: 32, Channels: 1, Classes: 10, FullConv: true, MinDepth: 16},
	} {
		g, err := mobilenetv1.Build(c)
		if err != nil {
			t.Fatal(err)
		}
		var want int64
		for _, v := range g.Values {
			if v.Const() {
				want += int64(len(v.Data.F32))
			}
		}
		if got, _ := modelFloats(c); got != want {
			t.Fatalf("%+v: %d weights, Build makes %d", c, got, want)
		}
	}
	g := tinyNet(t, 1, 5, 4)
	path := filepath.Join(t.TempDir(), "big.safetensors")
	s := testState()
	if err := SaveCheckpoint(path, g, s, nil); err != nil {
		t.Fatal(err)
	}
	f, _ := safetensors.ReadFile(path, 0)
	f.Metadata["alpha"], f.Metadata["resolution"], f.Metadata["classes"] = "4", "4096", "5"
	out, _ := os.Create(path)
	safetensors.Write(out, f.Tensors, f.Metadata)
	out.Close()
	if _, err := LoadCheckpoint(path); err == nil || !strings.Contains(err.Error(), "the file holds") {
		t.Fatalf("an oversized architecture: %v", err)
	}
}

// FuzzLoadCheckpoint feeds arbitrary files to LoadCheckpoint: it must return an error or a network,
// never panic or allocate much more than the file holds.
func FuzzLoadCheckpoint(f *testing.F) {
	g, _ := mobilenetv1.Build(mobilenetv1.Config{Alpha: 0.25, Resolution: 16, Channels: 1, Classes: 5, Seed: 1})
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
		if err == nil && ck.Graph == nil {
			t.Fatal("no error and no network")
		}
	})
}
