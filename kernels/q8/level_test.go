package q8

import (
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

// TestSetLevel checks that SetLevel accepts every supported level, refuses
// the others without changing anything, and returns the previous level.
func TestSetLevel(t *testing.T) {
	start := level()
	for _, l := range availableLevels() {
		prev, err := SetLevel(l)
		if err != nil {
			t.Fatalf("SetLevel(%v): %v", l, err)
		}
		if got := level(); got != l {
			t.Fatalf("after SetLevel(%v) the level is %v", l, got)
		}
		if back, _ := SetLevel(prev); back != l {
			t.Fatalf("SetLevel returned %v, want %v", back, l)
		}
	}
	for _, l := range []Level{Generic - 1, supported + 1} {
		if _, err := SetLevel(l); err == nil {
			t.Errorf("SetLevel(%v) succeeded; highest supported is %v", l, supported)
		}
		if level() != start {
			t.Fatalf("a refused SetLevel(%v) changed the level to %v", l, level())
		}
	}
	if Detected() != supported || start != supported {
		t.Errorf("Detected() = %v, start level %v, supported %v", Detected(), start, supported)
	}
	for l, want := range map[Level]string{Generic: "generic", VNNI: "vnni", 7: "Level(7)"} {
		if l.String() != want {
			t.Errorf("Level(%d).String() = %q, want %q", int(l), l.String(), want)
		}
	}
}

// TestNoAllocs checks that running the kernels allocates nothing, at every
// level.
func TestNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	rq := qmath.NewRequant(0.02, []float32{0.01}, 0.05, 3, 0, 255, qmath.Reference)
	g := PackGEMMU8(randCodes(rng, 40*30), 7, nil, 40, 30, 2, rq, qmath.Reference)
	d := PackDW3x3U8(randCodes(rng, 9*40), 7, nil, 40, 2, rq, qmath.Reference)
	c := PackConvU8(randCodes(rng, 40*27), 7, nil, 40, 3, 3, 3, 2, rq, qmath.Reference)
	in, out := randCodes(rng, 20*20*40), make([]byte, 20*20*40)
	forEachLevel(t, func(t *testing.T) {
		for name, f := range map[string]func(){
			"GEMM":  func() { g.RunU8(out, in, 3, 300) },
			"DW3x3": func() { d.RunU8(out, in, 20, 20, 1, 1, 1, 20, 20, 0, 20) },
			"Conv":  func() { c.RunU8(out, in[:20*20*3], 20, 20, 2, 2, 0, 0, 10, 10, 0, 10) },
		} {
			if n := testing.AllocsPerRun(5, f); n != 0 {
				t.Errorf("%s allocates %v times per run", name, n)
			}
		}
	})
}
