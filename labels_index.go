package mobilenet

import (
	"strconv"
	"strings"
)

// stripIndexes reads the "N name" label format (the iNaturalist bird labels: line i is "i name"):
// when every line starts with its own index followed by a space, the indexes are removed. Any other
// file is a plain list and is returned unchanged.
func stripIndexes(lines []string) []string {
	if len(lines) == 0 {
		return lines
	}
	for i, l := range lines {
		if !strings.HasPrefix(l, strconv.Itoa(i)+" ") {
			return lines
		}
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimSpace(l[len(strconv.Itoa(i))+1:])
	}
	return out
}
