package lcg

import (
	"math"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

func TestNext(t *testing.T) {
	// s1 = 1·1103515245 + 12345 = 1103527590 by hand; the later states are from node:
	//   node -e 'let s=1;for(let i=0;i<4;i++){s=(Math.imul(s,1103515245)+12345)>>>0;console.log(s)}'
	tests := []struct {
		seed uint32
		want []uint32
	}{
		{1, []uint32{1103527590, 2524885223, 662824084, 3295386429}},
		{0, []uint32{12345, 3554416254}}, // 12345·1103515245 + 12345 = 13622895711870 ≡ 3554416254 (mod 2³²)
	}
	for _, tc := range tests {
		r := New(tc.seed)
		for i, w := range tc.want {
			if got := r.Next(); got != w {
				t.Errorf("seed %d step %d: got %d, want %d", tc.seed, i, got, w)
			}
		}
	}
}

func TestFloat32s(t *testing.T) {
	// Bits of the Float32Array made by shared/peers/bench_ort.js lcg, printed by:
	//   node -e 'const a=new Float32Array(5);let s=SEED;for(let i=0;i<5;i++){s=(Math.imul(s,1103515245)+12345)>>>0;
	//     a[i]=(s/4294967296)*2-1;} console.log(Array.from(new Uint32Array(a.buffer)).map(x=>"0x"+x.toString(16)).join(", "))'
	// For seed 1 the first value is 1103527590/2³¹ − 1 ≈ −0.4861299.
	tests := []struct {
		seed uint32
		want []uint32
	}{
		{1, []uint32{0xbef8e605, 0x3e33f587, 0xbf30fc37, 0x3f08d736, 0x3f7297be}},
		{1000, []uint32{0x3f5d4514, 0xbf41f17f, 0x3e116a57, 0x3e7e2bb5, 0xbd0a6758}},
	}
	for _, tc := range tests {
		got := Float32s(tc.seed, len(tc.want))
		for i, w := range tc.want {
			if b := math.Float32bits(got[i]); b != w {
				t.Errorf("seed %d value %d: got %#x (%v), want %#x (%v)", tc.seed, i, b, got[i], w, math.Float32frombits(w))
			}
		}
	}
	if x := Float32s(1, 1)[0]; approx.Within("|first value + 0.48613|", math.Abs(float64(x)-(-0.48612990975)), 1e-7) != nil {
		t.Errorf("seed 1 first value %v, want about -0.48613", x)
	}
}

func TestBytes(t *testing.T) {
	// Top bytes of the seed-1 states above: 0x41C67EA6, 0x967EB0E7, 0x2781E494, 0xC46B9B3D, 0xF94BDF32.
	wantU := []uint8{65, 150, 39, 196, 249}
	wantI := []int8{65, -106, 39, -60, -7}
	gotU := Uint8s(1, len(wantU))
	gotI := Int8s(1, len(wantI))
	for i := range wantU {
		if gotU[i] != wantU[i] {
			t.Errorf("Uint8s(1)[%d] = %d, want %d", i, gotU[i], wantU[i])
		}
		if gotI[i] != wantI[i] {
			t.Errorf("Int8s(1)[%d] = %d, want %d", i, gotI[i], wantI[i])
		}
	}
}

func TestRange(t *testing.T) {
	for _, x := range Float32s(7, 10000) {
		if x < -1 || x >= 1 {
			t.Fatalf("value %v outside [-1, 1)", x)
		}
	}
	if n := len(Uint8s(3, 0)); n != 0 {
		t.Errorf("Uint8s(3, 0) has %d values", n)
	}
}
