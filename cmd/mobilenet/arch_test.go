package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/shared"
)

// TestSummaryArch: summary --arch prints the V2 and V3 tables with torchvision's totals.
func TestSummaryArch(t *testing.T) {
	for arch, want := range map[string][2]int64{"v2": {300774272, 3504872}, "v3-large": {217187168, 5483032}, "v3-small": {56795776, 2542856}} {
		code, out, errs := cli("summary", "--arch", arch, "--json")
		if code != 0 {
			t.Fatalf("%s: %s", arch, errs)
		}
		var s struct {
			MultAdds    int64 `json:"mult_adds"`
			ParamsTotal int64 `json:"params_total"`
		}
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatal(err)
		}
		if s.MultAdds != want[0] || s.ParamsTotal != want[1] {
			t.Errorf("%s: %d mult-adds, %d parameters; want %d and %d", arch, s.MultAdds, s.ParamsTotal, want[0], want[1])
		}
	}
	code, out, _ := cli("summary", "--arch", "v2")
	if code != 0 || !strings.Contains(out, "expanded_conv_16/project") || !strings.Contains(out, "300774272 mult-adds") {
		t.Errorf("summary --arch v2: code %d, output lacks the last block or the total:\n%s", code, out)
	}
	if code, _, errs := cli("summary", "--arch", "v4"); code == 0 || !strings.Contains(errs, "v3-small") {
		t.Errorf("--arch v4: code %d, %s", code, errs)
	}
	if code, _, errs := cli("summary", "--arch", "v2", "--ssd"); code == 0 || !strings.Contains(errs, "V1 only") {
		t.Errorf("--arch v2 --ssd: code %d, %s", code, errs)
	}
}

// TestTrainArchKillResume is TestTrainKillResume for MobileNet V2: killed after a mid-run checkpoint and
// resumed, the weights equal the uninterrupted run's.
func TestTrainArchKillResume(t *testing.T) {
	data := shared.Path(t, "datasets/fashion-mnist")
	killResume(t, func(out string) []string {
		return []string{"train", "--arch", "v2", "--data", data, "--alpha", "0.35", "--resolution", "16", "--limit", "320",
			"--batch", "16", "--epochs", "3", "--threads", "1", "--seed", "5", "--checkpoint-every", "3", "--json", "--out", out}
	})
}
