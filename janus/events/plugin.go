package events

import "encoding/json"

// PluginVideoRoom is the package name of the Janus VideoRoom plugin.
const PluginVideoRoom = "janus.plugin.videoroom"

// PluginEvent is a TypePlugin body: the plugin package and its own Data.
// For janus.plugin.videoroom, VideoRoom holds Data decoded; it is nil for
// other plugins, or when Data did not fit (DataErr says why).
type PluginEvent struct {
	Plugin string          `json:"plugin"`
	Data   json.RawMessage `json:"data,omitempty"`

	VideoRoom *VideoRoomEvent `json:"-"`
	DataErr   error           `json:"-"`
}

func (*PluginEvent) isPayload() {}
