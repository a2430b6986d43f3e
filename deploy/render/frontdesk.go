package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// renderFrontdesk writes Frontdesk's configuration file (JSON, which is
// YAML, mode 0600) with what cannot come from FRONTDESK_* variables — the
// list janus.instances — and the secrets, read from Docker secrets:
//
//	JANUS_INSTANCES               comma-separated Janus host names (compose
//	                              services, also their server_name); each gets
//	                              ws://H:8188/, http://H:7088/admin and the
//	                              shared secrets below
//	JANUS_ADMIN_SECRET[_FILE]     admin_secret of every instance
//	JANUS_ADMIN_KEY[_FILE]        VideoRoom admin_key of every instance
//	EVENTS_PASSWORD[_FILE]        with instances: each instance's events_user
//	                              (its name) and events_password
//	                              (instanceEventsPassword); without: the shared
//	                              events.password
//	TURN_SHARED_SECRET[_FILE]     -> turn.shared_secret (coturn static-auth-secret)
//	AUTH_KEYS[_FILE]              -> auth.keys
//	CLUSTER_SECRET[_FILE]         -> cluster.secret (the NATS route password)
//	MONGODB_URI[_FILE]            -> store.mongodb.uri
//
// Each of these is written only when set. Everything else (store driver,
// listen address, TURN URLs, events user) is given to Frontdesk directly as
// FRONTDESK_* variables; the names above deliberately lack that prefix,
// since Frontdesk rejects FRONTDESK_* variables that are not keys.
func renderFrontdesk(path string, getenv func(string) string) error {
	adminSecret, err := secret(getenv, "JANUS_ADMIN_SECRET")
	if err != nil {
		return err
	}
	adminKey, err := secret(getenv, "JANUS_ADMIN_KEY")
	if err != nil {
		return err
	}
	eventsMaster, err := secret(getenv, "EVENTS_PASSWORD")
	if err != nil {
		return err
	}
	cfg := map[string]any{}
	var instances []map[string]any
	for _, h := range strings.Split(getenv("JANUS_INSTANCES"), ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if adminSecret == "" || adminKey == "" {
			return fmt.Errorf("JANUS_INSTANCES needs JANUS_ADMIN_SECRET(_FILE) and JANUS_ADMIN_KEY(_FILE)")
		}
		in := map[string]any{
			"name": h, "ws_url": "ws://" + h + ":8188/", "admin_url": "http://" + h + ":7088/admin",
			"admin_secret": adminSecret, "admin_key": adminKey,
		}
		if eventsMaster != "" {
			in["events_user"], in["events_password"] = h, instanceEventsPassword(eventsMaster, h)
		}
		instances = append(instances, in)
	}
	if len(instances) > 0 {
		cfg["janus"] = map[string]any{"instances": instances}
	}
	for _, s := range []struct {
		env     string
		section string
		key     string
	}{
		{"EVENTS_PASSWORD", "events", "password"},
		{"TURN_SHARED_SECRET", "turn", "shared_secret"},
		{"AUTH_KEYS", "auth", "keys"},
		{"CLUSTER_SECRET", "cluster", "secret"},
		{"MONGODB_URI", "store", "mongodb"},
	} {
		v, err := secret(getenv, s.env)
		if err != nil {
			return err
		}
		if v == "" || (s.env == "EVENTS_PASSWORD" && len(instances) > 0) {
			continue
		}
		section, _ := cfg[s.section].(map[string]any)
		if section == nil {
			section = map[string]any{}
			cfg[s.section] = section
		}
		if s.key == "mongodb" {
			section[s.key] = map[string]any{"uri": v}
			continue
		}
		section[s.key] = v
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("frontdesk config: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("frontdesk config: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("frontdesk config: %w", err)
	}
	return nil
}
