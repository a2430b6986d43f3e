package janus

import (
	"fmt"

	"github.com/frontdesk/frontdesk/janus/wire"
)

// The Janus API's message types are defined once, in package wire; these
// names keep the client's API whole.
type (
	// JSEP is wire.JSEP.
	JSEP = wire.JSEP
	// Candidate is wire.Candidate.
	Candidate = wire.Candidate
	// PluginData is wire.PluginData.
	PluginData = wire.PluginData
	// Message is wire.Message.
	Message = wire.Message
	// Error is wire.Error, a Janus core error reply.
	Error = wire.Error
	// PluginError is wire.PluginError, a plugin's error in a reply.
	PluginError = wire.PluginError
	// request is an outgoing message.
	request = wire.Request
)

// pluginError is wire.PluginErrorOf.
func pluginError(pd *PluginData) error { return wire.PluginErrorOf(pd) }

// decodeMessages is wire.DecodeMessages with its error wrapped in
// ErrUnexpectedReply.
func decodeMessages(b []byte) ([]*Message, error) {
	msgs, err := wire.DecodeMessages(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnexpectedReply, err)
	}
	return msgs, nil
}
