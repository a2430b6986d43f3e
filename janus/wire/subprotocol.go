package wire

// Subprotocol is the WebSocket subprotocol of the Janus API (Janus docs,
// "WebSockets interface").
const Subprotocol = "janus-protocol"
