package app

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/frontdesk/frontdesk/auth"
	"github.com/frontdesk/frontdesk/idgen"
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
	spec := fmt.Sprintf("k%s:%s", idgen.Hex(4), base64.RawURLEncoding.EncodeToString(idgen.Bytes(32)))
	if err := os.WriteFile(keyFile, []byte(spec+"\n"), 0o600); err != nil {
		return nil, false, fmt.Errorf("app: write key file: %w", err)
	}
	r, err := auth.ParseKeyRing(spec)
	return r, true, err
}
