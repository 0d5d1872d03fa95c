//go:build amd64 && !purego && !noasm && !race

package kernels

import "testing"

// TestTiles checks the split of rows into tiles: full ones, then at most two
// that share the rest evenly and could not have been one.
func TestTiles(t *testing.T) {
	for _, mr := range []int{6, 14} {
		for rows := 1; rows <= 5*mr; rows++ {
			nt, m1, m2 := tiles(rows, mr)
			if nt*mr+m1+m2 != rows || m1 > mr || m2 > m1 || (m2 > 0 && (m1-m2 > 1 || m1+m2 <= mr)) {
				t.Errorf("tiles(%d, %d) = %d, %d, %d", rows, mr, nt, m1, m2)
			}
		}
	}
}
