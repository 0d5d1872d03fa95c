package kernels

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestLowerByEnv(t *testing.T) {
	cases := []struct {
		max  Level
		env  string
		want Level
	}{
		{AVX512, "", AVX512},
		{AVX512, "generic", Generic},
		{AVX512, "AVX2", AVX2},
		{AVX512, " avx512 ", AVX512},
		{AVX2, "avx512", AVX2}, // cannot raise
		{Generic, "avx2", Generic},
		{AVX512, "sse9", AVX512}, // unknown: unchanged
	}
	for _, c := range cases {
		if got := lowerByEnv(c.max, c.env); got != c.want {
			t.Errorf("lowerByEnv(%v, %q) = %v, want %v", c.max, c.env, got, c.want)
		}
	}
}

func TestSetLevel(t *testing.T) {
	prev, err := SetLevel(Generic)
	if err != nil {
		t.Fatal(err)
	}
	defer SetLevel(prev)
	if level() != Generic {
		t.Fatalf("level() = %v after SetLevel(Generic)", level())
	}
	if _, err := SetLevel(supported + 1); err == nil {
		t.Fatalf("SetLevel(%v) above the supported %v succeeded", supported+1, supported)
	}
	if level() != Generic {
		t.Fatalf("a failed SetLevel changed the level to %v", level())
	}
	if got, err := SetLevel(supported); err != nil || got != Generic {
		t.Fatalf("SetLevel(%v) = %v, %v; want generic, nil", supported, got, err)
	}
}

// TestEnvLowersLevel runs this test binary again with MOBILENET_ISA set and
// reads back the level it detected.
func TestEnvLowersLevel(t *testing.T) {
	if os.Getenv("KERNELS_PRINT_LEVEL") != "" {
		os.Stdout.WriteString("level=" + Detected().String() + "\n")
		return
	}
	for _, env := range []string{"generic", "avx2", "avx512"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEnvLowersLevel$")
		cmd.Env = append(os.Environ(), "KERNELS_PRINT_LEVEL=1", "MOBILENET_ISA="+env)
		outb, err := cmd.Output()
		if err != nil {
			t.Fatalf("MOBILENET_ISA=%s: %v", env, err)
		}
		want := lowerByEnv(supported, env)
		if !strings.Contains(string(outb), "level="+want.String()+"\n") {
			t.Errorf("MOBILENET_ISA=%s: child printed %q, want level=%v", env, outb, want)
		}
	}
}

// TestZeroAllocs checks that the Run methods do not allocate.
func TestZeroAllocs(t *testing.T) {
	g := PackGEMM(make([]float32, 40*30), nil, 40, 30)
	gin, gout := make([]float32, 20*30), make([]float32, 20*40)
	d := PackDW3x3(make([]float32, 9*20), nil, 20)
	din, dout := make([]float32, 9*9*20), make([]float32, 5*5*20)
	c := PackConv(make([]float32, 8*27), nil, 3, 3, 3, 8)
	cin, cout := make([]float32, 9*9*3), make([]float32, 4*4*8)
	scratch := make([]float32, c.ScratchSize(4))
	pool := make([]float32, 20)
	forEachLevel(t, func(t *testing.T) {
		n := testing.AllocsPerRun(10, func() {
			g.Run(gout, gin, 0, 20, 0, 6)
			d.Run(dout, din, 9, 9, 2, 1, 1, 5, 5, 0, 5, 0, 6)
			c.Run(cout, cin, 9, 9, 2, 2, 0, 0, 4, 4, 0, 4, 0, 6, scratch)
			GlobalAvgPool(pool, dout, 25, 20)
		})
		if n != 0 {
			t.Fatalf("%v allocations per run, want 0", n)
		}
	})
}
