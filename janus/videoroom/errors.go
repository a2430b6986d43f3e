package videoroom

import "errors"

// ErrUnexpectedReply: the plugin answered with something that is not the
// reply the request expects (no plugindata, another "videoroom" value, a
// body that does not decode).
var ErrUnexpectedReply = errors.New("videoroom: unexpected reply")
