// Package events decodes the events that the Janus WebRTC Server (1.1.x)
// emits to its event handlers, and carries the built-in SFU's call steps
// (package callevent, the source-neutral model) in the same envelope, so
// the bus has one event type; [Event.Call] gives any event's call step.
//
// Janus builds every event in src/events.c (janus_events_notify_handlers) and
// the sample HTTP event handler (events/janus_sampleevh.c) posts them as JSON,
// one object per request or an array of up to 100 when grouping is on. The
// envelope is:
//
//	{"emitter": "<server_name>", "type": 64, "subtype": 1,
//	 "timestamp": <µs since the Unix epoch>, "session_id": 1, "handle_id": 2,
//	 "opaque_id": "...", "event": {...type-specific body...}}
//
// [Decode] turns one such object into an [Event] whose Payload is a typed
// struct for the type (and subtype): [SessionEvent], [HandleEvent],
// [ExternalEvent], [JSEPEvent], [ICEStateEvent], [CandidateEvent],
// [SelectedPairEvent], [DTLSStateEvent], [ConnectionEvent], [MediaStateEvent],
// [SlowLinkEvent], [MediaStatsEvent], [PluginEvent] (with a decoded
// [VideoRoomEvent] for janus.plugin.videoroom), [TransportEvent],
// [CoreEvent], or [Unknown]. Nothing is dropped: the original bytes stay in
// Event.Raw, unknown types decode to [Unknown], and a body that does not fit
// its typed struct is kept as [Unknown] with the reason.
//
// VideoRoom's unpublished, leaving and kicked events carry no session or
// handle id; a [Correlator] fills Event.Room and Event.Participant for them
// and for the WebRTC and media events of a handle whose participant it has
// seen join, so subscribers can follow one participant across event types.
package events
