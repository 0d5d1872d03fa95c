package main

import (
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	cases := []struct {
		in    string
		units map[string]int64
		want  int64
		ok    bool
	}{
		{"10MB", byteUnits, 10_000_000, true},
		{"10mb", byteUnits, 10_000_000, true},
		{"1.5MiB", byteUnits, 1_572_864, true},
		{"512", byteUnits, 512, true},
		{"64 KiB", byteUnits, 65_536, true},
		{"2GB", byteUnits, 2_000_000_000, true},
		{"100M", countUnits, 100_000_000, true},
		{"25K", countUnits, 25_000, true},
		{"3", countUnits, 3, true},
		{"10XB", byteUnits, 0, false},
		{"100MB", countUnits, 0, false},
		{"0", byteUnits, 0, false},
		{"-5MB", byteUnits, 0, false},
		{"MB", byteUnits, 0, false},
		{"1e30GB", byteUnits, 0, false},
		{"0.1", byteUnits, 0, false},
		{"", byteUnits, 0, false},
	}
	for _, c := range cases {
		got, err := parseSize("--x", c.in, c.units)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("%q: %d, %v; want %d, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestServeUsage(t *testing.T) {
	cases := []struct {
		args   []string
		errHas string
	}{
		{[]string{"serve", "--max-body", "10XB"}, "unknown unit"},
		{[]string{"serve", "--max-pixels", "0"}, "positive number"},
		{[]string{"serve", "--concurrency", "0"}, "--concurrency 0 out of range"},
		{[]string{"serve", "--queue", "-2"}, "--queue -2 out of range"},
		{[]string{"serve", "--timeout", "0s"}, "--timeout"},
		{[]string{"serve", "--body-timeout", "0s"}, "--body-timeout"},
		{[]string{"serve", "--drain-timeout", "-1s"}, "--drain-timeout"},
		{[]string{"serve", "--max-progressive-pixels", "0"}, "--max-progressive-pixels"},
		{[]string{"serve", "--large-pixels", "1X"}, "--large-pixels"},
		{[]string{"serve", "photo.jpg"}, "unexpected argument"},
	}
	for _, c := range cases {
		code, _, errs := cli(c.args...)
		if code != 2 || !strings.Contains(errs, c.errHas) {
			t.Errorf("%q: exit %d, %q; want 2 and %q", c.args, code, errs, c.errHas)
		}
	}
	code, out, _ := cli("serve", "--help")
	if code != 0 || !strings.Contains(out, "--max-body") || !strings.Contains(out, "--queue") || !strings.Contains(out, "--drain-timeout") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
}
