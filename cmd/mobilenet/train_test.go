package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/internal/synthdet"
	"github.com/mobilenet-go/mobilenet/train"
	"github.com/mobilenet-go/mobilenet/train/data"
)

// TestMain lets the tests run this command line as a separate process (for the kill test): with
// MOBILENET_RUN_CLI set, the test binary is the mobilenet command.
func TestMain(m *testing.M) {
	if os.Getenv("MOBILENET_RUN_CLI") != "" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// writeIDX writes an IDX file: images (rank 3) or labels (rank 1), gzipped.
func writeIDX(t *testing.T, path string, dims []uint32, data []byte) {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(data)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	z := gzip.NewWriter(f)
	z.Write(b.Bytes())
	z.Close()
	f.Close()
}

func writePNG(t *testing.T, path string, v uint8) {
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = v + uint8(i)
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTrainBadData: broken datasets give a clear one-line error, exit 1, and never touch an existing
// checkpoint.
func TestTrainBadData(t *testing.T) {
	dir := t.TempDir()
	mk := func(parts ...string) string {
		p := filepath.Join(append([]string{dir}, parts...)...)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := mk("empty")
	one := mk("one", "cat")
	writePNG(t, filepath.Join(one, "a.png"), 10)
	broken := mk("broken", "cat")
	mk("broken", "dog")
	writePNG(t, filepath.Join(broken, "a.png"), 10)
	writePNG(t, filepath.Join(dir, "broken", "dog", "b.png"), 90)
	os.WriteFile(filepath.Join(dir, "broken", "dog", "c.png"), []byte("not a png"), 0o644)
	// IDX whose header claims 100 images of 28×28 but holds 3.
	short := mk("short")
	writeIDX(t, filepath.Join(short, "train-images-idx3-ubyte.gz"), []uint32{100, 28, 28}, make([]byte, 3*28*28))
	writeIDX(t, filepath.Join(short, "train-labels-idx1-ubyte.gz"), []uint32{100}, make([]byte, 100))
	// Labels out of range of the names given.
	oor := mk("oor")
	writeIDX(t, filepath.Join(oor, "train-images-idx3-ubyte.gz"), []uint32{4, 28, 28}, make([]byte, 4*28*28))
	writeIDX(t, filepath.Join(oor, "train-labels-idx1-ubyte.gz"), []uint32{4}, []byte{0, 1, 7, 1})
	os.WriteFile(filepath.Join(oor, "labels.txt"), []byte("zero\none\n"), 0o644)

	ckpt := filepath.Join(dir, "existing.safetensors")
	os.WriteFile(ckpt, []byte("precious"), 0o644)
	for _, c := range []struct {
		data, want string
	}{
		{empty, "empty"},
		{one, "class"},
		{filepath.Join(dir, "broken"), "c.png"},
		{short, "train-images-idx3-ubyte.gz"},
		{oor, "label"},
		{filepath.Join(dir, "missing"), "missing"},
	} {
		out := filepath.Join(dir, "new.safetensors")
		code, _, errs := cli("train", "--data", c.data, "--out", out, "--epochs", "1", "--alpha", "0.25", "--resolution", "16")
		if code != 1 || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("--data %s: exit %d, stderr %q; want exit 1 mentioning %q", c.data, code, errs, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("--data %s: a failed run wrote %s", c.data, out)
		}
		code, _, _ = cli("train", "--data", c.data, "--out", ckpt, "--resume", "--epochs", "1")
		if b, _ := os.ReadFile(ckpt); string(b) != "precious" || code == 0 {
			t.Fatalf("--data %s --resume: exit %d, the existing checkpoint now holds %q", c.data, code, b)
		}
	}
	// A new run never overwrites an existing checkpoint.
	code, _, errs := cli("train", "--data", filepath.Join(dir, "broken"), "--out", ckpt)
	if code != 1 || !strings.Contains(errs, "exists") {
		t.Errorf("overwrite: exit %d %q", code, errs)
	}
	for _, args := range [][]string{{"train"}, {"train", "--data", dir}, {"train", "--data", dir, "--out", "x", "--optimizer", "lion"}, {"train", "--data", dir, "--out", "x", "--epochs", "0"}} {
		if code, _, _ := cli(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestTrainKillResume: a run killed with SIGKILL and resumed from its last checkpoint reaches the same
// weights, bit for bit, as a run never interrupted (one thread, the same seed, with augmentation).
func TestTrainKillResume(t *testing.T) {
	data := shared.Path(t, "datasets/fashion-mnist")
	killResume(t, func(out string) []string {
		return []string{"train", "--data", data, "--alpha", "0.25", "--resolution", "16", "--limit", "640", "--batch", "32",
			"--epochs", "3", "--augment", "--threads", "1", "--seed", "5", "--checkpoint-every", "3", "--json", "--out", out}
	})
}

// TestDetectorKillResume is TestTrainKillResume for detection training (SSD from scratch at 64×64 on
// shapes drawn onto noise, with augmentation).
func TestDetectorKillResume(t *testing.T) {
	csv, err := synthdet.Write(t.TempDir(), synthdet.Options{Images: 24, Size: 64, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	killResume(t, func(out string) []string {
		return []string{"train", "--task", "detection", "--data", csv, "--from", "none", "--alpha", "0.25", "--resolution", "64",
			"--batch", "4", "--epochs", "3", "--threads", "1", "--seed", "5", "--checkpoint-every", "2", "--json", "--out", out}
	})
}

// killResume runs the training command of args twice, once whole and once killed with SIGKILL after its
// second mid-run checkpoint then resumed, and requires bit-identical weights.
func killResume(t *testing.T, args func(out string) []string) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.safetensors")
	if code, _, errs := cli(args(whole)...); code != 0 {
		t.Fatalf("uninterrupted run: %s", errs)
	}
	killed := filepath.Join(dir, "killed.safetensors")
	cmd := exec.Command(os.Args[0], args(killed)...)
	cmd.Env = append(os.Environ(), "MOBILENET_RUN_CLI=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once a mid-run checkpoint exists (but before it is done).
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if ck, err := train.LoadCheckpoint(killed); err == nil && ck.State.GlobalStep >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint appeared")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	ck, err := train.LoadCheckpoint(killed)
	if err != nil {
		t.Fatalf("after SIGKILL: %v", err)
	}
	if ck.State.Epoch >= 3 {
		t.Skipf("the run finished before it was killed (epoch %d)", ck.State.Epoch)
	}
	t.Logf("killed at epoch %d step %d (global step %d)", ck.State.Epoch, ck.State.Step, ck.State.GlobalStep)
	if code, _, errs := cli(append(args(killed), "--resume")...); code != 0 {
		t.Fatalf("resume: %s", errs)
	}
	a, err := train.LoadCheckpoint(whole)
	if err != nil {
		t.Fatal(err)
	}
	b, err := train.LoadCheckpoint(killed)
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for i, v := range a.Graph.Values {
		if v.Data == nil {
			continue
		}
		w := b.Graph.Values[i].Data
		for j, x := range v.Data.F32 {
			if x != w.F32[j] {
				t.Fatalf("%s[%d]: uninterrupted %g, killed and resumed %g", v.Name, j, x, w.F32[j])
			}
		}
		compared++
	}
	t.Logf("%d weight tensors identical", compared)
}

// TestTrainCurvesFailure: when the curves cannot be written (a directory stands where the PNG goes), the
// command says so and exits 1, after writing the checkpoint.
func TestTrainCurvesFailure(t *testing.T) {
	dir := t.TempDir()
	for _, class := range []string{"cat", "dog"} {
		if err := os.MkdirAll(filepath.Join(dir, "data", class), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			writePNG(t, filepath.Join(dir, "data", class, fmt.Sprintf("%d.png", i)), uint8(40*i))
		}
	}
	out := filepath.Join(dir, "run.safetensors")
	if err := os.Mkdir(filepath.Join(dir, "run.curves.png"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, errs := cli("train", "--data", filepath.Join(dir, "data"), "--out", out, "--epochs", "1", "--alpha", "0.25",
		"--resolution", "16", "--batch", "4", "--threads", "1")
	if code != 1 || !strings.Contains(errs, "curves") {
		t.Errorf("exit %d, stderr %q; want exit 1 naming the curves", code, errs)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("the checkpoint: %v", err)
	}
}

// writeTinyIDX writes a small IDX data set of 28×28 noise with labels 0..3, train and t10k files, and
// returns its directory.
func writeTinyIDX(t *testing.T, trainN, testN int) string {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, part := range []struct {
		prefix string
		n      int
	}{{"train", trainN}, {"t10k", testN}} {
		px, labels := make([]byte, part.n*28*28), make([]byte, part.n)
		for i := range px {
			px[i] = byte(rng.IntN(256))
		}
		for i := range labels {
			labels[i] = byte(i % 4)
		}
		writeIDX(t, filepath.Join(dir, part.prefix+"-images-idx3-ubyte.gz"), []uint32{uint32(part.n), 28, 28}, px)
		writeIDX(t, filepath.Join(dir, part.prefix+"-labels-idx1-ubyte.gz"), []uint32{uint32(part.n)}, labels)
	}
	return dir
}

// TestTrainPipedOutput: training whose output is not a terminal prints no progress bar and no blank
// lines, one line per epoch with the learning rate's range over it, validates on a held-out part of
// the training set, and reports the test set once at the end (a last JSON line with --json).
func TestTrainPipedOutput(t *testing.T) {
	dir := writeTinyIDX(t, 80, 24)
	args := []string{"train", "--data", dir, "--alpha", "0.25", "--resolution", "16", "--epochs", "2", "--batch", "8", "--threads", "1"}
	code, out, errs := cli(append(args, "--out", filepath.Join(t.TempDir(), "m.safetensors"))...)
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 4 || strings.ContainsAny(out, "\r") {
		t.Fatalf("want 2 epoch lines, the test set and the checkpoint, got %q", out)
	}
	for i, want := range []string{"epoch 1: ", "epoch 2: ", "test set: loss ", "wrote "} {
		if !strings.HasPrefix(lines[i], want) {
			t.Errorf("line %d %q, want it to start with %q", i+1, lines[i], want)
		}
	}
	// 9 steps an epoch (72 of the 80 examples train), warm-up for 0.3 epochs, then a cosine decay: the
	// first step at 0.1·(1/9)/0.3·cosine(1/18), the last of epoch 1 at 0.1·cosine(1/2) = 0.05, ...
	if !strings.Contains(lines[0], "validation loss") || !strings.Contains(lines[0], "lr 0.0368→0.05 ") || !strings.Contains(lines[1], "lr 0.0413→0 ") {
		t.Errorf("epoch lines %q", lines[:2])
	}
	if !strings.Contains(lines[2], "(24 images)") {
		t.Errorf("test line %q", lines[2])
	}

	code, out, errs = cli(append(args, "--json", "--out", filepath.Join(t.TempDir(), "m.safetensors"))...)
	if code != 0 || errs != "" {
		t.Fatalf("--json: exit %d, stderr %q", code, errs)
	}
	lines = strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var epoch epochJSON
	var test map[string]float64
	if len(lines) != 3 || json.Unmarshal([]byte(lines[1]), &epoch) != nil || json.Unmarshal([]byte(lines[2]), &test) != nil {
		t.Fatalf("--json output %q", out)
	}
	if epoch.Epoch != 2 || epoch.ValLoss == 0 || test["test_images"] != 24 || !(test["test_accuracy"] >= 0 && test["test_accuracy"] <= 1) || !(test["test_loss"] > 0) {
		t.Errorf("last epoch %+v, test %v", epoch, test)
	}
}

// sized is a data set of n empty examples: all bnMomentumFor looks at is its size.
type sized int

func (s sized) Len() int                   { return int(s) }
func (s sized) Example(int) ([]uint8, int) { return nil, 0 }
func (s sized) Info() data.Info            { return data.Info{} }

func TestBNMomentumFor(t *testing.T) {
	for _, c := range []struct {
		n, limit, batch, epochs int
		split, want             float64
	}{
		{60000, 0, 128, 30, 0.1, 0.99},           // the 30-epoch Fashion-MNIST run: 12,660 steps
		{60000, 10000, 64, 2, 0.1, 1 - 10.0/280}, // 9,000 training examples, 140 steps an epoch
		{100, 0, 8, 1, 0, 0.5},                   // 12 steps: at least 0.5
	} {
		cfg := train.Config{Train: sized(c.n), Limit: c.limit, Batch: c.batch, Epochs: c.epochs, ValSplit: c.split, Seed: 1}
		if got := bnMomentumFor(cfg); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%+v: %v, want %v", c, got, c.want)
		}
	}
}

// TestTrainDefaults: a classification run's defaults are the short-run ones measured in train.go
// (Nesterov SGD, a batch of 32), as its checkpoint records them.
func TestTrainDefaults(t *testing.T) {
	dir := writeTinyIDX(t, 80, 8)
	out := filepath.Join(t.TempDir(), "m.safetensors")
	code, _, errs := cli("train", "--data", dir, "--alpha", "0.25", "--resolution", "16", "--epochs", "1", "--threads", "1", "--json", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	ck, err := train.LoadCheckpoint(out)
	if err != nil {
		t.Fatal(err)
	}
	if ck.State.Batch != 32 || !strings.Contains(ck.State.Optimizer, `"Kind":"sgd","Momentum":0.9,"Nesterov":true`) {
		t.Errorf("batch %d, optimizer %s", ck.State.Batch, ck.State.Optimizer)
	}
}
