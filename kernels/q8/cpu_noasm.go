//go:build !amd64 || purego || noasm || race

package q8

// hardwareLevel returns Generic: this build carries no assembly (another
// architecture, the purego or noasm tags, or a -race build, whose checker
// cannot see memory accesses made by assembly).
func hardwareLevel() Level { return Generic }
