package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"slices"
	"strings"
	"testing"
)

// cli runs the command line and returns its exit code, stdout and stderr.
func cli(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestSummaryJSON(t *testing.T) {
	code, out, errs := cli("summary", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var s struct {
		Alpha       float64 `json:"alpha"`
		Resolution  int     `json:"resolution"`
		Channels    int     `json:"channels"`
		Classes     int     `json:"classes"`
		MultAdds    int64   `json:"mult_adds"`
		Params      int64   `json:"params"`
		ParamsTotal int64   `json:"params_total"`
		ByType      map[string]struct {
			MultAdds      int64   `json:"mult_adds"`
			Params        int64   `json:"params"`
			MultAddsShare float64 `json:"mult_adds_share"`
			ParamsShare   float64 `json:"params_share"`
		} `json:"by_type"`
		Layers []struct {
			Name     string `json:"name"`
			Type     string `json:"type"`
			Stride   int    `json:"stride"`
			Input    []int  `json:"input"`
			Output   []int  `json:"output"`
			Params   int64  `json:"params"`
			MultAdds int64  `json:"mult_adds"`
		} `json:"layers"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if s.Alpha != 1 || s.Resolution != 224 || s.Channels != 3 || s.Classes != 1000 {
		t.Errorf("defaults: %+v", s)
	}
	if s.MultAdds != 568740352 || s.Params != 4209088 || s.ParamsTotal != 4231976 {
		t.Errorf("totals %d %d %d", s.MultAdds, s.Params, s.ParamsTotal)
	}
	for _, k := range []string{"conv", "depthwise", "pointwise", "fully_connected"} {
		if _, ok := s.ByType[k]; !ok {
			t.Errorf("by_type lacks %s", k)
		}
	}
	first := s.Layers[0]
	if first.Name != "Conv2d_0" || first.Stride != 2 || first.Input[0] != 224 || first.Output[2] != 32 || first.MultAdds != 10838016 {
		t.Errorf("first layer %+v", first)
	}
	if l := s.Layers[len(s.Layers)-3]; l.Name != "Logits/Conv2d_1c_1x1" || l.Type != "fully_connected" {
		t.Errorf("classifier row %+v", l)
	}
}

func TestSummaryVariants(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--alpha", "0.25"}, "41.0 M"},
		{[]string{"--resolution", "128"}, "186.4 M"},
		{[]string{"--conv", "full"}, "4867.3 M"},
		{[]string{"--channels", "1", "--classes", "10", "--alpha", "0.5", "--resolution", "32"}, "mobilenet_v1_0.5_32"},
	} {
		code, out, errs := cli(append([]string{"summary"}, c.args...)...)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("summary %v: exit %d, %q not in output (stderr %s)", c.args, code, c.want, errs)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"summary", "--alpha", "0"}, 2, "--alpha"},
		{[]string{"summary", "--alpha", "4.5"}, 2, "0 < α ≤ 4"},
		{[]string{"summary", "--resolution", "8"}, 2, "--resolution 8 out of range"},
		{[]string{"summary", "--channels", "0"}, 2, "--channels"},
		{[]string{"summary", "--classes", "0"}, 2, "--classes"},
		{[]string{"summary", "--conv", "grouped"}, 2, "separable or full"},
		{[]string{"summary", "--alpha", "abc"}, 2, "invalid value"},
		{[]string{"summary", "--bogus"}, 2, "not defined"},
		{[]string{"summary", "extra"}, 2, "no arguments"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{}, 2, ""},
	} {
		code, _, errs := cli(c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, errs, c.code, c.want)
		}
		if strings.Count(strings.TrimRight(errs, "\n"), "\n") > 0 {
			t.Errorf("%v: error is not one line: %q", c.args, errs)
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	code, out, _ := cli("summary", "--help")
	if code != 0 || !strings.Contains(out, "--alpha") && !strings.Contains(out, "-alpha") {
		t.Errorf("summary --help: exit %d, %q", code, out)
	}
	code, out, _ = cli("help")
	if code != 0 || !strings.Contains(out, "summary") {
		t.Errorf("help: exit %d, %q", code, out)
	}
	code, out, _ = cli("version")
	if code != 0 || !strings.HasPrefix(out, "mobilenet ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
}

func TestSummarySSD(t *testing.T) {
	code, out, errs := cli("summary", "--ssd", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var s struct {
		SSD        bool  `json:"ssd"`
		Resolution int   `json:"resolution"`
		Classes    int   `json:"classes"`
		MultAdds   int64 `json:"mult_adds"`
		Params     int64 `json:"params"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	// Table 13: 1.2 B mult-adds, 6.8 M parameters; within 5 %.
	if !s.SSD || s.Resolution != 300 || s.Classes != 90 || s.MultAdds < 1.14e9 || s.MultAdds > 1.26e9 || s.Params < 6.46e6 || s.Params > 7.14e6 {
		t.Fatalf("ssd summary %+v", s)
	}
	if code, _, _ := cli("summary", "--ssd", "--channels", "1"); code != 2 {
		t.Errorf("--ssd --channels 1: exit %d", code)
	}
}

func TestFlagsFirst(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.Int("top", 5, "")
	fs.Bool("json", false, "")
	for _, c := range []struct{ in, want []string }{
		{[]string{"a.jpg", "--top", "1", "b.jpg"}, []string{"--top", "1", "--", "a.jpg", "b.jpg"}},
		{[]string{"a.jpg", "--json", "b.jpg", "-top=2"}, []string{"--json", "-top=2", "--", "a.jpg", "b.jpg"}},
		{[]string{"a", "--", "--top", "1"}, []string{"--", "a", "--top", "1"}},
		{[]string{"-", "--bogus", "x"}, []string{"--bogus", "--", "-", "x"}},
		{[]string{"a", "--json=false", "--top"}, []string{"--json=false", "--top"}},
		{nil, []string{"--"}},
	} {
		if got := flagsFirst(fs, c.in); !slices.Equal(got, c.want) {
			t.Errorf("flagsFirst(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestFlagsAnywhere: flags after the positional arguments work as before them; "--" ends the flags.
func TestFlagsAnywhere(t *testing.T) {
	code, out, errs := cli("classify", burgerPhoto, "--top", "1")
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, "cheeseburger (934)") {
		t.Errorf("classify IMAGE --top 1: exit %d, %q, %q", code, out, errs)
	}
	code, _, errs = cli("summary", "--", "--alpha", "0.5")
	if code != 2 || !strings.Contains(errs, `takes no arguments, got "--alpha"`) {
		t.Errorf("summary -- --alpha 0.5: exit %d, %q", code, errs)
	}
	code, _, errs = cli("classify", burgerPhoto, "--top")
	if code != 2 || !strings.Contains(errs, "flag needs an argument: -top") {
		t.Errorf("classify IMAGE --top: exit %d, %q", code, errs)
	}
}

// TestHelpOnce: every command's --help (and "help COMMAND") prints its usage once, with exit 0.
func TestHelpOnce(t *testing.T) {
	for name := range commands {
		for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {"help", name}} {
			code, out, errs := cli(args...)
			if code != 0 || strings.Count(out, "Usage: mobilenet "+name) != 1 || errs != "" {
				t.Errorf("%v: exit %d, %d usages, stderr %q", args, code, strings.Count(out, "Usage:"), errs)
			}
		}
	}
}
