package config

import (
	"errors"
	"fmt"
)

// ErrUnknownKey means the YAML file holds a key that Frontdesk does not
// know, usually a typo. It is wrapped in a [*KeyError] naming the key and the
// file line.
var ErrUnknownKey = errors.New("unknown key")

// ErrInvalid means a setting has a value that is out of range or malformed.
// [Config.Validate] wraps it in a [*KeyError] naming the key.
var ErrInvalid = errors.New("invalid value")

// ErrBadValue means a value from the environment or a flag could not be
// parsed into the key's type (e.g. "abc" for a duration). It is wrapped in a
// [*KeyError] whose Source names the variable or flag.
var ErrBadValue = errors.New("cannot parse value")

// KeyError is the error for one bad setting. Every error that Load and
// Validate return for a particular setting is, or wraps, a *KeyError, so
// callers can find the key with errors.As.
type KeyError struct {
	// Key is the dotted YAML path of the setting, e.g. "http.listen" or
	// "janus.instances[1].ws_url".
	Key string
	// Source says where the bad value came from: "frontdesk.yaml:12",
	// "env FRONTDESK_HTTP_LISTEN", "flag --http.listen"; empty when the
	// problem is the combined result (validation).
	Source string
	// Err is the cause; it wraps ErrUnknownKey, ErrInvalid or ErrBadValue.
	Err error
}

// Error renders "config: <key>: <source>: <cause>" (source omitted when
// empty). It never contains a secret value: parse errors for secret keys
// do not quote the value.
func (e *KeyError) Error() string {
	if e.Source == "" {
		return fmt.Sprintf("config: %s: %v", e.Key, e.Err)
	}
	return fmt.Sprintf("config: %s: %s: %v", e.Key, e.Source, e.Err)
}

// Unwrap returns the cause.
func (e *KeyError) Unwrap() error { return e.Err }

// invalid returns a *KeyError for key wrapping ErrInvalid with a message.
func invalid(key, format string, args ...any) *KeyError {
	return &KeyError{Key: key, Err: fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))}
}
