package train

import (
	"context"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
)

// TestFreezeBackbone trains only the classifier: every other constant, batch norm statistics
// included, is unchanged, and the classifier moves.
func TestFreezeBackbone(t *testing.T) {
	init := tinyNet(t, 1, 4, 6)
	before := weights(init)
	cfg := tinyConfig(quadrants(60, 1))
	cfg.Init = init
	cfg.FreezeBackbone = true
	cfg.Epochs = 1
	res, err := Run(context.Background(), cfg, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	after := weights(res.Graph)
	moved := 0
	for name, w := range before {
		same := true
		for i := range w {
			if after[name][i] != w[i] {
				same = false
			}
		}
		if isHead(name) {
			if !same {
				moved++
			}
		} else if !same {
			t.Fatalf("%s changed in a frozen backbone", name)
		}
	}
	if moved != 2 {
		t.Fatalf("%d classifier tensors moved, want 2", moved)
	}
}

// TestNewHead starts from a 7-class RGB network and trains on 4 grey classes: the body is copied (the
// first filter summed over colours), the classifier is new.
func TestNewHead(t *testing.T) {
	init := tinyNet(t, 3, 7, 8)
	g, fresh, err := newModel("", mobilenetv1.Config{Alpha: 0.25, Resolution: 16, Channels: 1, Seed: 2}, 4, init)
	if err != nil {
		t.Fatal(err)
	}
	if len(fresh) != 2 || !isHead(fresh[0]) || !isHead(fresh[1]) {
		t.Fatalf("fresh constants %v, want the classifier's two", fresh)
	}
	src, dst := weights(init), weights(g)
	w3, w1 := src["Conv2d_0/weights"], dst["Conv2d_0/weights"]
	for i := range w1 {
		if w1[i] != w3[3*i]+w3[3*i+1]+w3[3*i+2] {
			t.Fatalf("first filter %d = %g, want the sum of the colour filters", i, w1[i])
		}
	}
	for _, name := range []string{"Conv2d_5_pointwise/weights", "Conv2d_13_depthwise/BatchNorm/moving_variance"} {
		for i, v := range src[name] {
			if dst[name][i] != v {
				t.Fatalf("%s not copied", name)
			}
		}
	}
	cfg := tinyConfig(quadrants(40, 1))
	cfg.Init = init
	cfg.Epochs = 1
	if _, err := Run(context.Background(), cfg, Callbacks{}); err != nil {
		t.Fatal(err)
	}
	cfg.Model.Alpha = 0.5
	if _, err := Run(context.Background(), cfg, Callbacks{}); err == nil || !strings.Contains(err.Error(), "has shape") {
		t.Fatalf("a network of another width accepted as initial weights: %v", err)
	}
}

// TestRunErrors checks that bad configurations are refused before training.
func TestRunErrors(t *testing.T) {
	ok := tinyConfig(quadrants(40, 1))
	cases := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no data", func(c *Config) { c.Train = nil }, "no training data"},
		{"smoothing", func(c *Config) { c.LabelSmoothing = 1 }, "label smoothing"},
		{"momentum", func(c *Config) { c.BNMomentum = 1.5 }, "momentum"},
		{"optimizer", func(c *Config) { c.Optimizer.Kind = "lbfgs" }, "unknown optimizer"},
		{"schedule", func(c *Config) { c.Schedule.Decay = "zigzag" }, "unknown decay"},
		{"channels", func(c *Config) { c.Model.Channels = 3 }, "channels"},
		{"batch", func(c *Config) { c.Batch = 50 }, "do not fill one batch"},
		{"resume", func(c *Config) { c.Resume = "/nonexistent/ck.safetensors" }, "no such file"},
		{"split", func(c *Config) { c.ValSplit = 2 }, "validation fraction"},
	}
	for _, c := range cases {
		cfg := ok
		c.edit(&cfg)
		if _, err := Run(context.Background(), cfg, Callbacks{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}
