package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// instanceEventsPassword is the events-webhook password of the Janus
// instance named name: hex(HMAC-SHA256(master, "frontdesk-events:"+name)),
// with master the operator's EVENTS_PASSWORD. Each instance gets its own
// (its user name is its server name), so Frontdesk can tell which instance
// posted (janus.instances[].events_user/events_password) and an instance
// that leaks its credentials cannot post another's events; the operator
// still keeps one secret.
func instanceEventsPassword(master, name string) string {
	mac := hmac.New(sha256.New, []byte(master))
	mac.Write([]byte("frontdesk-events:" + name))
	return hex.EncodeToString(mac.Sum(nil))
}
