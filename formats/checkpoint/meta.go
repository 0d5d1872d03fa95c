package checkpoint

import (
	"fmt"
	"strconv"
)

// Meta reads typed values from a checkpoint's metadata, one key after another, keeping the first error;
// the error names the key and quotes the value (cut to 64 bytes). Its prefix starts every message
// ("train", "checkpoint").
type Meta struct {
	md     map[string]string
	prefix string
	Err    error
}

// NewMeta returns a reader of md whose errors start with prefix.
func NewMeta(md map[string]string, prefix string) *Meta { return &Meta{md: md, prefix: prefix} }

// Get calls parse with the value of key, unless an earlier key failed; a missing key or a parse error
// becomes Err.
func (m *Meta) Get(key string, parse func(string) error) {
	if m.Err != nil {
		return
	}
	v, ok := m.md[key]
	if !ok {
		m.Err = fmt.Errorf("%s: checkpoint metadata lacks %q", m.prefix, key)
		return
	}
	if e := parse(v); e != nil {
		m.Err = fmt.Errorf("%s: checkpoint metadata %q = %s: %v", m.prefix, key, quote(v), e)
	}
}

// Int reads key as a whole number of at least least into dst.
func (m *Meta) Int(key string, least int, dst *int) {
	m.Get(key, func(v string) error {
		n, e := strconv.Atoi(v)
		if e != nil || n < least {
			return fmt.Errorf("want a whole number, at least %d", least)
		}
		*dst = n
		return nil
	})
}
