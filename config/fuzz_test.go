package config

import (
	"errors"
	"os"
	"testing"
)

// FuzzDecodeYAML checks that no configuration file makes the decoder or
// the key-naming error path panic, and that a file that decodes either
// validates or fails with a *KeyError.
func FuzzDecodeYAML(f *testing.F) {
	full, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(full),
		"",
		"http:\n  listne: x\n",
		"janus:\n  instances:\n    - name: a\n      wsurl: x\n",
		"http:\n  shutdown_timeout: 30\n",
		"a: &x {b: *x}\n",
		"http: [1, 2]\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c := Default()
		if err := decodeYAML(c, b, "fuzz.yaml"); err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			var ke *KeyError
			if !errors.As(err, &ke) {
				t.Fatalf("validation error %v is not a *KeyError", err)
			}
		}
	})
}
