package turn

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Credentials is one TURN REST API credential pair (draft-uberti-behave-turn-rest-00 §2.2).
type Credentials struct {
	// Username is "<expiry Unix seconds>:<user id>".
	Username string
	// Credential is base64(HMAC-SHA1(shared secret, Username)), standard
	// padded base64 as coturn computes it. A secret: never log it.
	Credential string
	// Expires is when the TURN server starts refusing the pair (second
	// precision, UTC).
	Expires time.Time
}

// String prints the pair with the credential masked, so that fmt never
// reveals it.
func (c Credentials) String() string {
	return fmt.Sprintf("turn.Credentials{Username: %q, Credential: [redacted], Expires: %s}", c.Username, c.Expires.Format(time.RFC3339))
}

// LogValue implements slog.LogValuer: username and expiry, never the
// credential.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", c.Username), slog.Time("expires", c.Expires))
}

// checkUser rejects user ids that would make the username ambiguous.
func checkUser(user string) error {
	if user == "" {
		return fmt.Errorf("%w: empty", ErrBadUser)
	}
	if strings.ContainsRune(user, ':') {
		return fmt.Errorf("%w: contains ':'", ErrBadUser)
	}
	for _, r := range user {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: control character", ErrBadUser)
		}
	}
	return nil
}

// Sign computes the TURN REST API credential pair for user expiring at
// expires (truncated to the second) with the shared secret. Errors:
// [ErrBadUser].
func Sign(secret []byte, user string, expires time.Time) (Credentials, error) {
	if err := checkUser(user); err != nil {
		return Credentials{}, err
	}
	exp := expires.Unix()
	username := strconv.FormatInt(exp, 10) + ":" + user
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(username))
	return Credentials{
		Username:   username,
		Credential: base64.StdEncoding.EncodeToString(mac.Sum(nil)),
		Expires:    time.Unix(exp, 0).UTC(),
	}, nil
}
