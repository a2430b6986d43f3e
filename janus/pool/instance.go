package pool

import (
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/janus/admin"
)

// InstanceConfig describes one Janus instance.
type InstanceConfig struct {
	// Name identifies the instance; it should equal Janus's server_name,
	// which event-handler events carry as "emitter".
	Name string
	// WSURL is the Janus API over WebSocket, e.g. ws://10.0.0.2:8188.
	WSURL string
	// HTTPURL is the Janus API over HTTP, e.g. http://10.0.0.2:8088/janus.
	HTTPURL string
	// AdminURL is the Admin API, e.g. http://10.0.0.2:7088/admin.
	AdminURL string
	// AdminSecret is Janus's admin_secret (never logged).
	AdminSecret string
	// AdminKey is the VideoRoom admin_key (never logged).
	AdminKey string
	// Capacity is how many participants the instance may hold; 0 means no limit.
	Capacity int
}

// State is an instance's health as the pool sees it.
type State int

// The states of an instance.
const (
	// StateHealthy instances answer health checks and take new rooms.
	StateHealthy State = iota
	// StateDraining instances serve their rooms but take no new ones
	// (Admin accept_new_sessions false).
	StateDraining
	// StateDown instances failed their last health check or announced a
	// shutdown; their rooms must be placed again.
	StateDown
)

// String returns "healthy", "draining" or "down".
func (s State) String() string {
	switch s {
	case StateHealthy:
		return "healthy"
	case StateDraining:
		return "draining"
	case StateDown:
		return "down"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// MarshalText renders the state's name (for JSON).
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Instance is a configured Janus instance with its live state.
type Instance struct {
	cfg   InstanceConfig
	admin *admin.Client

	state     State
	load      int
	rooms     int
	lastCheck time.Time
	lastErr   string
	version   string
	// forced counts state changes made by operations (Pool.force), so a
	// health check under way at the time does not undo one.
	forced int
	// checkAsked is set while a CheckSoon request waits for Run.
	checkAsked bool
	// sentinelSeen is set once the instance's sentinel room was found or
	// made (see sentinelRoom); its going missing later means a restart.
	sentinelSeen bool
}

// Config returns the instance's configuration (with secrets: do not log it).
func (i *Instance) Config() InstanceConfig { return i.cfg }

// Name returns the instance's name.
func (i *Instance) Name() string { return i.cfg.Name }

// Admin returns the instance's Admin API client.
func (i *Instance) Admin() *admin.Client { return i.admin }

// Status is a snapshot of an instance for the admin API; it holds no secret.
type Status struct {
	// Name is the instance name.
	Name string `json:"name"`
	// State is healthy, draining or down.
	State State `json:"state"`
	// Load is the number of participants placed on the instance.
	Load int `json:"load"`
	// Rooms is the number of rooms placed on the instance.
	Rooms int `json:"rooms"`
	// Capacity is the participant limit (0: none).
	Capacity int `json:"capacity"`
	// Version is Janus's version string from the last Admin info.
	Version string `json:"version,omitempty"`
	// LastCheck is when the last health check ended.
	LastCheck time.Time `json:"last_check"`
	// LastError is the last health check's error ("" when it passed).
	LastError string `json:"last_error,omitempty"`
	// WSURL and HTTPURL are the Janus API addresses.
	WSURL string `json:"ws_url"`
	// HTTPURL: see WSURL.
	HTTPURL string `json:"http_url"`
}
