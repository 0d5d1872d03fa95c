package mobilenet

import (
	"context"
	"errors"
	"image"
	"runtime"
	"testing"
)

// TestProgramsSurviveGC: the compiled program a call gives back is the one the next call takes, even
// after two garbage collections in between, so no request pays for a recompilation; programs made for
// callers running at once are all kept.
func TestProgramsSurviveGC(t *testing.T) {
	m, err := LoadBytes("classifier", builtinClassifier.data)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, 64, 48))
	if _, err := m.Classify(img, 1); err != nil {
		t.Fatal(err)
	}
	first := m.progs.get()
	m.progs.put(first)
	runtime.GC()
	runtime.GC()
	if _, err := m.Classify(img, 1); err != nil {
		t.Fatal(err)
	}
	if got := m.progs.get(); got != first {
		t.Fatalf("after two GCs the model holds program %p, want %p (recompiled)", got, first)
	}
	m.progs.put(first)
	a, err := m.program()
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.program()
	if err != nil {
		t.Fatal(err)
	}
	m.progs.put(a)
	m.progs.put(b)
	runtime.GC()
	if n := len(m.progs.free); n != 2 {
		t.Fatalf("%d programs kept, want the 2 made for two callers at once", n)
	}
}

// TestClassifyContextCancelled: a done context stops the model with an error wrapping its cause.
func TestClassifyContextCancelled(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.ClassifyContext(ctx, image.NewGray(image.Rect(0, 0, 8, 8)), 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("ClassifyContext with a cancelled context: %v", err)
	}
}
