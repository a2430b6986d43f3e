package wire

// Code is a Janus core API error code, from Janus's src/apierror.h.
type Code int

// Janus core error codes (src/apierror.h).
const (
	CodeUnauthorized            Code = 403
	CodeUnauthorizedPlugin      Code = 405
	CodeUnknown                 Code = 490
	CodeTransportSpecific       Code = 450
	CodeMissingRequest          Code = 452
	CodeUnknownRequest          Code = 453
	CodeInvalidJSON             Code = 454
	CodeInvalidJSONObject       Code = 455
	CodeMissingMandatoryElement Code = 456
	CodeInvalidRequestPath      Code = 457
	CodeSessionNotFound         Code = 458
	CodeHandleNotFound          Code = 459
	CodePluginNotFound          Code = 460
	CodePluginAttach            Code = 461
	CodePluginMessage           Code = 462
	CodePluginDetach            Code = 463
	CodeJSEPUnknownType         Code = 464
	CodeJSEPInvalidSDP          Code = 465
	CodeTrickleInvalidStream    Code = 466
	CodeInvalidElementType      Code = 467
	CodeSessionConflict         Code = 468
	CodeUnexpectedAnswer        Code = 469
	CodeTokenNotFound           Code = 470
	CodeWebRTCState             Code = 471
	CodeNotAcceptingSessions    Code = 472
)

// String returns the default reason Janus gives for the code
// (janus_get_api_error in src/apierror.c).
func (c Code) String() string {
	switch c {
	case CodeUnauthorized:
		return "Unauthorized request (wrong or missing secret/token)"
	case CodeUnauthorizedPlugin:
		return "Unauthorized access to plugin (token is not allowed to)"
	case CodeTransportSpecific:
		return "Transport specific error"
	case CodeMissingRequest:
		return "Missing request"
	case CodeUnknownRequest:
		return "Unknown request"
	case CodeInvalidJSON:
		return "Invalid JSON"
	case CodeInvalidJSONObject:
		return "Invalid JSON Object"
	case CodeMissingMandatoryElement:
		return "Missing mandatory element"
	case CodeInvalidRequestPath:
		return "Invalid path for this request"
	case CodeSessionNotFound:
		return "Session not found"
	case CodeHandleNotFound:
		return "Handle not found"
	case CodePluginNotFound:
		return "Plugin not found"
	case CodePluginAttach:
		return "Error attaching plugin"
	case CodePluginMessage:
		return "Error sending message to plugin"
	case CodePluginDetach:
		return "Error detaching from plugin"
	case CodeJSEPUnknownType:
		return "Unsupported JSEP type"
	case CodeJSEPInvalidSDP:
		return "Invalid SDP"
	case CodeTrickleInvalidStream:
		return "Invalid stream"
	case CodeInvalidElementType:
		return "Invalid element type"
	case CodeSessionConflict:
		return "Session ID already in use"
	case CodeUnexpectedAnswer:
		return "Unexpected ANSWER (no OFFER)"
	case CodeTokenNotFound:
		return "Token not found"
	case CodeWebRTCState:
		return "Wrong WebRTC state"
	case CodeNotAcceptingSessions:
		return "Currently not accepting new sessions"
	default:
		return "Unknown error"
	}
}
