package main

import (
	"flag"
	"strings"
	"unicode/utf8"
)

// The most columns a tensor or layer name takes in the tables of inspect, bench --profile (which also
// names each layer's kernel) and summary (whose other columns are wider), so that their lines fit a terminal of 120 columns; --wide
// prints names whole.
const (
	nameWidth        = 44
	profileNameWidth = 32
	summaryNameWidth = 30
)

// wideFlag adds --wide to fs.
func wideFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("wide", false, "print tensor and layer names whole (by default a long name is shortened in the middle with …)")
}

// shortName fits name into width columns (runes); width 0 keeps it whole. A name TFLite made by joining
// the names of fused ops with ";" keeps its first part, marked ";…". A path a/b/c/d still too long
// loses its leading parts to "…/", keeping at least its last two parts (which say which layer); else
// the name keeps its beginning (a third) and its end around "…".
func shortName(name string, width int) string {
	if width == 0 || utf8.RuneCountInString(name) <= width {
		return name
	}
	if first, _, fused := strings.Cut(name, ";"); fused {
		name = first + ";…"
		if utf8.RuneCountInString(name) <= width {
			return name
		}
	}
	parts := strings.Split(name, "/")
	for k := 1; k <= len(parts)-2; k++ {
		if s := "…/" + strings.Join(parts[k:], "/"); utf8.RuneCountInString(s) <= width {
			return s
		}
	}
	r := []rune(name)
	head := (width - 1) / 3
	tail := width - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}
