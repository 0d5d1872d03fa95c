package flexbuf

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// sampleEntries holds one entry of each scalar kind the reader supports.
func sampleEntries() map[string]item {
	return map[string]item{
		"a_int":    intItem(1, -7),
		"b_uint":   uintItem(1, 200),
		"c_f32":    f32Item(0.25),
		"d_bool":   boolItem(true),
		"e_iint":   indItem(TypeIndirectInt, 4, uint64(0xffffff9c)), // -100
		"f_iuint":  indItem(TypeIndirectUint, 2, 60000),
		"g_if64":   indItem(TypeIndirectFloat, 8, math.Float64bits(1e-8)),
		"h_string": strItem("regular"),
	}
}

func TestMapWidths(t *testing.T) {
	for _, vw := range []int{1, 2, 4, 8} {
		for _, kw := range []int{1, 2, 4, 8} {
			b := mapRoot(sampleEntries(), vw, kw)
			root, err := Root(b)
			if err != nil {
				t.Fatalf("vw %d kw %d: %v", vw, kw, err)
			}
			m, err := root.Map()
			if err != nil {
				t.Fatalf("vw %d kw %d: %v", vw, kw, err)
			}
			if m.Len() != 8 {
				t.Fatalf("vw %d kw %d: Len = %d", vw, kw, m.Len())
			}
			keys, err := m.Keys()
			if err != nil || !slices.Equal(keys, []string{"a_int", "b_uint", "c_f32", "d_bool", "e_iint", "f_iuint", "g_if64", "h_string"}) {
				t.Fatalf("vw %d kw %d: Keys = %q, %v", vw, kw, keys, err)
			}
			ints := map[string]int64{"a_int": -7, "b_uint": 200, "d_bool": 1, "e_iint": -100, "f_iuint": 60000}
			floats := map[string]float64{"a_int": -7, "b_uint": 200, "c_f32": 0.25, "e_iint": -100, "f_iuint": 60000, "g_if64": 1e-8}
			for _, k := range keys {
				v, ok, err := m.Get(k)
				if !ok || err != nil {
					t.Fatalf("vw %d kw %d: Get(%q) = %v, %v", vw, kw, k, ok, err)
				}
				if want, isInt := ints[k]; isInt {
					if got, err := v.Int(); err != nil || got != want {
						t.Errorf("vw %d kw %d: %s Int = %d, %v; want %d", vw, kw, k, got, err, want)
					}
				} else if _, err := v.Int(); err == nil {
					t.Errorf("vw %d kw %d: %s (%v) Int: no error", vw, kw, k, v.Type())
				}
				if want, isNum := floats[k]; isNum {
					if got, err := v.Float(); err != nil || got != want {
						t.Errorf("vw %d kw %d: %s Float = %g, %v; want %g", vw, kw, k, got, err, want)
					}
				} else if _, err := v.Float(); err == nil {
					t.Errorf("vw %d kw %d: %s (%v) Float: no error", vw, kw, k, v.Type())
				}
			}
			s, _, _ := m.Get("h_string")
			if got, err := s.Text(); err != nil || got != "regular" {
				t.Errorf("vw %d kw %d: h_string = %q, %v", vw, kw, got, err)
			}
			for _, missing := range []string{"", "a", "a_inu", "zzz", "c_f32\x00", "max_detections"} {
				if _, ok, err := m.Get(missing); ok || err != nil {
					t.Errorf("vw %d kw %d: Get(%q) = %v, %v; want absent", vw, kw, missing, ok, err)
				}
			}
		}
	}
}

func TestMapAt(t *testing.T) {
	m := mustMap(t, mapRoot(map[string]item{"x": intItem(1, 3), "y": f32Item(2)}, 1, 1))
	k, v, err := m.At(1)
	if f, ferr := v.Float(); err != nil || k != "y" || ferr != nil || f != 2 {
		t.Errorf("At(1) = %q, %v, %v", k, f, err)
	}
	for _, i := range []int{-1, 2} {
		if _, _, err := m.At(i); err == nil {
			t.Errorf("At(%d): no error", i)
		}
	}
}

func TestEmptyMap(t *testing.T) {
	m := mustMap(t, mapRoot(map[string]item{}, 1, 1))
	if m.Len() != 0 {
		t.Fatalf("Len = %d", m.Len())
	}
	if _, ok, err := m.Get("x"); ok || err != nil {
		t.Errorf("Get on empty map = %v, %v", ok, err)
	}
}

func mustMap(t *testing.T, b []byte) Map {
	t.Helper()
	v, err := Root(b)
	if err != nil {
		t.Fatal(err)
	}
	m, err := v.Map()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMapHostile corrupts one field of a well-formed map at a time.
func TestMapHostile(t *testing.T) {
	good := mapRoot(map[string]item{"alpha": intItem(1, 1), "beta": intItem(1, 2)}, 1, 1)
	// Layout (vw = kw = 1): "alpha\0beta\0" (0..10), key count 2 (11), key vector (12, 13),
	// map header: key-vector offset (14), key width (15), count (16); values (17, 18),
	// types (19, 20); root offset (21), root packed type (22), root width (23).
	if len(good) != 24 || good[16] != 2 || good[15] != 1 || good[11] != 2 {
		t.Fatalf("unexpected layout % x", good)
	}
	tests := []struct {
		name  string
		pos   int
		val   byte
		where string // "map" (Map fails), "get" (Get fails)
		msg   string
	}{
		{"count larger than buffer", 16, 200, "map", "run past the buffer end"},
		{"count 255", 16, 255, "map", "run past the buffer end"},
		{"key width 3", 15, 3, "map", "key vector byte width 3"},
		{"key width 0", 15, 0, "map", "key vector byte width 0"},
		{"key vector offset before start", 14, 100, "map", "points before the buffer start"},
		{"key count differs", 11, 3, "map", "holds 3 keys for 2 values"},
		{"root offset before start", 21, 50, "map", "points before the buffer start"},
		{"map header before start", 21, 20, "map", "no room for its 3-byte header"},
		{"key offset before start", 12, 40, "get", "points before the buffer start"},
		{"last key not NUL-terminated", 10, 'x', "get", "not NUL-terminated"},
	}
	for _, tc := range tests {
		b := slices.Clone(good)
		b[tc.pos] = tc.val
		v, err := Root(b)
		if err != nil {
			t.Fatalf("%s: Root: %v", tc.name, err)
		}
		m, err := v.Map()
		if tc.where == "get" {
			if err != nil {
				t.Fatalf("%s: Map: %v", tc.name, err)
			}
			// Binary search reads key 1 first; "alpha" then needs key 0 too.
			_, _, err = m.Get("alpha")
			if _, kerr := m.Keys(); kerr == nil {
				t.Errorf("%s: Keys: no error", tc.name)
			}
		}
		if err == nil || !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "flexbuf: ") || strings.Count(err.Error(), "flexbuf:") != 1 {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.msg)
		}
	}
}

// TestMapWrongTypes asks typed questions of the wrong types.
func TestMapWrongTypes(t *testing.T) {
	m := mustMap(t, mapRoot(map[string]item{"f": f32Item(1.5), "s": strItem("x"), "i": intItem(1, 4)}, 4, 1))
	f, _, _ := m.Get("f")
	if _, err := f.Int(); err == nil || !strings.Contains(err.Error(), "is FLOAT, not an integer") {
		t.Errorf("Int on FLOAT: %v", err)
	}
	if _, err := f.Bool(); err == nil {
		t.Error("Bool on FLOAT: no error")
	}
	s, _, _ := m.Get("s")
	if _, err := s.Float(); err == nil || !strings.Contains(err.Error(), "is STRING, not a number") {
		t.Errorf("Float on STRING: %v", err)
	}
	i, _, _ := m.Get("i")
	if _, err := i.Map(); err == nil || !strings.Contains(err.Error(), "is INT, not a map") {
		t.Errorf("Map on INT: %v", err)
	}
	if _, err := i.Text(); err == nil {
		t.Error("Text on INT: no error")
	}
}
