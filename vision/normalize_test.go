package vision

import (
	"math"
	"testing"
)

func TestFloat32(t *testing.T) {
	p := pixelsOf(1, 1, 5, 0, 255, 127.5, 63.75, 191.25)
	want := []float32{-1, 1, 0, -0.5, 0.5}
	got := p.Float32(127.5, 127.5)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("(v−127.5)/127.5 of %v = %v, want %v", p.Pix[i], got[i], want[i])
		}
	}
	// Slim's (x/255 − 0.5)·2 is the same map; mean 0, std 255 gives x/255.
	if got := pixelsOf(1, 1, 1, 51).Float32(0, 255); got[0] != 0.2 {
		t.Fatalf("51/255 = %v, want 0.2", got[0])
	}
}

func TestUint8(t *testing.T) {
	nan := float32(math.NaN())
	p := pixelsOf(1, 1, 8, 0, 12.9, 12.1, 254.999, 255, 256, -0.5, nan)
	want := []uint8{0, 12, 12, 254, 255, 255, 0, 0}
	got := p.Uint8()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("(uint8)%v = %d, want %d", p.Pix[i], got[i], want[i])
		}
	}
}

func TestInt8(t *testing.T) {
	nan := float32(math.NaN())
	p := pixelsOf(1, 1, 9, 0, 255, 128, 0.5, 127.5, 128.9, 12.9, 300, nan)
	// v − 128 truncated toward zero: −128, 127, 0, −127.5 → −127, −0.5 → 0,
	// 0.9 → 0, −115.1 → −115; out of range saturates; NaN gives −128.
	want := []int8{-128, 127, 0, -127, 0, 0, -115, 127, -128}
	got := p.Int8()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("(int8)(%v − 128) = %d, want %d", p.Pix[i], got[i], want[i])
		}
	}
}
