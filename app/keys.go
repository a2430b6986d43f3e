package app

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/frontdesk/frontdesk/auth"
)

// keyRing returns the configured JWT key ring, or, when none is configured,
// one kept in keyFile (created with mode 0600 on first start), so sessions
// and tickets survive a restart of a laptop install without any setup.
func keyRing(configured, keyFile string) (*auth.KeyRing, bool, error) {
	if configured != "" {
		r, err := auth.ParseKeyRing(configured)
		return r, false, err
	}
	b, err := os.ReadFile(keyFile)
	switch {
	case err == nil:
		r, err := auth.ParseKeyRing(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, false, fmt.Errorf("app: key file %s: %w", keyFile, err)
		}
		return r, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, false, fmt.Errorf("app: key file: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, false, err
	}
	kid := make([]byte, 4)
	_, _ = rand.Read(kid)
	spec := fmt.Sprintf("k%x:%s", kid, base64.RawURLEncoding.EncodeToString(key))
	if err := os.WriteFile(keyFile, []byte(spec+"\n"), 0o600); err != nil {
		return nil, false, fmt.Errorf("app: write key file: %w", err)
	}
	r, err := auth.ParseKeyRing(spec)
	return r, true, err
}
