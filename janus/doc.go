// Package janus is Frontdesk's client for the Janus WebRTC Server 1.1.x: the
// Janus API over WebSocket (subprotocol "janus-protocol") and over HTTP (REST
// plus long-poll), behind one [Client]; and the Admin API ([Admin]).
//
// The model is Janus's own (Janus docs, "The Janus API" in mainpage.dox): a
// [Client] creates [Session]s, a session attaches [Handle]s to a plugin, and a
// handle exchanges messages, JSEP offers and answers, and trickled ICE
// candidates with that plugin. Requests are correlated by transaction; a
// synchronous plugin request answers "success" ([Handle.Request]), an
// asynchronous one answers "ack" and later an "event" with the same
// transaction ([Handle.Message]). Everything else the server says about a
// handle (plugin events, webrtcup, media, slowlink, hangup, detached) arrives
// in order on [Handle.Events].
//
// Errors are typed: Janus core errors ({"janus":"error"}, codes of
// apierror.h) are [*Error]; plugin errors carried inside a success or event
// (plugindata.data.error_code) are [*PluginError]. Connection loss fails every
// pending call with [ErrConnectionLost].
//
// Sub-packages: videoroom (typed VideoRoom requests, replies and events) and
// janustest (a real-Janus test harness).
package janus
