package wire

import (
	"encoding/json"
	"fmt"
)

// PluginError is an error reported by a plugin inside a success or event
// reply: plugindata.data.error_code and plugindata.data.error (for VideoRoom,
// codes 421-437 of janus_videoroom.c, e.g. 426 no such room, 427 room exists).
// errors.Is(err, &PluginError{Code: c}) matches any *PluginError with code c.
type PluginError struct {
	// Plugin is the plugin package name, e.g. "janus.plugin.videoroom".
	Plugin string
	// Code is the plugin's error_code.
	Code int
	// Reason is the plugin's error text.
	Reason string
}

// Error implements error.
func (e *PluginError) Error() string {
	return fmt.Sprintf("%s error %d: %s", e.Plugin, e.Code, e.Reason)
}

// Is reports whether target is a *PluginError with the same Code (and the
// same Plugin, when target names one).
func (e *PluginError) Is(target error) bool {
	t, ok := target.(*PluginError)
	return ok && t.Code == e.Code && (t.Plugin == "" || t.Plugin == e.Plugin)
}

// PluginErrorOf returns the plugin error carried in pd
// (plugindata.data.error_code and error) as a *PluginError, or nil.
func PluginErrorOf(pd *PluginData) error {
	if pd == nil || len(pd.Data) == 0 {
		return nil
	}
	var e struct {
		Code   int    `json:"error_code"`
		Reason string `json:"error"`
	}
	if json.Unmarshal(pd.Data, &e) != nil || (e.Code == 0 && e.Reason == "") {
		return nil
	}
	return &PluginError{Plugin: pd.Plugin, Code: e.Code, Reason: e.Reason}
}
